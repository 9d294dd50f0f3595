"""Build the real text the PII evaluation plants identifiers into, and optionally score on all of it.

Downloads Debian bookworm packages with `apt-get download` (translated man pages, Debian Reference in six
languages, the base man pages), unpacks them with `dpkg-deb -x`, and collects one document per file:
man pages rendered by groff (no hyphenation, wide lines), Debian Reference chapters (HTML tags dropped),
/usr/share/common-licenses, Python standard-library modules, Debian changelogs and dpkg md5sums files
of this machine. Writes WORKDIR/evaltext.jsonl (all of it, ~16 MB) and OUT (default
curation/data/pii_eval_text.jsonl.gz: a fixed-seed selection, the first 8,000 characters of each).

Usage: python tools/pii_eval_data.py WORKDIR [OUT] [--evaluate]   (needs apt-get, dpkg-deb and groff)
  --evaluate: also run curation.evals.pii.evaluate on all of WORKDIR/evaltext.jsonl and print the figures.
"""

from __future__ import annotations

import collections
import glob
import gzip
import html
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

from curation.evals.pii import evaluate

PACKAGES = (
    "manpages-es manpages-fr manpages-de manpages-it manpages-pt-br manpages debian-reference-es debian-reference-fr "
    "debian-reference-de debian-reference-it debian-reference-pt debian-reference-en"
).split()
MAN_LANGUAGES = [("es", "es"), ("fr", "fr"), ("de", "de"), ("it", "it"), ("pt", "pt_BR"), ("en", "")]
BUNDLE_QUOTA = {"man": 8, "manual": 3, "code": 12, "changelog": 6, "hashes": 3, "licence": 4}
BUNDLE_CHARS = 8000


def fetch(work: Path) -> Path:
    debs, out = work / "deb", work / "deb" / "out"
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *PACKAGES], cwd=debs, check=True, stdout=subprocess.DEVNULL)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(out)], check=True)
    return out


def _man_text(path: str) -> str:
    raw = gzip.open(path).read()
    cmd = ["groff", "-mandoc", "-Tutf8", "-P-cbou", "-Kutf8", "-rHY=0", "-rLL=200n"]
    return subprocess.run(cmd, input=raw, capture_output=True, timeout=20).stdout.decode("utf-8", "replace")


def collect(out: Path, rng: random.Random) -> list[dict[str, str]]:
    docs: list[dict[str, str]] = []

    def emit(kind: str, lang: str, path: str, text: str) -> None:
        text = text.strip()
        if len(text) > 200:
            docs.append({"kind": kind, "lang": lang, "path": path, "text": text})

    for lang, folder in MAN_LANGUAGES:
        files = sorted(glob.glob(str(out / "usr/share/man" / folder / "man*" / "*.gz")))
        rng.shuffle(files)
        for f in files[:60]:
            emit("man", lang, f, _man_text(f))
    for f in sorted(glob.glob(str(out / "usr/share/debian-reference/*.html"))):
        m = re.search(r"\.([a-z]{2})\.html$", f)
        page = re.sub(r"(?s)<(script|style).*?</\1>", " ", Path(f).read_text(encoding="utf-8", errors="replace"))
        emit("manual", m.group(1) if m else "en", f, html.unescape(re.sub(r"<[^>]+>", "", page)))
    for f in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(f) and not os.path.islink(f):
            emit("licence", "en", f, Path(f).read_text(encoding="utf-8", errors="replace"))
    files = sorted(glob.glob(f"/usr/lib/python3.{sys.version_info.minor}/**/*.py", recursive=True))
    rng.shuffle(files)
    for f in files[:150]:
        emit("code", "code", f, Path(f).read_text(encoding="utf-8", errors="replace"))
    files = sorted(glob.glob("/usr/share/doc/*/changelog.Debian.gz"))
    rng.shuffle(files)
    for f in files[:60]:
        emit("changelog", "en", f, gzip.open(f).read().decode("utf-8", "replace")[:20000])
    files = sorted(glob.glob("/var/lib/dpkg/info/*.md5sums"))
    rng.shuffle(files)
    for f in files[:40]:
        emit("hashes", "en", f, Path(f).read_text(errors="replace")[:20000])
    return docs


def bundle(docs: list[dict[str, str]], out: Path, prefix: str) -> None:
    rng = random.Random(1)
    groups: dict[tuple[str, str], list[dict[str, str]]] = collections.defaultdict(list)
    for d in docs:
        groups[(d["kind"], d["lang"])].append(d)
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        for key in sorted(groups):
            chosen = sorted(groups[key], key=lambda d: d["path"])
            rng.shuffle(chosen)
            for d in chosen[: BUNDLE_QUOTA[key[0]]]:
                row = {**d, "path": d["path"].replace(prefix, ""), "text": d["text"][:BUNDLE_CHARS]}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    if not args:
        raise SystemExit(__doc__)
    work = Path(args[0])
    target = Path(args[1]) if len(args) > 1 else Path(__file__).parents[1] / "curation" / "data" / "pii_eval_text.jsonl.gz"
    out = fetch(work)
    docs = collect(out, random.Random(0))
    with open(work / "evaltext.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    bundle(docs, target, str(work / "deb" / "out"))
    print(f"{len(docs)} documents, {sum(len(d['text']) for d in docs):,} characters -> {work / 'evaltext.jsonl'}; selection -> {target}")
    if "--evaluate" in argv:
        t0 = time.time()
        result = evaluate(docs, seed=0)
        result.pop("natural_examples")
        result.pop("missed_examples")
        print(json.dumps({**result, "seconds": round(time.time() - t0, 1)}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
