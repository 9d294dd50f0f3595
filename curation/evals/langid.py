"""`curate eval langid`: the langid stage's document label and share against real translated text.

Documents: curation/evals/sets/langid.py (Debian's GNOME help pages and gettext catalogues; mixed pages of
real lines in known proportions), the held-out `test` split (the parameters were chosen on `tune`). The
source is taken to declare all 35 target languages (a multilingual crawl, as Colossal OSCAR); the
Galician recall is also shown for a source that declares Galician and English only, and the close
groups for sources that declare the document's language and English (the declared languages settle
close calls). Reported, for the stage as configured and for fastText alone (line vote
and the former rule, the document-level argmax):
- accuracy of the dominant-language label, overall and per language (recall), precision per language;
- the confusion pairs (true -> predicted), and per close pair (ca/es, gl/pt, gl/es, pt/es, no/nn/da,
  hr/sr/bs) how many documents of one were labelled the other;
- the ratio error |predicted share - true share| over documents whose label is right.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from curation.config.manifest import TARGET_LANGUAGES
from curation.evals.sets.langid import CLOSE_GROUPS, LANGUAGES, EvalDoc, build, build_close
from curation.stages.langid import Langid, LangidConfig
from curation.stages.langid.model import load_model
from curation.stages.langid.close import load_close
from curation.stages.langid.second import load_second

PAIRS = [("ca", "es"), ("gl", "pt"), ("gl", "es"), ("pt", "es"), ("no", "nn"), ("no", "da"), ("nn", "da"),
         ("hr", "sr"), ("hr", "bs"), ("sr", "bs")]


def _stage(second: bool = False, close: bool = True) -> Langid:
    cfg = LangidConfig(second_model="cld3" if second else "none", close_models=LangidConfig().close_models if close else [])
    stage = Langid(cfg)
    stage.use_model(load_model(cfg.model), load_second("cld3") if second else None, [load_close(n) for n in cfg.close_models])
    return stage


def label(stage: Langid, docs: list[EvalDoc], declared_langs: list[str]) -> tuple[list[str], np.ndarray]:
    declared = np.array([lab in declared_langs for lab in stage.model.labels], bool)
    chosen, share, _ = stage.label_batch([d.text for d in docs], declared)
    return [stage.model.labels[i] for i in chosen], share


def document_argmax(stage: Langid, docs: list[EvalDoc]) -> list[str]:
    """The former rule: fastText on the whole document, close calls settled by priority."""
    declared = np.array([lab in TARGET_LANGUAGES for lab in stage.model.labels], bool)
    pred = stage.model.predict([d.text for d in docs])
    return [stage.model.labels[i] for i in stage.close.resolve_rows(np.exp(pred.doc_logp), declared)]


def score(docs: list[EvalDoc], pred: list[str], shares: np.ndarray | None, languages: list[str]) -> dict[str, Any]:
    gold = [d.language for d in docs]
    per = {}
    for lang in languages:
        n_gold = sum(g == lang for g in gold)
        n_pred = sum(p == lang for p in pred)
        tp = sum(g == p == lang for g, p in zip(gold, pred))
        per[lang] = {"recall": round(tp / n_gold, 4) if n_gold else None, "precision": round(tp / n_pred, 4) if n_pred else None,
                     "documents": n_gold}
    out: dict[str, Any] = {
        "documents": len(docs),
        "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / len(docs), 4),
        "per_language": per,
        "confusions": [[g, p, n] for (g, p), n in Counter((g, p) for g, p in zip(gold, pred) if g != p).most_common()],
        "by_kind": {k: round(float(np.mean([d.language == p for d, p in zip(docs, pred) if d.kind == k])), 4)
                    for k in sorted({d.kind for d in docs})},
    }
    if shares is not None:
        err = [abs(float(s) - d.share) for d, p, s in zip(docs, pred, shares) if p == d.language]
        out["ratio_error_mean"] = round(float(np.mean(err)), 4)
        out["ratio_error_p90"] = round(float(np.quantile(err, 0.9)), 4)
    return out


def pair_counts(docs: list[EvalDoc], pred: list[str]) -> dict[str, list[int]]:
    """Per close pair a/b: [documents of a labelled b, documents of b labelled a]."""
    c = Counter((d.language, p) for d, p in zip(docs, pred))
    return {f"{a}/{b}": [c[(a, b)], c[(b, a)]] for a, b in PAIRS}


def run(console: Console | None = None, split: str = "test") -> dict[str, Any]:
    console = console or Console()
    docs, close_docs = build(split), build_close(split)
    close_langs = [lang for group in CLOSE_GROUPS for lang in group]
    both, with_cld3, alone = _stage(), _stage(second=True), _stage(close=False)
    result: dict[str, Any] = {"split": split, "model": both.model.path, "modes": {}}
    modes = {}
    for name, stage in (("stage (fastText + close-language models, line vote)", both),
                        ("stage with CLD3 added (second_model: cld3)", with_cld3), ("fastText alone, line vote", alone)):
        pred, share = label(stage, docs, TARGET_LANGUAGES)
        close_pred, _ = label(stage, close_docs, TARGET_LANGUAGES)
        modes[name] = (pred, share, close_pred)
    modes["fastText alone, document argmax (former rule)"] = (document_argmax(alone, docs), None, document_argmax(alone, close_docs))
    for name, (pred, share, close_pred) in modes.items():
        m = score(docs, pred, share, LANGUAGES)
        m["close_groups"] = score(close_docs, close_pred, None, close_langs)
        m["pairs"] = pair_counts(docs + close_docs, pred + close_pred)
        result["modes"][name] = m
    # close groups from single-language sources (hplt-nn, a Bosnian site, ...): the source declares the
    # document's language and English
    own = [""] * len(close_docs)
    for lang in sorted({d.language for d in close_docs}):  # one batch per declared pair, not one per document
        rows = [i for i, d in enumerate(close_docs) if d.language == lang]
        for i, p in zip(rows, label(both, [close_docs[i] for i in rows], [lang, "en"])[0]):
            own[i] = p
    result["close_groups_declared_own"] = score(close_docs, own, None, close_langs)
    gl_docs = [d for d in docs if d.language == "gl"]
    gl_pred, _ = label(both, gl_docs, ["gl", "en"])
    result["gl_recall_declared_gl_en"] = round(sum(p == "gl" for p in gl_pred) / len(gl_docs), 4)
    _report(console, result)
    return result


def _report(console: Console, r: dict[str, Any]) -> None:
    for name, m in r["modes"].items():
        t = Table(title=f"langid eval ({r['split']} split), {name}: {m['documents']} documents, accuracy {m['accuracy']:.4f}"
                  + (f", ratio error {m['ratio_error_mean']:.4f} (p90 {m['ratio_error_p90']:.4f})" if "ratio_error_mean" in m else ""),
                  title_justify="left")
        for col in ("language", "recall", "precision", "documents"):
            t.add_column(col, justify="left" if col == "language" else "right")
        for lang, v in list(m["per_language"].items()) + list(m["close_groups"]["per_language"].items()):
            t.add_row(lang, f"{v['recall']:.3f}", "-" if v["precision"] is None else f"{v['precision']:.3f}", str(v["documents"]))
        console.print(t)
        console.print("  by kind: " + ", ".join(f"{k} {v:.3f}" for k, v in m["by_kind"].items())
                      + f"; close groups no/nn/da, hr/sr/bs: accuracy {m['close_groups']['accuracy']:.4f}")
        console.print("  confusions (true->predicted: documents): " + ", ".join(f"{g}->{p}: {n}" for g, p, n in m["confusions"][:12]))
        console.print("  close pairs (a->b, b->a): " + ", ".join(f"{k} {a},{b}" for k, (a, b) in m["pairs"].items()))
    console.print(f"Galician recall when the source declares gl and en only: {r['gl_recall_declared_gl_en']:.4f}")
    own = r["close_groups_declared_own"]
    console.print(f"close groups when each source declares its own language and en: accuracy {own['accuracy']:.4f} ("
                  + ", ".join(f"{lang} {v['recall']:.3f}" for lang, v in own["per_language"].items()) + ")")
