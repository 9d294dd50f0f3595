"""The datasheet: every Gebru et al. question, numbers equal to the run's stats and token audit (parsed back
from the Markdown tables), a self-contained HTML that parses, deterministic output, plain "no information"."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from curation.reports.datasheet import write_datasheet
from curation.reports.datasheet.figures import series
from curation.reports.datasheet.questions import QUESTIONS, SECTIONS
from curation.core.errors import UserError
from curation.runner import run_pipeline
from conftest import curate

PIPELINE = """\
name: {name}
seed: 7
sources:
  - use: catalog
    location: sample://catalog/*.jsonl.zst
    format: jsonl.zst
  - use: eurlex
    location: sample://eurlex/eurlex_[ef]*.jsonl.gz
    format: jsonl.gz
    fields: {{text: text, id: celex, language: language, metadata: [date, title]}}
  - use: starcoder
    location: sample://starcoder/[cp]*/*.parquet
stages:
  quality:
    curate: {{threshold: {threshold}}}
"""

FULL = """\
tokenizer: {train: {vocab_size: 1000}}
mixture: mix.yaml
"""

MIXTURE = """\
name: dsmix
description: test mixture
token_budget: 1.0e6
sampling:
  by_language: {ca: 2.0, code: 0.5}
"""


def _run(folder: Path, name: str, threshold: float, full: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pipeline.yaml").write_text(PIPELINE.format(name=name, threshold=threshold) + (FULL if full else ""))
    (folder / "mix.yaml").write_text(MIXTURE)
    result = run_pipeline(folder / "pipeline.yaml", runs_dir=folder / "runs", log=lambda m: None)
    assert result.reconciliation["ok"]
    return result.run.root


@pytest.fixture(scope="module")
def docs_runs(tmp_path_factory, ray_session) -> tuple[Path, Path]:
    """Two runs without tokenizer that differ only in the CURATE threshold."""
    root = tmp_path_factory.mktemp("datasheet")
    return _run(root / "a", "strict", 0.8), _run(root / "b", "lenient", 0.3)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, ray_session) -> Path:
    """A run with tokenizer, shards and mixture (its datasheet has token counts, splits, factors)."""
    return _run(tmp_path_factory.mktemp("datasheet-full"), "full", 0.8, full=True)


# --- reading the Markdown back -----------------------------------------------------------------------


def answers(md: str) -> dict[tuple[str, str], str]:
    """(section title, question title) -> the text under that question."""
    out: dict[tuple[str, str], str] = {}
    section = question = None
    buf: list[str] = []
    for line in md.splitlines() + ["## end"]:
        if line.startswith("## ") or line.startswith("### "):
            if question is not None:
                out[(section, question)] = "\n".join(buf)
            buf, question = [], None
            if line.startswith("## "):
                section = line[3:].strip()
            else:
                question = line[4:].strip()
        elif question is not None:
            buf.append(line)
    return out


def answer_to(md: str, qid: str) -> str:
    q = QUESTIONS[qid]
    section = next(s.title for s in SECTIONS if q in s.questions)
    return answers(md)[(section, q.title)]


def tables(text: str) -> list[list[dict[str, str]]]:
    """Every Markdown table of a text, as rows keyed by the header cells."""
    out, block = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            block.append(line)
            continue
        if len(block) >= 2:
            cells = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]] for row in block]
            out.append([dict(zip(cells[0], row)) for row in cells[2:]])
        block = []
    return out


def table_with(text: str, *headers: str) -> list[dict[str, str]]:
    found = [t for t in tables(text) if t and all(h in t[0] for h in headers)]
    assert found, f"no table with columns {headers}"
    return found[0]


def num(cell: str) -> float:
    return float(cell.strip("` ").replace(",", ""))


def name(cell: str) -> str:
    return cell.strip("` ")


def stats(run: Path, name: str):
    return json.loads((run / "stats" / name).read_text())


# --- structure ---------------------------------------------------------------------------------------


def test_every_section_and_question_is_present_in_order(docs_runs, tmp_path) -> None:
    sheet = write_datasheet(docs_runs[0], tmp_path / "out")
    md = sheet.markdown.read_text()
    sections = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert sections == [s.title for s in SECTIONS] == ["Motivation", "Composition", "Collection Process", "Preprocessing/Cleaning/Labeling", "Uses", "Distribution", "Maintenance"]
    asked = [(s, q) for s, q in answers(md)]
    assert asked == [(s.title, q.title) for s in SECTIONS for q in s.questions]
    assert len(asked) == 57 and sum(q == "Any other comments?" for _, q in asked) == 7
    for q in QUESTIONS.values():
        text = answer_to(md, q.id)
        if q.detail:
            assert f"*{q.detail}*" in text
        assert text.replace(f"*{q.detail}*", "").strip(), f"question {q.id} has no answer"


def test_a_question_without_data_says_so_and_a_configured_one_is_answered(docs_runs, tmp_path) -> None:
    cfg = tmp_path / "ds.yaml"
    cfg.write_text("motivation:\n  funding: The Example Foundation, grant 42.\n  creators: ''\nmaintenance:\n  contact: data@example.org\n")
    md = write_datasheet(docs_runs[0], tmp_path / "out", config=cfg).markdown.read_text()
    assert "The Example Foundation, grant 42." in answer_to(md, "motivation.funding")
    assert "data@example.org" in answer_to(md, "maintenance.contact")
    for qid in ("motivation.creators", "composition.confidential", "distribution.when"):
        assert f"*No information was provided* (`ds.yaml`: `{qid}`)" in answer_to(md, qid)
    # Questions the run answers from its own data never claim there is none.
    for qid in ("composition.count", "composition.noise", "collection.mechanisms", "preprocessing.done"):
        assert "No information was provided" not in answer_to(md, qid)
    # What the run did not do is said plainly: this run has no shards, hence no splits and no tokens.
    assert "made no shards" in answer_to(md, "composition.splits")
    assert "no token counts" in answer_to(md, "composition.count")


def test_config_and_template_mistakes_are_user_errors(docs_runs, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("motivation:\n  purpose: x\n  funders: y\n")
    with pytest.raises(UserError, match=r"bad\.yaml:3: field 'motivation\.funders': unknown key"):
        write_datasheet(docs_runs[0], tmp_path / "out", config=bad)
    from curation.reports.datasheet.render import bundled_template_path

    template = tmp_path / "DATASHEET.md.j2"
    text = bundled_template_path().read_text()
    template.write_text(text.replace('{{ question("uses.not_for") }}', ""))
    with pytest.raises(UserError, match=r"missing: uses\.not_for"):
        write_datasheet(docs_runs[0], tmp_path / "out", template=template)
    template.write_text(text.replace("{{ run.name }}", "{{ run.nmae }}", 1))
    with pytest.raises(UserError, match="nmae"):
        write_datasheet(docs_runs[0], tmp_path / "out", template=template)
    with pytest.raises(UserError, match="run has not finished"):
        unfinished = tmp_path / "unfinished"
        shutil.copytree(docs_runs[0], unfinished, ignore=shutil.ignore_patterns("stats"))
        write_datasheet(unfinished, tmp_path / "out")


# --- numbers -----------------------------------------------------------------------------------------


def _docs_per_language(run: Path) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for p in sorted((run / "docs").glob("*/*.parquet")):
        vc = pc.value_counts(pq.read_table(p, columns=["language"])["language"])
        for lang, n in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist()):
            counts[lang] += n
    return dict(counts)


def _check_stats_numbers(run: Path, md: str) -> None:
    recon = stats(run, "reconciliation.json")
    stages = stats(run, "stages.json")
    dedup = stats(run, "dedup.json")

    # Documents per language: the table equals the documents on disk.
    langs = table_with(answer_to(md, "composition.count"), "language", "documents")
    assert {r["language"]: int(num(r["documents"])) for r in langs} == _docs_per_language(run)

    # Per source: records, kept, rejected, quarantined as reconciled.
    rows = table_with(answer_to(md, "collection.mechanisms"), "records", "quarantined")
    got = {name(r["source"]): {k: int(num(r[k])) for k in ("records", "kept", "rejected", "quarantined")} for r in rows}
    want = {s: {k: v[k] for k in ("records", "kept", "rejected", "quarantined")} for s, v in recon["sources"].items()}
    assert got == {**want, "total": {k: recon["total"][k] for k in ("records", "kept", "rejected", "quarantined")}}

    # Drops per stage and reason, summed from stages.json and dedup.json.
    drops: dict[tuple[str, str], int] = defaultdict(int)
    for stage, srcs in stages["stages"].items():
        for langs_ in srcs.values():
            for cell in langs_.values():
                for reason, n in cell["dropped"].items():
                    drops[(stage, reason)] += n
    for langs_ in dedup["sources"].values():
        for c in langs_.values():
            drops[("dedup", "duplicate:exact")] += c["removed_exact"]
            drops[("dedup", "duplicate:near")] += c["removed_near"]
    table = table_with(answer_to(md, "preprocessing.done"), "stage", "reason")
    assert {(r["stage"], name(r["reason"])): int(num(r["documents"])) for r in table} == {k: v for k, v in drops.items() if v}

    # The funnel: records in, minus quarantined, minus each stage's drops, equals the documents kept.
    funnel = table_with(answer_to(md, "preprocessing.done"), "step", "documents left")
    left = [int(num(r["documents left"])) for r in funnel]
    assert left[0] == recon["total"]["records"]
    assert left[1] == recon["total"]["records"] - recon["total"]["quarantined"]
    steps = [r["step"] for r in funnel]
    assert steps[2:-1] == stages["order"] + ["dedup"]
    for i, stage in enumerate(steps[2:-1], start=2):
        assert left[i - 1] - left[i] == sum(n for (s, _), n in drops.items() if s == stage)
    assert left[-1] == left[-2] == recon["total"]["kept"]

    # Duplicates per source as the dedup phase counted them.
    table = table_with(answer_to(md, "composition.noise"), "exact duplicates removed")
    for r in table:
        if name(r["source"]) == "total":
            assert int(num(r["documents in"])) == dedup["total"]["docs_in"]
            continue
        cells = dedup["sources"][name(r["source"])].values()
        assert int(num(r["exact duplicates removed"])) == sum(c["removed_exact"] for c in cells)
        assert int(num(r["near duplicates removed"])) == sum(c["removed_near"] for c in cells)
        assert int(num(r["documents out"])) == sum(c["docs_out"] for c in cells)

    # Missing URLs, counted from the documents themselves.
    table = table_with(answer_to(md, "composition.missing"), "url", "quality_score")
    for r in table:
        urls = pq.read_table(run / "docs" / name(r["source"]), columns=["url"])["url"] if (run / "docs" / name(r["source"])).exists() else None
        assert int(num(r["url"])) == (urls.null_count if urls is not None else 0)


def test_numbers_equal_the_run_stats(docs_runs, tmp_path) -> None:
    for run in docs_runs:
        sheet = write_datasheet(run, tmp_path / run.name)
        md = sheet.markdown.read_text()
        _check_stats_numbers(run, md)
        # The figures plot the numbers of the tables (no tokens here: documents).
        fig = series(sheet.facts)
        langs = table_with(answer_to(md, "composition.count"), "language", "share of documents (%)")
        assert fig["languages"]["labels"] == [r["language"] for r in langs]
        assert [round(v, 2) for v in fig["languages"]["values"][0][1]] == [num(r["share of documents (%)"]) for r in langs]
        srcs = [t for t in tables(answer_to(md, "composition.count")) if t and list(t[0]) == ["source", "documents"]][0]
        assert fig["sources"]["labels"] == [name(r["source"]) for r in srcs]
        assert fig["sources"]["values"][0][1] == [int(num(r["documents"])) for r in srcs]
        funnel = table_with(answer_to(md, "preprocessing.done"), "step", "documents left")
        assert fig["funnel"]["labels"] == [r["step"] for r in funnel]
        assert fig["funnel"]["values"][0][1] == [int(num(r["documents left"])) for r in funnel]


def test_a_changed_filter_regenerates_with_the_new_numbers(docs_runs, tmp_path) -> None:
    strict, lenient = (write_datasheet(run, tmp_path / run.name).markdown.read_text() for run in docs_runs)
    funnel = {k: table_with(answer_to(md, "preprocessing.done"), "step", "documents left") for k, md in (("strict", strict), ("lenient", lenient))}
    kept = {k: int(num(rows[-1]["documents left"])) for k, rows in funnel.items()}
    assert kept["lenient"] > kept["strict"]  # a lower CURATE threshold keeps more
    assert kept == {"strict": stats(docs_runs[0], "reconciliation.json")["total"]["kept"], "lenient": stats(docs_runs[1], "reconciliation.json")["total"]["kept"]}
    assert "`threshold=0.3`" in lenient and "`threshold=0.8`" in strict


def test_same_run_gives_identical_files_in_process_and_from_the_cli(docs_runs, tmp_path) -> None:
    a = write_datasheet(docs_runs[0], tmp_path / "a")
    result = curate("datasheet", str(docs_runs[0]), "--out", str(tmp_path / "b"))
    assert result.returncode == 0, result.stderr
    for rel in ("DATASHEET.md", "DATASHEET.html", "figures/languages.png", "figures/sources.png", "figures/funnel.png"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    assert a.markdown.read_text().count("\n") > 300
    bad = curate("datasheet", str(docs_runs[0]), "--config", str(tmp_path / "none.yaml"))
    assert bad.returncode == 2 and bad.stderr.strip() == f"error: {tmp_path / 'none.yaml'}: no such file"


# --- HTML ---------------------------------------------------------------------------------------------


def test_html_is_one_self_contained_file_that_parses(docs_runs, tmp_path) -> None:
    import html5lib

    sheet = write_datasheet(docs_runs[0], tmp_path / "out")
    doc = sheet.html.read_text(encoding="utf-8")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(doc)  # raises on any parse error
    images = tree.findall(".//img")
    assert len(images) == 3
    for img, fig in zip(images, ("languages", "sources", "funnel")):
        src = img.get("src")
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]) == (sheet.markdown.parent / "figures" / f"{fig}.png").read_bytes()
    for el in tree.iter():
        for attr in ("src", "href"):
            value = el.get(attr)
            assert value is None or value.startswith(("data:", "#")), f"<{el.tag} {attr}={value!r}> points outside the file"
    assert not tree.findall(".//link") and not tree.findall(".//script")
    assert len(tree.findall(".//h3")) == 57 and len(tree.findall(".//h2")) == 7
    assert tree.find(".//title").text == "Datasheet: the strict run"


# --- a run with shards, tokenizer and mixture -----------------------------------------------------------


@pytest.mark.slow
def test_token_numbers_equal_the_audit_and_the_mixture(full_run, tmp_path) -> None:
    from curation.reports.audit import audit_run
    from curation.phases.mix import load_mixture

    sheet = write_datasheet(full_run, tmp_path / "out")
    md = sheet.markdown.read_text()
    _check_stats_numbers(full_run, md)
    audit = audit_run(full_run, load_mixture(full_run.parent.parent / "mix.yaml"))
    assert audit.ok, audit.problems

    rows = table_with(answer_to(md, "composition.count"), "language", "train tokens")
    assert [r["language"] for r in rows] == [r["language"] for r in audit.rows]
    for got, want in zip(rows, audit.rows):
        for col, key in (("documents", "documents"), ("tokens", "tokens"), ("train tokens", "train_tokens"), ("valid tokens", "valid_tokens"), ("test tokens", "test_tokens")):
            assert int(num(got[col])) == want[key], (want["language"], col)
        assert abs(num(got["share of train tokens (%)"]) - want["raw_share"]) <= 0.005 + 1e-9
        assert abs(num(got["share after resampling (%)"]) - want["mixed_share"]) <= 0.005 + 1e-9

    tokens = stats(full_run, "tokens.json")
    rows = table_with(answer_to(md, "composition.count"), "source", "bytes per token")
    by_source = {s["source"]: s for s in audit.sources}
    for r in rows:
        src = name(r["source"])
        if src == "total":
            assert int(num(r["tokens"])) == tokens["total"]["tokens"] and int(num(r["documents"])) == tokens["total"]["documents"]
            continue
        assert (int(num(r["documents"])), int(num(r["tokens"]))) == (by_source[src]["documents"], by_source[src]["tokens"])
        assert int(num(r["bytes"])) == sum(c["bytes"] for c in tokens["sources"][src].values())

    splits = table_with(answer_to(md, "composition.splits"), "split", "tokens")
    for r in splits:
        want = sum(c[r["split"]]["tokens"] for langs in tokens["sources"].values() for c in langs.values())
        assert int(num(r["tokens"])) == want

    weights = json.loads((full_run / "blend" / "dsmix.weights.json").read_text())
    rows = table_with(answer_to(md, "collection.sampling"), "language", "factor", "epochs")
    assert {r["language"] for r in rows} == set(weights["languages"])
    for r in rows:
        w = weights["languages"][r["language"]]
        entries = [e for e in weights["splits"]["train"] if e["language"] == r["language"]]
        assert int(num(r["tokens"])) == w["tokens"]
        assert abs(num(r["share after resampling (%)"]) - w["share"]) <= 0.005 + 1e-9
        assert num(r["factor"]) == entries[0]["factor"]
        epochs = weights["token_budget"] * sum(e["weight"] for e in entries) / sum(e["tokens"] for e in entries)
        assert abs(num(r["epochs"]) - epochs) <= 0.0005 + 1e-9

    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(full_run / "tokenizer" / "tokenizer.model"))
    tok = {r["setting"]: r["value"] for r in table_with(answer_to(md, "preprocessing.done"), "setting", "value")}
    assert tok["type"] == "SentencePiece BPE"
    assert tok["vocabulary"].startswith(f"{sp.get_piece_size():,} pieces")

    # The figures plot the numbers of those tables.
    fig = series(sheet.facts)
    langs = table_with(answer_to(md, "composition.count"), "language", "train tokens")
    assert fig["languages"]["labels"] == [r["language"] for r in langs]
    for (_, values), col in zip(fig["languages"]["values"], ("share of train tokens (%)", "share after resampling (%)", "Salamandra ALIA-40b (%)")):
        assert [round(v, 2) for v in values] == [num(r[col]) if r[col] != "–" else 0.0 for r in langs]
    srcs = [r for r in table_with(answer_to(md, "composition.count"), "source", "bytes per token") if name(r["source"]) != "total"]
    assert fig["sources"]["labels"] == [name(r["source"]) for r in srcs]
    assert fig["sources"]["values"][0][1] == [int(num(r["tokens"])) for r in srcs]
    funnel = table_with(answer_to(md, "preprocessing.done"), "step", "documents left")
    assert fig["funnel"]["values"][0][1] == [int(num(r["documents left"])) for r in funnel]
