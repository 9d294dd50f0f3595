"""tools/curate_eval_data.py, which builds the real-text JSONL of the CURATE comparison: documents of about
DOC_CHARS characters from catalogue messages, prose lines, man-page blocks, mojibake copies that ftfy undoes,
and a deterministic pick."""

from __future__ import annotations

from pathlib import Path

import ftfy
import pytest
from conftest import load_tool

tool = load_tool("curate_eval_data")

LOCALE = Path("/usr/share/locale")


def _messages() -> list[str]:
    """The Spanish translations of a real gettext catalogue."""
    mo = LOCALE / "es" / "LC_MESSAGES" / "apt.mo"
    if not mo.is_file():
        pytest.skip("no Spanish apt catalogue")
    cat = tool.catalogue(mo)
    assert len(cat) > 100 and all(v != k for k, v in cat.items())  # translations only, never the msgid itself
    return [cat[k] for k in sorted(cat)]


def test_chunks_are_documents_of_about_doc_chars_one_message_a_line() -> None:
    messages = _messages()
    docs = tool.chunks(messages, 5)
    assert len(docs) == 5
    flat = [m.replace("\n", " ").strip() for m in messages if m.strip()]
    for doc in docs:
        lines = doc.split("\n")
        assert sum(map(len, lines)) >= tool.DOC_CHARS  # a document closes once it has DOC_CHARS characters
        assert sum(map(len, lines[:-1])) < tool.DOC_CHARS
        assert all(line in flat for line in lines)
    assert "\n".join(docs).split("\n") == flat[: sum(d.count("\n") + 1 for d in docs)]  # in order, none skipped


def test_prose_lines_join_messages_up_to_the_line_length() -> None:
    sentences = [m for m in _messages() if tool.SENTENCE.search(m)]
    (doc,) = tool.chunks(sentences, 1, tool.PROSE_LINE)
    lines = doc.split("\n")
    assert all(len(line) >= tool.PROSE_LINE for line in lines[:-1])  # a line takes messages until it is long enough
    assert " ".join(lines).split() == " ".join(s.replace("\n", " ").strip() for s in sentences).split()[: len(" ".join(lines).split())]


def test_a_short_remainder_is_not_a_document() -> None:
    assert tool.chunks(["short one", "another"], 3) == []
    long_enough = ["x" * (tool.DOC_CHARS // 4)]
    assert tool.chunks(long_enough, 3) == long_enough


def test_blocks_split_on_blank_lines() -> None:
    text = "NAME\n   ls - list\n\n  \nSYNOPSIS   \n   ls [OPTION]\n"
    assert tool.blocks(text) == [["NAME", "   ls - list"], ["SYNOPSIS", "   ls [OPTION]"]]


def test_mojibake_copies_are_what_ftfy_repairs() -> None:
    messages = _messages()
    rows = [{"id": f"es:test:{i}", "language": "es", "kind": "catalogue", "path": "-", "text": t}
            for i, t in enumerate(tool.chunks(messages, 40))]
    copies = tool.mojibake_rows(rows)
    assert copies and all(c["id"].endswith(":mojibake") and c["kind"] == "catalogue-mojibake" for c in copies)
    originals = {r["id"]: r["text"] for r in rows}
    for c in copies:
        original = originals[c["id"].removesuffix(":mojibake")]
        assert c["text"] != original and not original.isascii()
        assert ftfy.fix_encoding(c["text"]) == original


def test_pick_is_deterministic_and_independent_of_order() -> None:
    paths = [Path(f"/x/{i}.mo") for i in range(50)]
    assert tool.pick(paths, 7) == tool.pick(list(reversed(paths)), 7)
    assert len(set(tool.pick(paths, 7))) == 7
