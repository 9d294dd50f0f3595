"""A stage that raises on one document quarantines that document, not its part; one that raises on every
document of a batch fails the part (a broken stage is not bad data).

The runs are real `run_pipeline` runs of a WARC of real HTML pages (Debian's HTML manuals), with the parts
run in this process instead of Ray workers so that the extract engine can be monkeypatched to raise on
one page. Dedup is off and no tokenizer is given: nothing else needs Ray.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import write_pipeline
from warcio.archiveiterator import ArchiveIterator

import curation.runner
from curation.bench._pages import find_pages, write_warc
from curation.cli import cli
from curation.config.manifest import Source
from curation.engine.executor import TaskFailure, TasksFailed
from curation.engine.task import process_guarded
from curation.runner import run_pipeline
from curation.stages import extract
from curation.stages.quality import Quality, QualityConfig
from curation.stages.quality.web import GopherQuality

PAGES = 12


def _in_process(fn, items, context, *, is_done, label, unit="tasks", **_: Any) -> int:
    """executor.run_pending without Ray (and without retries): same calls, same failure report."""
    todo = [it for it in items if not is_done(it)]
    failures = []
    for item in todo:
        try:
            result = fn(item, context)
        except Exception as e:  # noqa: BLE001 - as Ray reports a task that kept raising
            failures.append(TaskFailure(item, f"{type(e).__name__}: {e}"))
            continue
        if result.get("error"):
            failures.append(TaskFailure(item, result["error"]))
    if failures:
        raise TasksFailed(label, failures, len(items), unit)
    return len(todo)


@pytest.fixture
def crawl(tmp_path: Path, monkeypatch) -> Path:
    pages = find_pages("/usr/share/doc", PAGES)
    (tmp_path / "data").mkdir()
    write_warc(tmp_path / "data" / "docs.warc", pages, gzip=False)
    write_pipeline(tmp_path, """\
        name: crawl
        seed: 1
        sources:
          - id: docs-crawl
            name: Debian HTML manuals
            format: warc
            location: data/*.warc
            languages: [en]
            domain: web
            licence: unknown
        stages:
          dedup: {enabled: false}
        """)
    monkeypatch.setattr(curation.runner, "run_pending", _in_process)
    return tmp_path


def _responses(path: Path) -> dict[str, int]:
    """url -> offset of each response record of the WARC (read straight with warcio)."""
    out = {}
    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        for rec in it:
            if rec.rec_type == "response":
                out[rec.rec_headers.get_header("WARC-Target-URI")] = it.get_record_offset()
    return out


def _raise_on(monkeypatch, needle: str | None) -> list[str]:
    """The trafilatura engine raises on the pages containing `needle` (on every page if None)."""
    real = extract.trafilatura_extract
    seen: list[str] = []

    def flaky(html: str, url: str | None, opts):
        seen.append(url or "")
        if needle is None or needle in (url or ""):
            raise TypeError("unhashable type: 'HtmlElement'")
        return real(html, url, opts)

    monkeypatch.setattr(extract, "trafilatura_extract", flaky)
    return seen


def test_a_page_the_extractor_fails_on_is_quarantined(crawl: Path, monkeypatch) -> None:
    responses = _responses(crawl / "data" / "docs.warc")
    assert len(responses) == PAGES
    victim = sorted(responses)[PAGES // 2]
    seen = _raise_on(monkeypatch, victim)
    result = run_pipeline(crawl / "pipeline.yaml", runs_dir=crawl / "runs", log=lambda m: None)
    assert victim in seen  # the engine really ran on it

    rec = result.reconciliation
    src = rec["sources"]["docs-crawl"]
    assert rec["ok"]
    # warcinfo + a request and a response per page, every one accounted for
    assert src["records"] == 1 + 2 * PAGES
    assert src["quarantined"] == 1 and src["kept"] + src["rejected"] == 2 * PAGES

    run = result.run
    quarantine = pq.read_table(run.quarantine("docs-crawl")).to_pylist()
    assert len(quarantine) == 1
    q = quarantine[0]
    assert (q["source"], q["file"], q["offset"]) == ("docs-crawl", "docs.warc", responses[victim])
    assert q["error"] == "stage extract: TypeError: unhashable type: 'HtmlElement'"
    assert q["raw"].startswith(b"<") and q["raw_length"] >= len(q["raw"]) > 1000  # the page's HTML

    # the other pages went on through the stages: kept or rejected with a reason, never lost
    docs = pq.read_table(run.docs("docs-crawl")).to_pylist()
    rejected = pq.read_table(run.rejected("docs-crawl")).to_pylist()
    urls = [d["url"] for d in docs] + [r["url"] for r in rejected if r["stage"] != "read"]
    assert sorted(urls) == sorted(u for u in responses if u != victim)
    assert docs and all(d["text"] and not d["text"].lstrip().startswith("<") for d in docs)

    # the stage's statistics show it: in = out + dropped + quarantined
    stages = json.loads(run.stage_stats.read_text())["stages"]["extract"]["docs-crawl"]
    cells = list(stages.values())
    assert sum(c.get("quarantined", 0) for c in cells) == 1
    assert sum(c["docs_in"] for c in cells) == sum(c["docs_out"] + sum(c["dropped"].values()) + c.get("quarantined", 0) for c in cells) == PAGES

    # `curate inspect --where quarantine` shows it
    res = CliRunner().invoke(cli, ["inspect", str(run.root), "--where", "quarantine", "--format", "jsonl"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert [(r["file"], r["offset"], r["error"]) for r in rows] == [("docs.warc", responses[victim], q["error"])]

    # the quarantined row names the stage and the document, and `curate inspect --id` follows it there
    assert q["stage"] == "extract" and q["id"]
    res = CliRunner().invoke(cli, ["inspect", str(run.root), "--id", q["id"], "--format", "jsonl"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    (fate,) = [json.loads(line) for line in res.output.splitlines()]
    assert fate["where"] == "quarantine" and fate["document"]["error"] == q["error"]
    steps = {s["stage"]: (s["outcome"], s["detail"]) for s in fate["stages"]}
    assert steps["read"][0] == "kept" and steps["extract"] == ("QUARANTINED", q["error"])
    assert all(steps[s][0] == "not reached" for s in ("normalize", "langid", "quality"))
    text = CliRunner().invoke(cli, ["inspect", str(run.root), "--id", q["id"]], catch_exceptions=False).output
    assert "quarantined at extract" in text and f"docs.warc:{responses[victim]}" in text


def test_a_stage_failing_on_every_document_fails_the_part(crawl: Path, monkeypatch) -> None:
    _raise_on(monkeypatch, None)
    with pytest.raises(TasksFailed, match="stage extract failed on every one of the 12 documents") as e:
        run_pipeline(crawl / "pipeline.yaml", runs_dir=crawl / "runs", log=lambda m: None)
    assert "TypeError: unhashable type" in str(e.value)
    run = crawl / "runs" / "crawl"
    assert not list(run.glob("quarantine/**/*.parquet"))  # nothing was turned into quarantine
    assert json.loads((run / "run.json").read_text())["stages"]["documents"]["status"] == "failed"


def _debian_texts(n: int) -> list[str]:
    """Real documents: the first n texts of the Debian manual-page sample."""
    lines = (Path(__file__).parents[1] / "data" / "debian_multilingual.jsonl").read_text().splitlines()
    return [json.loads(line)["text"] for line in lines[:n]]


def test_quality_finds_the_one_document_a_filter_raises_on(monkeypatch) -> None:
    """A filter judging a whole batch at once raises: the engine gives the stage each document alone and
    reports the error for the one that raised; the others get the verdicts they get without it."""
    texts = _debian_texts(6)
    table = pa.table({"text": texts, "language": ["en"] * 6, "metadata": pa.array([None] * 6, pa.string())})
    source = Source(id="s", name="s", languages=["en"], domain="web", licence="x", format="jsonl", location="-", fields={"text": "text"})
    stage = Quality(QualityConfig.model_validate({"sources": {"s": ["gopher"]}}))
    no_failures, clean = process_guarded(stage, table, source)
    assert no_failures is None
    real = GopherQuality.judge

    def judge(self, doc, src):
        if doc.text == texts[2]:
            raise ZeroDivisionError("division by zero")
        return real(self, doc, src)

    monkeypatch.setattr(GopherQuality, "judge", judge)
    failures, out = process_guarded(stage, table, source)
    assert failures["error"].to_pylist() == ["ZeroDivisionError: division by zero"]
    assert failures["text"].to_pylist() == [texts[2]]
    assert out.reasons == [r for i, r in enumerate(clean.reasons) if i != 2]
    # a batch of that one document: quarantined too (nothing tells one bad document from a broken stage)
    alone, nothing = process_guarded(stage, table.slice(2, 1), source)
    assert alone["error"].to_pylist() == ["ZeroDivisionError: division by zero"] and nothing.table.num_rows == 0


def _rows_by_origin(run) -> dict[str, dict]:
    """Every kept and rejected row of the run, by its record's origin (file:offset)."""
    rows = []
    for folder in (run.docs("docs-crawl"), run.rejected("docs-crawl")):
        if folder.exists():
            rows += pq.read_table(folder).to_pylist()
    return {r["origin"]: r for r in rows}


def test_a_stage_raising_on_a_batch_is_given_each_document_alone(crawl: Path, monkeypatch) -> None:
    """langid does not catch per document: when it raises on a batch, the engine gives it each document alone
    and quarantines the one it still raises on; the others come out as from the batch."""
    from curation.stages.langid import Langid

    clean = run_pipeline(crawl / "pipeline.yaml", runs_dir=crawl / "clean", log=lambda m: None)
    expected = _rows_by_origin(clean.run)
    reached_langid = sorted(o for o, r in expected.items() if r.get("stage") not in ("read", "extract"))
    assert len(reached_langid) > 2
    victim = expected[reached_langid[len(reached_langid) // 2]]
    real = Langid.process
    calls: list[int] = []

    def process(self, table: pa.Table, source: Source):
        calls.append(table.num_rows)
        if victim["id"] in table["id"].to_pylist():
            raise ValueError("fastText could not read this line")
        return real(self, table, source)

    monkeypatch.setattr(Langid, "process", process)
    result = run_pipeline(crawl / "pipeline.yaml", runs_dir=crawl / "runs", log=lambda m: None)
    assert calls[0] > 1 and calls.count(1) >= calls[0]  # the batch, then each of its documents alone
    assert result.reconciliation["ok"]
    (q,) = pq.read_table(result.run.quarantine("docs-crawl")).to_pylist()
    assert q["stage"] == "langid" and q["error"] == "stage langid: ValueError: fastText could not read this line"
    assert q["id"] == victim["id"] and f"{q['file']}:{q['offset']}" == victim["origin"]
    got = _rows_by_origin(result.run)
    assert set(got) == set(expected) - {victim["origin"]}
    assert all(got[o] == expected[o] for o in got)  # every other row as the clean run's batch gave it

    # raising on every document alone: a broken stage fails the part, nothing is quarantined for it
    monkeypatch.setattr(Langid, "process", lambda self, table, source: (_ for _ in ()).throw(ValueError("no model")))
    with pytest.raises(TasksFailed, match="stage langid failed on every one of the .* documents of a batch"):
        run_pipeline(crawl / "pipeline.yaml", runs_dir=crawl / "broken", log=lambda m: None)
    assert not list((crawl / "broken").glob("**/quarantine/**/*.parquet"))
