"""Write tests/data/debian_multilingual.jsonl: real multilingual text from Debian 12 (bookworm) packages,
for the tokenizer tests (emoji, CJK, Greek, Cyrillic, Arabic, Hebrew, bidi marks, soft hyphens, tabs,
BEL and SUB control characters, Latin command names inside other scripts). Provenance and licences:
tests/data/README.md.

    mkdir -p /tmp/deb && cd /tmp/deb
    apt-get download manpages-ja manpages-zh manpages-el manpages-ru unicode-cldr-core e2fsprogs-l10n
    for d in *.deb; do dpkg-deb -x "$d" out/; done
    python tools/debian_text_extract.py /tmp/deb/out tests/data/debian_multilingual.jsonl
"""

from __future__ import annotations

import gzip
import json
import struct
import sys
from pathlib import Path

# (package, path under the extracted tree, first line, last line (inclusive; 0 = to the end))
MAN_PAGES = [
    ("manpages-ja", "usr/share/man/ja/man1/as.1.gz", 1, 0),
    ("manpages-zh", "usr/share/man/zh_CN/man7/signal.7.gz", 1, 0),
    ("manpages-zh", "usr/share/man/zh_CN/man1/bash.1.gz", 1, 300),
    ("manpages-el", "usr/share/man/el/man1/cmp.1.gz", 1, 0),
    ("manpages-ru", "usr/share/man/ru/man7/iso_8859-8.7.gz", 1, 0),
    ("manpages-ru", "usr/share/man/ru/man7/iso_8859-16.7.gz", 1, 0),
]
CLDR = [("unicode-cldr-core", f"usr/share/unicode/cldr/common/annotations/{lang}.xml", 780, 900) for lang in ("ar", "el", "ja", "ru", "zh")]
CLDR += [("unicode-cldr-core", f"usr/share/unicode/cldr/common/annotationsDerived/{lang}.xml", 60, 120) for lang in ("el", "ja")]  # ZWJ sequences
CLDR += [("unicode-cldr-core", "usr/share/unicode/cldr/common/annotationsDerived/ja.xml", 3790, 3830)]  # flags
CATALOGUES = [("e2fsprogs-l10n", f"usr/share/locale/{lang}/LC_MESSAGES/e2fsprogs.mo", 40) for lang in ("uk", "vi", "zh_CN")]


def lines(text: str, first: int, last: int) -> str:
    kept = text.split("\n")[first - 1 : last or None]
    return "\n".join(kept)


def mo_translations(data: bytes, n: int) -> list[str]:
    """The first n non-empty translations of a GNU .mo catalogue (the header entry skipped)."""
    _, _, count, _, trans_table = struct.unpack("<5I", data[:20])
    out = []
    for i in range(count):
        length, offset = struct.unpack("<2I", data[trans_table + 8 * i : trans_table + 8 * i + 8])
        text = data[offset : offset + length].decode("utf-8")
        if text and not text.startswith("Project-Id-Version"):
            out.extend(s for s in text.split("\0") if s)  # plural forms are NUL-separated
        if len(out) >= n:
            break
    return out[:n]


def extract(root: Path) -> list[dict]:
    rows = []
    for pkg, path, first, last in MAN_PAGES:
        text = gzip.decompress((root / path).read_bytes()).decode("utf-8")
        rows.append({"package": pkg, "path": "/" + path, "lines": [first, last], "text": lines(text, first, last)})
    for pkg, path, first, last in CLDR:
        rows.append({"package": pkg, "path": "/" + path, "lines": [first, last], "text": lines((root / path).read_text(encoding="utf-8"), first, last)})
    for pkg, path, n in CATALOGUES:
        rows.append({"package": pkg, "path": "/" + path, "translations": n, "text": "\n".join(mo_translations((root / path).read_bytes(), n))})
    return rows


if __name__ == "__main__":
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    rows = extract(root)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{out}: {len(rows)} documents, {sum(len(r['text']) for r in rows)} characters")
