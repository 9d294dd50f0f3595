"""Parse individual fields of a cron expression into sets of integers."""

FIELD_RANGES = {
    "minute": (0, 59),
    "hour": (0, 23),
    "day": (1, 31),
    "month": (1, 12),
    "weekday": (0, 7),  # both 0 and 7 mean Sunday
}

MONTH_NAMES = {n: i for i, n in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
DAY_NAMES = {n: i for i, n in enumerate("sun mon tue wed thu fri sat".split())}


class CronParseError(ValueError):
    pass


def _to_int(token, names):
    token = token.lower()
    if token in names:
        return names[token]
    try:
        return int(token)
    except ValueError:
        raise CronParseError(f"invalid value {token!r}") from None


def parse_field(expr, field):
    lo, hi = FIELD_RANGES[field]
    names = MONTH_NAMES if field == "month" else DAY_NAMES if field == "weekday" else {}
    values = set()
    for part in expr.split(","):
        step = 1
        if "/" in part:
            part, step_s = part.split("/", 1)
            step = int(step_s)
            if step <= 0:
                raise CronParseError(f"step must be positive in {expr!r}")
        if part in ("*", ""):
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _to_int(a, names), _to_int(b, names)
        else:
            start = _to_int(part, names)
            end = hi if step > 1 else start
        if not (lo <= start <= hi and lo <= end <= hi) or start > end:
            raise CronParseError(f"{part!r} out of range for {field} ({lo}-{hi})")
        values.update(range(start, end + 1, step))
    if field == "weekday" and 7 in values:
        values.discard(7)
        values.add(0)
    return values


def parse(expression):
    parts = expression.split()
    if len(parts) != 5:
        raise CronParseError(f"expected 5 fields, got {len(parts)}")
    return {name: parse_field(p, name) for name, p in zip(FIELD_RANGES, parts)}


if __name__ == "__main__":
    for expr in ["*/15 9-17 * * mon-fri", "0 0 1 jan,jul *", "30 4 * * 7"]:
        print(expr)
        for name, vals in parse(expr).items():
            print(f"  {name:8s} {sorted(vals)}")
