"""Lines into tokens as fastText splits them (ASCII whitespace only), for a whole batch at once.

fastText splits on space, \\t \\v \\f \\r \\0 and ends a line at \\n; Python's str.split() also splits on the
Unicode spaces below. A batch without them is split by one str.split() call, with LINE_MARK standing
between lines (model.py looks its tokens up in one pass); documents with them are split the exact way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import compress

import numpy as np

# Characters str.split() treats as whitespace but fastText does not (fastText splits on ASCII space,
# \t \n \v \f \r and \0 only): a document containing any of them is tokenized the exact, slower way.
_NON_FASTTEXT_SPACE = re.compile("[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_FASTTEXT_SPACE = re.compile("[ \t\v\f\r\x00]+")
LABEL_PREFIX = "__label__"
# Put between a batch's lines so that one str.split of the whole batch gives every token and where each line
# ends; batches that contain it are split line by line instead. Row 0 of the token cache stands for it.
LINE_MARK = "\x01"


def split_lines(text: str) -> list[list[str]]:
    """The tokens of each non-empty line, split as fastText splits them."""
    if _NON_FASTTEXT_SPACE.search(text) or "\x00" in text:
        lines = [[t for t in _FASTTEXT_SPACE.split(line) if t] for line in text.split("\n")]
    else:
        lines = [line.split() for line in text.split("\n")]
    if LABEL_PREFIX in text:  # fastText reads such tokens as labels and ignores them
        lines = [[t for t in line if not t.startswith(LABEL_PREFIX)] for line in lines]
    return lines


def segments(texts: list[str], unit: str) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    """Tokens, document index and character count of each segment (non-empty line or paragraph)."""
    if unit == "paragraph":
        return paragraphs(texts)
    # one line per segment: split every line of the batch at C speed (map), then drop the empty ones
    joined = "\n".join(texts)
    lines = joined.split("\n") if texts else []
    per_doc = [text.count("\n") + 1 for text in texts]
    tokens = list(map(str.split, lines))
    if needs_exact_split(joined):  # rare: such documents' lines are split again, the exact way
        start = 0
        for text, count in zip(texts, per_doc):
            if needs_exact_split(text):
                tokens[start:start + count] = split_lines(text)
            start += count
    lens = np.fromiter(map(len, tokens), np.int64, len(tokens))
    nonempty = lens > 0
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), per_doc)[nonempty]
    chars = np.fromiter(map(len, map(str.strip, compress(lines, nonempty))), np.int64, int(nonempty.sum()))
    return list(compress(tokens, nonempty)), doc, chars


def needs_exact_split(text: str) -> bool:
    return bool(_NON_FASTTEXT_SPACE.search(text)) or "\x00" in text or LABEL_PREFIX in text


def marked_lines(texts: list[str]) -> tuple[list[str], list[str], list[int], np.ndarray, list[bool] | None] | None:
    """(the tokens of each distinct line of the batch as fastText splits them, with LINE_MARK after each
    distinct line but the last; every line; lines per text; each line's index among the distinct lines (first
    seen first); which texts str.split does not split as fastText does, None if none), or None for an empty
    batch or one that contains the mark (then: segments). Web pages repeat lines (menus, footers): each
    distinct line is split, and its tokens looked up, once."""
    joined = "\n".join(texts)
    if not texts or LINE_MARK in joined:
        return None
    lines, per_doc = joined.split("\n"), [text.count("\n") + 1 for text in texts]
    distinct = list(dict.fromkeys(lines))
    where = dict(zip(distinct, range(len(distinct))))
    line_distinct = np.fromiter(map(where.__getitem__, lines), np.int64, len(lines))
    distinct_joined = "\n".join(distinct)
    if not needs_exact_split(distinct_joined):  # what the batch holds, its distinct lines hold
        return _split_marked(distinct_joined), lines, per_doc, line_distinct, None
    # a line of a text that needs the exact split is split as that text's lines are (split_lines) exactly
    # when the line itself needs it: str.split and fastText differ only on the characters needs_exact_split finds
    stream: list[str] = []  # runs of lines str.split splits right together; the others one by one, the exact way
    plain: list[str] = []
    for line in distinct:
        if needs_exact_split(line):
            if plain:
                stream += _split_marked("\n".join(plain))
                stream.append(LINE_MARK)
                plain = []
            stream += split_lines(line)[0]
            stream.append(LINE_MARK)
        else:
            plain.append(line)
    if plain:
        stream += _split_marked("\n".join(plain))
    else:
        stream.pop()  # no mark after the last distinct line
    return stream, lines, per_doc, line_distinct, list(map(needs_exact_split, texts))


def _split_marked(joined: str) -> list[str]:
    return joined.replace("\n", f" {LINE_MARK} ").split()


class SplitOnDemand(Sequence):
    """The tokens of each line, split (as fastText splits them) when asked for: the stage asks for few.
    `exact`: the lines str.split does not split as fastText does (None: none)."""

    def __init__(self, lines: list[str], exact: np.ndarray | None):
        self.lines, self.exact = lines, exact

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, i):
        line = self.lines[i]
        return split_lines(line)[0] if self.exact is not None and self.exact[i] else line.split()

    def texts(self, rows, limit: int) -> list[str]:
        """segment_texts, splitting only as much of a long line as the first `limit` characters need."""
        out = []
        head_chars = 2 * limit + 16
        for i in rows:
            line = self.lines[i]
            if len(line) > head_chars and (self.exact is None or not self.exact[i]):
                # every token of the head but its last (maybe cut short) is one of the line's first tokens
                start = " ".join(line[:head_chars].split()[:-1])
                if len(start) >= limit:
                    out.append(start[:limit])
                    continue
            out.append(" ".join(self[i])[:limit])
        return out


def segment_texts(segments: Sequence[list[str]], rows, limit: int) -> list[str]:
    """The first `limit` characters of each of these segments' tokens joined by single spaces (what the
    per-line models read)."""
    if isinstance(segments, SplitOnDemand):
        return segments.texts(rows, limit)
    return [" ".join(segments[i])[:limit] for i in rows]


def paragraphs(texts: list[str]) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    seg_tokens: list[list[str]] = []
    seg_doc: list[int] = []
    seg_chars: list[int] = []
    for d, text in enumerate(texts):
        open_paragraph = False
        for toks, line in zip(split_lines(text), text.split("\n")):
            if not toks:
                open_paragraph = False
                continue
            if open_paragraph:
                seg_tokens[-1] = seg_tokens[-1] + toks
                seg_chars[-1] += len(line.strip())
                continue
            seg_tokens.append(toks)
            seg_doc.append(d)
            seg_chars.append(len(line.strip()))
            open_paragraph = True
    return seg_tokens, np.asarray(seg_doc, np.int64), np.asarray(seg_chars, np.int64)
