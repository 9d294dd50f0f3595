"""The CURATE document score (Palomar-Giner et al. 2024; BSC's ALIA data pipeline), in [0, 1].

A document is split into paragraphs (non-empty lines) and sentences. Every evaluator returns a value in
[0, 1] (1 = nothing wrong). Aggregation (salamandra-data.md 2.3):
  sentence score       = product of the sentence evaluators
  paragraph partial    = geometric mean of its sentences' scores
  paragraph score      = product of the paragraph evaluators and the partial
  document partial     = geometric mean of its paragraphs' scores
  document score       = product of the document evaluators and the partial
Salamandra keeps documents scoring at least 0.8.

The defaults are the ones the reference gives. Where the reference names an evaluator but not its
formula, the shape is CURATE's: a fixed `penalty` per offence (penalty ** count), or
`max_penalty ** (excess / range)` for a ratio past its threshold (the form of CURATE's published
document evaluators). Evaluators known to the reference but left out here: brunet_index and the
interpolated ALIA-era versions (their interpolation tables are not published), bad_language_id
(the langid stage's dominant-language ratio does that job).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Callable

from pydantic import BaseModel, ConfigDict, Field

from curation.stages.quality.words import WORD_RE, split_paragraphs, split_sentences, stop_words

_OPENING = "¿¡\"'«“‘([{-–—•*·> \t"
_CLOSING = "\"'»”’)]} \t"
_BRACKETS = {")": "(", "]": "[", "}": "{"}


class CurateParams(BaseModel):
    """Evaluator parameters (CURATE's defaults) and which evaluators run."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # sentence
    last_char_allowed: str = "!.:;?"
    last_char_penalty: float = 0.6
    first_letter_penalty: float = 0.6
    max_non_alnum_ratio: float = 0.2
    non_alnum_max_penalty: float = 0.01
    max_word_length: int = 20
    long_word_penalty: float = 0.7
    max_char_frequency: float = 0.2
    char_frequency_max_penalty: float = 0.01
    char_frequency_min_chars: int = 20  # a most-frequent-character ratio means little in shorter sentences
    max_streak: int = 2
    streak_penalty: float = 0.6
    min_whitespace_ratio: float = 0.1
    whitespace_max_penalty: float = 0.01
    min_sentence_words: int = 3
    max_sentence_words: int = 30
    word_count_penalty: float = 0.7
    # paragraph
    max_numeric_ratio: float = 0.25
    numeric_max_penalty: float = 0.01
    parenthesis_penalty: float = 0.7
    min_paragraph_words: int = 3
    max_paragraph_words: int = 200
    unwanted_sequences: list[str] = ["lorem ipsum", "javascript", "cookies", "{", "}", "</", "/>", "&nbsp", "http://", "https://", "www.", "©"]
    unwanted_penalty: float = 0.5
    # document
    min_sentences: int = 4
    missing_sentence_penalty: float = 0.7
    max_non_lowercase_ratio: float = 0.3
    lowercase_max_penalty: float = 0.4
    min_avg_sentences_per_paragraph: float = 1.5
    sentences_per_paragraph_max_penalty: float = 0.4
    min_avg_words_per_sentence: float = 5.0
    words_per_sentence_max_penalty: float = 0.4
    punctuation: str = "!,.:;?"
    min_punctuation_per_word: float = 1 / 20
    punctuation_max_penalty: float = 0.4
    unique_sentences_max_penalty: float = 0.4
    min_stopword_ratio: float = 0.1
    stopwords_max_penalty: float = 0.4
    max_word_repetition_ratio: float = 0.02
    word_repetition_max_penalty: float = 0.01
    cursed_substrings: list[str] = ["\ufffd\ufffd\ufffd", "orem ipsum", "aute irure dolor", " sunt in culpa qui", " quis nostrud", " adipisicing", " cupidatat", " xxx ", " porn "]
    cursed_max_penalty: float = 0.1

    sentence: list[str] = ["last_char", "first_letter", "alnum", "too_long_word", "too_frequent_char", "weird_streak", "whitespace_ratio", "word_count"]
    paragraph: list[str] = ["numeric", "parenthesis", "word_count", "unwanted_sequences"]
    # lowercase, sentences_per_paragraph and word_repetition are implemented but off: BSC's later pipeline
    # marks them "DISCARDED" (they penalize short documents and one-sentence paragraphs, i.e. most web
    # pages); words_per_sentence has no published default.
    document: list[str] = ["min_sentences", "punctuation_ratio", "unique_sentences", "min_stopwords", "cursed"]


def _ratio_penalty(value: float, threshold: float, max_penalty: float, above: bool = True) -> float:
    """CURATE's ratio form: 1 inside the threshold, falling to `max_penalty` at the far end of [0, 1]."""
    if above:
        excess, span = value - threshold, 1.0 - threshold
    else:
        excess, span = threshold - value, threshold
    if excess <= 0 or span <= 0:
        return 1.0
    return max_penalty ** min(1.0, excess / span)


def _count_range(n: int, lo: int, hi: int, penalty: float) -> float:
    """penalty per missing item below `lo`; above `hi`, the penalty reached gradually by 2 x hi."""
    if n < lo:
        return penalty ** (lo - n)
    if n > hi:
        return penalty ** min(1.0, (n - hi) / hi)
    return 1.0


# --- sentence evaluators: (sentence, its words, params) -> [0, 1] -----------------------------------------


def last_char(s: str, words: list[str], p: CurateParams) -> float:
    end = s.rstrip(_CLOSING)
    return 1.0 if end and end[-1] in p.last_char_allowed else p.last_char_penalty


def first_letter(s: str, words: list[str], p: CurateParams) -> float:
    start = s.lstrip(_OPENING)
    return 1.0 if start and (start[0].isupper() or start[0].isdigit()) else p.first_letter_penalty


def alnum(s: str, words: list[str], p: CurateParams) -> float:
    if not s:
        return 1.0
    other = sum(1 for c in s if not (c.isalnum() or c == " "))
    return _ratio_penalty(other / len(s), p.max_non_alnum_ratio, p.non_alnum_max_penalty)


def too_long_word(s: str, words: list[str], p: CurateParams) -> float:
    return p.long_word_penalty ** sum(1 for w in words if len(w) > p.max_word_length)


def too_frequent_char(s: str, words: list[str], p: CurateParams) -> float:
    chars = s.replace(" ", "")
    if len(chars) < p.char_frequency_min_chars:
        return 1.0
    top = Counter(chars).most_common(1)[0][1]
    return _ratio_penalty(top / len(chars), p.max_char_frequency, p.char_frequency_max_penalty)


def weird_streak(s: str, words: list[str], p: CurateParams) -> float:
    """Runs longer than `max_streak` of one symbol ("!!!", "....", "----")."""
    streaks, run, prev = 0, 0, ""
    for c in s:
        run = run + 1 if c == prev else 1
        prev = c
        if run == p.max_streak + 1 and not (c.isalnum() or c.isspace()):
            streaks += 1
    return p.streak_penalty ** streaks


def whitespace_ratio(s: str, words: list[str], p: CurateParams) -> float:
    """Long strings without spaces (run-together text, hashes). Shorter ones are just words."""
    if len(s) <= p.max_word_length:
        return 1.0
    return _ratio_penalty(s.count(" ") / len(s), p.min_whitespace_ratio, p.whitespace_max_penalty, above=False)


def sentence_word_count(s: str, words: list[str], p: CurateParams) -> float:
    return _count_range(len(words), p.min_sentence_words, p.max_sentence_words, p.word_count_penalty)


SENTENCE_EVALUATORS: dict[str, Callable[[str, list[str], CurateParams], float]] = {
    "last_char": last_char, "first_letter": first_letter, "alnum": alnum, "too_long_word": too_long_word,
    "too_frequent_char": too_frequent_char, "weird_streak": weird_streak, "whitespace_ratio": whitespace_ratio,
    "word_count": sentence_word_count,
}


# --- paragraph evaluators: (paragraph, its words, params) -> [0, 1] ---------------------------------------


def numeric(par: str, words: list[str], p: CurateParams) -> float:
    chars = [c for c in par if not c.isspace()]
    if not chars:
        return 1.0
    return _ratio_penalty(sum(c.isdigit() for c in chars) / len(chars), p.max_numeric_ratio, p.numeric_max_penalty)


def parenthesis(par: str, words: list[str], p: CurateParams) -> float:
    stack: list[str] = []
    for c in par:
        if c in "([{":
            stack.append(c)
        elif c in _BRACKETS:
            if not stack or stack.pop() != _BRACKETS[c]:
                return p.parenthesis_penalty
    return 1.0 if not stack else p.parenthesis_penalty


def paragraph_word_count(par: str, words: list[str], p: CurateParams) -> float:
    return _count_range(len(words), p.min_paragraph_words, p.max_paragraph_words, p.word_count_penalty)


def unwanted_sequences(par: str, words: list[str], p: CurateParams) -> float:
    low = par.lower()
    return p.unwanted_penalty ** sum(1 for seq in p.unwanted_sequences if seq in low)


PARAGRAPH_EVALUATORS: dict[str, Callable[[str, list[str], CurateParams], float]] = {
    "numeric": numeric, "parenthesis": parenthesis, "word_count": paragraph_word_count,
    "unwanted_sequences": unwanted_sequences,
}


# --- document evaluators ----------------------------------------------------------------------------------


class ParsedDocument:
    """A document split once into paragraphs, sentences and words, shared by every evaluator."""

    def __init__(self, text: str, language: str | None):
        self.text, self.language = text, language
        self.paragraphs = split_paragraphs(text)
        self.sentences = [split_sentences(par) for par in self.paragraphs]
        self.sentence_words = [[WORD_RE.findall(s) for s in sents] for sents in self.sentences]
        self.words = [w for par in self.sentence_words for ws in par for w in ws]
        self.n_sentences = sum(len(s) for s in self.sentences)
        self.n_chars = sum(len(s) for sents in self.sentences for s in sents)


def min_sentences(d: ParsedDocument, p: CurateParams) -> float:
    return p.missing_sentence_penalty ** max(0, p.min_sentences - d.n_sentences)


def lowercase(d: ParsedDocument, p: CurateParams) -> float:
    if not d.n_chars:
        return 1.0
    lower = sum(1 for sents in d.sentences for s in sents for c in s if c.islower())
    return _ratio_penalty((d.n_chars - lower) / d.n_chars, p.max_non_lowercase_ratio, p.lowercase_max_penalty)


def sentences_per_paragraph(d: ParsedDocument, p: CurateParams) -> float:
    if not d.paragraphs:
        return 1.0
    avg = d.n_sentences / len(d.paragraphs)
    lo = p.min_avg_sentences_per_paragraph
    return p.sentences_per_paragraph_max_penalty ** min(1.0, max(0.0, lo - avg) / (lo - 1)) if lo > 1 else 1.0


def words_per_sentence(d: ParsedDocument, p: CurateParams) -> float:
    if not d.n_sentences:
        return 1.0
    avg = len(d.words) / d.n_sentences
    return _ratio_penalty(avg / p.min_avg_words_per_sentence, 1.0, p.words_per_sentence_max_penalty, above=False)


def punctuation_ratio(d: ParsedDocument, p: CurateParams) -> float:
    if not d.words:
        return 1.0
    marks = sum(1 for sents in d.sentences for s in sents for c in s if c in p.punctuation)
    ratio = marks / len(d.words)
    lo = p.min_punctuation_per_word
    return p.punctuation_max_penalty ** (max(0.0, lo - ratio) / lo)


def unique_sentences(d: ParsedDocument, p: CurateParams) -> float:
    """Repeated sentences (navigation, lists, spam) lower the score: max_penalty ** (1 - unique ratio)."""
    all_s = [s for sents in d.sentences for s in sents]
    if not all_s:
        return 1.0
    return p.unique_sentences_max_penalty ** (1.0 - len(set(all_s)) / len(all_s))


def min_stopwords(d: ParsedDocument, p: CurateParams) -> float:
    """At least `min_stopword_ratio` of the words should be stop words of the document's language."""
    sw = stop_words(d.language)
    if not sw or not d.words:
        return 1.0
    need = int(p.min_stopword_ratio * len(d.words))
    if need == 0:
        return 1.0
    have = sum(1 for w in d.words if w.lower() in sw)
    return p.stopwords_max_penalty ** (max(0, need - have) / need)


def word_repetition(d: ParsedDocument, p: CurateParams) -> float:
    """Character share of the most repeated non-stop word (CURATE's max_word_repetition_ratio)."""
    if not d.n_chars:
        return 1.0
    sw = stop_words(d.language)
    counts = Counter(w.lower() for w in d.words if w.lower() not in sw)
    repeated = [(c, w) for w, c in counts.items() if c > 1]
    if not repeated:
        return 1.0
    c, w = max(repeated, key=lambda x: (x[0] * len(x[1]), x[1]))
    return _ratio_penalty(c * len(w) / d.n_chars, p.max_word_repetition_ratio, p.word_repetition_max_penalty)


def cursed(d: ParsedDocument, p: CurateParams) -> float:
    """Share of sentences with "cursed" substrings (lorem ipsum, replacement characters, porn spam)."""
    all_s = [s for sents in d.sentences for s in sents]
    if not all_s:
        return 1.0
    bad = sum(1 for s in all_s if any(c in s for c in p.cursed_substrings))
    return p.cursed_max_penalty ** (bad / len(all_s))


DOCUMENT_EVALUATORS: dict[str, Callable[[ParsedDocument, CurateParams], float]] = {
    "min_sentences": min_sentences, "lowercase": lowercase, "sentences_per_paragraph": sentences_per_paragraph,
    "words_per_sentence": words_per_sentence, "punctuation_ratio": punctuation_ratio,
    "unique_sentences": unique_sentences, "min_stopwords": min_stopwords, "word_repetition": word_repetition,
    "cursed": cursed,
}


# --- aggregation ------------------------------------------------------------------------------------------


def product(values: list[float]) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


def geometric_mean(values: list[float]) -> float:
    if not values:
        return 1.0
    if min(values) <= 0.0:
        return 0.0
    return math.exp(sum(math.log(v) for v in values) / len(values))


class CurateScorer:
    def __init__(self, params: CurateParams | None = None):
        self.p = params or CurateParams()
        for names, table, level in ((self.p.sentence, SENTENCE_EVALUATORS, "sentence"), (self.p.paragraph, PARAGRAPH_EVALUATORS, "paragraph"),
                                    (self.p.document, DOCUMENT_EVALUATORS, "document")):
            unknown = sorted(set(names) - set(table))
            if unknown:
                raise ValueError(f"unknown {level} evaluator(s) {unknown}; known: {sorted(table)}")
        self.sentence_fns = [SENTENCE_EVALUATORS[n] for n in self.p.sentence]
        self.paragraph_fns = [PARAGRAPH_EVALUATORS[n] for n in self.p.paragraph]
        self.document_fns = [DOCUMENT_EVALUATORS[n] for n in self.p.document]

    def score(self, text: str, language: str | None = None) -> float:
        d = ParsedDocument(text, language)
        p = self.p
        paragraph_scores = []
        for par, sents, sent_words in zip(d.paragraphs, d.sentences, d.sentence_words):
            sentence_scores = [product([f(s, w, p) for f in self.sentence_fns]) for s, w in zip(sents, sent_words)]
            par_words = [w for ws in sent_words for w in ws]
            paragraph_scores.append(product([f(par, par_words, p) for f in self.paragraph_fns] + [geometric_mean(sentence_scores)]))
        return product([f(d, p) for f in self.document_fns] + [geometric_mean(paragraph_scores)])


# --- the filter -------------------------------------------------------------------------------------------

from curation.config.manifest import Source  # noqa: E402
from curation.stages.quality.base import Docs, FilterConfig, FilterResult, QualityFilter  # noqa: E402


class CurateConfig(FilterConfig):
    threshold: float = Field(0.8, ge=0, le=1)  # Salamandra's threshold
    # A source that carries its own CURATE score (CATalog's `score`) is judged on it rather than rescored.
    use_native: bool = True
    params: CurateParams = CurateParams()


class Curate(QualityFilter):
    name = "curate"
    description = 'the CURATE heuristic document score (Palomar-Giner et al., 2024), documents below the threshold dropped'  # for the datasheet
    Config = CurateConfig

    def __init__(self, config: CurateConfig):
        super().__init__(config)
        self.scorer = CurateScorer(config.params)

    def evaluate(self, docs: Docs, source: Source) -> FilterResult:
        cfg: CurateConfig = self.config  # type: ignore[assignment]
        native = cfg.use_native and "curate_score" in source.annotations
        scores: list[float | None] = []
        for i, (text, lang) in enumerate(zip(docs.texts, docs.languages)):
            value = docs.metadata[i].get("curate_score") if native else None
            scores.append(round(float(value), 6) if value is not None else round(self.scorer.score(text, lang), 6))
        return FilterResult(["curate_score" if s < cfg.threshold else None for s in scores], scores)
