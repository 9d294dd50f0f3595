"""Synthetic corpora for the dedup evaluation and benchmark: unrelated documents, planted near-duplicates
at a chosen Jaccard similarity made by realistic edits, and run directories that the dedup phase can
process directly.

Documents are drawn from a Zipf-distributed pseudo-word vocabulary (so unrelated documents share only
the common short phrases real text shares), in sentences and paragraphs, with a header and footer taken
from a small pool of boilerplate blocks on half of them (so unrelated pages share boilerplate, as crawled
pages do). A variant is made from its original by one kind of edit, applied with growing strength until
the word 5-gram Jaccard similarity (computed exactly, with the shingling the signatures use) reaches the
target: sentence insertions, sentence deletions, word substitutions, typos, or a boilerplate swap plus
light rewording. Level 1.0 is exact copies and copies that differ only in case, spacing and punctuation.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from curation.stages.minhash import shingles
from curation.core.schema import conform, documents_schema

EDITS = ("insert_sentences", "delete_sentences", "substitute_words", "typos", "swap_boilerplate")
_SYLLABLES = "ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zi zo an en in on ar er ir or al el il ol es is os".split()
_BOILER_WORDS = "home contact about privacy policy cookies accept terms subscribe newsletter login register search menu news blog shop cart help faq careers press follow share copyright rights reserved all".split()


class TextGenerator:
    def __init__(self, seed: int = 7, vocabulary: int = 30_000, zipf_s: float = 1.07):
        rng = random.Random(seed)
        words: set[str] = set()
        while len(words) < vocabulary:
            words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))))
        self.vocab = np.array(sorted(words))
        weights = 1.0 / np.arange(1, vocabulary + 1) ** zipf_s
        self.cdf = np.cumsum(weights / weights.sum())
        self.boilerplate = [self._boiler_block(rng) for _ in range(24)]

    def _boiler_block(self, rng: random.Random) -> str:
        lines = [" | ".join(rng.choice(_BOILER_WORDS).capitalize() for _ in range(rng.randint(4, 9))) for _ in range(rng.randint(1, 3))]
        return "\n".join(lines)

    def words(self, rng: np.random.Generator, n: int) -> list[str]:
        return self.vocab[np.searchsorted(self.cdf, rng.random(n))].tolist()

    def sentence(self, rng: np.random.Generator) -> str:
        ws = self.words(rng, int(rng.integers(6, 25)))
        return " ".join(ws).capitalize() + rng.choice([".", ".", ".", "?", "!"])

    def body(self, rng: np.random.Generator, n_words: int) -> list[list[str]]:
        """Paragraphs of sentences, about n_words words."""
        paras: list[list[str]] = []
        total = 0
        while total < n_words:
            para = [self.sentence(rng) for _ in range(int(rng.integers(2, 7)))]
            total += sum(len(s.split()) for s in para)
            paras.append(para)
        return paras

    def document(self, rng: np.random.Generator, n_words: int) -> dict[str, Any]:
        doc: dict[str, Any] = {"paras": self.body(rng, n_words), "header": None, "footer": None}
        if rng.random() < 0.5:
            doc["header"], doc["footer"] = (int(x) for x in rng.choice(len(self.boilerplate), 2, replace=False))
        return doc

    def render(self, doc: dict[str, Any]) -> str:
        blocks = []
        if doc["header"] is not None:
            blocks.append(self.boilerplate[doc["header"]])
        blocks.extend(" ".join(p) for p in doc["paras"])
        if doc["footer"] is not None:
            blocks.append(self.boilerplate[doc["footer"]])
        return "\n\n".join(blocks)


def jaccard(a: str, b: str) -> float:
    sa, sb = set(shingles(a)), set(shingles(b))
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def _edited(gen: TextGenerator, base: dict[str, Any], kind: str, strength: float, seed: int) -> dict[str, Any]:
    """`base` with an edit of one kind; strength in [0, 1] (same seed: the same positions, growing)."""
    rng = np.random.default_rng(seed)
    doc = {"paras": [list(p) for p in base["paras"]], "header": base["header"], "footer": base["footer"]}
    sentences = [(i, j) for i, p in enumerate(doc["paras"]) for j in range(len(p))]
    n_sent = len(sentences)
    if kind == "insert_sentences":
        k = int(round(strength * n_sent * 1.5))
        for _ in range(k):
            i = int(rng.integers(len(doc["paras"])))
            doc["paras"][i].insert(int(rng.integers(len(doc["paras"][i]) + 1)), gen.sentence(rng))
    elif kind == "delete_sentences":
        k = min(n_sent - 1, int(round(strength * n_sent)))
        for i, j in sorted((sentences[x] for x in rng.permutation(n_sent)[:k]), reverse=True):
            del doc["paras"][i][j]
        doc["paras"] = [p for p in doc["paras"] if p]
    elif kind in ("substitute_words", "typos", "swap_boilerplate"):
        if kind == "swap_boilerplate":
            doc["header"], doc["footer"] = (int(x) for x in rng.choice(len(gen.boilerplate), 2, replace=False))
            strength *= 0.4  # the swap itself changes the boilerplate shingles; light rewording reaches the target
        flat = [(i, j, w) for i, p in enumerate(doc["paras"]) for j, s in enumerate(p) for w in range(len(s.split()))]
        k = int(round(strength * len(flat) * 0.35))
        for x in rng.permutation(len(flat))[:k]:
            i, j, w = flat[x]
            words = doc["paras"][i][j].split()
            if kind == "typos" and len(words[w]) > 2:
                c = list(words[w])
                pos = int(rng.integers(len(c)))
                c[pos] = "xqz"[int(rng.integers(3))]
                words[w] = "".join(c)
            else:
                words[w] = gen.words(rng, 1)[0]
            doc["paras"][i][j] = " ".join(words)
    return doc


def reformatted(text: str, rng: np.random.Generator) -> str:
    """The same words with other case, spacing and punctuation: Jaccard 1.0 after normalization."""
    out = []
    for w in text.split(" "):
        r = rng.random()
        out.append(w.upper() if r < 0.1 else w + "," if r < 0.2 else w)
    return "  ".join(out) if rng.random() < 0.5 else " ".join(out).replace("\n\n", "\n \n")


def near_duplicate(gen: TextGenerator, base: dict[str, Any], target: float, kind: str, seed: int, tolerance: float = 0.02) -> tuple[str, float]:
    """A variant of `base` whose Jaccard similarity to it is within `tolerance` of `target` (bisection on
    the edit strength); returns the closest found if the edit cannot reach the tolerance."""
    text = gen.render(base)
    lo, hi = 0.0, 1.0
    best = (text, 1.0)
    for _ in range(14):
        mid = (lo + hi) / 2
        variant = gen.render(_edited(gen, base, kind, mid, seed))
        j = jaccard(text, variant)
        if abs(j - target) < abs(best[1] - target):
            best = (variant, j)
        if abs(j - target) <= tolerance:
            break
        if j > target:
            lo = mid
        else:
            hi = mid
    return best


@dataclass
class PlantedPair:
    original: str  # document ids
    variant: str
    jaccard: float
    edit: str


def planted_corpus(n_background: int, levels: list[float], pairs_per_level: int, seed: int = 11, words: tuple[int, int] = (150, 700)) -> tuple[list[dict[str, Any]], list[PlantedPair]]:
    """Documents {id, text} and the planted pairs. Level 1.0 pairs are exact copies or reformatted copies."""
    gen = TextGenerator(seed)
    rng = np.random.default_rng(seed)
    docs: list[dict[str, Any]] = []
    pairs: list[PlantedPair] = []
    for i in range(n_background):
        docs.append({"id": f"bg-{i:06d}", "text": gen.render(gen.document(rng, int(rng.integers(*words))))})
    for li, level in enumerate(levels):
        for k in range(pairs_per_level):
            base = gen.document(rng, int(rng.integers(*words)))
            text = gen.render(base)
            pid = f"L{li:02d}-{k:04d}"
            if level >= 1.0:
                kind = "exact_copy" if k % 2 == 0 else "reformatted"
                variant = text if kind == "exact_copy" else reformatted(text, rng)
                j = jaccard(text, variant)
            else:
                kind = EDITS[k % len(EDITS)]
                variant, j = near_duplicate(gen, base, level, kind, seed=seed * 1_000_003 + li * 10_007 + k)
            docs.append({"id": f"{pid}-a", "text": text})
            docs.append({"id": f"{pid}-b", "text": variant})
            pairs.append(PlantedPair(f"{pid}-a", f"{pid}-b", j, kind))
    order = rng.permutation(len(docs))
    return [docs[i] for i in order], pairs


def write_run_part(run_dir: Path, docs: list[dict[str, Any]], stages: Any, index: int, source: str = "synthetic", language: str = "es") -> Path:
    """One docs part as the documents phase would leave it, signature columns computed by the real
    signatures stage: docs/<source>/part-<index>.0000.parquet."""
    from curation.config.manifest import Source
    from curation.stages.signatures import Signatures

    schema = documents_schema(stages.stage_columns())
    stage = Signatures(stages.signatures)
    stage.setup()
    src = Source(id=source, name=source, languages=[language], domain="web", licence="none", format="jsonl", location=str(run_dir))
    n = len(docs)
    table = pa.table({
        "id": [d["id"] for d in docs], "text": [d["text"] for d in docs], "source": [source] * n, "language": [language] * n,
        "origin": [f"part-{index}.jsonl:{i}" for i in range(n)],
    })
    if "quality_score" in schema.names:
        table = table.append_column("quality_score", pa.array([d.get("quality_score") for d in docs], pa.float64()))
    path = Path(run_dir) / "docs" / source / f"part-{index}.0000.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(conform(stage.process(table, src).table, schema), path, compression="zstd")
    return path


def write_run_meta(run_dir: Path, stages: Any) -> None:
    """The part of run.json the dedup phase reads from a reference run (`against`)."""
    meta = {"name": Path(run_dir).name, "pipeline": {"stages": stages.model_dump(mode="json")}}
    (Path(run_dir) / "run.json").write_text(json.dumps(meta, indent=1))


def write_run(run_dir: Path, docs: list[dict[str, Any]], stages: Any, source: str = "synthetic", language: str = "es", parts: int = 4) -> None:
    """A run directory with `docs` spread over `parts` docs parts (see write_run_part)."""
    for p in range(parts):
        write_run_part(run_dir, docs[p::parts], stages, p, source, language)
    write_run_meta(run_dir, stages)


def resolved_pipeline(path: Path, stages: Any, source: str = "synthetic", language: str = "es"):
    """A ResolvedPipeline for a synthetic run (the dedup phase reads its stages and file location)."""
    from curation.config.manifest import Source
    from curation.config.pipeline import Pipeline, ResolvedPipeline

    src = Source(id=source, name=source, languages=[language], domain="web", licence="none", format="jsonl", location=str(path.parent))
    return ResolvedPipeline(path=str(path), pipeline=Pipeline(name="synthetic", sources=[src], stages=stages), sources=[src])


def run_dedup(run_dir: Path, stages: Any, num_cpus: int | None = None, log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """The dedup phase on a run directory written by `write_run`."""
    from curation.phases.dedup.phase import DedupPhase
    from curation.core.rundir import RunDir
    from curation.engine.phase import PhaseContext

    rp = resolved_pipeline(Path(run_dir) / "pipeline.yaml", stages)
    return DedupPhase().run(PhaseContext(RunDir(run_dir), rp, "synthetic", None, num_cpus, log))


def cluster_of(run_dir: Path) -> dict[str, str]:
    """document id -> cluster id, from dedup/clusters/."""
    out: dict[str, str] = {}
    for p in sorted((Path(run_dir) / "dedup" / "clusters").glob("*.parquet")):
        t = pq.read_table(p, columns=["id", "cluster"])
        out.update(zip(t["id"].to_pylist(), t["cluster"].to_pylist()))
    return out
