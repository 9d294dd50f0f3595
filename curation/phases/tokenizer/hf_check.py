"""`curate tokenizer check RUN`: does the run's Hugging Face tokenizer (RUN/tokenizer/hf/) give
SentencePiece's ids token for token, and does decoding give the text back? Measured on the run's
documents and on any JSONL files of texts (one {"text": ...} object a line), for `tokenizer.json` read by
`tokenizers` and, when transformers is installed, the folder as `AutoTokenizer` loads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pyarrow.parquet as pq

from curation.core.errors import UserError
from curation.core.rundir import RunDir
from curation.phases.tokenizer.documents import docs_files
from curation.phases.tokenizer.tokenizer_json import load_tokenizer_json

BATCH = 256


@dataclass
class Agreement:
    corpus: str
    loader: str
    docs: int = 0
    ids_equal: int = 0  # encode(text) == SentencePiece's ids (bos in front for AutoTokenizer)
    decode_is_text: int = 0  # decode(encode(text)) == text
    decode_as_sentencepiece: int = 0  # == SentencePiece's decode of its ids (text up to its NFC rules)
    first_mismatch: str | None = None  # "doc id: token k: SentencePiece [...] / here [...]"


def _first_difference(doc_id: str, want: list[int], got: list[int], piece: Any) -> str:
    k = next(i for i, (a, b) in enumerate(zip(want + [-1], got + [-2])) if a != b)
    return f"{doc_id}: token {k}: SentencePiece {[piece(i) for i in want[max(0, k - 2) : k + 3]]} / here {[piece(i) for i in got[max(0, k - 2) : k + 3]]}"


def _batches(texts: Iterator[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    for item in texts:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def measure(corpus: str, texts: Iterator[tuple[str, str]], sp: Any, encoders: dict[str, Any]) -> list[Agreement]:
    """`encoders`: loader name -> (encode(list of texts) -> id lists, decode(ids) -> text, bos in front)."""
    rows = {name: Agreement(corpus, name) for name in encoders}
    for batch in _batches(texts):
        texts_only = [doc[1] for doc in batch]
        want = sp.encode(texts_only)
        for name, (encode, decode, bos) in encoders.items():
            row = rows[name]
            for (doc_id, text), sp_ids, got in zip(batch, want, encode(texts_only)):
                expected = ([sp.bos_id()] if bos else []) + sp_ids
                row.docs += 1
                if got == expected:
                    row.ids_equal += 1
                elif row.first_mismatch is None:
                    row.first_mismatch = _first_difference(doc_id, expected, got, sp.id_to_piece)
                back = decode(got)
                row.decode_is_text += back == text
                row.decode_as_sentencepiece += back == sp.decode(sp_ids)
    return list(rows.values())


def _encoders(hf_dir: Path) -> dict[str, Any]:
    fast = load_tokenizer_json(hf_dir / "tokenizer.json")
    out = {
        "tokenizer.json": (
            lambda texts: [e.ids for e in fast.encode_batch(texts, add_special_tokens=False)],
            lambda ids: fast.decode(ids),
            False,
        )
    }
    try:
        from transformers import AutoTokenizer
        from transformers.utils import logging
    except ImportError:
        return out
    logging.set_verbosity_error()  # "sequence longer than model_max_length": documents are whole here
    auto = AutoTokenizer.from_pretrained(str(hf_dir), local_files_only=True)
    out["AutoTokenizer"] = (lambda texts: auto(texts)["input_ids"], lambda ids: auto.decode(ids, skip_special_tokens=True), True)
    return out


def _run_texts(run: RunDir) -> Iterator[tuple[str, str]]:
    sources = sorted(p.name for p in run.docs().iterdir() if p.is_dir()) if run.docs().is_dir() else []
    for f in docs_files(run, sources):
        table = pq.read_table(f.path, columns=["id", "text"])
        yield from zip(table["id"].to_pylist(), table["text"].to_pylist())


def _jsonl_texts(path: Path) -> Iterator[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                text = json.loads(line)["text"]
            except (ValueError, KeyError, TypeError):
                raise UserError(f"{path}:{n}: not a JSON object with a 'text' field") from None
            yield f"{path.name}:{n}", text


def check_run(run_root: str | Path, texts: list[Path] = ()) -> list[Agreement]:
    import sentencepiece as spm

    run = RunDir(run_root)
    hf_dir = run.hf_tokenizer
    if not run.tokenizer_model.is_file() or not (hf_dir / "tokenizer.json").is_file():
        raise UserError(f"{hf_dir}: no tokenizer.json; make the tokenizer with `curate run` or `curate tokenizer train {run.root}`")
    sp = spm.SentencePieceProcessor(model_file=str(run.tokenizer_model))
    encoders = _encoders(hf_dir)
    rows = measure(f"{run.root.name} documents", _run_texts(run), sp, encoders)
    for path in texts:
        rows += measure(path.name, _jsonl_texts(path), sp, encoders)
    return rows
