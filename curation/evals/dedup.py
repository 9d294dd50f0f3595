"""`curate eval dedup`: precision and recall of the dedup phase against planted near-duplicates.

A synthetic corpus (curation/evals/sets/dups.py) holds unrelated documents and pairs planted at Jaccard
levels 0.50 to 1.00 by realistic edits (sentence insertions and deletions, word substitutions, typos,
boilerplate swaps; exact and reformatted copies at 1.00). The real signatures stage and dedup phase (on
Ray) run on it twice, with and without verification. Reported:

- the S-curve: the share of planted pairs put in one cluster, per Jaccard bin, next to the LSH curve
  1 - (1 - J^r)^b and the LSH-with-verification curve expected from the parameters;
- recall: planted pairs with J >= 0.85 that were clustered;
- precision: clustered pairs (every pair within a cluster) that are planted pairs. Pairs of unrelated
  documents are false positives; a planted pair below the threshold is not (it is a real, weaker,
  near-duplicate), but how many were clustered is shown apart.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from curation.evals.sets import dups as synthetic
from curation.phases.dedup.lsh import VERIFY_Z, min_sketch_matches
from curation.stages.minhash import detection_probability

LEVELS = [round(0.5 + 0.05 * i, 2) for i in range(11)]
RECALL_FROM = 0.85


def _family(doc_id: str) -> str:
    return doc_id.rsplit("-", 1)[0] if doc_id.startswith("L") else doc_id


def _verified_probability(j: float, bands: int, rows: int, num_perm: int, threshold: float) -> float:
    """LSH detection times the chance that verification keeps the pair (given one shared band, `rows`
    values are equal and each other byte matches with probability J + (1 - J) / 256)."""
    need = min_sketch_matches(threshold, num_perm, VERIFY_Z) - rows
    p = j + (1 - j) / 256
    n = num_perm - rows
    keep = sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(max(0, need), n + 1))
    return detection_probability(j, bands, rows) * keep


def measure(run_dir: Path, pairs: list[synthetic.PlantedPair], threshold: float) -> dict[str, Any]:
    cluster = synthetic.cluster_of(run_dir)
    members: dict[str, list[str]] = defaultdict(list)
    for doc, c in cluster.items():
        members[c].append(doc)
    predicted = true = 0
    for docs in members.values():
        for i in range(len(docs)):
            for k in range(i + 1, len(docs)):
                predicted += 1
                true += _family(docs[i]) == _family(docs[k])
    found = [cluster.get(p.original) is not None and cluster.get(p.original) == cluster.get(p.variant) for p in pairs]
    high = [f for f, p in zip(found, pairs) if p.jaccard >= RECALL_FROM]
    below = [f for f, p in zip(found, pairs) if p.jaccard < threshold]
    curve: dict[float, list[bool]] = defaultdict(list)
    for f, p in zip(found, pairs):
        curve[min(LEVELS, key=lambda lv: abs(lv - p.jaccard))].append(f)
    return {
        "recall_j_ge_0.85": sum(high) / len(high) if high else 0.0,
        "pairs_j_ge_0.85": len(high),
        "precision": true / predicted if predicted else 1.0,
        "clustered_pairs": predicted,
        "unrelated_pairs_clustered": predicted - true,
        "planted_below_threshold_clustered": sum(below),
        "planted_below_threshold": len(below),
        "curve": {lv: (len(v), sum(v) / len(v)) for lv, v in sorted(curve.items())},
    }


def run(console: Console | None = None, n_background: int = 2000, pairs_per_level: int = 50, seed: int = 11) -> dict[str, Any]:
    from curation.config.stages import StagesConfig

    console = console or Console()
    console.print(f"generating {n_background} unrelated documents and {pairs_per_level} planted pairs at each Jaccard level {LEVELS[0]}..{LEVELS[-1]} ...")
    docs, pairs = synthetic.planted_corpus(n_background, LEVELS, pairs_per_level, seed=seed)
    results: dict[str, Any] = {"documents": len(docs), "planted_pairs": len(pairs)}
    tmp = Path(tempfile.mkdtemp(prefix="curate-eval-dedup-"))
    try:
        base = tmp / "signed"
        synthetic.write_run(base, docs, StagesConfig(), parts=6)
        for verify in (True, False):
            stages = StagesConfig(dedup={"verify": verify})
            run_dir = tmp / ("verified" if verify else "unverified")
            shutil.copytree(base, run_dir)  # same documents and signatures: only the phase's parameters differ
            summary = synthetic.run_dedup(run_dir, stages, log=console.print)
            m = measure(run_dir, pairs, stages.dedup.threshold)
            m.update(bands=summary["bands"], rows=summary["rows"])
            results["verified" if verify else "unverified"] = m
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _report(console, results, StagesConfig())
    return results


def _report(console: Console, r: dict[str, Any], stages: Any) -> None:
    on, off = r["verified"], r["unverified"]
    num_perm, threshold = stages.signatures.num_perm, stages.dedup.threshold
    t = Table(title=f"S-curve: share of planted pairs clustered, by Jaccard (threshold {threshold}, {num_perm} permutations)", title_justify="left")
    for col in ("J", "pairs", f"verified ({on['bands']}x{on['rows']})", "expected", f"unverified ({off['bands']}x{off['rows']})", "expected", ""):
        t.add_column(col, justify="right" if col else "left")
    for lv, (n, rate) in on["curve"].items():
        off_rate = off["curve"].get(lv, (0, 0.0))[1]
        t.add_row(f"{lv:.2f}", str(n), f"{rate:.3f}", f"{_verified_probability(lv, on['bands'], on['rows'], num_perm, threshold):.3f}",
                  f"{off_rate:.3f}", f"{detection_probability(lv, off['bands'], off['rows']):.3f}", "#" * round(rate * 30))
    console.print(t)
    s = Table(title=f"{r['documents']} documents, {r['planted_pairs']} planted pairs", title_justify="left")
    for col in ("", "recall J>=0.85", "precision", "clustered pairs", "unrelated pairs clustered", f"planted pairs J<{threshold} clustered"):
        s.add_column(col, justify="right" if col else "left")
    for name, m in (("verification on", on), ("verification off", off)):
        s.add_row(name, f"{m['recall_j_ge_0.85']:.4f} ({m['pairs_j_ge_0.85']})", f"{m['precision']:.4f}", str(m["clustered_pairs"]),
                  str(m["unrelated_pairs_clustered"]), f"{m['planted_below_threshold_clustered']} of {m['planted_below_threshold']}")
    console.print(s)
