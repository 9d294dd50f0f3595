#!/usr/bin/env python3
"""Find duplicate files under one or more directories.

Files are grouped by size first, then by a hash of the first 4 KiB, and
finally by a full SHA-256 digest, so most files are never read completely.
"""

import argparse
import hashlib
import os
import sys
from collections import defaultdict

CHUNK = 1 << 16


def file_digest(path, limit=None):
    h = hashlib.sha256()
    read = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK if limit is None else min(CHUNK, limit - read)):
            h.update(chunk)
            read += len(chunk)
            if limit is not None and read >= limit:
                break
    return h.hexdigest()


def walk(roots, min_size):
    for root in roots:
        for dirpath, _dirnames, filenames in os.walk(root):
            for name in filenames:
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    continue
                try:
                    size = os.path.getsize(path)
                except OSError:
                    continue
                if size >= min_size:
                    yield size, path


def group_by(paths, key):
    groups = defaultdict(list)
    for p in paths:
        try:
            groups[key(p)].append(p)
        except OSError as exc:
            print(f"warning: {exc}", file=sys.stderr)
    return [g for g in groups.values() if len(g) > 1]


def find_duplicates(roots, min_size=1):
    by_size = defaultdict(list)
    for size, path in walk(roots, min_size):
        by_size[size].append(path)
    dupes = []
    for candidates in by_size.values():
        if len(candidates) < 2:
            continue
        for partial in group_by(candidates, lambda p: file_digest(p, limit=4096)):
            dupes.extend(group_by(partial, file_digest))
    return dupes


def main():
    ap = argparse.ArgumentParser(description="find duplicate files")
    ap.add_argument("roots", nargs="+")
    ap.add_argument("--min-size", type=int, default=1, help="ignore files smaller than this")
    args = ap.parse_args()

    groups = find_duplicates(args.roots, args.min_size)
    wasted = 0
    for group in sorted(groups, key=lambda g: -os.path.getsize(g[0])):
        size = os.path.getsize(group[0])
        wasted += size * (len(group) - 1)
        print(f"{size} bytes x {len(group)}")
        for p in sorted(group):
            print("   ", p)
    print(f"\n{len(groups)} groups, {wasted / 1e6:.1f} MB reclaimable")


if __name__ == "__main__":
    main()
