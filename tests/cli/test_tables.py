"""Tables fit the terminal: at 80 and 100 columns no number is cut or wrapped, and hidden columns are named."""

from __future__ import annotations

import io
import json
import re

import pytest
from rich.console import Console

from curation.cli.tables import Column, fit, render_table, show, to_csv
from curation.config.manifest import load_manifest

# An audit-shaped table: big counts and shares next to long low-value columns.
ROWS = [
    {"language": lang, "documents": docs, "tokens": tokens, "train_tokens": tokens - 7_001, "valid_tokens": 3_500, "test_tokens": 3_501,
     "raw_share": share, "salamandra_alia_40b": 39.54, "note": "a long free-text remark that can fold over several lines of its column"}
    for lang, docs, tokens, share in [("en", 421_337, 2_130_209_554, 17.7312), ("es", 504_120, 1_964_810_000, 16.2677), ("eu", 150, 86_711, 0.0072)]
]
COLUMNS = [Column("language", whole=True), Column("documents", number=True), Column("tokens", number=True), Column("train_tokens", number=True),
           Column("valid_tokens", number=True, drop=2), Column("test_tokens", number=True, drop=2), Column("raw_share", number=True),
           Column("salamandra_alia_40b", number=True, drop=3), Column("note", drop=4)]


def _render(width: int, rows=ROWS, columns=COLUMNS) -> str:
    buf = io.StringIO()
    render_table(Console(file=buf, width=width, force_terminal=False, color_system=None), rows, columns, title="audit")
    return buf.getvalue()


@pytest.mark.parametrize("width", [80, 100])
def test_numbers_are_never_cut(width: int) -> None:
    out = _render(width)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in out
    hidden = re.search(r"not shown at \d+ columns: (.*?) \(", " ".join(lines))
    hidden_titles = set(hidden.group(1).split(", ")) if hidden else set()
    for col in COLUMNS:
        if not col.number or col.title in hidden_titles:
            continue
        for row in ROWS:  # every number of a shown column appears whole, on one line
            assert any(col.cell(row[col.key]) in line for line in lines), (col.key, col.cell(row[col.key]), out)
    for row in ROWS:  # the key column is never dropped
        assert any(line.startswith(row["language"] + " ") or f" {row['language']} " in line for line in lines)


def test_low_value_columns_go_first_and_are_named() -> None:
    narrow, wide = _render(80), _render(100)
    assert "not shown at 80 columns:" in narrow and "note" in narrow.split("not shown")[1]
    assert "tokens" in narrow and "2,130,209,554" in narrow
    # wider terminal, fewer hidden columns
    def hidden(out: str) -> int:
        return out.split("not shown")[1].count(",") + 1 if "not shown" in out else 0

    assert hidden(wide) <= hidden(narrow)
    assert "not shown" not in _render(400)


def test_fit_prefers_dropping_over_cutting() -> None:
    cells = {c.key: [c.cell(r.get(c.key)) for r in ROWS] for c in COLUMNS}
    shown, widths = fit(COLUMNS, cells, 60)
    assert [c.key for c in shown][:3] == ["language", "documents", "tokens"]
    for c, w in zip(shown, widths):
        if c.number:
            assert w >= max(len(x) for x in cells[c.key])


@pytest.mark.parametrize("width", [80, 100])
def test_bundled_sources_list_keeps_ids_whole(width: int) -> None:
    from curation.cli.sources import SOURCE_COLUMNS

    rows = [{"id": s.id, "name": s.name, "languages": s.languages[:5], "licence": s.licence, "domain": s.domain, "format": s.format, "found": "remote"}
            for s in load_manifest().sources]
    out = _render(width, rows, SOURCE_COLUMNS)
    assert max(len(line) for line in out.splitlines()) <= width
    for r in rows:
        assert re.search(rf"(^|[ │]){re.escape(r['id'])}( |│|$)", out, re.MULTILINE), r["id"]


def test_csv_and_json_have_every_column_with_raw_values() -> None:
    text = to_csv(ROWS, COLUMNS)
    header, first = text.splitlines()[:2]
    assert header.split(",") == [c.key for c in COLUMNS]
    assert first.startswith("en,421337,2130209554,")
    buf = io.StringIO()
    show(Console(file=buf), "json", ROWS, COLUMNS)
    assert json.loads(buf.getvalue())[0]["raw_share"] == 17.7312
