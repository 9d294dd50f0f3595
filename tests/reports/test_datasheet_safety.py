"""A run with a source filter, a URL blocklist, decontamination and PII labelling, end to end: the stats
count what the stages found and the datasheet says it. Text: real Debian documents with planted
identifiers (curation/evals/sets/pii.py); URLs from the UT1 sample; the evaluation set is GPL-3 text."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import curate, write_pipeline

from curation.evals.pii import load_docs
from curation.evals.sets.pii import iban, plant, spanish_ids

LISTS = Path(__file__).parents[1] / "stages" / "data" / "blocklist"
GPL3 = Path("/usr/share/common-licenses/GPL-3")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    if not GPL3.exists():
        pytest.skip("needs /usr/share/common-licenses/GPL-3")
    rng = random.Random(5)
    docs = [d for d in load_docs() if d["lang"] == "es"][:6]
    gpl = [" ".join(p.split()) for p in GPL3.read_text().split("\n\n") if len(p.split()) > 40]
    rows = []
    for i, d in enumerate(docs):
        text, _ = plant(d["text"][:3000], iban(rng)[:1] + spanish_ids(rng)[:1], rng)
        rows.append({"id": f"d{i}", "text": text, "url": f"https://example.org/{i}", "licence": "gpl"})
    rows[1]["url"] = "https://4qconditioning.blogspot.com/2014/05/x.html"  # adult/urls
    rows[2]["text"] += " " + gpl[7]  # a GPL-3 paragraph quoted
    rows[3]["licence"] = "nc"  # left out by the source's filter
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    (tmp_path / "evalset.txt").write_text("\n".join(gpl[5:10]) + "\n")
    write_pipeline(tmp_path, f"""
        name: safety
        sources:
          - id: es-docs
            name: Spanish man pages
            languages: [es]
            domain: web
            licence: GPL
            format: jsonl
            location: data.jsonl
            fields: {{text: text, id: id, url: url}}
            filter: "licence != 'nc'"
        stages:
          langid: {{enabled: false}}
          quality: {{enabled: false}}
          blocklist: {{lists: {LISTS}, categories: [all]}}
          decontaminate:
            against: [{{name: gpl3, path: evalset.txt}}]
          pii: {{mode: label}}
        """)
    return tmp_path


def test_stats_and_datasheet_report_each_stage(corpus: Path):
    run = curate("run", "pipeline.yaml", "--runs-dir", "runs", "--num-cpus", "1", cwd=corpus)
    assert run.returncode == 0, run.stderr[-3000:]
    root = corpus / "runs" / "safety"
    reasons = sorted(pq.read_table(root / "rejected").column("reason").to_pylist())
    assert reasons == ["blocklist:adult", "contamination:gpl3", "source_filter"]
    kept = pq.read_table(root / "docs").column("text").to_pylist()
    assert len(kept) == 3 and all("[IBAN]" in t and "[DNI]" in t for t in kept)
    stats = json.loads((root / "stats" / "stages.json").read_text())["stages"]
    counted = stats["pii"]["es-docs"]["es"]["counted"]
    assert counted["iban"] == 3 and counted["dni"] == 3 and counted["documents_with_pii"] >= 3
    assert stats["decontaminate"]["es-docs"]["es"]["counted"] == {"documents_matching:gpl3": 1}

    sheet = curate("datasheet", str(root), cwd=corpus)
    assert sheet.returncode == 0, sheet.stderr[-3000:]
    text = (root / "datasheet" / "DATASHEET.md").read_text()
    assert "ran in mode\n`label`" in text or "ran in mode `label`" in text
    assert "| `es-docs` |" in text and "iban" in text
    assert "`es-docs`: `licence != 'nc'`: 1 row left out." in text
    assert "blocklist:adult 1" in text
    assert "| `gpl3` |" in text
    assert "Personal identifiers the `pii` stage found were replaced by tags" in text
