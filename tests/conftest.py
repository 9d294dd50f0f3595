"""Shared fixtures. One quiet local Ray per test session (Ray takes seconds to start)."""

from __future__ import annotations

import importlib.util
import json
import random
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curation.core.errors import UserError
from curation.formats.indexed import IndexedWriter
from curation.core.rundir import RunDir
from curation.core.schema import DOCUMENT_SCHEMA, conform
from curation.phases.tokenizer.config import TokenizerConfig, TrainConfig
from curation.phases.tokenizer.phase import build_tokenizer
from curation.phases.tokenizer.trainer import train_sentencepiece


TOOLS = Path(__file__).resolve().parent.parent / "tools"


def load_tool(name: str):
    """A script of tools/ (not a package) imported as a module, for the tests of its logic."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def ray_session():
    from curation.engine.executor import ensure_ray

    import ray

    ensure_ray(num_cpus=2)
    yield ray
    ray.shutdown()


def curate(*args: str, env: dict | None = None, cwd: str | Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh process (its own Ray), capturing output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "curation.cli", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout, stdin=subprocess.DEVNULL)


def write_pipeline(folder: Path, body: str) -> Path:
    path = folder / "pipeline.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def oscar_record(i: int, text: str, lang: str = "es") -> dict:
    return {
        "content": text,
        "warc_headers": {"warc-record-id": f"<urn:uuid:{i:032x}>", "warc-target-uri": f"https://example.org/{lang}/{i}"},
        "metadata": {"identification": {"label": lang, "prob": 0.9}, "harmful_pp": 500.0, "quality_warnings": None, "categories": None, "tlsh": f"tlsh:{i:x}"},
    }


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A few OSCAR-style files (one with broken records) and a pipeline file binding them."""
    import zstandard

    data = tmp_path / "data"
    data.mkdir()
    for f in range(4):
        lines = [json.dumps(oscar_record(f * 1000 + i, f"Documento {i} del fichero {f}. " * (1 + i % 7))) for i in range(300)]
        if f == 1:
            lines.insert(10, '{"content": "sin cerrar')
            lines.insert(20, "")
        raw = ("\n".join(lines) + "\n").encode()
        if f == 2:
            raw += b'{"content": "bad \xff byte"}\n'
        (data / f"es_part_{f}.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    (data / "es_part_9.jsonl.zst").write_bytes(b"")
    write_pipeline(tmp_path, """\
        name: small
        seed: 1
        sources:
          - use: colossal-oscar
            location: data/*.jsonl.zst
            languages: [es]
        """)
    return tmp_path


def tree_digest(root: Path, folders=("docs", "rejected", "quarantine", "stats")) -> dict[str, str]:
    """sha256 of every data output under a run directory (timing excluded: it is not deterministic)."""
    import hashlib

    out = {}
    for folder in folders:
        for p in sorted((root / folder).rglob("*")):
            if p.is_file() and p.name != "timing.json":
                out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


# --- YAML test files (manifests, pipelines) -----------------------------------------------------

GOOD_ENTRY = """\
  - id: {id}
    name: {name}
    languages: [es, ca]
    domain: web
    licence: CC0-1.0
    format: jsonl
    location: data/*.jsonl
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the `occurrence`-th match of `needle`."""
    seen = 0
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return n
    raise AssertionError(f"{needle!r} not in the test YAML")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def manifest_text(*entries: str) -> str:
    return "version: 1\nsources:\n" + "".join(entries)


def entry(id: str = "x", name: str = "X", **replace: str) -> str:
    text = GOOD_ENTRY.format(id=id, name=name)
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


def assert_one_line_error(exc: UserError, path: Path, line: int, *needles: str) -> str:
    msg = str(exc)
    assert len(msg.splitlines()) == 1, msg
    assert msg.startswith(f"{path}:{line}: "), msg
    for needle in needles:
        assert needle in msg, (needle, msg)
    assert "Traceback" not in msg
    return msg


# --- a run directory with real shards (what the shards phase writes) ------------------------------


def write_shards_run(root: Path, shards: dict[str, list[list[int]]], vocab: int = 1000) -> Path:
    """A minimal run directory with real shards, manifest, token stats and docs (what the phases write)."""
    run = root / "runs" / "r"
    entries, stats, docs = [], {}, {}
    for name, documents in shards.items():
        lang, rest = name.split("/")
        source = rest.split("_")[0].rsplit("-", 1)[0] if rest.split("_")[0][-1].isdigit() else rest.split("_")[0]
        split = rest.split("_")[-3]
        w = IndexedWriter(run / "shards" / name, np.uint16 if vocab < 65500 else np.int32)
        for d in documents:
            w.add_document(np.asarray(d))
        info = w.finalize()
        entries.append({"name": name, "language": lang, "source": source, "split": split, "documents": info.documents, "tokens": info.tokens,
                        "dtype": info.dtype, "bin_sha256": info.bin_sha256, "idx_sha256": info.idx_sha256,
                        "bin_bytes": info.bin_bytes, "idx_bytes": info.idx_bytes})
        cell = stats.setdefault(source, {}).setdefault(lang, {"documents": 0, "tokens": 0})
        cell["documents"] += info.documents
        cell["tokens"] += info.tokens
        docs.setdefault(source, []).extend([lang] * info.documents)
    totals = {"shards": len(entries), "documents": sum(e["documents"] for e in entries), "tokens": sum(e["tokens"] for e in entries)}
    (run / "shards" / "manifest.json").write_text(json.dumps({"shards": entries, "totals": totals}))
    (run / "stats").mkdir(parents=True)
    (run / "stats" / "tokens.json").write_text(json.dumps({"sources": stats}))
    for source, langs in docs.items():
        (run / "docs" / source).mkdir(parents=True)
        pq.write_table(pa.table({"language": langs}), run / "docs" / source / "part.parquet")
    (run / "run.json").write_text(json.dumps({"sources": [{"id": s, "phases": ["fineweb-2.68T"]} for s in docs]}))
    return run


def token_docs(n: int, seed: int, lo: int = 20, hi: int = 60) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [list(rng.integers(5, 999, rng.integers(lo, hi))) + [2] for _ in range(n)]


@pytest.fixture
def small_run(tmp_path: Path) -> Path:
    return write_shards_run(tmp_path, {
        "es/colossal-oscar_train_text_document": token_docs(300, 1),
        "es/colossal-oscar_valid_text_document": token_docs(5, 2),
        "ca/catalog_train_text_document": token_docs(60, 3),
        "en/fineweb-edu_train_text_document": token_docs(200, 4),
        "code/starcoder_train_text_document": token_docs(80, 5),
    })

# --- the trainer: Megatron shards, a run directory with a tokenizer and a blend ----------------------

EOD = 2  # the `</s>` the shards phase appends to every document


@pytest.fixture
def one_thread():
    """Tiny models gain nothing from intra-op threads, and spinning threads crawl on a busy CI machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def random_shard(prefix: Path, docs: int, mean_len: int, seed: int, dtype="uint16", vocab: int = 1000) -> str:
    """Documents of random length and tokens, each ending with EOD, written as Megatron .bin/.idx."""
    import numpy as np

    from curation.formats.indexed import IndexedWriter

    rng = np.random.default_rng(seed)
    w = IndexedWriter(prefix, dtype)
    for _ in range(docs):
        n = int(rng.integers(1, 2 * mean_len))
        w.add_document(np.concatenate([rng.integers(4, vocab, n), [EOD]]).astype(dtype))
    w.finalize()
    return str(prefix)


def random_blend(folder: Path, languages=("es", "ca"), docs: int = 60, mean_len: int = 40) -> Path:
    """Random-token train/valid shards per language under folder/shards and folder/blend/mix.per-split.json
    (absolute prefixes, weights 2:1): a blend for runs that only need tokens, not text (model.vocab_size)."""
    blend: dict[str, list] = {"train": [], "valid": [], "test": []}
    for i, lang in enumerate(languages):
        for j, split in enumerate(("train", "valid")):
            prefix = random_shard(folder / "shards" / lang / f"random_{split}_text_document", docs // (1 + 3 * j), mean_len, seed=10 * i + j)
            blend[split] += [2.0 if i == 0 else 1.0, prefix]
    path = folder / "blend" / "mix.per-split.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(blend))
    return path


WORDS = {
    "es": "el la de que y en un una los las casa perro gato come bebe agua pan grande pequeño rojo azul".split(),
    "ca": "el la de que i en un una els les casa gos gat menja beu aigua pa gran petit vermell blau".split(),
    "en": "the a of that and in one house dog cat eats drinks water bread big small red blue green".split(),
}


def sentences(lang: str, n: int, seed: int) -> list[str]:
    import numpy as np

    rng = np.random.default_rng(seed)
    words = WORDS[lang]
    # A fixed word order per language: the model can learn which word follows which.
    return [" ".join(words[(start + 3 * i) % len(words)] for i in range(int(rng.integers(6, 30)))) + "." for start in rng.integers(0, len(words), n)]


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    """RUN/tokenizer (a small SentencePiece + HF export), RUN/shards/<lang>/..., RUN/blend/mix.per-split.json."""
    import numpy as np
    import sentencepiece as spm

    from curation.formats.indexed import IndexedWriter
    from curation.phases.tokenizer.hf import export_hf

    run = tmp_path_factory.mktemp("run")
    corpus = {lang: sentences(lang, 200, i) for i, lang in enumerate(WORDS)}
    model = run / "tokenizer" / "tokenizer.model"
    model.parent.mkdir(parents=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([s for docs in corpus.values() for s in docs]), model_prefix=str(model.with_suffix("")),
        vocab_size=200, model_type="bpe", unk_id=0, bos_id=1, eos_id=2, pad_id=3, minloglevel=2,
    )
    export_hf(model.read_bytes(), run / "tokenizer" / "hf")
    sp = spm.SentencePieceProcessor(model_file=str(model))
    blend: dict[str, list] = {"train": [], "valid": [], "test": []}
    for lang, docs in corpus.items():
        for split, part in (("train", docs[:180]), ("valid", docs[180:195]), ("test", docs[195:])):
            prefix = run / "shards" / lang / f"synthetic_{split}_text_document"
            w = IndexedWriter(prefix, np.uint16)
            for ids in sp.encode(part):
                w.add_document(np.asarray(ids + [sp.eos_id()], np.uint16))
            f = w.finalize()
            blend[split] += [f.tokens * (2.0 if lang != "en" else 0.5), str(prefix.relative_to(run / "shards"))]
    (run / "blend").mkdir()
    (run / "blend" / "mix.per-split.json").write_text(json.dumps(blend))  # relative prefixes: needs --data-root
    (run / "blend" / "mix.weights.json").write_text(json.dumps({"mixture": "mix", "token_budget": 1e5}))
    return run


def tiny(**extra) -> list[str]:
    base = {"precision": "fp32", "data.seq_length": 32, "train_steps": 16, "log_interval": 4, "eval_interval": 8, "save_interval": 8, "eval_samples": 4}
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]


DEBIAN_TEXT = Path(__file__).parent / "data" / "debian_multilingual.jsonl"


@pytest.fixture(scope="session")
def debian_texts() -> list[str]:
    """Real text in seven languages and five scripts, with emoji and control characters, from Debian
    packages (provenance: tests/data/README.md)."""
    return [json.loads(line)["text"] for line in DEBIAN_TEXT.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def salamandra_model(debian_texts, tmp_path_factory) -> bytes:
    """A SentencePiece BPE with Salamandra's trainer settings, trained on every other Debian document
    (the others are unseen text for it)."""
    return train_sentencepiece(iter(debian_texts[::2]), TrainConfig(vocab_size=3000, num_threads=1), tmp_path_factory.mktemp("spm"), "test")


# --- synthetic docs runs (tokenizer and shards phases) ---------------------------------------------

SYNTHETIC_WORDS = {
    "es": "el la de que y en los se del las un por con una su para es al como más pero sus ciudad gobierno agua tiempo mundo vida casa año trabajo historia niño señal está también".split(),
    "ca": "el la de que i a en els es per un una amb no del com més però ciutat govern aigua temps món vida casa any treball història això està també".split(),
    "eu": "eta da ez bat du zen dira ere baina hori egin behar izan dute hiria gobernua ura denbora mundua bizitza etxea urtea lana historia".split(),
    "en": "the of and to in is was for that with as on by at from his her city government water time world life house year work history".split(),
}
SYNTHETIC_CODE = ["def f(x):\n    return x + 1\n", "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}\n", "if x:\n        y = [1, 2, 3]\r\n"]


def synthetic_text(rng: random.Random, lang: str) -> str:
    """A document with paragraphs, digits, runs of spaces, tabs and newlines, accents (NFC and NFD)."""
    if lang == "code":
        return "".join(rng.choice(SYNTHETIC_CODE) for _ in range(rng.randint(2, 8)))
    paras = []
    for _ in range(rng.randint(1, 4)):
        words = [rng.choice(SYNTHETIC_WORDS[lang]) for _ in range(rng.randint(8, 60))]
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), str(rng.randint(0, 10**6)))
        paras.append(" ".join(words).capitalize() + ".")
    sep = rng.choice(["\n\n", "\n", "\n\n\n", "  \n\t"])
    return sep.join(paras)


def make_docs_run(root: Path, docs: list[tuple[str, str, str, str | None]], files_per_source: int = 1) -> RunDir:
    """A run directory holding only docs/<source>/*.parquet, as the documents (and dedup) phases leave it.
    `docs` are (source, id, text, language)."""
    run = RunDir(root)
    by_source: dict[str, list] = {}
    for d in docs:
        by_source.setdefault(d[0], []).append(d)
    for src, rows in by_source.items():
        folder = run.docs(src)
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(files_per_source):
            chunk = rows[k::files_per_source]
            if not chunk:
                continue
            columns = {"id": [r[1] for r in chunk], "text": [r[2] for r in chunk], "source": [src] * len(chunk), "language": [r[3] for r in chunk]}
            table = pa.table({**columns, "origin": [f"f:{i}" for i in range(len(chunk))]})
            pq.write_table(conform(table, DOCUMENT_SCHEMA), folder / f"part-{k:03d}.parquet")
    return run


def corpus(n_per_lang: dict[str, int], seed: int = 7) -> list[tuple[str, str, str, str | None]]:
    rng = random.Random(seed)
    out = []
    for lang, n in n_per_lang.items():
        src = "code-src" if lang == "code" else "web"
        out += [(src, f"{lang}-{i}", synthetic_text(rng, lang), lang) for i in range(n)]
    return out


def tokenizer_for(run: RunDir, vocab: int = 1200, alpha: float = 0.0, sample_bytes: int = 10**9, seed: int = 3) -> dict:
    cfg = TokenizerConfig(train=TrainConfig(vocab_size=vocab, alpha=alpha, sample_bytes=sample_bytes, num_threads=1))
    sources = sorted(p.name for p in run.docs().iterdir())
    return build_tokenizer(run, sources=sources, seed=seed, run_fingerprint="test", cfg=cfg, base_dir=run.root, where="pipeline.yaml", origin="pipeline", log=lambda m: None)
