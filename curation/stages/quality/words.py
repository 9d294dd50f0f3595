"""Offline word, sentence and paragraph splitting, and stop words, for all 35 target languages.

datatrove's filters split words with spaCy (and, for Galician, Welsh and Maltese, stanza, which downloads
models at run time). The languages here are all alphabetic and space-separated, so one Unicode rule
serves them all: a word is a run of letters, marks and digits (joined by inner apostrophes or hyphens:
"l'aigua", "il-kelma", "e-mail"), every other non-space character is a token of its own (as spaCy
emits punctuation). Stop words: stopwords-iso (29 languages) plus short lists written here for the six it
lacks (cy, mt, nn, oc, sh, sr), and Gopher's eight English words for the Gopher rule in English.
"""

from __future__ import annotations

from functools import lru_cache

import regex

# A word: letters/marks/digits, possibly joined by an apostrophe or hyphen to more of them.
_WORD = r"[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*"
TOKEN_RE = regex.compile(_WORD + r"|[^\s\p{L}\p{M}\p{N}]")
WORD_RE = regex.compile(_WORD)
# Sentence end: terminal punctuation (plus closing quotes/brackets) followed by white space.
SENTENCE_END_RE = regex.compile(r"(?<=[.!?…]['\"’”»)\]]*)\s+")

# Gopher (Rae et al. 2021) uses these eight English words; datatrove's GopherQualityFilter too.
GOPHER_EN_STOP_WORDS = frozenset(["the", "be", "to", "of", "and", "that", "have", "with"])

# The six target languages stopwords-iso does not cover. Frequent function words, from grammars of
# each language; Serbian gets both scripts (Serbian is written in Cyrillic and Latin).
_EXTRA_STOP_WORDS = {
    "cy": "a ac am ar at bod byddai cael dan dros ef ei eich eu fe fel fy gan gyda hefyd hi hwn hyn hynny i mae mewn na nad neu ni nid o oedd ond os pan pob roedd rydym sydd sy'n trwy uchod wedi y yma yn yng ym yr ydy ydyn ydych".split(),
    "mt": "a al b'xi bħala biex bla dak dan dawk dawn din dik f' fi fil fil- fl- fuq għal għall għand għax hawn hekk hija hu huma huwa il il- ir- is- it- jew jien jekk kien kienet kif kollha kull l' la li lil ma madankollu meta mhux minn mill mill- sa ta' tal tal- tat- u ukoll wara wkoll".split(),
    "nn": "alle andre at av bare berre blei bli både dei deim deira deires dem den denne der dere desse det dette di du dykk dykkar ein eit eitt eg eller elles enn er etter for fordi frå ha hadde han ho hoss hva hvar hvem hver hvilke hvor i ikkje inkje inn innan ja kan kva kvar kven kvi kvifor man med meir mellom men mot mi mykje nei no noko nokon når og også om opp oss over på sia sidan sin sine sitt skal skulle som så til um upp ut utan vart vere verte vi vil ville vore vort".split(),
    "oc": "a al als amb aquel aquela aquò aquí aital cada coma d' dau de dei del dels dins e en entre es èra èran éran fa fins i la las li lo los lor mai mas me ne non o òc pas per perque plan qu' quand que qui se sens ses son sos sus sa tanben tot tota totes tots un una uns unas vòstre".split(),
    "sh": "a ali bi bih bio bila bili bilo da do dok i ih ili iz ja je jedan jer još ka kad kada kako kao koja koje koji kojih kojima koju li me mi može na nad nakon ne nego neki ni nije niti no o od on ona one oni ono pa po pod pored prema pri s sa sam samo se sebe su sve svoj svoje ta taj tako te tek ti to tu u uz vas već za zbog že".split(),
}
_EXTRA_STOP_WORDS["sr"] = _EXTRA_STOP_WORDS["sh"] + (
    "а али би био била били било да до док и их или из ја је један јер још ка кад када како као која које који "
    "ли ме ми може на над након не него неки ни није нити о од он она оне они оно па по под поред према при с "
    "са сам само се себе су све свој своје та тај тако те тек ти то у уз вас већ за због же"
).split()


@lru_cache(maxsize=None)
def stop_words(language: str | None) -> frozenset[str]:
    """Lower-cased stop words of a language (empty for a language without a list)."""
    if not language:
        return frozenset()
    if language in _EXTRA_STOP_WORDS:
        return frozenset(_EXTRA_STOP_WORDS[language])
    import stopwordsiso

    if language == "no" and not stopwordsiso.has_lang("no"):
        language = "nb"
    return frozenset(w.lower() for w in stopwordsiso.stopwords(language)) if stopwordsiso.has_lang(language) else frozenset()


def gopher_stop_words(language: str | None) -> frozenset[str]:
    """The stop words Gopher's "at least two stop words" rule looks for."""
    return GOPHER_EN_STOP_WORDS if language == "en" else stop_words(language)


def split_tokens(text: str) -> list[str]:
    """Words and punctuation tokens (white space dropped), as a spaCy tokenizer would emit them."""
    return TOKEN_RE.findall(text)


def split_words(text: str) -> list[str]:
    """Words only (no punctuation tokens)."""
    return WORD_RE.findall(text)


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph: split after terminal punctuation followed by white space."""
    return [s for s in (x.strip() for x in SENTENCE_END_RE.split(text)) if s]


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs: non-empty lines (web text puts one paragraph per line; OSCAR too)."""
    return [p for p in (x.strip() for x in text.split("\n")) if p]
