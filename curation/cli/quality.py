"""`curate quality score`: one filter of the quality chain on a JSON-lines file, one verdict per document.

Users calibrate thresholds and explain drops with it: every line of the output has the document's `id`,
the filter's `score` (null where the filter has none), `keep`, the drop `reason` (null when kept) and,
for curate, `factors` (each evaluator's multiplier on the score).
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator

import click

from curation.config.manifest import Source
from curation.core.errors import UserError
from curation.core.yamlfile import read_yaml, validate
from curation.stages.quality import FILTERS, QualityConfig
from curation.stages.quality.base import Docs

# Native annotations an input line may carry (top level or under "metadata"), as a source's would.
_ANNOTATIONS = ("quality_warnings", "harmful_pp", "categories", "edu_score", "edu_int_score", "curate_score")


@click.group()
def quality() -> None:
    """Explain and calibrate the quality filters."""


@quality.command("score")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--filter", "name", required=True, type=click.Choice(sorted(FILTERS)), help="The filter to run.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML with the options of a pipeline's `stages.quality` section (or a whole pipeline file).")
@click.option("--batch", default=512, show_default=True, type=click.IntRange(min=1), help="Documents scored together.")
def score(file: Path, name: str, config_path: Path | None, batch: int) -> None:
    """Score the documents of FILE (`-`: standard input; JSON lines with `text`, optional `id`, `language` and native annotations
    such as `harmful_pp` or `edu_score`) with one quality filter; one JSON line per document on stdout."""
    config = load_quality_config(config_path) if config_path else QualityConfig()
    filt = FILTERS[name](getattr(config, name))
    for chunk in _batches(file, batch):
        docs = Docs([d["text"] for d in chunk], [d["language"] for d in chunk], [json.dumps(d["metadata"]) for d in chunk])
        annotations = sorted({a for d in chunk for a in d["metadata"] if a in _ANNOTATIONS})
        source = Source(id="input", name=str(file), languages=["en"], domain="web", licence="-", format="jsonl", location=str(file),
                        fields={"text": "text", "metadata": {a: a for a in annotations}}, annotations=annotations)
        for d, v in zip(chunk, filt.evaluate(docs, source)):
            line: dict[str, Any] = {"id": d["id"], "score": v.score, "keep": v.keep, "reason": v.reason}
            if name == "curate":
                line["factors"] = v.factors
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def load_quality_config(path: Path) -> QualityConfig:
    data, lines = read_yaml(path)
    if isinstance(data, dict) and "stages" in data:  # a whole pipeline file: its quality section
        data = (data.get("stages") or {}).get("quality") or {}
        lines = {k[2:]: v for k, v in lines.items() if k[:2] == ("stages", "quality")}
    return validate(QualityConfig, data or {}, path, lines)


def _batches(path: Path, size: int) -> Iterator[list[dict[str, Any]]]:
    if str(path) == "-":  # a pipe: `zstdcat docs.jsonl.zst | curate quality score - --filter curate`
        yield from _chunks(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8"), Path("<stdin>"), size)
        return
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    with open(path, encoding="utf-8") as f:
        yield from _chunks(f, path, size)


def _chunks(lines: Iterable[str], path: Path, size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        chunk.append(_document(raw, path, n))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _document(raw: str, path: Path, n: int) -> dict[str, Any]:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as e:
        raise UserError(f"{path}:{n}: not a JSON object ({e.msg})") from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise UserError(f"{path}:{n}: field 'text' (a string) is missing")
    language = record.get("language")
    if language is not None and not isinstance(language, str):
        raise UserError(f"{path}:{n}: field 'language' must be a string")
    if not isinstance(record.get("metadata") or {}, dict):
        raise UserError(f"{path}:{n}: field 'metadata' must be a JSON object")
    metadata = dict(record.get("metadata") or {})
    metadata.update({k: v for k, v in record.items() if k in _ANNOTATIONS})
    return {"id": record.get("id", n), "text": record["text"], "language": language, "metadata": metadata}
