"""Parse nginx/Apache "combined" access logs and report top endpoints."""

import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

LINE_RE = re.compile(
    r'(?P<ip>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] '
    r'"(?P<method>[A-Z]+) (?P<path>\S+) (?P<proto>[^"]+)" '
    r'(?P<status>\d{3}) (?P<size>\d+|-) '
    r'"(?P<referer>[^"]*)" "(?P<agent>[^"]*)"'
)
TIME_FMT = "%d/%b/%Y:%H:%M:%S %z"


@dataclass(frozen=True)
class LogEntry:
    ip: str
    time: datetime
    method: str
    path: str
    status: int
    size: int
    agent: str


def parse_line(line: str) -> LogEntry | None:
    m = LINE_RE.match(line)
    if not m:
        return None
    size = m["size"]
    return LogEntry(
        ip=m["ip"],
        time=datetime.strptime(m["time"], TIME_FMT),
        method=m["method"],
        path=m["path"].split("?", 1)[0],
        status=int(m["status"]),
        size=0 if size == "-" else int(size),
        agent=m["agent"],
    )


def report(lines, top=10):
    paths, statuses, ips = Counter(), Counter(), Counter()
    total_bytes = bad = 0
    for line in lines:
        entry = parse_line(line)
        if entry is None:
            bad += 1
            continue
        paths[(entry.method, entry.path)] += 1
        statuses[entry.status // 100 * 100] += 1
        ips[entry.ip] += 1
        total_bytes += entry.size

    print(f"requests: {sum(paths.values())}  unparsed: {bad}  bytes: {total_bytes:,}")
    print("status classes:", ", ".join(f"{k // 100}xx={v}" for k, v in sorted(statuses.items())))
    print(f"\ntop {top} endpoints:")
    for (method, path), n in paths.most_common(top):
        print(f"  {n:7d}  {method:6s} {path}")
    print(f"\ntop {top} clients:")
    for ip, n in ips.most_common(top):
        print(f"  {n:7d}  {ip}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8", errors="replace") as fh:
            report(fh)
    else:
        report(sys.stdin)
