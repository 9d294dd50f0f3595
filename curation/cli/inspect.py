"""`curate inspect`: read a run's documents, kept, rejected or quarantined, or follow one through the stages."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import click

from curation.core.errors import UserError
from curation.reports.documents import WHERE, Fate, Query, fates, open_run, sample, scan

RULE = "─" * 72


@click.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--where", type=click.Choice(WHERE), default="docs", show_default=True, help="Kept documents, rejected ones (with stage and reason), or quarantined records (with the error).")
@click.option("--source", help="Only this source (its id in the pipeline).")
@click.option("--language", help="Only this language (ISO 639-1, or 'code').")
@click.option("--stage", help="Only rows rejected by this stage (read, extract, langid, quality, dedup...).")
@click.option("--reason", help="Only this drop reason, or a family of them ('language_not_in_source' matches ':es', ':en'...).")
@click.option("--sample", "n", type=click.IntRange(min=1), help="N rows drawn at random, the same for the same --seed.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --sample.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many rows.")
@click.option("--id", "doc_id", help="One document's fate: which stage kept or dropped it, its scores, its dedup cluster.")
@click.option("--chars", type=click.IntRange(min=0), default=600, show_default=True, help="Text shown per document (0: all of it). jsonl always has all.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
def inspect(run_dir: str, where: str, source: str | None, language: str | None, stage: str | None, reason: str | None,
            n: int | None, seed: int, limit: int | None, doc_id: str | None, chars: int, fmt: str) -> None:
    """Documents of a run with their id, source, language, scores and drop reason; paged on a terminal.

    \b
    curate inspect runs/demo --where rejected --stage quality --sample 20
    curate inspect runs/demo --where rejected --reason language_not_in_source --source catalog
    curate inspect runs/demo --where quarantine --format jsonl > quarantined.jsonl
    curate inspect runs/demo --id 79897efe-4aa2-4204-8667-f8c99e257142"""
    run = open_run(run_dir)
    if doc_id is not None:
        found = fates(run, doc_id, source)
        if not found:
            raise UserError(f"no document with id {doc_id!r} in {run.docs()} or {run.rejected()}"
                            + (f" for source {source}" if source else "")
                            + f" or {run.quarantine()} (records that could not be read have no id: --where quarantine)")
        _out((json.dumps(_fate_json(f), ensure_ascii=False, default=str) + "\n" for f in found) if fmt == "jsonl" else _fate_text(found, chars))
        return
    q = Query(where, source, language, stage, reason)
    rows: Iterable[dict[str, Any]] = sample(run, q, n, seed) if n else scan(run, q)
    if limit:
        rows = islice(rows, limit)
    described = ", ".join(f"{k}={v}" for k, v in (("source", source), ("language", language), ("stage", stage), ("reason", reason)) if v)
    what = f"{where}" + (f" ({described})" if described else "") + (f", sample of {n} with seed {seed}" if n else "")
    _out(_jsonl(rows) if fmt == "jsonl" else _text(rows, where, what, chars))


def _out(chunks: Iterator[str]) -> None:
    """Through a pager on a terminal (streamed: nothing is read before it is shown), else straight out."""
    if sys.stdout.isatty():
        click.echo_via_pager(chunks)
        return
    try:
        for chunk in chunks:
            click.echo(chunk, nl=False)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader had enough (`| head`): done, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit's flush is silent


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if isinstance(out.get("raw"), bytes):  # quarantined bytes: as text where they decode, escaped where not
        out["raw"] = out["raw"].decode("utf-8", errors="backslashreplace")
    return out


def _jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(_plain(row), ensure_ascii=False, default=str) + "\n"


def _clip(text: str, chars: int) -> str:
    return text if chars == 0 or len(text) <= chars else text[:chars] + f" [… {len(text) - chars:,} more characters]"


def _indent(text: str, width: int = 100) -> str:
    lines = []
    for para in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(para, width, replace_whitespace=False, drop_whitespace=False) or [""])
    return "".join(f"    {line}\n" for line in lines)


def _field(name: str, value: Any) -> str:
    return f"  {name:<9} {value}\n" if value not in (None, "") else ""


def _text(rows: Iterable[dict[str, Any]], where: str, what: str, chars: int) -> Iterator[str]:
    count = 0
    for count, row in enumerate(rows, start=1):
        row = _plain(row)
        head = " · ".join(x for x in (f"{count}", where, row.get("source"), row.get("language")) if x)
        yield click.style(f"── {head} {RULE}"[:76], bold=True) + "\n"
        if where == "quarantine":
            yield _field("file", f"{row['file']} at offset {row['offset']:,}")
            yield _field("id", row.get("id"))
            yield _field("error", row["error"])
            raw = row.get("raw") or ""
            yield _field("raw", f"({row.get('raw_length') or len(raw):,} bytes)")
            yield _indent(_clip(raw, chars))
            continue
        yield _field("id", row.get("id"))
        if where == "rejected":
            yield _field("dropped", click.style(f"{row.get('stage')}: {row.get('reason')}", fg="red"))
        yield _field("scores", _scores(row))
        yield _field("origin", row.get("origin"))
        yield _field("url", row.get("url"))
        yield _field("cluster", row.get("dedup_cluster"))
        if "text" in row:
            yield _field("text", f"({len(row['text']):,} characters)")
            yield _indent(_clip(row["text"], chars))
    yield click.style(f"{count:,} row{'s' if count != 1 else ''}: {what}", dim=True) + "\n"


def _scores(row: dict[str, Any]) -> str:
    parts = []
    if row.get("language_score") is not None:
        parts.append(f"language_score {row['language_score']:.3f}")
    for key in ("language_ratio", "quality_score"):
        if row.get(key) is not None:
            parts.append(f"{key} {row[key]:.4g}")
    meta = row.get("metadata")
    if meta:  # the source's own scores (e.g. curate_score, edu_score), where it has some
        try:
            native = json.loads(meta)
        except ValueError:
            native = {}
        parts += [f"{k} {v:.4g}" for k, v in sorted(native.items()) if isinstance(v, float)]
    return ", ".join(parts)


def _fate_text(found: list[Fate], chars: int) -> Iterator[str]:
    for f in found:
        row = _plain(f.row)
        verdict = {"docs": "kept", "rejected": f"rejected by {row.get('stage')} ({row.get('reason')})",
                   "quarantine": f"quarantined at {row.get('stage')}"}[f.where]
        yield click.style(f"── {row['id']} · {row['source']} · {verdict} {RULE}"[:100], bold=True) + "\n"
        yield _field("origin", row.get("origin") or (f"{row['file']}:{row['offset']}" if "file" in row else None))
        yield _field("url", row.get("url"))
        yield _field("scores", _scores(row))
        yield "  stages\n"
        for stage, outcome, detail in f.steps:
            mark = click.style(f"{outcome:<11}", fg="red" if outcome in ("DROPPED", "QUARANTINED") else "green" if outcome == "kept" else None)
            yield f"    {stage:<11} {mark} {detail}\n"
        if f.cluster:
            yield f"  dedup cluster {f.cluster[0]['cluster']} ({len(f.cluster)} documents)\n"
            for m in f.cluster:
                mark = "kept   " if m["kept"] else "removed"
                you = "  <- this document" if m["id"] == row["id"] and m["source"] == row["source"] else ""
                quality = f"quality {m['quality']:.4f}  " if m.get("quality") is not None else ""
                yield f"    {mark} {m['id']}  {m['source']}  {m['language'] or ''}  {quality}{m['length']:,} chars  {m['origin']}{'  ' + m['reason'] if m.get('reason') else ''}{you}\n"
        if "text" in row:
            yield _field("text", f"({len(row['text']):,} characters)")
            yield _indent(_clip(row["text"], chars))
        elif f.where == "quarantine":  # the text the stage was given
            raw = row.get("raw") or ""
            yield _field("raw", f"({row.get('raw_length') or len(raw):,} bytes)")
            yield _indent(_clip(raw, chars))


def _fate_json(f: Fate) -> dict[str, Any]:
    return {"where": f.where, "document": _plain(f.row), "stages": [{"stage": s, "outcome": o, "detail": d} for s, o, d in f.steps], "cluster": f.cluster}
