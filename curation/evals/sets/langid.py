"""The language-ID evaluation set: documents composed from real translated text, with known truth.

Data: curation/data/langid_eval_units.json.gz, extracted from Debian bookworm packages by
tools/langid_eval_data.py (provenance and licences in curation/data/README.md): paragraphs of GNOME help
pages (Mallard, translated by the GNOME translation teams; the English original for `en`) and gettext UI
strings (.mo catalogues; the msgid English original for `en`). No one here wrote any of it. Untranslated paragraphs (identical to the
English original) were dropped, so every unit's language is the catalogue's or the help page's locale.
Each source (a help page, a catalogue) belongs to one split, `tune` (about a third; parameters may be
chosen on it) or `test` (held out: only reported).

Documents, per language and split, seeded: single paragraphs or strings (at least 40 characters), help
page excerpts, UI string lists, and mixed pages made of real lines in known proportions: a localised page
whose body stayed English (labelled with whichever language holds more characters), and pages mixing a
language with a related one (ca/es, gl/pt, gl/es, pt/es) or any other. Every document carries its true
dominant language and that language's true share of characters (over stripped lines, as the stage
counts them). `build_close` makes single-language documents in the close groups no/nn/da and hr/sr/bs
(the same sources' Norwegian, Danish, Croatian, Serbian and Bosnian catalogues and pages).
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

SEED = 13
LANGUAGES = ["es", "ca", "gl", "eu", "en", "fr", "de", "it", "pt"]
SPLITS = ("tune", "test")
CLOSE_GROUPS = [["no", "nn", "da"], ["hr", "sr", "bs"]]
RELATED = {"ca": ["es"], "es": ["ca", "gl", "pt"], "gl": ["pt", "es"], "pt": ["gl", "es"]}
MIN_SINGLE = 40  # characters of a document: shorter strings are often the same in related languages
# (kind, share of a language's documents)
RECIPES = [("single", 0.2), ("page", 0.2), ("ui", 0.15), ("mixed_en", 0.2), ("mixed_related", 0.15), ("mixed_other", 0.1)]


@dataclass(frozen=True)
class EvalDoc:
    text: str
    language: str  # the language with the most characters
    share: float  # that language's share of the characters
    kind: str
    parts: tuple[tuple[str, int], ...]  # (language, characters) of each line


def units_path() -> Path:
    return Path(str(resources.files("curation") / "data" / "langid_eval_units.json.gz"))


@lru_cache(maxsize=1)
def load_units(path: str | None = None) -> dict:
    return json.loads(gzip.decompress(Path(path or units_path()).read_bytes()))


class _Pools:
    def __init__(self, units: dict, split: str):
        # a paragraph or string found in both splits (shared boilerplate, common UI words) is tuning data
        tuning = {lang: {t for kind in ("help", "ui") for _, s, texts in units[kind].get(lang, []) if s == "tune" for t in texts}
                  for lang in set(units["help"]) | set(units["ui"])}

        def pick(items: list, lang: str) -> list[list[str]]:
            pages = [texts for _, s, texts in items if s == split]
            if split != "tune":
                pages = [[t for t in texts if t not in tuning[lang]] for texts in pages]
            return [texts for texts in pages if texts]

        self.help = {lang: pick(items, lang) for lang, items in units["help"].items()}
        self.ui = {lang: pick(items, lang) for lang, items in units["ui"].items()}
        for pool in (self.help, self.ui):
            for lang in [lg for lg, pages in pool.items() if not pages]:
                del pool[lang]

    def paragraphs(self, rng: random.Random, lang: str, k: int) -> list[str]:
        """k consecutive paragraphs of one help page (fewer if the page is short)."""
        page = rng.choice(self.help[lang])
        start = rng.randrange(max(1, len(page) - k + 1))
        return page[start:start + k]

    def strings(self, rng: random.Random, lang: str, k: int) -> list[str]:
        """k UI strings of one catalogue."""
        cat = rng.choice(self.ui[lang])
        return rng.sample(cat, min(k, len(cat)))

    def lines(self, rng: random.Random, lang: str, k: int) -> list[str]:
        return self.paragraphs(rng, lang, k) if lang in self.help and rng.random() < 0.6 else self.strings(rng, lang, k)

    def single(self, rng: random.Random, lang: str) -> str:
        while True:
            pool = self.help[lang] if lang in self.help and rng.random() < 0.7 else self.ui[lang]
            text = rng.choice(rng.choice(pool))
            if len(text) >= MIN_SINGLE:
                return text


def _chars(line: str) -> int:
    return len(line.strip())


def _mix(rng: random.Random, pools: _Pools, major: str, minor: str) -> list[tuple[str, str]]:
    """Lines of `major` and `minor` with the major's character share drawn in [0.6, 0.95]."""
    target = rng.uniform(0.6, 0.95)
    major_lines = pools.lines(rng, major, rng.randint(1, 12))
    major_chars = sum(map(_chars, major_lines))
    want_minor = major_chars * (1 - target) / target
    minor_lines: list[str] = []
    tries = 0
    while sum(map(_chars, minor_lines)) < want_minor * 0.8 and tries < 50:
        tries += 1
        cand = pools.lines(rng, minor, 1)[0]
        if sum(map(_chars, minor_lines)) + _chars(cand) <= want_minor * 1.25 or not minor_lines and tries > 25:
            minor_lines.append(cand)
    if not minor_lines:
        minor_lines = [min(pools.lines(rng, minor, 8), key=_chars)]
    lines = [(major, t) for t in major_lines] + [(minor, t) for t in minor_lines]
    # a localised page: its translated lines (menus, headings) usually come first, the body after;
    # otherwise interleave
    if rng.random() < 0.5:
        rng.shuffle(lines)
    elif rng.random() < 0.5:
        lines.reverse()
    return lines


def _doc(kind: str, lines: list[tuple[str, str]], rng: random.Random) -> EvalDoc | None:
    sep = rng.choice(["\n", "\n", "\n\n"])
    text = sep.join(t for _, t in lines)
    chars: dict[str, int] = {}
    for lang, t in lines:
        chars[lang] = chars.get(lang, 0) + _chars(t)
    total = sum(chars.values())
    lang, top = max(chars.items(), key=lambda kv: (kv[1], kv[0]))
    if total < MIN_SINGLE or top / total < 0.55:  # too short, or no clear majority: not a defensible label
        return None
    return EvalDoc(text, lang, round(top / total, 6), kind, tuple((lg, _chars(t)) for lg, t in lines))


def _one(rng: random.Random, pools: _Pools, lang: str, kind: str) -> EvalDoc | None:
    if kind == "single":
        return _doc(kind, [(lang, pools.single(rng, lang))], rng)
    if kind == "page":
        if lang not in pools.help:
            return None
        return _doc(kind, [(lang, t) for t in pools.paragraphs(rng, lang, rng.randint(2, 15))], rng)
    if kind == "ui":
        return _doc(kind, [(lang, t) for t in pools.strings(rng, lang, rng.randint(3, 25))], rng)
    others = [x for x in LANGUAGES if x != lang]
    if kind == "mixed_en":
        # en: an English page with a localised minority; others: a localised majority over an English body
        minor = rng.choice(others) if lang == "en" else "en"
    elif kind == "mixed_related":
        minor = rng.choice(RELATED.get(lang) or [x for x in others if x != "en"])
    else:
        minor = rng.choice([x for x in others if x != "en"])
    return _doc(kind, _mix(rng, pools, lang, minor), rng)


def build(split: str = "test", per_language: int = 300, seed: int = SEED, path: str | None = None) -> list[EvalDoc]:
    """`per_language` distinct documents per language from the `split` part of the units, deterministic."""
    return _build(split, LANGUAGES, RECIPES, per_language, seed, path)


def build_close(split: str = "test", per_language: int = 150, seed: int = SEED, path: str | None = None) -> list[EvalDoc]:
    """Single-language documents of the close groups no/nn/da and hr/sr/bs."""
    pure = [(kind, share) for kind, share in RECIPES if not kind.startswith("mixed")]
    total = sum(share for _, share in pure)
    return _build(split, [lang for group in CLOSE_GROUPS for lang in group], [(k, s / total) for k, s in pure], per_language, seed, path)


def _build(split: str, languages: list[str], recipes: list[tuple[str, float]], per_language: int, seed: int,
           path: str | None) -> list[EvalDoc]:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    pools = _Pools(load_units(path), split)
    out: list[EvalDoc] = []
    for lang in languages:
        rng = random.Random(f"{seed}:{split}:{lang}")
        seen: set[str] = set()
        quotas = [round(share * per_language) for _, share in recipes]
        quotas[-1] = per_language - sum(quotas[:-1])
        for (kind, _), quota in zip(recipes, quotas):
            if kind == "page" and lang not in pools.help:  # no help pages in this language: more UI lists
                quota, quotas[-1] = 0, quotas[-1] + quota
                continue
            made = tries = 0
            while made < quota and tries < 50 * quota:
                tries += 1
                doc = _one(rng, pools, lang, kind)
                if doc is None or doc.language != lang or doc.text in seen:
                    continue
                seen.add(doc.text)
                out.append(doc)
                made += 1
    return out
