#!/usr/bin/env python3
"""Print summary statistics for numeric columns in a CSV file.

Usage:
    csv_stats.py data.csv --columns price,quantity
    cat data.csv | csv_stats.py - --delimiter ';'
"""

import argparse
import csv
import math
import statistics
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="CSV file, or '-' for stdin")
    parser.add_argument("-c", "--columns", help="comma-separated column names")
    parser.add_argument("-d", "--delimiter", default=",")
    parser.add_argument("--precision", type=int, default=3)
    return parser.parse_args(argv)


def to_float(value):
    try:
        f = float(value.replace(",", "")) if value else math.nan
    except ValueError:
        return None
    return None if math.isnan(f) else f


def collect(reader, wanted):
    values = {name: [] for name in wanted}
    skipped = {name: 0 for name in wanted}
    for row in reader:
        for name in wanted:
            f = to_float(row.get(name, ""))
            if f is None:
                skipped[name] += 1
            else:
                values[name].append(f)
    return values, skipped


def summarize(nums):
    if not nums:
        return None
    return {
        "count": len(nums),
        "min": min(nums),
        "max": max(nums),
        "mean": statistics.fmean(nums),
        "median": statistics.median(nums),
        "stdev": statistics.stdev(nums) if len(nums) > 1 else 0.0,
    }


def main(argv=None):
    args = parse_args(argv)
    fh = sys.stdin if args.path == "-" else open(args.path, newline="", encoding="utf-8")
    with fh:
        reader = csv.DictReader(fh, delimiter=args.delimiter)
        if reader.fieldnames is None:
            print("error: empty input", file=sys.stderr)
            return 1
        wanted = args.columns.split(",") if args.columns else reader.fieldnames
        missing = [c for c in wanted if c not in reader.fieldnames]
        if missing:
            print(f"error: unknown columns: {', '.join(missing)}", file=sys.stderr)
            return 2
        values, skipped = collect(reader, wanted)

    p = args.precision
    for name in wanted:
        stats = summarize(values[name])
        if stats is None:
            print(f"{name}: no numeric values ({skipped[name]} skipped)")
            continue
        parts = [f"{k}={v:.{p}f}" if isinstance(v, float) else f"{k}={v}" for k, v in stats.items()]
        print(f"{name}: " + " ".join(parts) + (f" skipped={skipped[name]}" if skipped[name] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
