"""Tables that fit the terminal, and the same rows as CSV or JSON (`--format table|csv|json`).

rich shrinks every column of a table that is too wide, numbers included ("213,…"). Here a table is
fitted first: number columns keep their full width and never wrap, text columns fold, headers wrap, and
when even that does not fit, columns are dropped, the least useful first, and the caption names them
(`--format csv` has them all). CSV and JSON carry the raw values of every column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("table", "csv", "json")
TEXT_MIN = 8  # a text column folded narrower than this is harder to read than a dropped one


@dataclass(frozen=True)
class Column:
    key: str
    header: str | None = None  # default: the key with spaces for underscores (headers wrap at spaces)
    number: bool = False  # right-aligned, never wrapped or cut
    whole: bool = False  # text that is never wrapped or cut either (ids, names of things); numbers are whole
    fmt: Callable[[Any], str] | None = None  # how the table shows a value; CSV and JSON keep the raw value
    drop: int = 0  # 0: always shown; otherwise dropped to fit the terminal, highest first

    @property
    def title(self) -> str:
        return self.header or self.key.replace("_", " ")

    def cell(self, value: Any) -> str:
        if value is None:
            return ""
        if self.fmt is not None:
            return self.fmt(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
        if isinstance(value, (list, tuple)):
            return " ".join(map(str, value))
        return str(value)


def decimals(n: int) -> Callable[[float], str]:
    return lambda v: f"{v:,.{n}f}"


@dataclass(frozen=True)
class _Layout:
    box: box.Box | None
    per_column: int  # padding and separator characters per column
    edge: int  # characters of the outer edges


_BOXED = _Layout(box.HEAVY_HEAD, 3, 1)
_BARE = _Layout(None, 2, -2)  # no borders and no outer padding: 2 characters between columns


def _range(col: Column, cells: list[str]) -> tuple[int, int, int]:
    """(narrowest, whole header words, natural) width: numbers whole, text folded down to TEXT_MIN."""
    longest = max([len(c) for c in cells] or [0])
    natural = max(longest, len(col.title), 1)
    narrowest = max(longest, min(len(col.title), TEXT_MIN), 1) if col.number or col.whole else min(natural, TEXT_MIN)
    words = max(narrowest, min(max(len(w) for w in col.title.split() or [""]), natural))
    return narrowest, words, natural


def fit(columns: Sequence[Column], cells: dict[str, list[str]], width: int, layout: _Layout = _BOXED) -> tuple[list[Column], list[int]]:
    """The columns to show in `width` characters, and their widths.

    Columns are dropped, highest `drop` first (ties: the rightmost), until every shown column fits at
    its narrowest; the room left then goes to whole header words, then to each column's natural width.
    """
    shown = list(columns)

    def room(cols: list[Column]) -> int:
        return width - layout.edge - layout.per_column * len(cols)

    while sum(_range(c, cells[c.key])[0] for c in shown) > room(shown):
        droppable = [c for c in shown if c.drop > 0]
        if not droppable:
            break
        shown.remove(max(reversed(droppable), key=lambda c: c.drop))
    ranges = [_range(c, cells[c.key]) for c in shown]
    widths = [r[0] for r in ranges]
    for goal in ([r[1] for r in ranges], [r[2] for r in ranges]):
        widths = _water_fill(widths, goal, room(shown))
    return shown, widths


def _water_fill(widths: list[int], goal: list[int], room: int) -> list[int]:
    """Raise every column towards its goal under one common ceiling, as high as `room` allows: narrow
    columns become whole first and the wide ones share what is left."""
    if not widths or sum(widths) >= room:
        return widths
    best = widths
    for ceiling in range(max(widths), max(goal) + 1):
        trial = [max(w, min(g, ceiling)) for w, g in zip(widths, goal)]
        if sum(trial) > room:
            break
        best = trial
    spare = room - sum(best)
    # What the ceiling leaves (less than one character per capped column) goes left to right.
    out = list(best)
    for i, g in enumerate(goal):
        if spare <= 0:
            break
        extra = min(spare, g - out[i])
        if extra > 0:
            out[i] += extra
            spare -= extra
    return out


def render_table(console: Console, rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None, bold_last: bool = False) -> None:
    """Print `rows` as a table no wider than the console; numbers are never cut or wrapped."""
    cells = {c.key: [c.cell(r.get(c.key)) for r in rows] for c in columns}
    width = console.width
    # Boxed if everything fits; else borderless (2 characters a column instead of 3) when that shows
    # more; as a last resort whole text columns (ids, names) fold too. Numbers never do.
    layout = _BOXED
    shown, widths = fit(columns, cells, width, _BOXED)
    if len(shown) < len(columns) or not _fits(widths, width, _BOXED):
        bare, bare_widths = fit(columns, cells, width, _BARE)
        if len(bare) > len(shown) or not _fits(widths, width, _BOXED):
            shown, widths, layout = bare, bare_widths, _BARE
    if not _fits(widths, width, layout):
        columns = [replace(c, whole=False) if c.whole else c for c in columns]
        shown, widths = fit(columns, cells, width, layout)
    hidden = [c.title for c in columns if c not in shown]
    caption = f"not shown at {width} columns: {', '.join(hidden)} (--format csv has every column)" if hidden else None
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left", box=layout.box, pad_edge=layout is _BOXED, header_style="bold")
    for c, w in zip(shown, widths):
        table.add_column(Text(c.title, overflow="fold"), justify="right" if c.number else "left", width=w, overflow="fold")
    for i in range(len(rows)):
        row = [Text(cells[c.key][i], justify="right" if c.number else "left", no_wrap=True) if c.number or c.whole else Text(cells[c.key][i], overflow="fold") for c in shown]
        table.add_row(*row, style="bold" if bold_last and i == len(rows) - 1 else None)
    console.print(table)


def _fits(widths: list[int], width: int, layout: _Layout) -> bool:
    return sum(widths) + layout.per_column * len(widths) + layout.edge <= width


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.key for c in columns])
    for r in rows:
        w.writerow([_csv_value(r.get(c.key)) for c in columns])
    return buf.getvalue()


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return " ".join(map(str, v))
    if isinstance(v, dict):
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    return v


def records(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> list[dict[str, Any]]:
    """The rows as JSON objects with the columns' keys, raw values."""
    return [{c.key: r.get(c.key) for c in columns} for r in rows]


def to_json(obj: Any) -> str:
    return json.dumps(obj, indent=1, ensure_ascii=False, default=str)


def show(console: Console, fmt: str, rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None, bold_last: bool = False) -> None:
    """One table in the chosen format on `console`'s stream."""
    if fmt == "csv":
        console.file.write(to_csv(rows, columns))
    elif fmt == "json":
        console.file.write(to_json(records(rows, columns)) + "\n")
    else:
        render_table(console, rows, columns, title=title, bold_last=bold_last)
