"""Build a real-text evaluation JSONL for the CURATE score comparison (tools/compare_curate_reference.py)
from the Debian files installed on this machine, deterministically (sorted paths, a stable hash to pick).

Text nobody in the project wrote, in many European languages, prose and messy text alike:
- gettext catalogues /usr/share/locale/<lang>/LC_MESSAGES/*.mo: each catalogue's translations (msgstr
  differing from the msgid), sorted by msgid, one message per line, grouped into documents of about
  DOC_CHARS characters; English from the msgids of the same catalogues (the `es` locale's); and one
  "prose" document per catalogue of its sentence-like messages (over 30 characters, ending in . ! ?)
  joined by spaces into lines of about PROSE_LINE characters (several sentences a paragraph);
- man pages /usr/share/man/<lang>/ (English: /usr/share/man/man*), rendered by `man -l` (MANWIDTH=80,
  `col -bx`): two in three reflowed (a block between blank lines becomes one line), one in three as
  rendered (hard-wrapped lines: many short "paragraphs"); at most MAN_CHARS characters, whole blocks,
  except for the LONG_MAN longest English pages kept whole (the reference's geometric mean underflows there);
- licences: /usr/share/common-licenses/* and a hashed pick of /usr/share/doc/*/copyright (English).
- a mojibake copy (UTF-8 read as Windows-1252) of one non-ASCII document in MOJIBAKE, for ftfy's fix.
Each row: {"id", "language", "kind", "path", "text"}.

Usage: python tools/curate_eval_data.py OUT.jsonl   (needs `man`, `col`; about 2-5 minutes)
The file depends on the packages installed on the machine; its rows name their paths.
"""
from __future__ import annotations

import gettext
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

# locale directory -> language code: the European languages this machine has catalogues for
LOCALES = {"es": "es", "ca": "ca", "gl": "gl", "eu": "eu", "fr": "fr", "de": "de", "it": "it", "pt": "pt", "pt_BR": "pt",
           "nl": "nl", "pl": "pl", "cs": "cs", "da": "da", "sv": "sv", "fi": "fi", "hu": "hu", "ro": "ro", "sl": "sl",
           "hr": "hr", "sk": "sk", "et": "et", "lv": "lv", "lt": "lt", "el": "el", "bg": "bg", "ga": "ga", "nb": "nb",
           "uk": "uk", "sr": "sr"}
MAN_LOCALES = {"es": "es", "fr": "fr", "de": "de", "it": "it", "pt": "pt", "pt_BR": "pt", "nl": "nl", "pl": "pl",
               "cs": "cs", "da": "da", "sv": "sv", "hu": "hu", "ro": "ro", "sl": "sl", "hr": "hr", "uk": "uk", "sr": "sr"}
DOC_CHARS = 700
CATALOGUE_DOCS = 2  # documents per catalogue at most
CATALOGUES = 24  # catalogues per language at most (hashed pick)
MAN_PAGES = 14  # per man locale (hashed pick)
MAN_CHARS = 3000
LONG_MAN = 3
MOJIBAKE = 8  # one document in MOJIBAKE gets a mojibake copy
COPYRIGHTS = 60
LETTER = re.compile(r"[^\W\d_]")
SENTENCE = re.compile(r"^\w.{30,}[.!?]$", re.S)  # a message that reads as a sentence: catalogue prose
PROSE_LINE = 300


def rank(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16)


def pick(paths: list[Path], n: int) -> list[Path]:
    return sorted(sorted(paths), key=lambda p: rank(str(p)))[:n]


def catalogue(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as f:
            cat = gettext.GNUTranslations(f)._catalog  # msgid (or (msgid, n) for plural forms) -> msgstr
    except (UnicodeDecodeError, OSError):  # a catalogue whose header is not UTF-8: skipped
        return {}
    out = {}
    for key, value in cat.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid and value and value != msgid and LETTER.search(value):
            out[msgid if not isinstance(key, tuple) else f"{msgid}\0{key[1]}"] = value
    return out


def chunks(messages: list[str], limit: int, line_chars: int = 0) -> list[str]:
    """Documents of about DOC_CHARS characters, one message a line, or (line_chars) messages joined by
    spaces into lines of about line_chars characters."""
    docs, cur, size = [], [], 0
    for m in messages:
        m = m.replace("\n", " ").strip()
        if not m:
            continue
        if line_chars and cur and len(cur[-1]) < line_chars:
            cur[-1] += " " + m
        else:
            cur.append(m)
        size += len(m)
        if size >= DOC_CHARS:
            docs.append("\n".join(cur))
            cur, size = [], 0
            if len(docs) == limit:
                return docs
    if cur and sum(map(len, cur)) >= DOC_CHARS // 4:
        docs.append("\n".join(cur))
    return docs[:limit]


def catalogue_rows(root: Path) -> list[dict]:
    rows = []
    for loc, lang in LOCALES.items():
        for path in pick(list((root / loc / "LC_MESSAGES").glob("*.mo")), CATALOGUES):
            cat = catalogue(path)
            keys = sorted(cat)
            for i, text in enumerate(chunks([cat[k] for k in keys], CATALOGUE_DOCS)):
                rows.append({"id": f"{lang}:mo:{loc}/{path.name}:{i}", "language": lang, "kind": "catalogue", "path": str(path), "text": text})
            sentences = [cat[k] for k in keys if SENTENCE.search(cat[k])]
            for i, text in enumerate(chunks(sentences, 1, PROSE_LINE)):
                rows.append({"id": f"{lang}:mo-prose:{loc}/{path.name}:{i}", "language": lang, "kind": "catalogue-prose",
                             "path": str(path), "text": text})
            if loc == "es":  # the English originals
                msgids = [k.split("\0")[0] for k in keys]
                for i, text in enumerate(chunks(msgids, CATALOGUE_DOCS)):
                    rows.append({"id": f"en:mo:{path.name}:{i}", "language": "en", "kind": "catalogue", "path": str(path), "text": text})
                for i, text in enumerate(chunks([m for m in msgids if SENTENCE.search(m)], 1, PROSE_LINE)):
                    rows.append({"id": f"en:mo-prose:{path.name}:{i}", "language": "en", "kind": "catalogue-prose",
                                 "path": str(path), "text": text})
    return rows


def render(path: Path) -> str:
    env = dict(os.environ, MANWIDTH="80", LANG="C.UTF-8", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="0")
    man = subprocess.run(["man", "-l", str(path)], capture_output=True, env=env, timeout=60)
    col = subprocess.run(["col", "-bx"], input=man.stdout, capture_output=True, env=env, timeout=60)
    return col.stdout.decode("utf-8", "replace")


def blocks(text: str) -> list[list[str]]:
    out, cur = [], []
    for line in text.split("\n"):
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def man_text(path: Path, reflow: bool, limit: int | None) -> str:
    kept, size = [], 0
    for block in blocks(render(path))[1:-1]:  # the header and footer lines
        part = " ".join(s.strip() for s in block) if reflow else "\n".join(block)
        if limit and size + len(part) > limit and kept:
            break
        kept.append(part)
        size += len(part)
    return "\n".join(kept) if reflow else "\n\n".join(kept)


def man_rows(man: Path) -> list[dict]:
    rows = []
    for loc, lang in list(MAN_LOCALES.items()) + [("", "en")]:
        base = man / loc if loc else man
        pages = [p for p in base.glob("man[1-8]/*") if p.is_file() and not p.is_symlink()]
        for path in pick(pages, MAN_PAGES):
            reflow = rank(str(path)) % 3 != 0
            text = man_text(path, reflow, MAN_CHARS)
            if len(text) > 200:
                rows.append({"id": f"{lang}:man:{path.relative_to(man)}", "language": lang,
                             "kind": "man" if reflow else "man-wrapped", "path": str(path), "text": text})
        if not loc:  # a few whole long pages, as rendered
            pages = sorted(pages, key=lambda p: (-p.stat().st_size, str(p)))[:LONG_MAN]
            for path in pages:
                rows.append({"id": f"en:man-long:{path.relative_to(man)}", "language": "en", "kind": "man-long",
                             "path": str(path), "text": man_text(path, False, None)})
    return rows


def licence_rows() -> list[dict]:
    rows = []
    for path in sorted(Path("/usr/share/common-licenses").iterdir()):
        if path.is_file() and not path.is_symlink():
            rows.append({"id": f"en:licence:{path.name}", "language": "en", "kind": "licence", "path": str(path),
                         "text": path.read_text(encoding="utf-8", errors="replace")})
    copyrights = [p for p in Path("/usr/share/doc").glob("*/copyright") if p.is_file()]
    for path in pick(copyrights, COPYRIGHTS):
        text = path.read_text(encoding="utf-8", errors="replace")
        rows.append({"id": f"en:copyright:{path.parent.name}", "language": "en", "kind": "copyright", "path": str(path),
                     "text": text[:MAN_CHARS * 2]})
    return rows


CP1252 = [bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)]  # undefined bytes as Latin-1


def mojibake_rows(rows: list[dict]) -> list[dict]:
    """A copy of one non-ASCII document in MOJIBAKE, its UTF-8 bytes read as Windows-1252 (the damage ftfy's
    fix_encoding undoes), to exercise the encoding fix."""
    out = []
    for row in rows:
        if not row["text"].isascii() and row["kind"] != "man-long" and rank(row["id"]) % MOJIBAKE == 0:
            text = "".join(CP1252[b] for b in row["text"].encode("utf-8"))
            out.append(dict(row, id=row["id"] + ":mojibake", kind=row["kind"] + "-mojibake", text=text))
    return out


def main(out: str) -> None:
    rows = catalogue_rows(Path("/usr/share/locale")) + man_rows(Path("/usr/share/man")) + licence_rows()
    rows += mojibake_rows(rows)
    with open(out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} documents -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
