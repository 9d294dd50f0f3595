"""Decontamination: documents sharing a word n-gram (13 words by default) with a passage of an evaluation
set are dropped with reason `contamination:<set>`, or, with `mode: report`, kept and counted.

13-gram overlap on normalised words is the test GPT-3 (Brown et al., 2020, appendix C) used for its
benchmark contamination study. Normalisation: Unicode NFKC, case folded, words are runs of letters and
digits (punctuation and whitespace differences do not hide a copy).

Each set is a file: `.jsonl` / `.jsonl.gz` (one passage per record, in `text_field`) or plain text (one
passage per line). Passages shorter than `ngram` words have no n-gram and cannot be matched; how many
there were is reported. A set's n-grams are 64-bit hashes in a sorted array, built once per worker; a
batch's n-grams are hashed with numpy and looked up by one binary search per set.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import orjson
import pyarrow as pa
import xxhash
from pydantic import Field

from curation.config.base import StageConfig, Strict
from curation.config.manifest import SLUG, Source
from curation.core.errors import UserError
from curation.stages.base import Stage, StageOutput

_WORD = re.compile(r"\w+")
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier of the rolling n-gram hash


class EvalSet(Strict):
    name: Annotated[str, Field(pattern=SLUG)]  # the reason is contamination:<name>
    path: str  # relative paths: against the pipeline file
    text_field: str = "text"  # for .jsonl files; a list of fields is joined by a space
    also: list[str] = []  # more fields of the same record to check (e.g. an answer beside a question)


class DecontaminateConfig(StageConfig):
    against: list[EvalSet] = []  # none: stage off
    ngram: int = Field(13, ge=3, le=64)
    mode: Literal["drop", "report"] = "drop"

    def active(self) -> bool:
        return self.enabled and bool(self.against)


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _word_hashes(tokens: list[str], cache: dict[str, int]) -> np.ndarray:
    out = np.empty(len(tokens), dtype=np.uint64)
    for i, w in enumerate(tokens):
        h = cache.get(w)
        if h is None:
            h = cache[w] = xxhash.xxh3_64_intdigest(w.encode("utf-8", "surrogatepass"))
        out[i] = h
    return out


def ngram_hashes(tokens: list[str], n: int, cache: dict[str, int]) -> np.ndarray:
    """One 64-bit hash per window of n consecutive words (none if there are fewer than n words)."""
    if len(tokens) < n:
        return np.empty(0, dtype=np.uint64)
    w = _word_hashes(tokens, cache)
    m = len(tokens) - n + 1
    acc = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):  # sum_k w[i+k] * MULT^(n-1-k), modulo 2^64
            acc = acc * _MULT + w[k : k + m]
    return acc


def read_passages(ev: EvalSet) -> Iterator[str]:
    path = Path(ev.path)
    if not path.is_file():
        raise UserError(f"stages.decontaminate.against '{ev.name}': {path} is not a file")
    opener = gzip.open if path.suffix == ".gz" else open
    is_jsonl = path.name.endswith((".jsonl", ".jsonl.gz", ".json", ".json.gz"))
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            if not is_jsonl:
                yield line
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as e:
                raise UserError(f"{path}:{n}: invalid JSON ({e})") from None
            for field in [ev.text_field, *ev.also]:
                value = record.get(field) if isinstance(record, dict) else None
                if isinstance(value, list):
                    value = " ".join(str(v) for v in value)
                if value is None and field == ev.text_field:
                    raise UserError(f"{path}:{n}: field '{field}' (stages.decontaminate.against '{ev.name}'.text_field) is missing")
                if value is not None:
                    yield str(value)


class NgramSet:
    """The hashed n-grams of one evaluation set."""

    def __init__(self, ev: EvalSet, n: int):
        self.name = ev.name
        cache: dict[str, int] = {}
        parts, self.passages, self.too_short = [], 0, 0
        for passage in read_passages(ev):
            self.passages += 1
            h = ngram_hashes(words(passage), n, cache)
            if len(h):
                parts.append(h)
            else:
                self.too_short += 1
        self.hashes = np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.uint64)

    def found(self, hashes: np.ndarray) -> np.ndarray:
        """Which of the given n-gram hashes occur in the set (one binary search for them all)."""
        if not len(hashes) or not len(self.hashes):
            return np.zeros(len(hashes), dtype=bool)
        pos = np.searchsorted(self.hashes, hashes).clip(max=len(self.hashes) - 1)
        return self.hashes[pos] == hashes


class Decontaminate(Stage[DecontaminateConfig]):
    name = "decontaminate"

    def setup(self) -> None:
        self.sets = [NgramSet(ev, self.config.ngram) for ev in self.config.against]
        self._cache: dict[str, int] = {}

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        cfg = self.config
        if len(self._cache) > 1_000_000:  # bounded memory over a long part
            self._cache.clear()
        # The n-grams of every document of the batch in one array (owner = the document's row), so each
        # set is searched once per batch, not once per document.
        per_doc = [ngram_hashes(words(text), cfg.ngram, self._cache) for text in table["text"].to_pylist()]
        owner = np.repeat(np.arange(len(per_doc)), [len(h) for h in per_doc])
        grams = np.concatenate(per_doc) if per_doc else np.empty(0, dtype=np.uint64)
        matched = [np.unique(owner[s.found(grams)]).tolist() for s in self.sets]
        hit_sets: list[list[str]] = [[] for _ in per_doc]
        for s, rows in zip(self.sets, matched):
            for i in rows:
                hit_sets[i].append(s.name)
        counts = [{f"documents_matching:{name}": 1 for name in names} for names in hit_sets]
        reasons = [f"contamination:{names[0]}" if names and cfg.mode == "drop" else None for names in hit_sets]
        return StageOutput(table, reasons, counts)
