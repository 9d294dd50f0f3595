"""Build curation/data/langid_eval_units.json.gz, the real text of the language-ID evaluation set.

Downloads Debian bookworm packages with `apt-get download` (GNOME applications and gnome-user-docs: their
help pages, Mallard XML translated by the GNOME translation teams, and their gettext .mo catalogues),
unpacks them with `dpkg-deb -x`, and keeps:
- help paragraphs (<p> and <title> outside <info>, <code>, <screen>) of every page in each locale, minus
  those identical to a paragraph of the English page (left untranslated); English from the C pages;
- catalogue strings whose msgstr differs from the msgid, with a letter, without e-mail addresses or links
  (translator credits), mnemonic underscores removed; English from the msgids.
Each source (a help page, a catalogue), in every language, goes to one split by a stable hash of its name:
a third `tune`, the rest `test`. Per language and split at most HELP_CHARS characters of help pages and
UI_STRINGS strings are kept (whole pages; catalogues sampled), to ship compactly.

Usage: python tools/langid_eval_data.py WORKDIR [OUT]   (needs apt-get and dpkg-deb; about 60 MB of .debs)
"""
from __future__ import annotations

import gettext
import gzip
import hashlib
import json
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

PACKAGES = """gnome-user-docs evince-common gedit-common gnome-calculator gnome-terminal-data totem-common rhythmbox-data
baobab gnome-disk-utility eog file-roller simple-scan aisleriot gnome-mines gnome-sudoku cheese-common
gnome-system-monitor gnome-clocks gnome-maps gnome-weather gnome-contacts gnome-logs gnome-font-viewer
gnome-characters gnome-tetravex lightsoff swell-foop quadrapassel iagno gnome-robots gnome-chess five-or-more tali
hitori gnome-nibbles gnome-mahjongg gnome-taquin gnome-2048 gnome-klotski four-in-a-row seahorse evolution-common
gnome-boxes shotwell-common polari""".split()
# locale directory -> language code. The nine evaluation languages, then the close groups no/nn/da, hr/sr/bs.
LOCALES = {"C": "en", "ca": "ca", "gl": "gl", "eu": "eu", "es": "es", "pt": "pt", "pt_BR": "pt", "fr": "fr", "de": "de",
           "it": "it", "nb": "no", "nn": "nn", "da": "da", "hr": "hr", "sr": "sr", "sr@latin": "sr", "bs": "bs"}
HELP_CHARS = 120_000
UI_STRINGS = 2_000
SKIP = {"info", "code", "screen", "synopsis", "media", "credit"}
WS = re.compile(r"\s+")
NOT_PROSE = re.compile(r"@|https?:|www\.")  # names and e-mail addresses, links: no language
MNEMONIC = re.compile(r"_(?=\w)")
LETTER = re.compile(r"[^\W\d_]")


def split_of(source: str) -> str:
    return "tune" if int(hashlib.sha256(source.encode()).hexdigest(), 16) % 3 == 0 else "test"


def unpack(work: Path) -> Path:
    debs, root = work / "debs", work / "pk"
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *PACKAGES], cwd=debs, check=True)
    for deb in sorted(debs.glob("*.deb")):
        dest = root / deb.name.split("_", 1)[0]
        if not dest.is_dir():
            dest.mkdir(parents=True)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
    return root


def paragraphs(page: Path) -> list[str]:
    try:
        root = ET.parse(page).getroot()
    except ET.ParseError:
        return []
    out: list[str] = []

    def walk(el: ET.Element) -> None:
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in SKIP:
            return
        if tag in ("p", "title"):
            out.append(WS.sub(" ", "".join(el.itertext())).strip())
            return
        for child in el:
            walk(child)

    walk(root)
    return [p for p in out if p]


def help_pages(root: Path) -> dict[tuple[str, str], list[str]]:
    """(language, source) -> translated paragraphs of one help page in one locale."""
    pages: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pkg in sorted(root.iterdir()):
        base = pkg / "usr/share/help"
        if not (base / "C").is_dir():
            continue
        for doc in sorted((base / "C").iterdir()):
            for c_page in sorted(doc.glob("*.page")):
                english = paragraphs(c_page)
                for loc, lang in LOCALES.items():
                    page = base / loc / doc.name / c_page.name
                    if not page.is_file():
                        continue
                    pars = english if loc == "C" else [p for p in paragraphs(page) if p not in set(english)]
                    pages[(lang, f"{pkg.name}:{doc.name}/{c_page.stem}:{loc}")].extend(dict.fromkeys(pars))
    return pages


def catalogues(root: Path) -> dict[tuple[str, str], list[str]]:
    """(language, source) -> translated strings of one .mo catalogue in one locale (and the msgids as en)."""
    cats: dict[tuple[str, str], list[str]] = defaultdict(list)
    for pkg in sorted(root.iterdir()):
        for loc, lang in LOCALES.items():
            for mo in sorted((pkg / "usr/share/locale" / loc / "LC_MESSAGES").glob("*.mo")):
                with open(mo, "rb") as f:
                    catalog = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
                for key in sorted(catalog, key=str):
                    msgid = key[0] if isinstance(key, tuple) else key
                    if (isinstance(key, tuple) and key[1] != 0) or not msgid or "translator" in msgid:
                        continue
                    msgid, msgstr = msgid.split("\x04", 1)[-1], catalog[key]
                    if not msgstr or msgstr == msgid:
                        continue
                    src, dst = (WS.sub(" ", MNEMONIC.sub("", s)).strip() for s in (msgid, msgstr))
                    for lg, text, where in ((lang, dst, loc), ("en", src, "C")):
                        if LETTER.search(text) and not NOT_PROSE.search(text):
                            cats[(lg, f"{pkg.name}:{mo.name}:{where}")].append(text)
    return {k: list(dict.fromkeys(v)) for k, v in cats.items()}


def subset(pool: dict[tuple[str, str], list[str]], kind: str, rng: random.Random) -> dict[str, list]:
    by_lang: dict[str, list] = defaultdict(list)
    for (lang, source), texts in sorted(pool.items()):
        if texts:
            # the split follows the page or catalogue, whatever its locale
            by_lang[lang].append([source, split_of(source.rsplit(":", 1)[0]), texts])
    out: dict[str, list] = {}
    for lang, items in sorted(by_lang.items()):
        rng.shuffle(items)
        kept = []
        for split in ("tune", "test"):
            budget = HELP_CHARS if kind == "help" else UI_STRINGS
            for source, sp, texts in items:
                if sp != split or budget <= 0:
                    continue
                if kind == "ui":
                    texts = sorted(rng.sample(texts, min(len(texts), 150)))
                    budget -= len(texts)
                else:
                    budget -= sum(map(len, texts))
                kept.append([source, sp, texts])
        out[lang] = kept
    return out


def main(work: Path, out: Path) -> None:
    root = unpack(work)
    rng = random.Random(13)
    data = {"help": subset(help_pages(root), "help", rng), "ui": subset(catalogues(root), "ui", rng)}
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    out.write_bytes(gzip.compress(raw, 9, mtime=0))
    for kind, langs in data.items():
        for lang, items in langs.items():
            print(kind, lang, {sp: sum(len(t) for _, s, t in items if s == sp) for sp in ("tune", "test")})
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else Path("curation/data/langid_eval_units.json.gz"))
