"""`curate eval pii`: precision and recall of the PII detectors on real text with planted identifiers.

Text: curation/data/pii_eval_text.jsonl.gz (Debian manuals, man pages in six languages, licences, Python
code, changelogs; see curation/data/README.md). Identifiers and hard negatives: curation/evals/sets/pii.py.

- recall: planted identifiers found with their exact kind and extent, per kind and per written form;
- precision: detections that are a planted identifier, out of all detections on the planted text except
  those the unplanted text already had (identifiers the real text holds: maintainers' e-mail addresses,
  IP addresses in examples); those are listed apart for a reader to judge, and a detection that
  touches a planted identifier wrongly (other kind, cut short) or a planted negative counts against;
- negatives: planted ISBNs, UUIDs, hashes, versions, dates, prices that a detection touched (must be 0).
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from curation.evals.sets.pii import PHONE_REGIONS, make_set, plant
from curation.stages.pii import PiiConfig
from curation.stages.pii.detectors import Span, detect


def eval_text_path() -> Path:
    return Path(str(resources.files("curation") / "data" / "pii_eval_text.jsonl.gz"))


def load_docs(path: Path | None = None) -> list[dict[str, str]]:
    path = path or eval_text_path()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(docs: list[dict[str, str]], seed: int = 0, per_doc: int = 2) -> dict[str, Any]:
    """Plant `per_doc` rounds of every identifier kind and negative in each document, detect, score."""
    rng = random.Random(seed)
    cfg = PiiConfig()
    vocabulary = sorted({w.lower() for d in docs[:50] for w in re.findall(r"\b[a-zA-Z]{4,10}\b", d["text"])}) or ["user"]
    found, missed, wrong = Counter(), Counter(), Counter()
    by_form_found, by_form_total = Counter(), Counter()
    natural: Counter = Counter()
    natural_examples: list[str] = []
    touched_negatives: list[str] = []
    missed_examples: list[str] = []
    for doc in docs:
        regions = cfg.phone_regions.get(doc["lang"], ())
        before = {(doc["text"][s.start : s.end], s.kind) for s in detect(doc["text"], cfg.kinds, regions, cfg.global_ip_only)}
        # National phone forms are planted only where the document's language reads them (a Spanish
        # number written the Spanish way in a Spanish text); elsewhere only international forms.
        text, planted = plant(doc["text"], make_set(rng, vocabulary, per_doc, [r for r in regions if r in PHONE_REGIONS]), rng)
        spans = detect(text, cfg.kinds, regions, cfg.global_ip_only)
        exact = {(s.start, s.end, s.kind) for s in spans}
        for start, end, item in planted:
            if item.kind.startswith("negative:"):
                continue
            hit = (start, end, item.kind) in exact
            (found if hit else missed)[item.kind] += 1
            if not hit and len(missed_examples) < 100:
                missed_examples.append(f"{item.kind}/{item.form}: {_context(text, Span(start, end, item.kind))}")
            by_form_total[(item.kind, item.form.split(":")[0])] += 1
            by_form_found[(item.kind, item.form.split(":")[0])] += hit
        for s in spans:
            if (s.start, s.end, s.kind) in {(a, b, i.kind) for a, b, i in planted}:
                continue
            touching = [i for a, b, i in planted if s.start < b and a < s.end]
            if touching:
                wrong[s.kind] += 1
                if any(i.kind.startswith("negative:") for i in touching):
                    touched_negatives.append(f"{s.kind}: {text[s.start:s.end]!r} in {[i.value for i in touching]}")
            elif (text[s.start : s.end], s.kind) in before:
                natural[s.kind] += 1
                if len(natural_examples) < 200:
                    natural_examples.append(f"{doc.get('path', '?')}: {s.kind}: {_context(text, s)}")
            else:
                wrong[s.kind] += 1
    kinds = sorted(set(found) | set(missed) | set(wrong))
    per_kind = {
        k: {
            "planted": found[k] + missed[k],
            "found": found[k],
            "false": wrong[k],
            "recall": _ratio(found[k], found[k] + missed[k]),
            "precision": _ratio(found[k], found[k] + wrong[k]),
            "natural": natural[k],
        }
        for k in kinds
    }
    tp, fp, fn = sum(found.values()), sum(wrong.values()), sum(missed.values())
    return {
        "documents": len(docs),
        "characters": sum(len(d["text"]) for d in docs),
        "per_kind": per_kind,
        "by_form": {f"{k}/{form}": f"{by_form_found[(k, form)]}/{n}" for (k, form), n in sorted(by_form_total.items())},
        "recall": _ratio(tp, tp + fn),
        "precision": _ratio(tp, tp + fp),
        "precision_counting_natural_as_false": _ratio(tp, tp + fp + sum(natural.values())),
        "natural_detections": dict(natural),
        "natural_examples": natural_examples,
        "negatives_touched": touched_negatives,
        "missed_examples": missed_examples,
    }


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 1.0


def _context(text: str, s: Span) -> str:
    return (text[max(0, s.start - 30) : s.start] + "[[" + text[s.start : s.end] + "]]" + text[s.end : s.end + 20]).replace("\n", " ")


def run(console: Console) -> dict[str, Any]:
    result = evaluate(load_docs())
    table = Table(title=f"PII detectors: {result['documents']} real documents, planted identifiers")
    for col in ("kind", "planted", "found", "false", "recall", "precision", "in the real text"):
        table.add_column(col)
    for k, r in result["per_kind"].items():
        table.add_row(k, str(r["planted"]), str(r["found"]), str(r["false"]), f"{r['recall']:.4f}", f"{r['precision']:.4f}", str(r["natural"]))
    console.print(table)
    console.print(f"recall {result['recall']:.4f}  precision {result['precision']:.4f}  (counting every detection in the unplanted text as false: {result['precision_counting_natural_as_false']:.4f})")
    console.print(f"planted negatives touched: {len(result['negatives_touched'])}")
    for line in result["negatives_touched"][:20]:
        console.print(f"  {line}")
    return {k: v for k, v in result.items() if k not in ("natural_examples", "missed_examples")}
