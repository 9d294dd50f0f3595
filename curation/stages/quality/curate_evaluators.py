"""CURATE's evaluators, formula for formula as BSC's ALIA data pipeline defines them
(`preprocess_and_score/evaluators_{sentence,paragraph,document}.py`; the interpolation tables of
`distributions_pipeline.py`), each vectorised over a whole batch of parsed documents.

An evaluator gives one factor in [0, 1] per sentence, paragraph or document (1 = nothing wrong). Names are
the reference's function names without the `_evaluator`/`_sentence_evaluator`/`_document_evaluator`
suffix; parameters have the reference's names and defaults. Two evaluators are the project's own
(`PROJECT_ONLY`): BSC never ran them; they are opt-in.

Not reproduced: `min_stopwords_per_document` and `max_word_repetition_ratio` (they read BSC's own
stopwords.txt), `bad_language_id` (per-sentence fastText languages), `bscedu_document` (a neural
classifier; the `edu` filter covers FineWeb-Edu's score) and `unwanted_sequences` (not implemented there).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Literal

import numpy as np

from curation.stages.quality.sentences import Parsed
from curation.stages.quality.words import stop_words

Level = Literal["sentence", "paragraph", "document"]


def _from(values: Any, n: int) -> np.ndarray:
    return np.fromiter(values, np.float64, n)


def _interpolate(points: list[tuple[float, float]], x: np.ndarray) -> np.ndarray:
    """evaluators_utils.interpolation: piecewise linear through (value, factor) points, flat outside."""
    xs, ys = zip(*sorted(points))
    return np.interp(x, xs, ys)


def _ratio_penalty(max_penalty: float, excess: np.ndarray, span: float) -> np.ndarray:
    """The reference's `max_penalty ** (max(0, excess) / span)`."""
    return np.power(max_penalty, np.maximum(0.0, excess) / span)


# --- sentence evaluators: (parsed batch, params) -> one factor per sentence --------------------------------


def last_char(p: Parsed, allowed_end_of_sentence: str = "!.:;?", penalty: float = 0.6) -> np.ndarray:
    return _from((1.0 if s[-1] in allowed_end_of_sentence else penalty for s in p.sentences), len(p.sentences))


def last_char_v2(p: Parsed, allowed_end_of_sentence: str = "!.…:;?)'\"", penalty: float = 0.6) -> np.ndarray:
    return _from((penalty if not s[-1].isalnum() and s[-1] not in allowed_end_of_sentence else 1.0 for s in p.sentences), len(p.sentences))


def _first_letter(s: str, banned: str, penalty: float) -> float:
    for c in s:
        if c.islower() or c in banned:
            return penalty
        if c.isupper() or c.isnumeric():
            return 1.0
    return 1.0


def first_letter(p: Parsed, penalty: float = 0.6) -> np.ndarray:
    """The first cased or numeric character decides: lower case is penalised (v1: nothing banned)."""
    return _from((_first_letter(s, "", penalty) for s in p.sentences), len(p.sentences))


def first_letter_v2(p: Parsed, banned_characters: str = ".?!:,;=&", penalty: float = 0.6) -> np.ndarray:
    """As v1, and a banned character met before the first cased or numeric one is penalised too."""
    return _from((_first_letter(s, banned_characters, penalty) for s in p.sentences), len(p.sentences))


_ALNUM = re.compile(r"[^\W_]")  # str.isalnum() characters


def alnum(p: Parsed, penalty: float = 0.4, normalize: bool = True) -> np.ndarray:
    other = p.char_counts - _from((len(_ALNUM.findall(s)) for s in p.sentences), len(p.sentences))
    return np.exp(math.log(penalty) * (other / p.char_counts if normalize else other))


def _long_word_excess(s: str, max_length: int, only_without_letters: bool) -> float:
    return float(sum(max(0, len(w) - max_length) for w in s.split() if not (only_without_letters and any(c.isalpha() for c in w))))


def too_long_word(p: Parsed, max_length: int = 20, penalty: float = 0.7, normalize: bool = True) -> np.ndarray:
    excess = _from((_long_word_excess(s, max_length, False) for s in p.sentences), len(p.sentences))
    return np.exp(math.log(penalty) * (excess / p.word_counts if normalize else excess))


def too_long_word_v2(p: Parsed, max_length: int = 15, penalty: float = 0.5, normalize: bool = True) -> np.ndarray:
    """Only long words without any letter count (the reference's code; its docstring says the opposite)."""
    excess = _from((_long_word_excess(s, max_length, True) for s in p.sentences), len(p.sentences))
    return np.exp(math.log(penalty) * (excess / p.word_counts if normalize else excess))


def too_frequent_char(p: Parsed, frequency_threshold: float = 0.2, min_chars: int = 10, max_penalty: float = 0.01) -> np.ndarray:
    """Share of the most frequent character (spaces included), for sentences of at least `min_chars`."""
    top = _from((max(s.count(c) for c in set(s)) if len(s) >= min_chars else 0 for s in p.sentences), len(p.sentences))
    out = _ratio_penalty(max_penalty, top / p.char_counts - frequency_threshold, 1 - frequency_threshold)
    return np.where(p.char_counts < min_chars, 1.0, out)


def _streaks(p: Parsed, weird_chars: str, max_streak: int, penalty: float, normalize: bool) -> np.ndarray:
    """Positions where `max_streak + 1` weird characters in a row start, over the positions that have room."""
    rx = re.compile(f"(?=[{re.escape(weird_chars)}]{{{max_streak + 1}}})")
    hits = _from((len(rx.findall(s)) for s in p.sentences), len(p.sentences))
    room = p.char_counts - max_streak
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.exp(math.log(penalty) * (hits / room if normalize else hits))
    return np.where(room > 0, out, 1.0)


def weird_streak(p: Parsed, weird_chars: str = ",;}[]()^", max_streak: int = 2, penalty: float = 0.2, normalize: bool = True) -> np.ndarray:
    """The reference's default tuple is (',', ';', '<' '{', ...): '<' '{' concatenate to one two-character
    string that no single character equals, so neither counts; v2's regex joins them and counts both."""
    return _streaks(p, weird_chars, max_streak, penalty, normalize)


def weird_streak_v2(p: Parsed, weird_chars: str = ",;<{}[]()^@#$\\/-*=>_―+:|·", max_streak: int = 2, penalty: float = 0.2, normalize: bool = True) -> np.ndarray:
    return _streaks(p, weird_chars, max_streak, penalty, normalize)


def whitespace_ratio(p: Parsed, min_whitespaces_frequency: float = 0.1, max_penalty: float = 0.2) -> np.ndarray:
    """(1 + spaces) / characters below `min_whitespaces_frequency` is penalised (the reference starts at 1)."""
    spaces = 1 + _from((s.count(" ") for s in p.sentences), len(p.sentences))
    return _ratio_penalty(max_penalty, min_whitespaces_frequency - spaces / p.char_counts, min_whitespaces_frequency)


def max_words_per_sentence(p: Parsed, max_words: int = 30, penalty: float = 0.97) -> np.ndarray:
    return np.power(penalty, np.maximum(0.0, p.word_counts - max_words))


# --- paragraph evaluators: one factor per paragraph --------------------------------------------------------

_CLOSE_TO_OPEN = {")": "(", "]": "[", "}": "{"}


def _balanced(sentences: list[str]) -> bool:
    stack: list[str] = []
    for s in sentences:
        for c in s:
            if c in "([{":
                stack.append(c)
            elif c in _CLOSE_TO_OPEN and (not stack or stack.pop() != _CLOSE_TO_OPEN[c]):
                return False
    return not stack


def parenthesis_structure(p: Parsed, penalty: float = 0.7) -> np.ndarray:
    return _from((1.0 if _balanced(p.paragraph_sentences(i)) else penalty for i in range(p.n_paragraphs)), p.n_paragraphs)


def numeric(p: Parsed, penalty: float = 0.25) -> np.ndarray:
    """Paragraphs made only of numeric characters and spaces."""
    numeric_sentence = _from((s.replace(" ", "").isnumeric() for s in p.sentences), len(p.sentences))
    all_numeric = p.per_paragraph_sum(numeric_sentence) == p.sentences_per_paragraph()
    return np.where(all_numeric, penalty, 1.0)


def max_words_per_paragraph(p: Parsed, max_words: int = 200, extra_word_penalty: float = 0.999) -> np.ndarray:
    return np.power(extra_word_penalty, np.maximum(0.0, p.per_paragraph_sum(p.word_counts) - max_words))


# --- document evaluators: one factor per document (documents with no sentence are never evaluated) ----------

# distributions_pipeline.py, as (value, factor): the reference stores (value, 1 - factor).
AVG_WORDS_PER_SENTENCE = [(3, 0), (4, 0), (5, 0), (7, .2), (8, .2), (9, .3), (11, .3), (15, .4), (16, .4), (17, .4), (20, .6), (25, .8),
                          (30, 1), (35, .9), (40, .8), (50, .7), (60, .6), (80, .6), (100, .6), (120, .4), (135, .3), (160, .2),
                          (180, .1), (200, 0), (220, 0), (250, 0), (275, 0), (390, 0)]
MIN_WORDS_PER_DOCUMENT = [(0, 0), (300, 1)]
UNIQUE_SENTENCES_RATIO = [(0, 0), (.6, 0), (.7, .1), (.9, .2), (.95, .5), (1, 1)]
PUNCTUATION_RATIO = [(2, 0), (1, .1), (.7, .2), (.5, .4), (.4, .5), (.35, .6), (.3, .65), (.25, 1), (.05, 1), (0, 0)]
CURSED_RATIO = [(1, 0), (0, 1)]
BRUNETS_INDEX = [(10, 1), (13, .6), (14, .4), (16, .3), (17, .2), (20, 0), (22, 0)]
BAD_BOL_EOL_RATIO = [(0, 1), (.05, .9), (.1, .8), (.2, .7), (.5, .5), (1, .5)]


def _doc_sum(p: Parsed, per_sentence: np.ndarray) -> np.ndarray:
    return p.per_doc_sum(p.per_paragraph_sum(per_sentence))


def _words_per_doc(p: Parsed) -> np.ndarray:
    return _doc_sum(p, p.word_counts)


def _chars_per_doc(p: Parsed) -> np.ndarray:
    return _doc_sum(p, p.char_counts)


def _count_chars(p: Parsed, chars: str) -> np.ndarray:
    table = str.maketrans("", "", chars)
    return _doc_sum(p, p.char_counts - _from((len(s.translate(table)) for s in p.sentences), len(p.sentences)))


def min_sentences_per_document(p: Parsed, min_sentences: int = 4, missing_sentence_penalty: float = 0.7) -> np.ndarray:
    return np.power(missing_sentence_penalty, np.maximum(0.0, min_sentences - p.sentences_per_doc()))


def min_sentences_per_document_v2(p: Parsed, min_sentences: int = 4, missing_sentence_penalty: float = 0.7) -> np.ndarray:
    """As v1, only where average_word_per_sentence (its defaults) penalises the document."""
    return np.where(average_word_per_sentence(p) != 1.0, min_sentences_per_document(p, min_sentences, missing_sentence_penalty), 1.0)


def min_words_per_document(p: Parsed, ip: list[tuple[float, float]] = MIN_WORDS_PER_DOCUMENT) -> np.ndarray:
    return _interpolate(ip, _words_per_doc(p))


def lowercase_letters(p: Parsed, max_non_lowercase_percentage: float = 0.3, max_penalty: float = 0.4) -> np.ndarray:
    lower = _doc_sum(p, _from((sum(c.islower() for c in s) for s in p.sentences), len(p.sentences)))
    chars = _chars_per_doc(p)
    return _ratio_penalty(max_penalty, (chars - lower) / chars - max_non_lowercase_percentage, 1 - max_non_lowercase_percentage)


def average_sentences_per_paragraph(p: Parsed, min_average_sentences_per_paragraph: float = 1.5, max_penalty: float = 0.4) -> np.ndarray:
    avg = p.sentences_per_doc() / p.paragraphs_per_doc()
    lo = min_average_sentences_per_paragraph
    return _ratio_penalty(max_penalty, lo - avg, lo - 1)


def average_word_per_sentence(p: Parsed, ip: list[tuple[float, float]] = AVG_WORDS_PER_SENTENCE) -> np.ndarray:
    return _interpolate(ip, _words_per_doc(p) / p.sentences_per_doc())


def punctuation_ratio(p: Parsed, punctuations: str = "!,.:;?", min_punctuation_per_word: float = 1 / 20, max_penalty: float = 0.4) -> np.ndarray:
    per_word = _count_chars(p, punctuations) / _words_per_doc(p)
    return _ratio_penalty(max_penalty, min_punctuation_per_word - per_word, min_punctuation_per_word)


def punctuation_ratio_v2(p: Parsed, punctuations: str = "¡!\"#$%&()*+,-./:;<=>¿?@[]^_{|}~", ip: list[tuple[float, float]] = PUNCTUATION_RATIO) -> np.ndarray:
    return _interpolate(ip, _count_chars(p, punctuations) / _words_per_doc(p))


def unique_sentences_ratio(p: Parsed, ip: list[tuple[float, float]] = UNIQUE_SENTENCES_RATIO) -> np.ndarray:
    ratio = _from((len(set(sents)) / len(sents) if sents else 1.0 for sents in map(p.doc_sentences, range(p.n_docs))), p.n_docs)
    return _interpolate(ip, ratio)


def alnum_v2(p: Parsed, max_non_alphanumeric_chars_ratio: float = 0.2, max_penalty: float = 0.01) -> np.ndarray:
    """Characters neither alphanumeric nor a space, over all characters (the document-level version)."""
    other = p.char_counts - _from((len(_ALNUM.findall(s)) + s.count(" ") for s in p.sentences), len(p.sentences))
    ratio = _doc_sum(p, other) / _chars_per_doc(p)
    return _ratio_penalty(max_penalty, ratio - max_non_alphanumeric_chars_ratio, 1 - max_non_alphanumeric_chars_ratio)


_BRUNET_DROP = str.maketrans("", "", "¡!\"#$%&'()*+,-./:;<=>¿?@[\\]^_`{|}~")


def _vocabulary(sentences: list[str]) -> int:
    words = {w for s in sentences for w in s.lower().translate(_BRUNET_DROP).split()}
    return len({"".join(c for c in w if not c.isdigit()) for w in words} - {""})


def brunet_index(p: Parsed, ip: list[tuple[float, float]] = BRUNETS_INDEX) -> np.ndarray:
    """W = N ** (V ** -0.165): N words, V distinct lower-cased words without punctuation and digits.
    No vocabulary left: the reference's ZeroDivisionError path, factor 1."""
    n = _words_per_doc(p)
    v = _from((_vocabulary(p.doc_sentences(d)) for d in range(p.n_docs)), p.n_docs)
    with np.errstate(divide="ignore"):
        w = np.power(n, np.power(np.where(v > 0, v, 1.0), -0.165))
    return np.where(v > 0, _interpolate(ip, w), 1.0)


_CURSED_SUBSTRINGS = (" \u2116", "\ufffd\ufffd\ufffd", "\\|\\s*$", " nr\\.$", "aute irure dolor ", " sunt in culpa qui ", "orem ipsum ",
                      " quis nostrud ", " adipisicing ", " dolore eu ", " cupidatat ", "autem vel eum", "wisi enim ad", " sex ", " porn ",
                      "\u9ec4\u8272\u7535\u5f71", "mp3", "ownload", "Vol\\.", " Ep\\.", "Episode", " \u0433\\.\\s*$", " \u043a\u0433\\.\\s*$",
                      " \u0448\u0442\\.", "Develop", "Facebook", " crusher ", " xxx ")  # matched literally, backslashes included
_CURSED_PATTERNS = re.compile("|".join(["(?: ... ... ... ... ... ... ... ... ...)", "(?: .... .... .... .... .... .... .... .... ....)",
                                        "(?: [^ ] [^ ] [^ ] [^ ] [^ ] [^ ] [^ ] [^ ] [^ ])", "(?:, ..,,? ..,,? ..,,? ..,,?)"]))


def _cursed(s: str) -> bool:
    return any(c in s for c in _CURSED_SUBSTRINGS) or _CURSED_PATTERNS.search(s) is not None


def cursed_regex(p: Parsed, ip: list[tuple[float, float]] = CURSED_RATIO) -> np.ndarray:
    cursed = _doc_sum(p, _from(map(_cursed, p.sentences), len(p.sentences)))
    return _interpolate(ip, cursed / p.sentences_per_doc())


_BANNED_SECOND = frozenset(".?!:,;=&%/\\~`§@|¤")
_ALLOWED_END = frozenset(".;!…?)]}\"'")


def wrong_begin_end_line_ratio(p: Parsed, ip: list[tuple[float, float]] = BAD_BOL_EOL_RATIO) -> np.ndarray:
    """Among sentences with at least the document's average word count: the second character (the
    reference indexes [1]) lower case or banned, or a last character that is neither alphanumeric nor an
    allowed end."""
    bad = _from(((len(s) >= 2 and (s[1].islower() or s[1] in _BANNED_SECOND or (not s[-1].isalnum() and s[-1] not in _ALLOWED_END)))
                 for s in p.sentences), len(p.sentences))
    sentences = p.sentences_per_doc()
    average = (_words_per_doc(p) / np.maximum(sentences, 1))[p.paragraph_doc()][p.sentence_paragraph()]
    return _interpolate(ip, _doc_sum(p, bad * (p.word_counts >= average)) / sentences)


# --- project-only (not BSC's; opt-in) -------------------------------------------------------------------------

UNWANTED_SEQUENCES = ["lorem ipsum", "javascript", "cookies", "{", "}", "</", "/>", "&nbsp", "http://", "https://", "www.", "©"]


def unwanted_sequences(p: Parsed, sequences: list[str] = UNWANTED_SEQUENCES, penalty: float = 0.5) -> np.ndarray:
    """penalty ** (number of listed sequences found in the lower-cased paragraph)."""
    text = [" ".join(p.paragraph_sentences(i)).lower() for i in range(p.n_paragraphs)]
    return np.power(penalty, _from((sum(q in t for q in sequences) for t in text), p.n_paragraphs))


def stopword_ratio(p: Parsed, languages: list[str | None], min_ratio: float = 0.1, max_penalty: float = 0.4) -> np.ndarray:
    """At least `min_ratio` of the words should be stop words of the document's language (stopwords-iso)."""
    out = np.ones(p.n_docs)
    for d, lang in enumerate(languages):
        sw = stop_words(lang)
        words = [w.lower() for s in p.doc_sentences(d) for w in s.split()]
        need = int(min_ratio * len(words))
        if sw and need:
            out[d] = max_penalty ** (max(0, need - sum(w in sw for w in words)) / need)
    return out


@dataclass(frozen=True)
class Evaluator:
    level: Level
    fn: Callable[..., np.ndarray]
    bsc: bool = True  # False: the project's own, not in BSC's pipeline
    needs_languages: bool = False


EVALUATORS: dict[str, Evaluator] = {
    **{f.__name__: Evaluator("sentence", f) for f in (last_char, last_char_v2, first_letter, first_letter_v2, alnum, too_long_word, too_long_word_v2,
                                                       too_frequent_char, weird_streak, weird_streak_v2, whitespace_ratio, max_words_per_sentence)},
    **{f.__name__: Evaluator("paragraph", f) for f in (parenthesis_structure, numeric, max_words_per_paragraph)},
    **{f.__name__: Evaluator("document", f) for f in (min_sentences_per_document, min_sentences_per_document_v2, min_words_per_document, lowercase_letters,
                                                       average_sentences_per_paragraph, average_word_per_sentence, punctuation_ratio, punctuation_ratio_v2,
                                                       unique_sentences_ratio, alnum_v2, brunet_index, cursed_regex, wrong_begin_end_line_ratio)},
    "unwanted_sequences": Evaluator("paragraph", unwanted_sequences, bsc=False),
    "stopword_ratio": Evaluator("document", stopword_ratio, bsc=False, needs_languages=True),
}
PROJECT_ONLY = sorted(name for name, e in EVALUATORS.items() if not e.bsc)
