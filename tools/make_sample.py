#!/usr/bin/env python3
"""Deterministic generator of the bundled sample corpus (``curation/sample/``).

The sample stands in for the real sources of the Salamandra / ALIA pipeline
(Colossal OSCAR, FineWeb-Edu, StarCoder data, HPLT, EurLex, CATalog and the
"Spanish Crawling" WARC dumps), each written in its *native* layout and
schema, with known defects planted in it.  Everything planted is listed in
``truth.json`` so that tests can check what each stage keeps and drops.

Inputs: ``tools/sample_data/`` (prose, legal, boilerplate and spam text per
language, and code files).  Output: ``curation/sample/`` -- deleted and
recreated on every run.

Determinism: one ``random.Random(1234)`` drives every choice; gzip is written
with mtime=0, zstd at a fixed level, parquet with a fixed schema and zstd
compression, WARC records with fixed dates and record ids.  Two runs give
byte-identical files (check with ``sha256sum``).

    /work/venv/bin/python tools/make_sample.py [--text-dir DIR] [--out DIR]
"""
from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import html
import io
import json
import re
import shutil
import struct
import sys
import unicodedata
import uuid
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from random import Random

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard as zstd
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SEED = 1234
ZSTD_LEVEL = 10
MAX_JACCARD = 0.3  # no two unplanted docs of one language may be closer than this

ROOT = Path(__file__).resolve().parent.parent
PROSE_LANGS = ["es", "ca", "gl", "eu", "en", "fr", "de", "it", "pt"]
ISO3 = {"es": "spa", "ca": "cat", "gl": "glg", "eu": "eus", "en": "eng", "fr": "fra",
        "de": "deu", "it": "ita", "pt": "por"}
TLDS = {"es": ["es", "com", "es"], "ca": ["cat", "cat", "com"], "gl": ["gal", "gal", "es"],
        "eu": ["eus", "eus", "com"], "en": ["com", "org", "co.uk", "net"], "fr": ["fr", "fr", "com"],
        "de": ["de", "de", "com"], "it": ["it", "it", "com"], "pt": ["pt", "com.br", "pt"]}
OSCAR_SIZES = {"es": 240, "ca": 200, "en": 200, "fr": 170, "de": 170, "it": 170, "pt": 170,
               "gl": 130, "eu": 130}
EURLEX_LANGS = ["es", "en", "fr", "de", "it", "pt"]
CODE_LANGS = ["python", "javascript", "java", "c", "go", "rust"]
CODE_EXT = {".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript",
            ".cjs": "javascript", ".jsx": "javascript", ".java": "java", ".c": "c", ".h": "c",
            ".go": "go", ".rs": "rust", ".json": "javascript"}

WORD_RE = re.compile(r"\w+")
SENT_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[¿¡\"«“(]?[A-ZÀ-ÖØ-Þ0-9])")


# --------------------------------------------------------------------------- text utils
def shingles(text: str) -> frozenset:
    toks = WORD_RE.findall(text.lower())
    if len(toks) < 5:
        return frozenset([" ".join(toks)]) if toks else frozenset()
    return frozenset(" ".join(toks[i:i + 5]) for i in range(len(toks) - 4))


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def split_sentences(par: str) -> list[str]:
    frags = [f.strip() for f in SENT_SPLIT.split(par) if f.strip()]
    out: list[str] = []
    carry = ""
    for f in frags:
        f = (carry + " " + f).strip() if carry else f
        carry = ""
        if len(f.split()) < 4:  # abbreviation ("Sr.", "art.") or heading: glue to the next one
            carry = f
            continue
        out.append(f)
    if carry:
        if out:
            out[-1] = out[-1] + " " + carry
        else:
            out.append(carry)
    return out


def read_paragraphs(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    pars = []
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(line.strip() for line in block.splitlines() if line.strip())
        if block and not block.startswith("#"):
            sents = split_sentences(block)
            if sents:
                pars.append(sents)
    return pars


def read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = [l.strip() for l in path.read_text(encoding="utf-8").splitlines()]
    return [l for l in lines if l and not l.startswith("#")]


def ascii_fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def n_words(text: str) -> int:
    return len(text.split())


# --------------------------------------------------------------------------- near-dup registry
class Registry:
    """Inverted index of word 5-grams for one language: finds the closest registered doc."""

    def __init__(self):
        self.index: dict[str, list[int]] = defaultdict(list)
        self.sizes: list[int] = []

    def closest(self, sh: frozenset) -> float:
        cnt: Counter = Counter()
        for g in sh:
            for d in self.index.get(g, ()):
                cnt[d] += 1
        best = 0.0
        for d, c in cnt.items():
            best = max(best, c / (len(sh) + self.sizes[d] - c))
        return best

    def add(self, sh: frozenset) -> None:
        d = len(self.sizes)
        self.sizes.append(len(sh))
        for g in sh:
            self.index[g].append(d)


# --------------------------------------------------------------------------- generator
class Sample:
    def __init__(self, text_dir: Path, out: Path):
        self.rng = Random(SEED)
        self.text_dir = text_dir
        self.out = out
        self.prose = {l: read_paragraphs(text_dir / f"{l}.txt") for l in PROSE_LANGS}
        self.legal = {l: read_paragraphs(text_dir / f"{l}.legal.txt")
                      for l in PROSE_LANGS if (text_dir / f"{l}.legal.txt").exists()}
        self.boiler = {l: read_lines(text_dir / f"{l}.boilerplate.txt") for l in PROSE_LANGS}
        self.spam_en = read_lines(text_dir / "en.spam.txt")
        for l in PROSE_LANGS:
            if not self.prose[l]:
                raise SystemExit(f"missing prose: {text_dir / (l + '.txt')}")
            if not self.boiler[l]:
                raise SystemExit(f"missing boilerplate: {text_dir / (l + '.boilerplate.txt')}")
        if not self.spam_en:
            raise SystemExit(f"missing spam: {text_dir / 'en.spam.txt'}")
        self.vocab = {}
        for l in PROSE_LANGS:
            words = [ascii_fold(w.lower()) for p in self.prose[l] for s in p for w in WORD_RE.findall(s)]
            words = [w for w in words if w.isascii() and w.isalpha() and 4 <= len(w) <= 10]
            self.vocab[l] = list(dict.fromkeys(words))
        self.registries: dict[str, Registry] = defaultdict(Registry)
        self.docs: list[dict] = []        # every text doc, for the final near-dup audit
        self.planted: list[dict] = []     # truth entries
        self.files: dict[str, dict] = {}  # per-file counts
        self.used_ids: set = set()
        self.used_urls: set = set()

    # ---- ids, dates, urls
    def urn(self) -> str:
        return f"<urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}>"

    def uuid_str(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def date(self, year: int, months=(1, 12)) -> str:
        r = self.rng
        return (f"{year}-{r.randint(*months):02d}-{r.randint(1, 28):02d}T"
                f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z")

    def unique_int(self, lo: int, hi: int) -> int:
        while True:
            v = self.rng.randrange(lo, hi)
            if v not in self.used_ids:
                self.used_ids.add(v)
                return v

    def domain(self, lang: str) -> str:
        r = self.rng
        words = r.sample(self.vocab[lang], r.choice([1, 2, 2]))
        host = "-".join(words) if r.random() < 0.5 else "".join(words)
        prefix = "www." if r.random() < 0.7 else r.choice(["", "blog.", "news.", "m."])
        return f"{prefix}{host}.{r.choice(TLDS[lang])}"

    def url(self, lang: str, domain: str | None = None, suffix: str = "") -> str:
        r = self.rng
        while True:
            d = domain or self.domain(lang)
            slug = "-".join(r.sample(self.vocab[lang], r.randint(2, 5)))
            style = r.randrange(4)
            if style == 0:
                path = f"/{r.randint(2015, 2023)}/{r.randint(1, 12):02d}/{slug}/"
            elif style == 1:
                path = f"/{r.choice(self.vocab[lang])}/{slug}.html"
            elif style == 2:
                path = f"/{slug}-{r.randint(100, 99999)}"
            else:
                path = f"/p/{slug}"
            u = f"https://{d}{path}{suffix}"
            if u not in self.used_urls:
                self.used_urls.add(u)
                return u

    # ---- text composition
    def paragraph(self, pool: list[list[str]], nsent: int, used: set) -> str | None:
        r = self.rng
        for _ in range(30):
            pi = r.randrange(len(pool))
            p = pool[pi]
            k = min(nsent, len(p))
            start = r.randrange(len(p) - k + 1)
            keys = [(pi, si) for si in range(start, start + k)]
            if any(key in used for key in keys):
                continue
            used.update(keys)
            return " ".join(p[start:start + k])
        return None

    def profile(self, kind: str | None = None) -> tuple[tuple[int, int], tuple[int, int]]:
        kind = kind or self.rng.choices(["short", "medium", "long"], [15, 65, 20])[0]
        return {"short": ((2, 2), (2, 2)), "medium": ((2, 6), (2, 4)), "long": ((7, 10), (4, 5)),
                "legal": ((4, 10), (1, 3)), "brief": ((1, 2), (2, 3))}[kind]

    def compose(self, lang: str, kind: str | None = None, pool: str = "prose",
                register: bool = True, min_words: int = 0) -> str:
        """A doc = 2-6 paragraphs, each a contiguous run of 2-4 sentences of one source paragraph.

        Rejection-samples until no registered doc of the language is closer than MAX_JACCARD."""
        r = self.rng
        src = self.prose[lang] if pool == "prose" else self.legal[lang]
        (p_lo, p_hi), (s_lo, s_hi) = self.profile(kind)
        best = None
        for attempt in range(200):
            used: set = set()
            pars = []
            for _ in range(r.randint(p_lo, p_hi)):
                p = self.paragraph(src, r.randint(s_lo, s_hi), used)
                if p:
                    pars.append(p)
            text = "\n\n".join(pars)
            if not pars or n_words(text) < min_words:
                continue
            sh = shingles(text)
            j = self.registries[lang].closest(sh)
            if j <= MAX_JACCARD * 0.8:
                break
            if best is None or j < best[0]:
                best = (j, text, sh)
        else:
            if best is None or best[0] > MAX_JACCARD:
                raise RuntimeError(f"cannot compose a distinct {lang} doc ({kind})")
            _, text, sh = best
        if register:
            self.registries[lang].add(sh)
        return text

    def title_of(self, text: str, lang: str) -> str:
        words = text.split()[: self.rng.randint(4, 8)]
        t = " ".join(words).rstrip(".,;:")
        return t[0].upper() + t[1:] if t else t

    def bp_lines(self, lang: str, n: int) -> list[str]:
        """Web boilerplate: the fixed lines of {lang}.boilerplate.txt mixed with templated ones
        (link titles, dates, tag lists), so boilerplate pages are not all near-copies."""
        r = self.rng
        out: list[str] = []
        for _ in range(n):
            x = r.random()
            if x < 0.45:
                out.append(r.choice(self.boiler[lang]))
            elif x < 0.75:
                out.append("» " + self.title_of(self.paragraph(self.prose[lang], 1, set()), lang))
            elif x < 0.85:
                out.append(f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(2015, 2024)}")
            else:
                out.append(" ".join("#" + w for w in r.sample(self.vocab[lang], r.randint(2, 5))))
        return list(dict.fromkeys(out))

    def spam_line_en(self) -> str:
        r = self.rng
        line = r.choice(self.spam_en)
        x = r.random()
        if x < 0.4:
            toks = line.split()
            r.shuffle(toks)
            line = " ".join(toks)
        elif x < 0.7:
            kw = r.choice(self.vocab["en"])
            line = line + " " + " ".join([kw.upper() if r.random() < 0.5 else kw] * r.randint(2, 6))
        return line

    # ---- bookkeeping
    def doc(self, file: str, id_, text: str, lang: str, exempt: bool = False) -> None:
        self.docs.append({"file": file, "id": id_, "text": text, "lang": lang, "exempt": exempt})

    def plant(self, file: str, id_, kind: str, **info) -> None:
        e = {"file": file, "id": id_, "kind": kind}
        e.update(info)
        self.planted.append(e)

    def write(self, rel: str, data: bytes) -> None:
        p = self.out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

    # ---- edits for near duplicates
    def edit(self, text: str, lang: str, how: str) -> str:
        r = self.rng
        pars = text.split("\n\n")
        if how == "sentence_dropped":
            cands = [i for i, p in enumerate(pars) if len(split_sentences(p)) >= 2]
            i = r.choice(cands) if cands else r.randrange(len(pars))
            s = split_sentences(pars[i])
            if len(s) >= 2:
                del s[r.randrange(len(s))]
                pars[i] = " ".join(s)
            else:
                del pars[i]
            return "\n\n".join(pars)
        if how == "words_substituted":
            toks = text.split(" ")
            for _ in range(max(2, len(toks) // 40)):
                i = r.randrange(len(toks))
                if toks[i].isalpha():
                    toks[i] = r.choice(self.vocab[lang])
            return " ".join(toks)
        if how == "paragraph_appended":
            extra = self.paragraph(self.prose[lang], 2, set())
            return text + "\n\n" + extra
        if how == "boilerplate_added":
            bp = r.sample(self.boiler[lang], min(3, len(self.boiler[lang])))
            return bp[0] + "\n\n" + text + "\n\n" + "\n".join(bp[1:])
        if how == "typos":
            toks = text.split(" ")
            for _ in range(max(3, len(toks) // 50)):
                i = r.randrange(len(toks))
                w = toks[i]
                if len(w) > 4 and w.isalpha():
                    j = r.randrange(len(w) - 1)
                    toks[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            return " ".join(toks)
        raise ValueError(how)

    def near_dup(self, text: str, lang: str, how: str) -> tuple[str, float]:
        for _ in range(20):
            new = self.edit(text, lang, how)
            j = jaccard(text, new)
            if 0.5 <= j < 1.0:
                return new, round(j, 3)
        raise RuntimeError(f"near-dup edit {how} gave J={j:.2f}")

    # ======================================================================== OSCAR
    def oscar_record(self, content: str, label: str, prob: float, text_lang: str, *,
                     harmful_pp: float | None = None, quality_warnings=None, categories=None,
                     line_labels=None, cc_langs: str | None = None, url: str | None = None) -> dict:
        r = self.rng
        rid, ref = self.urn(), self.urn()
        if harmful_pp is None:
            harmful_pp = round(r.uniform(200, 5000), 4)
        if cc_langs is None:
            cc_langs = ISO3[text_lang] + (",eng" if text_lang != "en" and r.random() < 0.25 else "")
        sent_ids = []
        for line in content.split("\n"):
            if not line.strip():
                sent_ids.append(None)
            else:
                lab = line_labels(line) if line_labels else label
                sent_ids.append({"label": lab, "prob": round(r.uniform(0.62, 1.0), 6)})
        body = content.encode("utf-8")
        return {
            "content": content,
            "warc_headers": {
                "warc-record-id": rid,
                "warc-date": self.date(2023, (1, 6)),
                "warc-type": "conversion",
                "warc-identified-content-language": cc_langs,
                "warc-refers-to": ref,
                "warc-target-uri": url or self.url(text_lang),
                "warc-block-digest": "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode(),
                "content-type": "text/plain",
                "content-length": str(len(body)),
            },
            "metadata": {
                "identification": {"label": label, "prob": prob},
                "harmful_pp": harmful_pp,
                "tlsh": "tlsh:T1" + f"{r.getrandbits(280):070X}",
                "quality_warnings": quality_warnings,
                "categories": categories,
                "sentence_identifications": sent_ids,
            },
        }

    def spammy_lines(self, lang: str, n: int) -> list[str]:
        if lang == "en":
            return [self.spam_line_en() for _ in range(n)]
        if lang in ("es", "ca", "gl"):
            return [self.spanish_spam_line() for _ in range(n)]
        return self.rng.sample(self.boiler[lang], min(n, len(self.boiler[lang])))

    def spanish_spam_line(self) -> str:
        r = self.rng
        kw = r.choice(ES_SPAM_KEYWORDS)
        style = r.randrange(4)
        if style == 0:
            return " ".join([kw] * r.randint(3, 6))
        if style == 1:
            return (r.choice(ES_SPAM_PHRASES) + " " + kw).upper() + " " + "!" * r.randint(3, 8)
        if style == 2:
            return f"{r.choice('★✔>$#*')}" * r.randint(4, 9) + " " + r.choice(ES_SPAM_PHRASES) + " " + \
                f"{r.choice('★✔<$#*')}" * r.randint(4, 9)
        return f"{r.choice(ES_SPAM_PHRASES)} {kw} {r.choice(ES_SPAM_PHRASES).lower()} {kw}"

    def qw_content(self, lang: str, warning: list[str]) -> str:
        r = self.rng
        if warning == ["tiny"]:
            return r.choice(self.boiler[lang])
        if "short_sentences" in warning:
            words = self.compose(lang, "brief").split()
            lines, i = [], 0
            while i < len(words):
                k = r.randint(2, 4)
                lines.append(" ".join(words[i:i + k]))
                i += k
            text = "\n".join(lines)
            if "header" in warning:
                text = "\n".join(r.sample(self.boiler[lang], min(4, len(self.boiler[lang])))) + "\n" + text
            return text
        if warning == ["header"]:
            return "\n".join(r.sample(self.boiler[lang], min(5, len(self.boiler[lang])))) + "\n\n" + \
                self.compose(lang, "medium")
        if warning == ["footer"]:
            return self.compose(lang, "medium") + "\n\n" + \
                "\n".join(r.sample(self.boiler[lang], min(5, len(self.boiler[lang]))))
        if warning == ["noisy"]:
            toks = self.compose(lang, "medium").split(" ")
            for _ in range(max(4, len(toks) // 8)):
                i = r.randrange(len(toks))
                toks[i] = toks[i] + " " + "".join(r.choice("#@%&*|~^=+<>{}[]0123456789")
                                                  for _ in range(r.randint(3, 9)))
            return " ".join(toks)
        raise ValueError(warning)

    def gen_oscar(self, lang: str) -> None:
        r = self.rng
        rel = f"oscar/{lang}_meta_part_1.jsonl.zst"
        n = OSCAR_SIZES[lang]
        small = lang in ("gl", "eu")
        specs: list[tuple] = []
        qws = [["tiny"], ["short_sentences"], ["header"], ["footer"], ["short_sentences", "header"], ["noisy"]]
        cats = [["adult"], ["phishing"], ["malware"], ["gambling"], ["news"]]
        k = r.randrange(len(qws))
        for i in range(4 if small else 6):
            specs.append(("qw", qws[(k + i) % len(qws)]))
        k = r.randrange(len(cats))
        for i in range(3 if small else 5):
            specs.append(("cat", cats[(k + i) % len(cats)]))
        low_pp = [8.4, 17.9, 3.2, 21.6, 12.05, 24.1]
        for i in range(2 if small else 3):
            specs.append(("low_pp", round(r.choice(low_pp) + r.uniform(-0.9, 0.9), 2)))
        for i in range(1 if small else 2):
            specs.append(("high_pp", round(r.uniform(100500, 450000), 2)))
        if lang == "es":
            for t in ["pt", "gl", "pt", "gl", "pt"]:
                specs.append(("wrong_lang", t))
            for _ in range(5):
                specs.append(("other_lang", "en"))
        specs += [("normal", None)] * (n - len(specs))
        r.shuffle(specs)
        recs = []
        self.oscar_normal = getattr(self, "oscar_normal", {})
        for kind, arg in specs:
            prob = round(r.uniform(0.82, 1.0), 4)
            if kind == "normal":
                text = self.compose(lang)
                rec = self.oscar_record(text, lang, prob, lang)
                self.doc(rel, rec["warc_headers"]["warc-record-id"], text, lang)
                self.oscar_normal.setdefault(lang, []).append(rec)
            elif kind == "qw":
                text = self.qw_content(lang, arg)
                rec = self.oscar_record(text, lang, prob, lang, quality_warnings=list(arg))
                self.doc(rel, rec["warc_headers"]["warc-record-id"], text, lang,
                         exempt=arg == ["tiny"])
                self.plant(rel, rec["warc_headers"]["warc-record-id"], "quality_warnings",
                           quality_warnings=list(arg))
            elif kind == "cat":
                spammy = arg[0] in ("phishing", "malware", "gambling", "adult") and r.random() < 0.6
                if spammy:
                    text = "\n".join(self.spammy_lines(lang, r.randint(3, 8)))
                else:
                    text = self.compose(lang)
                rec = self.oscar_record(text, lang, prob, lang, categories=list(arg))
                self.doc(rel, rec["warc_headers"]["warc-record-id"], text, lang, exempt=spammy)
                self.plant(rel, rec["warc_headers"]["warc-record-id"], "categories",
                           categories=list(arg), blocklisted=arg[0] in ("adult", "phishing", "malware"),
                           spammy_text=spammy)
            elif kind in ("low_pp", "high_pp"):
                spammy = kind == "low_pp" and r.random() < 0.5
                text = "\n".join(self.spammy_lines(lang, r.randint(3, 8))) if spammy else self.compose(lang)
                rec = self.oscar_record(text, lang, prob, lang, harmful_pp=arg)
                self.doc(rel, rec["warc_headers"]["warc-record-id"], text, lang, exempt=spammy)
                self.plant(rel, rec["warc_headers"]["warc-record-id"], "harmful_pp", harmful_pp=arg,
                           side="low" if kind == "low_pp" else "high", spammy_text=spammy)
            elif kind == "wrong_lang":
                text = self.compose(arg, r.choice(["medium", "long"]))
                rec = self.oscar_record(text, "es", round(r.uniform(0.55, 0.7), 4), arg,
                                        line_labels=lambda line, t=arg: t if r.random() < 0.6 else "es",
                                        cc_langs=f"{ISO3[arg]},spa")
                self.doc(rel, rec["warc_headers"]["warc-record-id"], text, arg)
                self.plant(rel, rec["warc_headers"]["warc-record-id"], "wrong_language",
                           label="es", true_language=arg)
            elif kind == "other_lang":
                text = self.compose("en")
                rec = self.oscar_record(text, "en", round(r.uniform(0.9, 0.99), 4), "en")
                self.doc(rel, rec["warc_headers"]["warc-record-id"], text, "en")
                self.plant(rel, rec["warc_headers"]["warc-record-id"], "other_language",
                           label="en", true_language="en")
            recs.append(rec)
        data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in recs).encode("utf-8")
        cctx = zstd.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True, write_content_size=True)
        self.write(rel, cctx.compress(data))
        self.files[rel] = {"records": len(recs), "broken": 0}

    def gen_oscar_truncated(self) -> None:
        r = self.rng
        rel = "oscar/eu_meta_part_2.jsonl.zst"
        lines = []
        recs = []
        for _ in range(30):
            text = self.compose("eu")
            rec = self.oscar_record(text, "eu", round(r.uniform(0.82, 1.0), 4), "eu")
            recs.append(rec)
            lines.append((json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))
        cctx = zstd.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True, write_content_size=False)
        cobj = cctx.compressobj()
        # one frame, flushed into blocks at record ends *and* mid-record, so that a cut after a
        # mid-record block leaves a decodable head ending in a partial record
        chunks, mid_ends = [], []
        pos = 0
        for line in lines:
            half = len(line) // 2
            for part, is_mid in ((line[:half], True), (line[half:], False)):
                c = cobj.compress(part) + cobj.flush(zstd.COMPRESSOBJ_FLUSH_BLOCK)
                chunks.append(c)
                pos += len(c)
                if is_mid:
                    mid_ends.append(pos)
        chunks.append(cobj.flush())
        full = b"".join(chunks)
        target = int(len(full) * 0.6)
        start = min(mid_ends, key=lambda e: abs(e - target))
        cut = start + 3  # a few bytes into the next block: the stream ends mid-frame, mid-block
        data = full[:cut]
        dobj = zstd.ZstdDecompressor().decompressobj()
        decoded = dobj.decompress(data)
        if dobj.eof:
            raise RuntimeError("truncated eu part 2 still decodes as a complete frame")
        complete = decoded.count(b"\n")
        if not 8 <= complete < 30:
            raise RuntimeError(f"truncated eu part 2 keeps {complete} records")
        partial = len(decoded) - decoded.rfind(b"\n") - 1
        assert partial > 0
        desc = (f"zstd stream truncated mid-frame: kept {cut} of {len(full)} compressed bytes; "
                f"the first {complete} of 30 records decode completely, then {partial} bytes of a "
                f"partial record (no newline) and the frame never ends (python-zstandard raises "
                f"no error: decompressobj().eof stays False)")
        self.write(rel, data)
        for rec in recs[:complete]:
            self.doc(rel, rec["warc_headers"]["warc-record-id"], rec["content"], "eu")
        self.plant(rel, None, "broken", broken=desc,
                   compressed_bytes=cut, full_compressed_bytes=len(full), records_written=30,
                   records_recoverable=complete, partial_record_bytes=partial,
                   lost_ids=[x["warc_headers"]["warc-record-id"] for x in recs[complete:]])
        self.files[rel] = {"records": complete, "broken": 1, "records_written": 30}

    # ======================================================================== FineWeb-Edu
    def gen_fineweb(self) -> None:
        r = self.rng
        rel = "fineweb-edu/data/CC-MAIN-2024-10/000_00000.parquet"
        kinds = ["edu"] * 210 + ["spam"] * 30 + ["boilerplate"] * 30 + ["news"] * 30
        r.shuffle(kinds)
        cols: dict[str, list] = {k: [] for k in ("text", "id", "dump", "url", "file_path", "language",
                                                 "language_score", "token_count", "score", "int_score")}
        segs = [f"1707947{r.randint(470000, 479999)}.{r.randint(0, 99)}" for _ in range(6)]
        for kind in kinds:
            exempt = False
            if kind == "edu":
                text = self.compose("en", r.choices(["medium", "long"], [70, 30])[0], min_words=80)
                score = r.uniform(2.55, 4.8)
            else:
                if kind == "spam":
                    text = "\n".join(self.spam_line_en() for _ in range(r.randint(3, 12)))
                    exempt = True
                elif kind == "boilerplate":
                    bp = self.bp_lines("en", r.randint(10, 24))
                    text = "\n".join(bp) + "\n\n" + self.compose("en", "brief", register=False)
                    exempt = True
                else:
                    text = "\n\n".join([self.compose("en", "short"),
                                        "\n".join(r.sample(self.boiler["en"], min(3, len(self.boiler["en"]))))])
                score = r.uniform(0.5, 2.45)
            score = round(score, 6)
            id_ = self.urn()
            ts = f"2024022{r.randint(0, 9)}{r.randint(0, 23):02d}{r.randint(0, 59):02d}{r.randint(0, 59):02d}"
            cols["text"].append(text)
            cols["id"].append(id_)
            cols["dump"].append("CC-MAIN-2024-10")
            cols["url"].append(self.url("en"))
            cols["file_path"].append(
                f"s3://commoncrawl/crawl-data/CC-MAIN-2024-10/segments/{r.choice(segs)}/warc/"
                f"CC-MAIN-{ts}-{ts[:-4]}{r.randint(1000, 9999)}-{r.randint(0, 899):05d}.warc.gz")
            cols["language"].append("en")
            cols["language_score"].append(round(r.uniform(0.9, 0.99) if kind in ("edu", "news")
                                                else r.uniform(0.7, 0.95), 6))
            cols["token_count"].append(int(round(n_words(text) * 1.3)))
            cols["score"].append(score)
            cols["int_score"].append(int(round(score)))
            self.doc(rel, id_, text, "en", exempt=exempt)
            if kind != "edu":
                self.plant(rel, id_, "low_edu", score=score, int_score=int(round(score)), style=kind)
        schema = pa.schema([("text", pa.string()), ("id", pa.string()), ("dump", pa.string()),
                            ("url", pa.string()), ("file_path", pa.string()), ("language", pa.string()),
                            ("language_score", pa.float64()), ("token_count", pa.int64()),
                            ("score", pa.float64()), ("int_score", pa.int64())])
        table = pa.Table.from_pydict(cols, schema=schema)
        buf = io.BytesIO()
        pq.write_table(table, buf, row_group_size=100, compression="zstd")
        self.write(rel, buf.getvalue())
        self.files[rel] = {"records": len(kinds), "broken": 0, "row_groups": (len(kinds) + 99) // 100}

    # ======================================================================== StarCoder
    def code_files(self, sub: str) -> list[tuple[str, str]]:
        d = self.text_dir / "code" / sub
        if not d.is_dir():
            return []
        out = []
        for p in sorted(d.iterdir()):
            if p.is_file() and not p.name.startswith("."):
                # stored as <name>.txt: sample data, not project source; the corpus keeps the real name
                out.append((p.name.removesuffix(".txt"), p.read_text(encoding="utf-8", errors="replace")))
        return out

    def repo_name(self) -> str:
        r = self.rng
        owner = r.choice(self.vocab["en"]) + r.choice(["", "", "dev", "-labs", "hq", str(r.randint(1, 99))])
        repo = r.choice(self.vocab["en"]) + r.choice(["", "-" + r.choice(self.vocab["en"]), "-py", "-js",
                                                        "-rs", "-core", "-utils", "kit"])
        return f"{owner}/{repo}"

    def repo_path(self, lang: str, name: str, repo: str) -> str:
        r = self.rng
        pkg = repo.split("/")[1].replace("-", "_")
        if lang == "python":
            return r.choice([f"{pkg}/{name}", f"src/{pkg}/{name}", name, f"tests/{name}" if name.startswith("test") else f"{pkg}/utils/{name}"])
        if lang == "javascript":
            return r.choice([f"src/{name}", f"lib/{name}", f"src/utils/{name}", name])
        if lang == "java":
            return f"src/main/java/com/{repo.split('/')[0].replace('-', '')}/{pkg}/{name}"
        if lang == "c":
            return r.choice([f"src/{name}", name, f"lib/{name}"])
        if lang == "go":
            return r.choice([f"internal/{pkg}/{name}", f"pkg/{pkg}/{name}", name])
        return r.choice([f"src/{name}", f"src/bin/{name}", f"crates/{pkg}/src/{name}"])

    @staticmethod
    def bad_kind(name: str, content: str) -> tuple[str, bool]:
        """(kind, has a "generated / do not edit" header) of a code/bad/* file."""
        low = name.lower()
        head = content[:800].lower()
        generated = any(k in head for k in ("generated", "do not edit", "@generated"))
        lines = content.splitlines() or [""]
        if ".min." in low or "minified" in low or "bundle" in low:
            return "minified", generated
        if "_pb2" in low or "generated" in low or "autogen" in low:
            return "auto_generated", generated
        if any(k in low for k in ("data", "table", "lock", "payload", "blob", "fixture", "lookup", "dump")):
            return "data_like", generated
        if generated:
            return "auto_generated", generated
        if max(len(l) for l in lines) > 2000:
            return "minified", generated
        return "low_quality", generated

    def code_lang_of(self, name: str, content: str) -> str:
        for ext, lang in CODE_EXT.items():
            if name.endswith(ext):
                return lang
        return CODE_LANGS[sum(name.encode()) % len(CODE_LANGS)]

    def code_variant(self, lang: str, content: str, how: str) -> str:
        r = self.rng
        cm = "#" if lang == "python" else "//"
        if how == "comment_changed":
            lines = content.split("\n")
            idx = [i for i, l in enumerate(lines) if l.strip().startswith(cm) and len(l.strip()) > 4]
            if idx:
                i = r.choice(idx)
                indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
                lines[i] = f"{indent}{cm} NOTE: {r.choice(CODE_COMMENTS)}"
            else:
                lines.insert(0, f"{cm} {r.choice(CODE_COMMENTS)}")
            return "\n".join(lines)
        if how == "variable_renamed":
            kw = CODE_KEYWORDS
            toks = re.findall(r"(?<![.\w])([a-z][a-z0-9_]{3,})\b(?!\s*\()", content)
            cnt = Counter(t for t in toks if t not in kw)
            cands = sorted([t for t, c in cnt.items() if c >= 3], key=lambda t: (-cnt[t], t))[:8]
            if not cands:
                return self.code_variant(lang, content, "comment_changed")
            old = r.choice(cands)
            new = old + r.choice(["_val", "_tmp", "2", "_x"]) if "_" in old else old + r.choice(["Val", "2", "Ref"])
            return re.sub(rf"(?<![.\w]){re.escape(old)}\b", new, content)
        raise ValueError(how)

    def gen_starcoder(self) -> None:
        r = self.rng
        rows: dict[str, list[dict]] = {l: [] for l in CODE_LANGS}
        bad = self.code_files("bad")
        for lang in CODE_LANGS:
            good = self.code_files(lang)
            rel = f"starcoder/{lang}/train-00000-of-00001.parquet"
            originals = []
            for name, content in good:
                repo = self.repo_name()
                row = {"max_stars_repo_path": self.repo_path(lang, name, repo), "max_stars_repo_name": repo,
                       "max_stars_count": min(int(r.paretovariate(0.8) * 3) - 2, 48000),
                       "id": str(self.unique_int(1_000_000, 40_000_000)), "content": content}
                rows[lang].append(row)
                originals.append(row)
            if originals:
                picks = r.sample(originals, min(3, len(originals)))
                for how, src in zip(["comment_changed", "variable_renamed"], picks):
                    repo = self.repo_name()
                    new = self.code_variant(lang, src["content"], how)
                    row = {"max_stars_repo_path": self.repo_path(
                               lang, src["max_stars_repo_path"].rsplit("/", 1)[-1], repo),
                           "max_stars_repo_name": repo, "max_stars_count": r.randint(0, 40),
                           "id": str(self.unique_int(1_000_000, 40_000_000)), "content": new}
                    rows[lang].append(row)
                    self.plant(rel, row["id"], "near_duplicate", of=src["id"], of_file=rel, edit=how,
                               jaccard5=round(jaccard(src["content"], new), 3))
                src = picks[-1]
                repo = self.repo_name()
                row = {"max_stars_repo_path": self.repo_path(lang, "vendor_" + src["max_stars_repo_path"].rsplit("/", 1)[-1], repo),
                       "max_stars_repo_name": repo, "max_stars_count": r.randint(0, 15),
                       "id": str(self.unique_int(1_000_000, 40_000_000)), "content": src["content"]}
                rows[lang].append(row)
                self.plant(rel, row["id"], "exact_duplicate", of=src["id"], of_file=rel)
        for name, content in bad:
            lang = self.code_lang_of(name, content)
            rel = f"starcoder/{lang}/train-00000-of-00001.parquet"
            repo = self.repo_name()
            row = {"max_stars_repo_path": self.repo_path(lang, name, repo), "max_stars_repo_name": repo,
                   "max_stars_count": r.randint(0, 300),
                   "id": str(self.unique_int(1_000_000, 40_000_000)), "content": content}
            rows[lang].append(row)
            kind, generated = self.bad_kind(name, content)
            self.plant(rel, row["id"], "bad_code", bad_code=kind, generated_header=generated,
                       source_file=name)
        schema = pa.schema([("max_stars_repo_path", pa.string()), ("max_stars_repo_name", pa.string()),
                            ("max_stars_count", pa.int64()), ("id", pa.string()), ("content", pa.string())])
        for lang in CODE_LANGS:
            rel = f"starcoder/{lang}/train-00000-of-00001.parquet"
            lst = rows[lang]
            r.shuffle(lst)
            table = pa.Table.from_pylist(lst, schema=schema)
            buf = io.BytesIO()
            pq.write_table(table, buf, compression="zstd")
            self.write(rel, buf.getvalue())
            self.files[rel] = {"records": len(lst), "broken": 0}

    # ======================================================================== HPLT
    def hplt_paragraph_meta(self, pars: list[str], kinds: list[str], lang_of=None):
        r = self.rng
        scores, langs = [], []
        for p, k in zip(pars, kinds):
            if k == "prose":
                scores.append(round(r.uniform(0.85, 1.0), 3))
                langs.append(lang_of(p) if lang_of else "es")
            elif k == "bp":
                scores.append(round(r.uniform(0.3, 0.8), 3))
                langs.append("es" if r.random() < 0.85 else r.choice(["en", "ca", "pt"]))
            elif k == "spam":
                scores.append(round(r.uniform(0.2, 0.7), 3))
                langs.append("es" if r.random() < 0.8 else "en")
            else:  # mislabelled
                scores.append(round(r.uniform(0.35, 0.65), 3))
                langs.append("es")
        return scores, langs

    def gen_hplt(self) -> None:
        r = self.rng
        rel = "hplt/es/es_1.jsonl"
        normals = self.oscar_normal["es"]
        long_ones = [x for x in normals if n_words(x["content"]) >= 150]
        chosen = r.sample(long_ones, 18)
        exact_src, near_src = chosen[:8], chosen[8:]
        specs: list[tuple] = [("exact", x) for x in exact_src]
        edits = ["sentence_dropped", "words_substituted", "paragraph_appended", "boilerplate_added", "typos"]
        specs += [("near", (x, edits[i % len(edits)])) for i, x in enumerate(near_src)]
        specs += [("wrong", t) for t in ["pt", "gl", "en", "pt", "gl", "en"]]
        specs += [("boilerplate", None)] * 10
        specs += [("spam", s) for s in ["keyword_repetition", "all_caps", "symbol_runs", "very_short",
                                        "en_spam", "keyword_repetition", "all_caps", "symbol_runs",
                                        "very_short", "mixed"]]
        specs += [("normal", None)] * (248 - len(specs))
        r.shuffle(specs)
        lines: list[bytes] = []
        ids = sorted(self.unique_int(10_000_000, 99_999_999) for _ in specs)
        for (kind, arg), id_ in zip(specs, ids):
            url = None
            exempt = False
            if kind == "normal":
                text = self.compose("es")
                pars = text.split("\n\n")
                scores, langs = self.hplt_paragraph_meta(pars, ["prose"] * len(pars))
            elif kind == "exact":
                text = arg["content"]
                url = arg["warc_headers"]["warc-target-uri"]
                pars = text.split("\n\n")
                scores, langs = self.hplt_paragraph_meta(pars, ["prose"] * len(pars))
                self.plant(rel, id_, "exact_duplicate", of=arg["warc_headers"]["warc-record-id"],
                           of_file="oscar/es_meta_part_1.jsonl.zst")
            elif kind == "near":
                src, how = arg
                text, j = self.near_dup(src["content"], "es", how)
                pars = text.split("\n\n")
                scores, langs = self.hplt_paragraph_meta(pars, ["prose"] * len(pars))
                self.plant(rel, id_, "near_duplicate", of=src["warc_headers"]["warc-record-id"],
                           of_file="oscar/es_meta_part_1.jsonl.zst", edit=how, jaccard5=j)
            elif kind == "wrong":
                text = self.compose(arg, r.choice(["medium", "long"]))
                pars = text.split("\n\n")
                scores, langs = self.hplt_paragraph_meta(pars, ["wrong"] * len(pars))
                self.plant(rel, id_, "wrong_language", label="es", true_language=arg)
                self.doc(rel, id_, text, arg)
            elif kind == "boilerplate":
                pars = self.bp_lines("es", r.randint(14, 30))
                kinds = ["bp"] * len(pars)
                if r.random() < 0.7:
                    p = self.paragraph(self.prose["es"], r.randint(1, 2), set())
                    at = r.randint(len(pars) // 3, 2 * len(pars) // 3)
                    pars.insert(at, p)
                    kinds.insert(at, "prose")
                text = "\n\n".join(pars)
                scores, langs = self.hplt_paragraph_meta(pars, kinds)
                exempt = True
                self.plant(rel, id_, "boilerplate_heavy")
            elif kind == "spam":
                pars = self.hplt_spam(arg)
                text = "\n\n".join(pars)
                scores, langs = self.hplt_paragraph_meta(pars, ["spam"] * len(pars))
                exempt = True
                self.plant(rel, id_, "spam", style=arg)
            if kind != "wrong":
                self.doc(rel, id_, text, "es", exempt=exempt)
            rec = {"id": id_, "document_lang": "es", "scores": scores, "langs": langs, "text": text,
                   "url": url or self.url("es"), "collection": "wide00016"}
            lines.append((json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))
        # broken lines: one invalid JSON, one with invalid UTF-8 bytes inside a string
        bad_json_at = len(lines) // 3
        lines.insert(bad_json_at, b'{"id": 99, "text": "Esto no cie\n')
        utf8_at = 2 * len(lines) // 3
        uid = self.unique_int(10_000_000, 99_999_999)
        text = self.compose("es", "short", register=False)
        rec = {"id": uid, "document_lang": "es", "scores": [0.93, 0.91], "langs": ["es", "es"],
               "text": "@@BAD@@" + text, "url": self.url("es"), "collection": "wide00016"}
        raw = (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
        raw = raw.replace("@@BAD@@".encode(), b"Caf\xff\xfe ")
        lines.insert(utf8_at, raw)
        data = b"".join(lines)
        offs = [0]
        for l in lines:
            offs.append(offs[-1] + len(l))
        self.plant(rel, None, "broken", broken="invalid JSON (truncated line)", line=bad_json_at + 1,
                   byte_offset=offs[bad_json_at])
        self.plant(rel, uid, "broken", broken="invalid UTF-8 bytes (\\xff\\xfe) inside the text string",
                   line=utf8_at + 1, byte_offset=offs[utf8_at])
        self.write(rel, data)
        self.files[rel] = {"records": len(specs), "broken": 2, "lines": len(lines)}

    def hplt_spam(self, style: str) -> list[str]:
        r = self.rng
        if style == "keyword_repetition":
            kw = r.sample(ES_SPAM_KEYWORDS, 3)
            return [" ".join(r.choice(kw) for _ in range(r.randint(12, 30))) for _ in range(r.randint(2, 5))]
        if style == "all_caps":
            return [(r.choice(ES_SPAM_PHRASES) + " " + r.choice(ES_SPAM_KEYWORDS)).upper() + " " +
                    "!" * r.randint(2, 6) for _ in range(r.randint(3, 8))]
        if style == "symbol_runs":
            return [r.choice("★✔►$#*=") * r.randint(5, 20) + " " + r.choice(ES_SPAM_PHRASES) + " " +
                    r.choice("★✔◄$#*=") * r.randint(5, 20) for _ in range(r.randint(3, 7))]
        if style == "very_short":
            left = [x for x in ["Hola", "ok gracias", "hola hola hola", "Buenas!!", "test"] if x not in self.used_ids]
            x = r.choice(left)
            self.used_ids.add(x)
            return [x]
        if style == "en_spam":
            return [self.spam_line_en() for _ in range(r.randint(3, 8))]
        return [self.spanish_spam_line() for _ in range(r.randint(4, 9))]

    # ======================================================================== EurLex
    def gen_eurlex(self) -> None:
        r = self.rng
        for lang in EURLEX_LANGS:
            rel = f"eurlex/eurlex_{lang}.jsonl.gz"
            recs = []
            have_legal = lang in self.legal and self.legal[lang]
            for _ in range(25):
                year = r.randint(1995, 2023)
                typ = r.choices(["R", "L", "D"], [5, 3, 2])[0]
                while True:
                    celex = f"3{year}{typ}{r.randint(1, 2999):04d}"
                    if celex not in self.used_ids:
                        self.used_ids.add(celex)
                        break
                text = self.compose(lang, "legal", pool="legal" if have_legal else "prose")
                num = int(celex[6:])
                title = EURLEX_TITLES[lang][typ].format(y=year, n=num)
                rec = {"celex": celex, "date": f"{year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
                       "title": title, "text": text, "language": lang}
                recs.append(rec)
                self.doc(rel, celex, text, lang)
            self.write(rel, gzip_bytes("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in recs)
                                       .encode("utf-8")))
            self.files[rel] = {"records": len(recs), "broken": 0}
        self.write("eurlex/eurlex_ga.jsonl.gz", b"")
        self.files["eurlex/eurlex_ga.jsonl.gz"] = {"records": 0, "broken": 1, "bytes": 0}
        self.plant("eurlex/eurlex_ga.jsonl.gz", None, "broken",
                   broken="empty 0-byte file (not even a gzip header)", byte_offset=0)

    # ======================================================================== CATalog
    def gen_catalog(self) -> None:
        r = self.rng
        rel = "catalog/catalog_ca.jsonl.zst"
        recs = []
        for _ in range(232):
            text = self.compose("ca")
            es = round(r.uniform(0.0, 0.06), 2)
            rec = {"id": self.uuid_str(), "text": text, "score": None,
                   "strategy": r.choices(["crawl", "dominant-language"], [7, 3])[0],
                   "languages": {"ca": round(1 - es, 2), "es": es} if es else {"ca": 1.0},
                   "url": self.url("ca")}
            recs.append(rec)
            self.doc(rel, rec["id"], text, "ca")
        # CURATE score: ~20% below 0.8
        for rec in recs:
            if r.random() < 0.2:
                rec["score"] = round(r.uniform(0.3, 0.79), 4)
                self.plant(rel, rec["id"], "low_score", score=rec["score"])
            else:
                rec["score"] = round(r.uniform(0.8, 1.0), 4)
        originals = r.sample([x for x in recs if n_words(x["text"]) >= 150], 14)
        extra = []
        for src in originals[:6]:
            rec = dict(src, id=self.uuid_str(), url=self.url("ca"))
            rec["languages"] = dict(src["languages"])
            extra.append(rec)
            self.doc(rel, rec["id"], rec["text"], "ca")
            self.plant(rel, rec["id"], "exact_duplicate", of=src["id"], of_file=rel)
        edits = ["sentence_dropped", "words_substituted", "paragraph_appended", "boilerplate_added", "typos"]
        for i, src in enumerate(originals[6:]):
            how = edits[i % len(edits)]
            text, j = self.near_dup(src["text"], "ca", how)
            rec = dict(src, id=self.uuid_str(), text=text, url=self.url("ca"),
                       score=round(r.uniform(0.8, 1.0), 4))
            rec["languages"] = dict(src["languages"])
            extra.append(rec)
            self.doc(rel, rec["id"], text, "ca")
            self.plant(rel, rec["id"], "near_duplicate", of=src["id"], of_file=rel, edit=how, jaccard5=j)
        for _ in range(4):  # mixed Catalan/Spanish, Spanish dominant
            while True:
                es_part = self.compose("es", "brief", register=False).split("\n\n")
                ca_part = self.compose("ca", "brief", register=False).split("\n\n")[:1]
                pars = es_part + ca_part
                es_chars = sum(len(p) for p in es_part)
                frac = es_chars / sum(len(p) for p in pars)
                if 0.55 <= frac <= 0.75:
                    break
            r.shuffle(pars)
            text = "\n\n".join(pars)
            self.registries["es"].add(shingles(text))
            claimed = round(r.uniform(0.5, 0.62), 2)
            rec = {"id": self.uuid_str(), "text": text, "score": round(r.uniform(0.8, 0.95), 4),
                   "strategy": "dominant-language", "languages": {"ca": claimed, "es": round(1 - claimed, 2)},
                   "url": self.url("ca")}
            extra.append(rec)
            self.doc(rel, rec["id"], text, "es")
            self.plant(rel, rec["id"], "wrong_language", label="ca", true_language="es",
                       mixed={"es_char_fraction": round(frac, 3), "ca_char_fraction": round(1 - frac, 3)})
        recs += extra
        r.shuffle(recs)
        data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in recs).encode("utf-8")
        cctx = zstd.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True, write_content_size=True)
        self.write(rel, cctx.compress(data))
        self.files[rel] = {"records": len(recs), "broken": 0}

    # ======================================================================== Spanish crawl (WARC)
    def site(self, lang: str) -> dict:
        r = self.rng
        bp = self.boiler[lang]
        short = [b for b in bp if len(b) <= 32] or bp
        cookie = [b for b in bp if "cookie" in b.lower()] or [COOKIE[lang]]
        dom = self.domain(lang)
        return {"domain": dom, "name": dom.split(".")[-2].replace("-", " ").title(),
                "nav": r.sample(short, min(len(short), r.randint(5, 8))),
                "footer": r.sample(bp, min(len(bp), r.randint(4, 8))),
                "cookie": r.choice(cookie), "tagline": r.choice(bp)}

    def html_page(self, lang: str, site: dict, title: str, pars: list[str], related: list[str],
                  charset: str = "utf-8", extra_links: list[str] | None = None) -> str:
        def e(x: str) -> str:
            return html.escape(x, quote=False)
        nav = "\n".join(f'      <li><a href="/{slug(x)}">{e(x)}</a></li>' for x in site["nav"])
        body = "\n".join(f"      <p>{e(p)}</p>" for p in pars)
        rel = "\n".join(f'        <li><a href="/{slug(x)}">{e(x)}</a></li>' for x in related)
        foot = "\n".join(f"      <p>{e(x)}</p>" for x in site["footer"])
        links = ""
        if extra_links:
            links = "\n    <section class=\"links\">\n      <ul>\n" + "\n".join(
                f'        <li><a href="/{slug(x)}">{e(x)}</a></li>' for x in extra_links) + \
                "\n      </ul>\n    </section>"
        return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="{charset}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(title)} | {e(site['name'])}</title>
  <link rel="stylesheet" href="/static/css/main.css">
  <script src="/static/js/analytics.js" async></script>
</head>
<body>
  <header class="site-header">
    <a class="logo" href="/">{e(site['name'])}</a>
    <span class="tagline">{e(site['tagline'])}</span>
  </header>
  <nav class="menu">
    <ul>
{nav}
    </ul>
  </nav>
  <main>
    <article>
      <h1>{e(title)}</h1>
{body}
    </article>{links}
    <aside class="sidebar">
      <h3>{e(RELATED[lang])}</h3>
      <ul>
{rel}
      </ul>
    </aside>
  </main>
  <div class="cookie-banner" id="cookies">
    <p>{e(site['cookie'])}</p>
    <button>OK</button>
  </div>
  <footer>
{foot}
      <p>&copy; 2024 {e(site['name'])}</p>
  </footer>
</body>
</html>
"""

    def gen_crawl(self) -> None:
        r = self.rng
        rel = "crawl/spanish-crawl-00000.warc.gz"
        sites = {l: [self.site(l) for _ in range(6)] for l in ("es", "ca", "gl", "eu")}
        pages: list[dict] = []

        def related(lang):
            return [self.title_of(self.paragraph(self.prose[lang], 1, set()), lang) for _ in range(r.randint(3, 6))]

        def article_page(lang, site=None, text=None, kind="normal"):
            site = site or r.choice(sites[lang])
            text = text if text is not None else self.compose(lang, r.choices(["short", "medium", "long"], [10, 65, 25])[0])
            pars = text.split("\n\n")
            title = self.title_of(pars[0], lang)
            return {"kind": kind, "lang": lang, "site": site, "text": text,
                    "url": self.url(lang, site["domain"]),
                    "html": self.html_page(lang, site, title, pars, related(lang)), "status": 200,
                    "ctype": "text/html; charset=utf-8"}

        for lang, n in (("es", 50), ("ca", 35), ("gl", 28), ("eu", 27)):
            for _ in range(n):
                pages.append(article_page(lang))
        # latin-1 page: a normal Spanish page declared and encoded as iso-8859-1
        lat = next(p for p in pages if p["lang"] == "es" and all(ord(c) < 256 for c in p["text"]))
        pars = lat["text"].split("\n\n")
        lat["html"] = self.html_page("es", lat["site"], self.title_of(pars[0], "es"), pars, related("es"),
                                     charset="iso-8859-1")
        lat["ctype"] = "text/html; charset=iso-8859-1"
        lat["encoding"] = "latin-1"
        lat["kind"] = "latin1"
        normal = [p for p in pages if p["kind"] == "normal" and n_words(p["text"]) >= 120]
        picks = r.sample(normal, 7)
        for src in picks[:3]:
            dup = dict(src, kind="exact", of=src, url=self.url(src["lang"], src["site"]["domain"],
                                                               suffix=r.choice(["?utm_source=rss", "?amp=1",
                                                                                "?ref=home", "#comments"])))
            pages.append(dup)
        for i, src in enumerate(picks[3:]):
            lang = src["lang"]
            other = [s for s in sites[lang] if s is not src["site"]]
            if i % 2 == 0:
                text, j, edit = src["text"], 1.0, "boilerplate_changed"
            else:
                text, j = self.near_dup(src["text"], lang, "typos")
                edit = "boilerplate_changed+typos"
            pg = article_page(lang, r.choice(other), text, kind="near")
            pg.update(of=src, edit=edit, jaccard5=j)  # Jaccard of the article texts
            pages.append(pg)
        for _ in range(10):  # boilerplate-heavy pages
            lang = r.choice(["es", "es", "ca", "gl", "eu"])
            site = r.choice(sites[lang])
            links = self.bp_lines(lang, r.randint(30, 60))
            pars = [self.paragraph(self.prose[lang], 1, set())] if r.random() < 0.6 else []
            title = r.choice(self.boiler[lang])
            pages.append({"kind": "boilerplate", "lang": lang, "site": site, "text": "\n\n".join(pars),
                          "url": self.url(lang, site["domain"]), "status": 200,
                          "ctype": "text/html; charset=utf-8",
                          "html": self.html_page(lang, site, title, pars, related(lang), extra_links=links)})
        site = r.choice(sites["es"])
        pages.append({"kind": "non_html", "lang": "es", "site": site, "url": self.url("es", site["domain"], ".png"),
                      "status": 200, "ctype": "image/png", "body": png_bytes(self.rng), "text": ""})
        site = r.choice(sites["es"])
        pages.append({"kind": "non_html", "lang": "es", "site": site, "url": self.url("es", site["domain"], ".pdf"),
                      "status": 200, "ctype": "application/pdf",
                      "body": pdf_bytes(self.paragraph(self.prose["es"], 2, set())), "text": ""})
        site = r.choice(sites["es"])
        pages.append({"kind": "404", "lang": "es", "site": site, "url": self.url("es", site["domain"]),
                      "status": 404, "ctype": "text/html; charset=utf-8", "text": "",
                      "html": NOT_FOUND_HTML})
        r.shuffle(pages)

        buf = io.BytesIO()
        writer = WARCWriter(buf, gzip=True, warc_version="1.0")
        info = (f"software: curation tools/make_sample.py\r\nformat: WARC File Format 1.0\r\n"
                f"conformsTo: http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf\r\n"
                f"isPartOf: spanish-crawl-sample\r\n"
                f"description: Sample of the Spanish Crawling source (es, ca, gl, eu)\r\n"
                f"robots: obey\r\n").encode("utf-8")
        writer.write_record(writer.create_warc_record(
            "", "warcinfo", payload=io.BytesIO(info), length=len(info),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Record-ID": self.urn(), "WARC-Date": "2024-03-01T00:00:00Z",
                               "WARC-Filename": "spanish-crawl-00000.warc.gz"}))
        n_records = 1
        for pg in pages:
            resp_id, req_id = self.urn(), self.urn()
            pg["id"] = resp_id
            date = self.date(2024, (3, 3))
            host = pg["url"].split("/")[2]
            path = "/" + pg["url"].split("/", 3)[3]
            if "body" in pg:
                body = pg["body"]
            else:
                body = pg["html"].encode(pg.get("encoding", "utf-8"), "xmlcharrefreplace")
            req_headers = StatusAndHeaders(f"GET {path} HTTP/1.1", [
                ("Host", host), ("User-Agent", "Mozilla/5.0 (compatible; sample-crawler/1.0)"),
                ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                ("Accept-Language", "es-ES,es;q=0.9,ca;q=0.8,gl;q=0.7,eu;q=0.6"),
                ("Accept-Encoding", "identity")], is_http_request=True)
            writer.write_record(writer.create_warc_record(
                pg["url"], "request", payload=io.BytesIO(b""), length=0, http_headers=req_headers,
                warc_headers_dict={"WARC-Record-ID": req_id, "WARC-Date": date,
                                   "WARC-Concurrent-To": resp_id}))
            status = "200 OK" if pg["status"] == 200 else "404 Not Found"
            resp_headers = StatusAndHeaders(status, [
                ("Date", "Fri, 01 Mar 2024 12:00:00 GMT"), ("Server", "nginx"),
                ("Content-Type", pg["ctype"]), ("Content-Length", str(len(body))),
                ("Connection", "close")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                pg["url"], "response", payload=io.BytesIO(body), length=len(body), http_headers=resp_headers,
                warc_headers_dict={"WARC-Record-ID": resp_id, "WARC-Date": date,
                                   "WARC-IP-Address": f"192.0.2.{r.randint(1, 254)}"}))
            n_records += 2
        for pg in pages:
            k = pg["kind"]
            if k in ("normal", "latin1"):
                self.doc(rel, pg["id"], pg["text"], pg["lang"])
            if k == "latin1":
                self.plant(rel, pg["id"], "charset", charset="iso-8859-1", language=pg["lang"])
            elif k == "exact":
                self.doc(rel, pg["id"], pg["text"], pg["lang"])
                self.plant(rel, pg["id"], "exact_duplicate", of=pg["of"]["id"], of_file=rel,
                           note="byte-identical HTML at a different URL")
            elif k == "near":
                self.doc(rel, pg["id"], pg["text"], pg["lang"])
                self.plant(rel, pg["id"], "near_duplicate", of=pg["of"]["id"], of_file=rel, edit=pg["edit"],
                           jaccard5=pg["jaccard5"])
            elif k == "boilerplate":
                self.doc(rel, pg["id"], pg["text"], pg["lang"], exempt=True)
                self.plant(rel, pg["id"], "boilerplate_heavy", language=pg["lang"])
            elif k == "non_html":
                self.plant(rel, pg["id"], "non_html", content_type=pg["ctype"])
            elif k == "404":
                self.plant(rel, pg["id"], "http_error", status=404)
        self.write(rel, buf.getvalue())
        self.files[rel] = {"records": len(pages), "broken": 0, "warc_records": n_records,
                           "html_200": sum(1 for p in pages if p["status"] == 200 and "body" not in p)}

    # ======================================================================== audit + truth
    def audit(self) -> None:
        """No two docs of one language closer than MAX_JACCARD unless planted as duplicates."""
        parent: dict = {}

        def find(x):
            while parent.get(x, x) != x:
                x = parent[x]
            return x

        for e in self.planted:
            if e["kind"] in ("exact_duplicate", "near_duplicate"):
                a, b = find((e["file"], e["id"])), find((e["of_file"], e["of"]))
                if a != b:
                    parent[a] = b
        by_lang: dict[str, list[dict]] = defaultdict(list)
        for d in self.docs:
            if not d["exempt"] and d["text"].strip():
                by_lang[d["lang"]].append(d)
        bad = []
        self.max_unplanned = 0.0
        for lang, docs in sorted(by_lang.items()):
            reg = Registry()
            for d in docs:
                sh = shingles(d["text"])
                cnt: Counter = Counter()
                for g in sh:
                    for k in reg.index.get(g, ()):
                        cnt[k] += 1
                for k, c in cnt.items():
                    j = c / (len(sh) + reg.sizes[k] - c)
                    o = docs[k]
                    if find((d["file"], d["id"])) != find((o["file"], o["id"])):
                        self.max_unplanned = max(self.max_unplanned, j)
                        if j > MAX_JACCARD:
                            bad.append((lang, round(j, 3), d["file"], d["id"], o["file"], o["id"]))
                reg.add(sh)
        if bad:
            for b in bad[:20]:
                print("unplanned near-duplicate:", b, file=sys.stderr)
            raise AssertionError(f"{len(bad)} unplanned near-duplicate pairs")

    def write_truth(self) -> None:
        def key(e):
            return (e["file"], e["kind"], str(e["id"]))
        truth = {
            "generator": "tools/make_sample.py",
            "seed": SEED,
            "max_unplanned_jaccard5": MAX_JACCARD,
            "max_unplanned_jaccard5_observed": round(self.max_unplanned, 4),
            "audit_note": ("word-5-gram Jaccard over docs of one (true) language, all sources; "
                           "spam, boilerplate-heavy and tiny docs are not audited"),
            "files": self.files,
            "documents_total": sum(v["records"] for v in self.files.values()),
            "planted": sorted(self.planted, key=key),
        }
        self.write("truth.json", (json.dumps(truth, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
                   .encode("utf-8"))
        self.write("README.md", README.encode("utf-8"))

    def run(self) -> None:
        for lang in PROSE_LANGS:
            self.gen_oscar(lang)
        self.gen_oscar_truncated()
        self.gen_fineweb()
        self.gen_starcoder()
        self.gen_hplt()
        self.gen_eurlex()
        self.gen_catalog()
        self.gen_crawl()
        self.audit()
        self.write_truth()


# --------------------------------------------------------------------------- helpers & constants
def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as f:
        f.write(data)
    return buf.getvalue()


def slug(s: str) -> str:
    s = ascii_fold(s.lower())
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")[:48] or "inicio"


def png_bytes(rng: Random) -> bytes:
    w, h = 16, 16
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(w * 3)) for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def pdf_bytes(text: str) -> bytes:
    txt = ascii_fold(text)[:200].replace("(", "[").replace(")", "]")
    stream = f"BT /F1 11 Tf 50 750 Td ({txt}) Tj ET".encode("latin-1", "replace")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += f"{i} 0 obj\n".encode() + o + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offs)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


ES_SPAM_KEYWORDS = ["comprar barato", "ofertas", "descuentos", "gana dinero", "préstamos rápidos",
                    "envío gratis", "seguidores gratis", "mejor precio", "liquidación total",
                    "relojes baratos", "chollos", "trabajar desde casa"]
ES_SPAM_PHRASES = ["Haz clic aquí", "Oferta increíble", "Solo hoy", "No te lo pierdas", "Gratis gratis gratis",
                   "Últimas unidades", "Compra ya", "Precio mínimo garantizado", "Regístrate ahora",
                   "Gana dinero desde casa"]
CODE_COMMENTS = ["refactored for readability", "kept for backwards compatibility", "see issue tracker",
                 "TODO: revisit this", "fast path for the common case", "copied from upstream"]
CODE_KEYWORDS = {"self", "this", "return", "true", "false", "null", "none", "else", "elif", "while", "break",
                 "continue", "import", "from", "class", "const", "function", "static", "public", "private",
                 "void", "struct", "impl", "func", "package", "string", "print", "with", "pass", "raise",
                 "async", "await", "yield", "lambda", "final", "extends", "throws", "throw", "catch",
                 "case", "default", "switch", "new", "type", "interface", "match", "where", "let", "enum",
                 "char", "long", "unsigned", "sizeof", "include", "define", "defer", "range", "make",
                 "super", "init", "main", "test", "args", "kwargs", "export", "require", "module"}
EURLEX_TITLES = {
    "es": {"R": "Reglamento (UE) {y}/{n} del Parlamento Europeo y del Consejo",
           "L": "Directiva (UE) {y}/{n} del Parlamento Europeo y del Consejo",
           "D": "Decisión (UE) {y}/{n} del Consejo"},
    "en": {"R": "Regulation (EU) {y}/{n} of the European Parliament and of the Council",
           "L": "Directive (EU) {y}/{n} of the European Parliament and of the Council",
           "D": "Council Decision (EU) {y}/{n}"},
    "fr": {"R": "Règlement (UE) {y}/{n} du Parlement européen et du Conseil",
           "L": "Directive (UE) {y}/{n} du Parlement européen et du Conseil",
           "D": "Décision (UE) {y}/{n} du Conseil"},
    "de": {"R": "Verordnung (EU) {y}/{n} des Europäischen Parlaments und des Rates",
           "L": "Richtlinie (EU) {y}/{n} des Europäischen Parlaments und des Rates",
           "D": "Beschluss (EU) {y}/{n} des Rates"},
    "it": {"R": "Regolamento (UE) {y}/{n} del Parlamento europeo e del Consiglio",
           "L": "Direttiva (UE) {y}/{n} del Parlamento europeo e del Consiglio",
           "D": "Decisione (UE) {y}/{n} del Consiglio"},
    "pt": {"R": "Regulamento (UE) {y}/{n} do Parlamento Europeu e do Conselho",
           "L": "Diretiva (UE) {y}/{n} do Parlamento Europeu e do Conselho",
           "D": "Decisão (UE) {y}/{n} do Conselho"},
}
COOKIE = {"es": "Utilizamos cookies propias y de terceros para mejorar nuestros servicios.",
          "ca": "Utilitzem galetes pròpies i de tercers per millorar els nostres serveis.",
          "gl": "Empregamos cookies propias e de terceiros para mellorar os nosos servizos.",
          "eu": "Gure zerbitzuak hobetzeko cookie propioak eta hirugarrenenak erabiltzen ditugu."}
RELATED = {"es": "Artículos relacionados", "ca": "Articles relacionats", "gl": "Artigos relacionados",
           "eu": "Lotutako artikuluak"}
NOT_FOUND_HTML = """<!DOCTYPE html>
<html lang="es">
<head><meta charset="utf-8"><title>404 - Página no encontrada</title></head>
<body><h1>Página no encontrada</h1><p>La página que busca no existe o ha sido movida.</p>
<p><a href="/">Volver al inicio</a></p></body>
</html>
"""
README = """# Sample corpus

Generated by `tools/make_sample.py`; do not edit by hand (re-run the script: it is
deterministic, seed 1234, and two runs give byte-identical files).

Each folder stands for one real source, in that source's native layout and schema:

| folder | stands for | format |
|---|---|---|
| `oscar/` | Colossal OSCAR 1.0 / OSCAR 23.01 (es ca gl eu en fr de it pt) | `{lang}_meta_part_N.jsonl.zst` |
| `fineweb-edu/` | FineWeb-Edu, dump CC-MAIN-2024-10 (en) | parquet, row groups of 100 |
| `starcoder/` | bigcode/starcoderdata (python javascript java c go rust) | parquet |
| `hplt/` | HPLT v1.1 (es) | plain jsonl |
| `eurlex/` | EurLex (es en fr de it pt; `ga` is an empty file) | `jsonl.gz` |
| `catalog/` | CATalog (ca) | `jsonl.zst` |
| `crawl/` | the "Spanish Crawling" source (es ca gl eu) | WARC 1.0, gzip per record |

Planted on purpose (every item is listed in `truth.json` with its file, native id and kind):

- OSCAR: docs with `quality_warnings`, `categories` (blocklisted and harmless ones),
  very low / very high `harmful_pp`; in `es`, Portuguese/Galician text labelled `es`
  and English text labelled `en`; `eu_meta_part_2.jsonl.zst` is truncated mid-frame.
- FineWeb-Edu: ~30% of rows with `int_score` < 3 (spam, boilerplate, news-ish text).
- StarCoder: near-duplicate files (changed comment, renamed variable), one exact
  duplicate per language, and auto-generated / minified / data-like files.
- HPLT: exact and near duplicates of OSCAR `es` docs, mislabelled languages,
  boilerplate-heavy pages, spam, one invalid-JSON line and one line with invalid UTF-8.
- EurLex: `eurlex_ga.jsonl.gz` is a 0-byte file.
- CATalog: exact and near duplicates, low CURATE scores, Spanish-dominant mixed docs.
- Crawl: boilerplate-heavy pages, exact-duplicate pages at other URLs, near-duplicate
  pages (same article, other site), an image/png and an application/pdf response, an
  HTTP 404, and one page declared and encoded as iso-8859-1.

Apart from the planted duplicates, no two documents of one language (across all
sources) share a word-5-gram Jaccard similarity above 0.3; the generator asserts it
(spam, boilerplate-heavy and tiny documents are left out of that check).
`truth.json` also gives per-file record counts (broken lines and cut tails counted
apart).
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--text-dir", type=Path, default=ROOT / "tools" / "sample_data")
    ap.add_argument("--out", type=Path, default=ROOT / "curation" / "sample")
    a = ap.parse_args(argv)
    if a.out.exists():
        shutil.rmtree(a.out)
    a.out.mkdir(parents=True)
    s = Sample(a.text_dir, a.out)
    s.run()
    total = sum(p.stat().st_size for p in a.out.rglob("*") if p.is_file())
    for rel, v in sorted(s.files.items()):
        print(f"{v['records']:6d} {rel}" + (f"  (+{v['broken']} broken)" if v["broken"] else ""))
    print(f"{sum(v['records'] for v in s.files.values()):6d} documents, {total / 1e6:.2f} MB, "
          f"{len(s.planted)} planted items -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
