"""Every CURATE evaluator against values computed by hand from BSC's definitions
(ALIA-data-pipeline `preprocess_and_score/evaluators_{sentence,paragraph,document}.py`, the tables of
`distributions_pipeline.py`). Inputs are minimal strings chosen to hit each branch of a formula."""

from __future__ import annotations

import pytest

from curation.stages.quality import curate_evaluators as E
from curation.stages.quality.sentences import Parsed


def per(fn, *texts, **kw) -> list[float]:
    return [float(x) for x in fn(Parsed.from_texts(list(texts)), **kw)]


# --- sentence level (evaluators_sentence.py) -----------------------------------------------------------------


def test_last_char() -> None:
    # last_char_sentence_evaluator: 0.6 unless the last character is one of ! . : ; ?
    assert per(E.last_char, "Hola.", "Hola", 'Dijo "hola."') == [1.0, 0.6, 0.6]
    # last_char_sentence_evaluator_v2: alphanumeric endings and closing quotes/brackets are fine
    assert per(E.last_char_v2, "Hola.", "Hola", 'Dijo "hola."', "Hola -") == [1.0, 1.0, 1.0, 0.6]


def test_first_letter() -> None:
    # first_letter_sentence_evaluator: the first upper/numeric/lower character decides; v2 also bans . ? ! : , ; = &
    texts = ("hola.", "¿Qué tal?", "3 casas.", "= A.", "(nota) B.")
    assert per(E.first_letter, *texts) == [0.6, 1.0, 1.0, 1.0, 0.6]
    assert per(E.first_letter_v2, *texts) == [0.6, 1.0, 1.0, 0.6, 0.6]


def test_alnum() -> None:
    # alnum_evaluator: exp(log(0.4) * non-alphanumeric / length): "ab c!" has 2 of 5 (space included)
    assert per(E.alnum, "ab c!") == [pytest.approx(0.4 ** (2 / 5))]


def test_too_long_word() -> None:
    # too_long_word_evaluator: 0.7 ** (characters over 20, summed / words)
    assert per(E.too_long_word, "a" * 25 + " bb") == [pytest.approx(0.7 ** (5 / 2))]
    # too_long_word_evaluator_v2: only words without letters count, over 15 characters, 0.5
    assert per(E.too_long_word_v2, "a" * 25 + " bb", "1" * 20 + " ok") == [1.0, pytest.approx(0.5 ** (5 / 2))]


def test_too_frequent_char() -> None:
    # too_frequent_char_evaluator: 0.01 ** ((top share - 0.2) / 0.8) from 10 characters on
    assert per(E.too_frequent_char, "aaaaabbbbb", "aaaa") == [pytest.approx(0.01 ** ((0.5 - 0.2) / 0.8)), 1.0]


def test_weird_streak() -> None:
    # weird_streak_evaluator: 0.2 ** (3-character windows all in , ; } [ ] ( ) ^ / windows); its '<' '{' are one
    # two-character tuple item, so they never count; weird_streak_evaluator_v2's regex counts them
    assert per(E.weird_streak, "a,;}b", "a<{(b") == [pytest.approx(0.2 ** (1 / 3)), 1.0]
    assert per(E.weird_streak_v2, "a,;}b", "a<{(b") == [pytest.approx(0.2 ** (1 / 3)), pytest.approx(0.2 ** (1 / 3))]


def test_whitespace_ratio() -> None:
    # whitespace_ratio_evaluator: (1 + spaces) / length under 0.1 -> 0.2 ** ((0.1 - ratio) / 0.1)
    assert per(E.whitespace_ratio, "abcdefghij", "abcdefghijklmnopqrst") == [1.0, pytest.approx(0.2 ** 0.5)]


def test_max_words_per_sentence() -> None:
    # max_words_per_sentence_evaluator: 0.97 per word over 30
    assert per(E.max_words_per_sentence, " ".join(["w"] * 33) + ".") == [pytest.approx(0.97 ** 3)]


# --- paragraph level (evaluators_paragraph.py) ---------------------------------------------------------------


def test_parenthesis_structure() -> None:
    # parenthesis_structure_evaluator: 0.7 for an unbalanced paragraph, its sentences read as one
    assert per(E.parenthesis_structure, "(a [b] c)", "(a b", "a) b (", "Uno (dos. Tres) cuatro.") == [1.0, 0.7, 0.7, 1.0]


def test_numeric() -> None:
    # numeric_evaluator: 0.25 for a paragraph of numeric characters and spaces only (str.isnumeric)
    assert per(E.numeric, "123 456", "12 a", "½ ١٢٣") == [0.25, 1.0, 0.25]


def test_max_words_per_paragraph() -> None:
    # max_words_per_paragraph_evaluator: 0.999 per word over 200
    assert per(E.max_words_per_paragraph, " ".join(["w"] * 203)) == [pytest.approx(0.999 ** 3)]


# --- document level (evaluators_document.py) -----------------------------------------------------------------


def test_sentence_and_word_counts() -> None:
    # min_sentences_per_document_evaluator: 0.7 per sentence under 4
    assert per(E.min_sentences_per_document, "Uno dos. Tres cuatro.") == [pytest.approx(0.49)]
    # _v2: only where average_word_per_sentence_evaluator is not 1 (30 words a sentence is its best)
    assert per(E.min_sentences_per_document_v2, "Uno dos. Tres cuatro.", " ".join(["w"] * 30) + ".") == [pytest.approx(0.49), 1.0]
    # min_words_per_document_evaluator: interpolated from 0 (no word) to 1 (300 words)
    assert per(E.min_words_per_document, " ".join(["w"] * 150)) == [pytest.approx(0.5)]
    # average_word_per_sentence_evaluator: avg 10 lies between (9, 0.3) and (11, 0.3); 22 between (20, .6) and (25, .8)
    assert per(E.average_word_per_sentence, " ".join(["w"] * 10) + ".", " ".join(["w"] * 22) + ".") == [pytest.approx(0.3), pytest.approx(0.68)]
    # average_sentences_per_paragraph_evaluator: 0.4 ** ((1.5 - avg) / 0.5)
    assert per(E.average_sentences_per_paragraph, "Uno.\nDos.", "Uno. Dos.\nTres.") == [pytest.approx(0.4), 1.0]


def test_character_ratios() -> None:
    # lowercase_letters_evaluator: "ABC def." has 5 of 8 characters not lower case
    assert per(E.lowercase_letters, "ABC def.") == [pytest.approx(0.4 ** ((5 / 8 - 0.3) / 0.7))]
    # alnum_evaluator_v2 (document): "ab, cd!" has 2 of 7 characters neither alphanumeric nor a space
    assert per(E.alnum_v2, "ab, cd!") == [pytest.approx(0.01 ** ((2 / 7 - 0.2) / 0.8))]
    forty = " ".join(["palabra"] * 39) + " fin."  # 40 words, one mark
    # punctuation_ratio_evaluator: 0.4 ** ((1/20 - 1/40) / (1/20))
    assert per(E.punctuation_ratio, forty) == [pytest.approx(0.4 ** 0.5)]
    # punctuation_ratio_evaluator_v2: 1/40 lies between (0, 0) and (0.05, 1)
    assert per(E.punctuation_ratio_v2, forty) == [pytest.approx(0.5)]


def test_repetition_and_vocabulary() -> None:
    # unique_sentences_ratio_evaluator: 3 distinct of 4 = 0.75, between (0.7, 0.1) and (0.9, 0.2)
    assert per(E.unique_sentences_ratio, "Uno dos tres. Uno dos tres. Cuatro cinco seis. Siete ocho nueve.") == [pytest.approx(0.125)]
    # brunet_index_evaluator: one distinct word of 13: W = 13 ** (1 ** -0.165) = 13 -> 0.6; no vocabulary -> 1
    assert per(E.brunet_index, " ".join(["hola"] * 13), "1 2 3.") == [pytest.approx(0.6), 1.0]


def test_cursed_and_line_shape() -> None:
    # cursed_regex_evaluator: 1 - share of sentences with a cursed substring ("orem ipsum ")
    assert per(E.cursed_regex, "Lorem ipsum dolor sit. Uno dos tres.") == [pytest.approx(0.5)]
    # wrong_begin_end_line_ratio_evaluator: average 2 words; "Hola amigo mio." has a lower-case second character
    # (the reference reads [1]); "Ok." is below the average -> 1 bad of 2 -> (0.5, 0.5)
    assert per(E.wrong_begin_end_line_ratio, "Hola amigo mio. Ok.", "HOLA AMIGO MIO. Ok.") == [pytest.approx(0.5), 1.0]


def test_project_only_evaluators_are_marked() -> None:
    assert E.PROJECT_ONLY == ["stopword_ratio", "unwanted_sequences"]
    assert per(E.unwanted_sequences, "Visit www.example.com and accept cookies") == [pytest.approx(0.25)]
    p = Parsed.from_texts([" ".join(["blorf"] * 20)])
    assert list(E.stopword_ratio(p, ["en"])) == [pytest.approx(0.4)]  # 2 stop words needed, none found
