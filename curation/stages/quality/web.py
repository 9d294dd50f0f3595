"""Web heuristics: Gopher quality and repetition (Rae et al. 2021, table A1), C4 (Raffel et al. 2020) and
FineWeb (Penedo et al. 2024), with datatrove's default thresholds, for any of the 35 languages (offline
word splitting and stop words from curation.stages.quality.words).

Salamandra changed no document's text, so the C4 rules only decide: a document is dropped where C4
would drop it (lorem ipsum, a curly bracket, fewer than five sentences in the lines C4 keeps); the
lines C4 would cut are left in place.
"""

from __future__ import annotations

import re

import numba
import numpy as np

from curation.config.manifest import Source
from curation.stages.quality.base import Doc, FilterConfig, QualityFilter, Verdict, verdict
from curation.stages.quality.words import gopher_stop_words, split_sentences, split_tokens

_BULLETS = ("•", "-", "*", "·", "‣", "◦", "–")
_ELLIPSES = ("...", "…")
# Sentence-final characters for FineWeb's line-punctuation rule (a subset of datatrove's list, enough for
# the scripts of the 35 languages).
_TERMINAL = tuple(".!?…;:。？！؟।\"'”’»)")


def _is_word(token: str) -> bool:
    return any(c.isalnum() for c in token)


# --- Gopher quality -------------------------------------------------------------------------------------


class GopherQualityConfig(FilterConfig):
    min_doc_words: int | None = 50
    max_doc_words: int | None = 100_000
    min_avg_word_length: float | None = 3
    max_avg_word_length: float | None = 10
    max_symbol_word_ratio: float | None = 0.1
    max_bullet_lines_ratio: float | None = 0.9
    max_ellipsis_lines_ratio: float | None = 0.3
    min_alpha_words_ratio: float | None = 0.8
    min_stop_words: int | None = 2
    stop_words: dict[str, list[str]] = {}  # per language; default: curation.stages.quality.words.gopher_stop_words


class GopherQuality(QualityFilter[GopherQualityConfig]):
    name = "gopher"
    description = "Gopher quality rules (Rae et al., 2021)"
    reason_prefixes = ("gopher:",)

    def judge(self, doc: Doc, source: Source) -> Verdict:
        return verdict(self.check(doc.text, doc.language))

    def check(self, text: str, language: str | None) -> str | None:
        c = self.config
        tokens = split_tokens(text)
        n_tokens = len(tokens)
        words = [t for t in tokens if _is_word(t)]
        n_words = len(words)
        if c.min_doc_words and n_words < c.min_doc_words:
            return "gopher:short_doc"
        if c.max_doc_words and n_words > c.max_doc_words:
            return "gopher:long_doc"
        if not n_words:
            return "gopher:short_doc"
        avg = sum(map(len, words)) / n_words
        if c.min_avg_word_length and avg < c.min_avg_word_length:
            return "gopher:avg_word_length"
        if c.max_avg_word_length and avg > c.max_avg_word_length:
            return "gopher:avg_word_length"
        if c.max_symbol_word_ratio:
            if text.count("#") / n_tokens > c.max_symbol_word_ratio:
                return "gopher:hash_ratio"
            if (text.count("...") + text.count("…")) / n_tokens > c.max_symbol_word_ratio:
                return "gopher:ellipsis_ratio"
        lines = text.splitlines() or [""]
        if c.max_bullet_lines_ratio and sum(line.lstrip().startswith(_BULLETS) for line in lines) / len(lines) > c.max_bullet_lines_ratio:
            return "gopher:bullet_lines"
        if c.max_ellipsis_lines_ratio and sum(line.rstrip().endswith(_ELLIPSES) for line in lines) / len(lines) > c.max_ellipsis_lines_ratio:
            return "gopher:ellipsis_lines"
        if c.min_alpha_words_ratio and sum(any(ch.isalpha() for ch in t) for t in tokens) / n_tokens < c.min_alpha_words_ratio:
            return "gopher:alpha_words"
        if c.min_stop_words:
            sw = frozenset(c.stop_words[language]) if language in c.stop_words else gopher_stop_words(language)
            # Languages without a stop-word list skip the rule rather than lose every document.
            if sw and len(sw.intersection(tokens)) < c.min_stop_words:
                return "gopher:stop_words"
        return None


# --- Gopher repetition ----------------------------------------------------------------------------------


class GopherRepetitionConfig(FilterConfig):
    dup_line_frac: float | None = 0.3
    dup_para_frac: float | None = 0.3
    dup_line_char_frac: float | None = 0.2
    dup_para_char_frac: float | None = 0.2
    top_n_grams: list[tuple[int, float]] = [(2, 0.2), (3, 0.18), (4, 0.16)]
    dup_n_grams: list[tuple[int, float]] = [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)]


def _duplicates(items: list[str]) -> tuple[int, int]:
    """(repeated items, characters in repeated items), counting every occurrence after the first."""
    seen: set[str] = set()
    n = chars = 0
    for x in items:
        if x in seen:
            n += 1
            chars += len(x)
        else:
            seen.add(x)
    return n, chars


class _NGrams:
    """A document's word n-grams as integer ids (equal n-grams, equal ids; exact, no hashing), built for
    n = 1, 2, ... from the (n-1)-gram ids, so each rule is a few numpy passes instead of a tuple per position."""

    def __init__(self, words: list[str]):
        vocab: dict[str, int] = {}
        self.ids = np.fromiter((vocab.setdefault(w, len(vocab)) for w in words), np.int64, len(words))
        self.cum = np.concatenate([[0], np.cumsum(np.fromiter(map(len, words), np.int64, len(words)))])
        self._of: dict[int, np.ndarray] = {1: self.ids}

    def of(self, n: int) -> np.ndarray:
        """The id of the n-gram starting at each position (len(words) - n + 1 of them)."""
        k = max(m for m in self._of if m <= n)
        while k < n:
            pair = self._of[k][:-1] * (len(self.ids) + 1) + self.ids[k:]
            k += 1
            self._of[k] = np.unique(pair, return_inverse=True)[1].reshape(-1)
        return self._of[n]

    def chars(self, i: int, n: int) -> int:
        return int(self.cum[i + n] - self.cum[i])

    def top_chars(self, n: int) -> int:
        """(characters + spaces) x count of the most frequent n-gram (the first seen among equals, as
        Counter.most_common picks it)."""
        _, first, counts = np.unique(self.of(n), return_index=True, return_counts=True)
        top = counts.max()
        start = int(first[counts == top].min())
        return (self.chars(start, n) + n - 1) * int(top)

    def duplicate_chars(self, n: int) -> int:
        """Characters covered by repeated n-grams (a repeat is skipped as a whole, as in Gopher)."""
        return int(_skip_repeats(self.of(n), self.cum, n))


@numba.njit(cache=True, nogil=True)
def _skip_repeats(grams: np.ndarray, cum: np.ndarray, n: int) -> int:
    """The sequential scan of Gopher's duplicate n-gram rule: ids are dense (np.unique's inverse), so a
    boolean array is the set of n-grams seen."""
    seen = np.zeros(grams.size, np.bool_)
    chars, i = 0, 0
    while i < grams.size:
        if seen[grams[i]]:
            chars += cum[i + n] - cum[i]
            i += n
        else:
            seen[grams[i]] = True
            i += 1
    return chars


class GopherRepetition(QualityFilter[GopherRepetitionConfig]):
    name = "gopher_repetition"
    description = "Gopher repetition rules (Rae et al., 2021)"
    reason_prefixes = ("gopher_repetition:",)
    _paragraphs = re.compile(r"\n{2,}")
    _lines = re.compile(r"\n+")

    def judge(self, doc: Doc, source: Source) -> Verdict:
        return verdict(self.check(doc.text))

    def check(self, text: str) -> str | None:
        c = self.config
        if not text:
            return "gopher_repetition:empty"
        size = len(text)
        paragraphs = self._paragraphs.split(text.strip())
        dup, chars = _duplicates(paragraphs)
        if c.dup_para_frac and dup / len(paragraphs) > c.dup_para_frac:
            return "gopher_repetition:dup_para_frac"
        if c.dup_para_char_frac and chars / size > c.dup_para_char_frac:
            return "gopher_repetition:dup_para_char_frac"
        lines = self._lines.split(text)
        dup, chars = _duplicates(lines)
        if c.dup_line_frac and dup / len(lines) > c.dup_line_frac:
            return "gopher_repetition:dup_line_frac"
        if c.dup_line_char_frac and chars / size > c.dup_line_char_frac:
            return "gopher_repetition:dup_line_char_frac"
        words = split_tokens(text)
        grams = _NGrams(words)
        for n, frac in c.top_n_grams:
            # n-gram length as the words joined by spaces, as Gopher measures it
            if len(words) >= n and grams.top_chars(n) / size > frac:
                return f"gopher_repetition:top_{n}_gram"
        for n, frac in c.dup_n_grams:
            if len(words) >= n and grams.duplicate_chars(n) / size > frac:
                return f"gopher_repetition:dup_{n}_gram"
        return None


# --- C4 -------------------------------------------------------------------------------------------------

_POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_END_PUNCTUATION = (".", "?", "!", '"', "'")


class C4Config(FilterConfig):
    # C4 drops pages with fewer than 5 sentences; off by default (-1) here: CURATE's min_sentences
    # evaluator already scores short documents down, and Salamandra had no such hard cut.
    min_num_sentences: int = -1
    min_words_per_line: int = 3
    max_word_length: int = 1000
    filter_no_terminal_punct: bool = True
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True


class C4(QualityFilter[C4Config]):
    name = "c4"
    description = "C4 document rules (Raffel et al., 2020)"
    reason_prefixes = ("c4:",)

    def judge(self, doc: Doc, source: Source) -> Verdict:
        return verdict(self.check(doc.text))

    def check(self, text: str) -> str | None:
        c = self.config
        sentences = 0
        for raw in text.splitlines():
            line = raw.strip()
            words = line.split()
            if any(len(w) > c.max_word_length for w in words):
                continue
            line = _CITATION.sub("", line)
            if c.filter_no_terminal_punct and (not line.endswith(_END_PUNCTUATION) or line.endswith("...")):
                continue
            if len(words) < c.min_words_per_line:
                continue
            low = line.lower()
            if c.filter_lorem_ipsum and "lorem ipsum" in low:
                return "c4:lorem_ipsum"
            if c.filter_javascript and "javascript" in low:
                continue
            if c.filter_curly_bracket and "{" in line:
                return "c4:curly_bracket"
            if c.filter_policy and any(p in low for p in _POLICY):
                continue
            if c.min_num_sentences > 0:
                sentences += len(split_sentences(line))
        if c.min_num_sentences > 0 and sentences < c.min_num_sentences:
            return "c4:too_few_sentences"
        return None


# --- FineWeb --------------------------------------------------------------------------------------------


class FineWebConfig(FilterConfig):
    line_punct_thr: float = 0.12
    line_punct_exclude_zero: bool = False
    short_line_thr: float = 0.67
    short_line_length: int = 30
    char_duplicates_ratio: float = 0.01
    new_line_ratio: float = 0.3


class FineWeb(QualityFilter[FineWebConfig]):
    name = "fineweb"
    description = "FineWeb line-level rules (Penedo et al., 2024)"
    reason_prefixes = ("fineweb:",)

    def judge(self, doc: Doc, source: Source) -> Verdict:
        return verdict(self.check(doc.text))

    def check(self, text: str) -> str | None:
        c = self.config
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            return "fineweb:empty"
        ratio = sum(1 for line in lines if line.endswith(_TERMINAL)) / len(lines)
        if ratio < c.line_punct_thr and not (ratio == 0 and c.line_punct_exclude_zero):
            return "fineweb:line_punct_ratio"
        if sum(1 for line in lines if len(line) <= c.short_line_length) / len(lines) > c.short_line_thr:
            return "fineweb:short_line_ratio"
        if _duplicates(lines)[1] / max(1, len(text.replace("\n", ""))) > c.char_duplicates_ratio:
            return "fineweb:char_dup_ratio"
        words = split_tokens(text)
        if words and text.count("\n") / len(words) > c.new_line_ratio:
            return "fineweb:list_ratio"
        return None
