"""`curate tokenizer check`: the run's HF tokenizer measured against SentencePiece on its documents."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import DEBIAN_TEXT, curate
from curation.core.rundir import RunDir
from curation.phases.tokenizer.config import TrainConfig
from curation.phases.tokenizer.hf import export_hf
from curation.phases.tokenizer.hf_check import check_run
from curation.phases.tokenizer.trainer import train_sentencepiece


def make_run(root, model: bytes, texts: list[str]) -> RunDir:
    run = RunDir(root)
    folder = run.docs("debian")
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"id": [f"d{i}" for i in range(len(texts))], "text": texts}), folder / "part-0000.parquet")
    run.tokenizer.mkdir(parents=True)
    run.tokenizer_model.write_bytes(model)
    export_hf(model, run.hf_tokenizer)
    return run


def test_every_document_agrees_and_round_trips(salamandra_model, debian_texts, tmp_path) -> None:
    run = make_run(tmp_path / "run", salamandra_model, debian_texts)
    rows = check_run(run.root, [DEBIAN_TEXT])
    assert {(r.corpus, r.loader) for r in rows} == {(c, loader) for c in ("run documents", "debian_multilingual.jsonl") for loader in ("tokenizer.json", "AutoTokenizer")}
    for r in rows:
        assert r.docs == r.ids_equal == r.decode_is_text == r.decode_as_sentencepiece == len(debian_texts) and r.first_mismatch is None


def test_a_tokenizer_json_of_another_model_is_caught(salamandra_model, debian_texts, tmp_path) -> None:
    run = make_run(tmp_path / "run", salamandra_model, debian_texts)
    other = make_run(tmp_path / "other", salamandra_model, debian_texts[:1])
    smaller = train_sentencepiece(iter(debian_texts[1::2]), TrainConfig(vocab_size=2500, num_threads=1), tmp_path / "w", "test")
    export_hf(smaller, other.hf_tokenizer)
    shutil.copy(other.hf_tokenizer / "tokenizer.json", run.hf_tokenizer / "tokenizer.json")
    row = next(r for r in check_run(run.root) if r.loader == "tokenizer.json")
    assert row.ids_equal < row.docs and row.first_mismatch.startswith("d")
    r = curate("tokenizer", "check", str(run.root))
    assert r.returncode == 1 and "first difference" in r.stdout, r.stdout + r.stderr
    missing = curate("tokenizer", "check", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no tokenizer.json" in missing.stderr and "Traceback" not in missing.stderr
