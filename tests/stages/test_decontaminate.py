"""Decontamination by 13-gram overlap, on real text: the GNU GPL-3 and LGPL-2.1 as shipped by Debian
(/usr/share/common-licenses) play the evaluation set and the documents."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from curation.config.manifest import Source
from curation.core.errors import UserError
from curation.stages.decontaminate import (
    Decontaminate,
    DecontaminateConfig,
    EvalSet,
    ngram_hashes,
    read_passages,
    words,
)

SOURCE = Source(id="legal", name="legal", languages=["en"], domain="legal", licence="x", format="jsonl", location="x")
LICENCES = Path("/usr/share/common-licenses")


def _paragraphs(name: str) -> list[str]:
    path = LICENCES / name
    if not path.exists():
        pytest.skip(f"{path} not on this machine")
    return [" ".join(p.split()) for p in path.read_text().split("\n\n") if len(p.split()) >= 40]


def _stage(tmp_path: Path, passages: list[str], mode: str = "drop", jsonl: bool = True) -> Decontaminate:
    f = tmp_path / ("set.jsonl" if jsonl else "set.txt")
    f.write_text("\n".join(json.dumps({"question": p}) if jsonl else p for p in passages) + "\n")
    stage = Decontaminate(DecontaminateConfig(against=[EvalSet(name="gpl3", path=str(f), text_field="question")], mode=mode))
    stage.ensure_setup()
    return stage


def _process(stage: Decontaminate, texts: list[str]):
    return stage.process(pa.table({"text": texts, "language": ["en"] * len(texts)}), SOURCE)


def test_a_document_quoting_a_passage_is_dropped_and_others_kept(tmp_path):
    gpl3, other = _paragraphs("GPL-3"), _paragraphs("Apache-2.0")
    stage = _stage(tmp_path, gpl3[10:20])
    quoted = " ".join(other[:3]) + " " + " ".join(gpl3[12].split()[5:25]).upper() + " " + " ".join(other[3:5])  # 20 words, case changed
    short = " ".join(other[:3]) + " " + " ".join(gpl3[12].split()[5:17])  # 12 words: under 13
    out = _process(stage, [quoted, short, " ".join(other), " ".join(gpl3[:10])])
    assert out.reasons == ["contamination:gpl3", None, None, None]
    assert out.counts == [{"documents_matching:gpl3": 1}, {}, {}, {}]


def test_report_mode_counts_without_dropping(tmp_path):
    gpl3 = _paragraphs("GPL-3")
    out = _process(_stage(tmp_path, gpl3[:5], mode="report", jsonl=False), [gpl3[2], gpl3[30]])
    assert out.reasons == [None, None]
    assert out.counts == [{"documents_matching:gpl3": 1}, {}]


def test_normalisation_ignores_case_punctuation_and_spacing():
    a = ngram_hashes(words("The  Licensee, may NOT copy;\tthe Program!"), 3, {})
    b = ngram_hashes(words("the licensee may not copy the program"), 3, {})
    assert np.array_equal(a, b) and len(a) == 5


def test_missing_field_names_the_file_and_line(tmp_path):
    f = tmp_path / "set.jsonl"
    f.write_text('{"question": "a"}\n{"answer": "b"}\n')
    stage = Decontaminate(DecontaminateConfig(against=[EvalSet(name="s", path=str(f), text_field="question")]))
    with pytest.raises(UserError, match=r"set.jsonl:2: field 'question'"):
        stage.ensure_setup()


def test_an_unreadable_set_file_is_one_line(tmp_path):
    latin1 = tmp_path / "set.txt"
    latin1.write_bytes("caf\u00e9".encode("latin-1") + b"\n")  # not UTF-8
    damaged = tmp_path / "set.jsonl.gz"
    damaged.write_bytes(b"not gzip")
    for path in (latin1, damaged):
        with pytest.raises(UserError, match=rf"against 'x': .*{path.name}: cannot read"):
            list(read_passages(EvalSet(name="x", path=str(path))))


def test_shared_boilerplate_between_real_texts_is_found(tmp_path):
    """The LGPL-2.1 repeats sentences of the GPL family word for word (warranty disclaimer, FSF address):
    measured on the Debian copies, some of its paragraphs share 13-grams with GPL-3, none with Apache-2.0."""
    gpl3, lgpl, apache = _paragraphs("GPL-3"), _paragraphs("LGPL-2.1"), _paragraphs("Apache-2.0")
    out = _process(_stage(tmp_path, gpl3, mode="report"), lgpl + apache)
    lgpl_hits = sum(bool(c) for c in out.counts[: len(lgpl)])
    assert 0 < lgpl_hits < len(lgpl)
    assert not any(out.counts[len(lgpl):])
