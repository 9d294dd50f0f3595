"""URL blocklist: drop documents whose URL is listed in a UT1-format blocklist folder, with reason
`blocklist:<category>`.

The folder holds one sub-folder per category with a `domains` file (one host per line) and/or a `urls`
file (one `host/path` prefix per line, no scheme), as the Université Toulouse 1 Capitole lists and BSC's
CURATE copy of them (`classify_topic/blacklists_curate/`) are laid out. A document matches a category
when its host or any parent domain of it is in `domains` (forum.example.com matches example.com), or
when its URL begins with a listed prefix at a path boundary (example.com/a matches example.com/a/b).

CURATE runs this check before anything else and looks for one topic, `adult` (classify_topic_example.sh:
`--detected_label adult`); that is the default. With `categories: [all]` every category folder is used,
in CURATE's order of importance (adult, aggressive, drugs, then by name), which decides the reason of a
URL listed under several categories.

Millions of entries: each entry is kept as a 64-bit hash in one sorted array (8 bytes an entry, not a
Python string), loaded once per worker; a document costs a few binary searches (host, parent domains,
path prefixes), never a regular expression over the lists.
"""

from __future__ import annotations

from array import array
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import xxhash

from curation.config.base import StageConfig
from curation.config.manifest import Source
from curation.core.errors import UserError
from curation.stages.base import Stage, StageOutput

# classify_topic/topic_filtering.py TopicFilter.most_important_topics: checked first under "all".
IMPORTANT_FIRST = ("adult", "aggressive", "drugs")


class BlocklistConfig(StageConfig):
    lists: str | None = None  # the UT1-format folder (relative paths: against the pipeline file); none: stage off
    categories: list[str] = ["adult"]  # category folders to use; ["all"] = every folder found

    def active(self) -> bool:
        return self.enabled and self.lists is not None

    def category_dirs(self) -> list[Path]:
        """The category folders in matching order; a missing folder or category is a user error."""
        assert self.lists is not None
        root = Path(self.lists)
        if not root.is_dir():
            raise UserError(f"stages.blocklist.lists: {root} is not a folder (expected <category>/domains, <category>/urls)")
        present = sorted(p.name for p in root.iterdir() if p.is_dir())
        if self.categories == ["all"]:
            names = sorted(present, key=lambda c: (IMPORTANT_FIRST.index(c) if c in IMPORTANT_FIRST else len(IMPORTANT_FIRST), c))
        else:
            missing = [c for c in self.categories if c not in present]
            if missing:
                raise UserError(f"stages.blocklist.categories: {missing} not found in {root} (it has: {', '.join(present) or 'nothing'})")
            names = list(self.categories)
        return [root / n for n in names]


def _key(entry: str) -> int:
    return xxhash.xxh3_64_intdigest(entry.encode("utf-8", "surrogatepass"))


def normalize_entry(line: str) -> str | None:
    """A list line as the matcher compares it: lower-case host, no scheme, no leading www., no trailing /."""
    entry = line.strip()
    if not entry or entry.startswith("#"):
        return None
    if "://" in entry:
        entry = entry.split("://", 1)[1]
    host, sep, path = entry.partition("/")
    host = host.lower().rstrip(".")
    host = host.removeprefix("www.")
    return (host + sep + path).rstrip("/") if host else None


def url_keys(url: str) -> list[str]:
    """What a URL is looked up as, most specific first: the URL prefixes at path boundaries, then the host
    and its parent domains (not the bare top-level domain)."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return []
    if not host:
        return []
    host = host.removeprefix("www.")
    keys = []
    path = parts.path.rstrip("/")
    if parts.query:
        keys.append(f"{host}{path}?{parts.query}")
    segments = [s for s in path.split("/") if s]
    for k in range(len(segments), 0, -1):
        keys.append(host + "/" + "/".join(segments[:k]))
    labels = host.split(".")
    keys.extend(".".join(labels[i:]) for i in range(len(labels) - 1 if len(labels) > 1 else 1))
    return keys


class BlocklistIndex:
    """Hashes of every listed domain and URL prefix, sorted, with the category each came from."""

    def __init__(self, category_dirs: list[Path]):
        self.categories = [d.name for d in category_dirs]
        hashes = array("Q")  # 8 bytes an entry while loading too, not a Python int each
        cats = array("H")
        for i, d in enumerate(category_dirs):
            for name in ("domains", "urls"):
                f = d / name
                if not f.is_file():
                    continue
                with open(f, encoding="utf-8", errors="replace") as fh:
                    for line in fh:
                        entry = normalize_entry(line)
                        if entry:
                            hashes.append(_key(entry))
                            cats.append(i)
        h = np.frombuffer(hashes, dtype=np.uint64)
        c = np.frombuffer(cats, dtype=np.uint16)
        order = np.lexsort((c, h))  # by hash, then category order: the first category of a hash is its own
        h, c = h[order], c[order]
        first = np.ones(len(h), dtype=bool)
        first[1:] = h[1:] != h[:-1]
        self.hashes, self.category_of = h[first], c[first]

    def __len__(self) -> int:
        return len(self.hashes)

    def category(self, url: str) -> str | None:
        """The first category, in the configured order, that lists the URL (a prefix of it), its host or a parent domain."""
        return self.categories_of([url])[0]

    def categories_of(self, urls: list[str | None]) -> list[str | None]:
        """`category` of each URL, with one binary search over the keys of them all."""
        keys, owner = [], []
        for i, url in enumerate(urls):
            for k in url_keys(url) if url else ():
                keys.append(_key(k))
                owner.append(i)
        out: list[str | None] = [None] * len(urls)
        if not keys or not len(self.hashes):
            return out
        q = np.array(keys, dtype=np.uint64)
        pos = np.searchsorted(self.hashes, q).clip(max=len(self.hashes) - 1)
        hit = np.flatnonzero(self.hashes[pos] == q)
        best: dict[int, int] = {}
        for j in hit.tolist():
            c = int(self.category_of[pos[j]])
            best[owner[j]] = min(c, best.get(owner[j], c))
        for i, c in best.items():
            out[i] = self.categories[c]
        return out


class Blocklist(Stage[BlocklistConfig]):
    name = "blocklist"

    def setup(self) -> None:
        self.index = BlocklistIndex(self.config.category_dirs()) if self.config.lists else None

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        urls = table["url"].to_pylist()
        found = self.index.categories_of(urls) if self.index is not None else [None] * len(urls)
        return StageOutput(table, [None if c is None else f"blocklist:{c}" for c in found])
