"""Run-directory integrity, as real `curate run` processes: one writer at a time, and inputs that
change between runs redone with every phase after them (dedup, tokenizer, shards, blend)."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import curate, tree_digest, write_pipeline
from curation.config.manifest import sample_dir

OUTPUTS = ("docs", "rejected", "quarantine", "stats", "dedup", "shards", "tokenizer")


@pytest.fixture
def eurlex_corpus(tmp_path: Path) -> Path:
    """Three EUR-Lex files of the bundled sample (real text), a tokenizer, shards and the demo blend.

    The tokenizer is a given .model (SentencePiece trained here on the same texts); a test that needs the
    pipeline to train one says so in its pipeline file."""
    import json

    import sentencepiece as spm

    data = tmp_path / "data"
    data.mkdir()
    texts = []
    for lang in ("de", "es", "fr"):
        path = shutil.copy(sample_dir() / "eurlex" / f"eurlex_{lang}.jsonl.gz", data)
        texts += [json.loads(line)["text"] for line in gzip.decompress(Path(path).read_bytes()).decode().splitlines() if line.strip()]
    spm.SentencePieceTrainer.train(sentence_iterator=iter(texts), model_prefix=str(tmp_path / "lex"), vocab_size=1000, model_type="bpe",
                                   byte_fallback=True, minloglevel=2, num_threads=1)
    write_pipeline(tmp_path, """\
        name: lex
        seed: 1
        sources:
          - use: eurlex
            location: data/*.jsonl.gz
            format: jsonl.gz
            fields: {text: text, id: celex, language: language, metadata: [date, title]}
        tokenizer:
          model: lex.model
        mixture: demo
        """)
    return tmp_path


def _run(cwd: Path, runs: str, *flags: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return curate("run", "pipeline.yaml", "--runs-dir", runs, "--num-cpus", "2", *flags, cwd=cwd, env=env)


def _digest(run: Path) -> dict[str, str]:
    """Every output's sha256; blend files after replacing the run's own path (they name their shards)."""
    out = tree_digest(run, OUTPUTS)
    for p in sorted((run / "blend").glob("*")):
        out[f"blend/{p.name}"] = hashlib.sha256(p.read_text().replace(str(run.resolve()), "RUN").encode()).hexdigest()
    return out


def _wait_for(path: Path, proc: subprocess.Popen) -> None:
    """Until the run writes its pause marker (the run's own signal that it reached the point)."""
    while not path.exists():
        assert proc.poll() is None, "the run ended before reaching the pause point"
        time.sleep(0.1)


@pytest.mark.slow
def test_one_writer_and_a_dead_writers_lock_is_taken_over(eurlex_corpus: Path) -> None:
    marker = eurlex_corpus / "paused"
    log = open(eurlex_corpus / "first.log", "w")
    first = subprocess.Popen([sys.executable, "-m", "curation.cli", "run", "pipeline.yaml", "--runs-dir", "runs", "--num-cpus", "2"],
                             cwd=eurlex_corpus, env={**os.environ, "CURATION_TEST_PAUSE": f"eurlex_es:300:{marker}"},
                             stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for(marker, first)  # the first run holds the lock and has a part in flight
        second = _run(eurlex_corpus, "runs")
        assert second.returncode == 2, second.stderr
        assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
        assert f"runs/lex is in use by `curate run` (pid {first.pid} on host " in second.stderr
        assert not (eurlex_corpus / "runs" / "lex" / "stats").exists()  # the second run wrote nothing
        os.killpg(first.pid, signal.SIGKILL)  # the first dies with its lock in place
        first.wait(timeout=60)
    finally:
        try:
            os.killpg(first.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert (eurlex_corpus / "runs" / "lex" / "run.lock").exists()
    third = _run(eurlex_corpus, "runs")
    assert third.returncode == 0, third.stderr
    assert f"taking over the lock of runs/lex: `curate run` (pid {first.pid}" in " ".join(third.stderr.split())
    assert not (eurlex_corpus / "runs" / "lex" / "run.lock").exists()
    fresh = _run(eurlex_corpus, "fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert _digest(eurlex_corpus / "runs" / "lex") == _digest(eurlex_corpus / "fresh" / "lex")


@pytest.mark.slow
def test_changed_inputs_are_redone_as_a_fresh_run_would(eurlex_corpus: Path) -> None:
    """With a tokenizer the pipeline trains: it is trained again on the changed documents."""
    data, run = eurlex_corpus / "data", eurlex_corpus / "runs" / "lex"
    pipeline = eurlex_corpus / "pipeline.yaml"
    pipeline.write_text(pipeline.read_text().replace("model: lex.model", "train: {vocab_size: 1000}"))
    assert _run(eurlex_corpus, "runs").returncode == 0
    original = _digest(run)

    # A new file, whose every document duplicates one already kept: dedup, tokenizer, shards, blend redone.
    shutil.copy(data / "eurlex_es.jsonl.gz", data / "copy_es.jsonl.gz")
    frozen = _run(eurlex_corpus, "runs", "--frozen")
    assert frozen.returncode == 2 and frozen.stderr.count("\n") == 1, frozen.stderr
    assert "inputs changed since the last run (--frozen): 1 added (eurlex/copy_es.jsonl.gz)" in frozen.stderr
    assert _digest(run) == original  # refused before touching anything
    added = _run(eurlex_corpus, "runs")
    assert added.returncode == 0, added.stderr
    assert "1 added (eurlex/copy_es.jsonl.gz)" in " ".join(added.stderr.split()) and "(3 already done)" in added.stderr
    assert "tokenizer: training" in added.stderr  # trained again, on the new documents
    assert _run(eurlex_corpus, "fresh-added").returncode == 0
    assert _digest(run) == _digest(eurlex_corpus / "fresh-added" / "lex")
    assert _digest(run) != original

    # Removed again: its outputs go, the duplicates it had displaced come back, all is as before.
    (data / "copy_es.jsonl.gz").unlink()
    removed = _run(eurlex_corpus, "runs")
    assert removed.returncode == 0, removed.stderr
    assert "1 removed (eurlex/copy_es.jsonl.gz)" in " ".join(removed.stderr.split())
    assert _digest(run) == original

    # Edited in place: 2 records gone, one repeated.
    path = data / "eurlex_fr.jsonl.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    path.write_bytes(gzip.compress(("\n".join(lines[2:] + lines[:1]) + "\n").encode()))
    edited = _run(eurlex_corpus, "runs")
    assert edited.returncode == 0, edited.stderr
    assert "1 changed (eurlex/eurlex_fr.jsonl.gz)" in " ".join(edited.stderr.split()) and "(2 already done)" in edited.stderr
    assert _run(eurlex_corpus, "fresh-edited").returncode == 0
    assert _digest(run) == _digest(eurlex_corpus / "fresh-edited" / "lex")
    again = _run(eurlex_corpus, "runs", "--frozen")  # nothing changed since: --frozen runs
    assert again.returncode == 0 and "(3 already done)" in again.stderr
