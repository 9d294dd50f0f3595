"""`curate eval langid`: accuracy of language identification on the labelled evaluation set
(curation/evals/langid_set.py): per-language precision and recall, the ca/es/gl/pt/eu confusion matrix and
accuracy by document length, for the model's own argmax and for the pipeline's decision (close calls
settled by priority; the source taken to declare all 35 languages, as Colossal OSCAR does).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from rich.console import Console
from rich.table import Table

from curation.evals.langid_set import LANGUAGES, build
from curation.stages.langid.model import load_model
from curation.stages.langid.policy import CloseCalls
from curation.config.manifest import TARGET_LANGUAGES
from curation.stages.langid import LangidConfig

CONFUSION = ["ca", "es", "gl", "pt", "eu"]
BUCKETS = [(0, 60, "< 60 chars"), (60, 200, "60-199"), (200, 600, "200-599"), (600, 10**9, ">= 600")]


def _metrics(gold: list[str], pred: list[str]) -> dict[str, dict[str, float]]:
    out = {}
    for lang in LANGUAGES:
        tp = sum(1 for g, p in zip(gold, pred) if g == lang and p == lang)
        n_pred = sum(1 for p in pred if p == lang)
        n_gold = sum(1 for g in gold if g == lang)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[lang] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": n_gold}
    return out


def run(console: Console | None = None) -> dict:
    console = console or Console()
    docs = build()
    gold = [lang for lang, _ in docs]
    texts = [text for _, text in docs]
    model = load_model()
    cfg = LangidConfig()
    pred = model.predict(texts)
    probs = np.exp(pred.doc_logp)
    raw = [model.labels[i] for i in probs.argmax(axis=1)]
    close = CloseCalls(model.labels, [list(g) for g in cfg.related], list(cfg.priorities), cfg.close_call_margin)
    declared = np.array([lab in TARGET_LANGUAGES for lab in model.labels], bool)
    pipeline = [model.labels[i] for i in close.resolve_rows(probs, declared)]
    result: dict = {"documents": len(docs), "per_language": len(docs) // len(LANGUAGES), "model": model.path, "modes": {}}
    for mode, labels in (("model argmax", raw), ("pipeline (close calls)", pipeline)):
        metrics = _metrics(gold, labels)
        accuracy = sum(g == p for g, p in zip(gold, labels)) / len(gold)
        confusion = {g: dict(Counter(p if p in CONFUSION else "other" for gg, p in zip(gold, labels) if gg == g)) for g in CONFUSION}
        by_length = {}
        for lo, hi, name in BUCKETS:
            idx = [i for i, t in enumerate(texts) if lo <= len(t) < hi]
            by_length[name] = {"documents": len(idx), "accuracy": round(sum(gold[i] == labels[i] for i in idx) / len(idx), 4) if idx else None}
        result["modes"][mode] = {"accuracy": round(accuracy, 4), "per_language": metrics, "confusion": confusion, "by_length": by_length}

        t = Table(title=f"langid eval, {mode}: {len(docs)} documents, accuracy {accuracy:.3f}", title_justify="left")
        for col in ("language", "precision", "recall", "F1", "documents"):
            t.add_column(col, justify="left" if col == "language" else "right")
        for lang, m in metrics.items():
            t.add_row(lang, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
        console.print(t)
        c = Table(title=f"confusion (rows: true language, columns: predicted), {mode}", title_justify="left")
        c.add_column("true \\ predicted")
        for col in CONFUSION + ["other"]:
            c.add_column(col, justify="right")
        for g in CONFUSION:
            c.add_row(g, *[str(confusion[g].get(col, 0)) for col in CONFUSION + ["other"]])
        console.print(c)
        console.print("accuracy by length: " + ", ".join(f"{k} {v['accuracy']} (n={v['documents']})" for k, v in by_length.items()))
    return result
