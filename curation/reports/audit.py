"""`curate audit RUN`: tokens and documents per language and per source, read from the .idx files.

The counts come from the shards themselves and are cross-checked against shards/manifest.json, the
shards phase's token stats and the documents on disk (docs/, after every filter and dedup); any mismatch
or unreadable shard is reported with the shard's name and fails the audit. Shares are shown before and
after the mixture's resampling, next to the mixture's targets and the published Salamandra shares.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from curation.config.manifest import bundled_manifest_path
from curation.core.rundir import RunDir
from curation.core.yamlfile import load as load_yaml
from curation.formats.indexed import bin_path, idx_path
from curation.reports.shard_checks import check_entry, check_index, check_totals, unlisted
from curation.phases.mix import (
    Mixture,
    compute_blend,
    load_mixture,
    load_shards,
    resolve_mixture,
    training_phases,
)


@dataclass
class Audit:
    run: str
    rows: list[dict[str, Any]]  # one per language
    sources: list[dict[str, Any]]
    shards: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    mixture: str | None = None
    total: dict[str, Any] = field(default_factory=dict)  # the language rows summed ("language": "total")
    # With verify_checksums: {"files": checked, "mismatched": [file names], "unrecorded": files without a sha256}
    checksums: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def published_shares() -> dict[str, dict[str, float]]:
    data = load_yaml((bundled_manifest_path().parent / "salamandra_shares.yaml").read_text(encoding="utf-8"))
    return data["languages"]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _docs_on_disk(run_dir: Path) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for p in sorted(RunDir(run_dir).docs().glob("*/*.parquet")):
        values = pc.value_counts(pq.read_table(p, columns=["language"])["language"])
        for lang, n in zip(values.field("values").to_pylist(), values.field("counts").to_pylist()):
            counts[(p.parent.name, lang)] += n
    return counts


def audit_run(run_dir: str | Path, mixture: Mixture | None = None, verify_checksums: bool = False) -> Audit:
    run_dir = Path(run_dir)
    shards, manifest = load_shards(run_dir)
    problems: list[str] = []
    checked, mismatched, unrecorded = 0, [], 0
    by_shard = []
    tokens_by = defaultdict(lambda: defaultdict(int))  # (source, language) -> split -> tokens
    docs_by = defaultdict(lambda: defaultdict(int))
    manifest_path = run_dir / "shards" / "manifest.json"
    problems.extend(check_totals(manifest, manifest_path))
    problems.extend(unlisted(run_dir / "shards", manifest))
    for entry, shard in zip(manifest["shards"], shards):
        prefix = run_dir / shard.prefix
        shape, found = check_index(prefix, shard.name)
        problems.extend(found)
        if shape is None:
            continue
        problems.extend(check_entry(entry, shape, prefix))
        tokens, docs = shape.tokens, shape.documents
        if verify_checksums:
            for kind, path in (("bin", bin_path(prefix)), ("idx", idx_path(prefix))):
                want = entry.get(f"{kind}_sha256")
                if not want:
                    unrecorded += 1
                    continue
                checked += 1
                if _sha256(path) != want:
                    mismatched.append(f"{shard.name}.{kind}")
                    problems.append(f"shard {shard.name}: {path.name} does not match its sha256 in the manifest")
        tokens_by[(shard.source, shard.language)][shard.split] += tokens
        docs_by[(shard.source, shard.language)][shard.split] += docs
        by_shard.append({"shard": shard.name, "language": shard.language, "source": shard.source, "split": shard.split, "documents": docs, "tokens": tokens, "dtype": shape.dtype.name})

    # Cross-check: the shards phase's own tallies, and the documents on disk.
    stats_path = RunDir(run_dir).token_stats
    if stats_path.is_file():
        import json

        stats = json.loads(stats_path.read_text(encoding="utf-8"))["sources"]
        for (src, lang), splits in sorted(tokens_by.items()):
            cell = stats.get(src, {}).get(lang)
            if cell is None:
                problems.append(f"stats/tokens.json has no entry for {src} x {lang}")
            elif cell["tokens"] != sum(splits.values()) or cell["documents"] != sum(docs_by[(src, lang)].values()):
                problems.append(f"{src} x {lang}: shards hold {sum(docs_by[(src, lang)].values())} documents / {sum(splits.values())} tokens, stats/tokens.json says {cell['documents']} / {cell['tokens']}")
    else:
        problems.append(f"{stats_path}: missing (the shards phase writes it)")
    on_disk = _docs_on_disk(run_dir)
    for key in sorted(set(on_disk) | set(docs_by)):
        in_shards = sum(docs_by[key].values()) if key in docs_by else 0
        if on_disk.get(key, 0) != in_shards:
            problems.append(f"{key[0]} x {key[1]}: {on_disk.get(key, 0)} documents in docs/, {in_shards} in the shards")

    blend_weights: dict[str, float] = {}
    if mixture is not None:
        blend = compute_blend(mixture, shards, training_phases(run_dir))
        for e in blend["train"]:
            blend_weights[e.shard.language] = blend_weights.get(e.shard.language, 0.0) + 100 * e.weight

    published = published_shares()
    train_total = sum(t.get("train", 0) for t in tokens_by.values()) or 1
    langs = sorted({lang for _, lang in tokens_by}, key=lambda lang: -sum(t.get("train", 0) for (s, l2), t in tokens_by.items() if l2 == lang))
    rows = []
    for lang in langs:
        cells = [t for (s, l2), t in tokens_by.items() if l2 == lang]
        train = sum(c.get("train", 0) for c in cells)
        row = {
            "language": lang,
            "documents": sum(sum(d.values()) for (s, l2), d in docs_by.items() if l2 == lang),
            "tokens": sum(sum(c.values()) for c in cells),
            "train_tokens": train,
            "valid_tokens": sum(c.get("valid", 0) for c in cells),
            "test_tokens": sum(c.get("test", 0) for c in cells),
            "raw_share": round(100 * train / train_total, 4),
        }
        if mixture is not None:
            row["mixed_share"] = round(blend_weights.get(lang, 0.0), 4)
            target = mixture.targets.get(lang)
            row["target_share"] = target
            row["delta_vs_target"] = None if target is None else round(row["mixed_share"] - target, 4)
        pub = published.get(lang, {})
        row["salamandra_alia_40b"] = pub.get("alia_40b")
        row["salamandra_datasheet"] = pub.get("datasheet")
        rows.append(row)
    sources = []
    for src in sorted({s for s, _ in tokens_by}):
        sources.append({
            "source": src,
            "documents": sum(sum(d.values()) for (s, _), d in docs_by.items() if s == src),
            "tokens": sum(sum(t.values()) for (s, _), t in tokens_by.items() if s == src),
            "languages": sorted(lang for s, lang in tokens_by if s == src),
        })
    checksums = {"files": checked, "mismatched": mismatched, "unrecorded": unrecorded} if verify_checksums else None
    return Audit(str(run_dir), rows, sources, by_shard, problems, mixture.name if mixture else None, _total(rows), checksums)


def _total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The language rows summed: counts and shares add up; per-language comparisons have no total."""
    total: dict[str, Any] = {"language": "total"}
    for key in (rows[0] if rows else {}):
        if key == "language":
            continue
        values = [r[key] for r in rows if r.get(key) is not None]
        summable = key in ("documents", "tokens", "train_tokens", "valid_tokens", "test_tokens") or key.endswith("_share")
        total[key] = (round(sum(values), 4) if isinstance(sum(values), float) else sum(values)) if summable and values else None
    return total


def checksum_verdict(audit: Audit) -> str | None:
    """One line: do the shards' bytes match the sha256 recorded in shards/manifest.json."""
    c = audit.checksums
    if c is None:
        return None
    unrecorded = f"; {c['unrecorded']} file(s) have no recorded sha256" if c["unrecorded"] else ""
    if c["mismatched"]:
        shown = ", ".join(c["mismatched"][:5]) + (f" and {len(c['mismatched']) - 5} more" if len(c["mismatched"]) > 5 else "")
        return f"checksums: FAILED: {len(c['mismatched'])} of {c['files']} shard files differ from shards/manifest.json ({shown}){unrecorded}"
    return f"checksums: OK: all {c['files']} shard files (.bin and .idx of {len(audit.shards)} shards) match shards/manifest.json{unrecorded}"


def to_csv(audit: Audit) -> str:
    """One row per language, then the total row."""
    buf = io.StringIO()
    if audit.rows:
        w = csv.DictWriter(buf, fieldnames=list(audit.rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows([*audit.rows, audit.total])
    return buf.getvalue()


def to_json(audit: Audit) -> dict[str, Any]:
    return {"run": audit.run, "mixture": audit.mixture, "ok": audit.ok, "problems": audit.problems, "languages": audit.rows, "total": audit.total,
            "sources": audit.sources, "shards": audit.shards, "checksums": audit.checksums}


def plot(audit: Audit, path: Path) -> None:
    """Bar chart of language shares: raw tokens, after resampling, target, published (ALIA-40b)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = audit.rows
    langs = [r["language"] for r in rows]
    series = [("raw tokens (train)", [r["raw_share"] for r in rows])]
    if audit.mixture:
        series.append((f"after resampling ({audit.mixture})", [r.get("mixed_share") or 0 for r in rows]))
        if any(r.get("target_share") is not None for r in rows):
            series.append(("mixture target", [r.get("target_share") or 0 for r in rows]))
    series.append(("Salamandra / ALIA-40b published", [r.get("salamandra_alia_40b") or 0 for r in rows]))
    x = np.arange(len(langs))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(langs) + 2), 4), dpi=100)
    for i, (label, values) in enumerate(series):
        ax.bar(x + i * width - 0.4 + width / 2, values, width, label=label)
    ax.set_xticks(x, langs)
    ax.set_ylabel("share of train tokens (%)")
    ax.set_title(f"Language distribution: {Path(audit.run).name}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed metadata so that the same audit gives the same PNG bytes.
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def load_mixture_ref(ref: str | None) -> Mixture | None:
    if ref is None:
        return None
    return load_mixture(resolve_mixture(ref))
