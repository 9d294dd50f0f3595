"""trafilatura's content expressions, evaluated faster with the same result.

trafilatura (2.x) prunes and selects with XPath expressions such as
`.//*[self::div or ...][re:test(@class, 'sidebar|banner|...')]`; libxml2 evaluates their predicates as XPath
objects (each `contains(@class, ...)` copies the attribute) and `re:test` as a Python callback per element:
about 45% of trafilatura's time on real pages. Each expression is replaced, in this order of preference, by

1. its compilation to a Python predicate (`_xpath_subset`: lxml walks the elements, Python's `in`,
   `startswith` and `re` test the attributes; ~4x cheaper on real pages), where the expression is in the
   subset that module reads;
2. otherwise, where it uses re:test, the same expression with a cheap literal prefilter before each regex:

    re:test(@class, 'sidebar|bread-?crumb')
 -> ((contains(@class,'sidebar') or contains(@class,'crumb')) and re:test(@class, 'sidebar|bread-?crumb'))

   where every literal is a substring that any match of its alternative must contain (derived from Python's
   own parse of the regex, the engine lxml uses). XPath's `and` short-circuits, so the regex, unchanged, only
   runs on the few elements whose attribute holds one of the literals. A regex with an alternative that needs
   no literal (or with flags) is left as it was. `re:test(@a|@b, ...)` tests the first attribute of the pair;
   its prefilter looks in both (a superset, still a necessary condition). Compiled with smart_strings=False;
3. otherwise the library's own XPath object.

They replace trafilatura's module-level expressions only inside `fast_xpaths()`: the lists in
`trafilatura.xpaths` are shared by reference with the modules that import them, so their items are swapped in
place and put back in `finally`. Outside the context (other users of trafilatura in the process) the library
is unchanged. tests/stages/test_trafilatura_xpath.py checks on real pages that each replacement selects
exactly the elements of the original and that the extracted text is byte-identical.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from lxml.etree import XPath
from trafilatura import xpaths

from curation.stages._xpath_subset import CompiledXPath, Unsupported, compile_xpath

# Python's own regex parser (the one re.compile uses, so the literals are read exactly as lxml's re:test
# matches them); private modules, present since Python 3.11 (the project's minimum)
from re import _constants as sre_constants
from re import _parser as sre_parse

# re:test(ARG, 'PATTERN') or re:test(ARG, 'PATTERN', 'FLAGS'); ARG is one attribute or a union of attributes.
# An XPath string literal in single quotes holds no single quote, so [^']* reads the whole pattern.
_RE_TEST = re.compile(r"re:test\(\s*(@[\w-]+(?:\s*\|\s*@[\w-]+)*)\s*,\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?\)")

# the lists of XPath objects in trafilatura.xpaths: found, not hard-coded, so that a trafilatura release that
# adds or moves one is still covered
LISTS = tuple(
    name for name, value in vars(xpaths).items()
    if name.isupper() and isinstance(value, list) and value and all(isinstance(x, XPath) for x in value)
)


def _required(items: list) -> list[str] | None:
    """A disjunction of literals, one of which every match of the parsed sequence contains; None if none is
    known. Candidates: each run of consecutive literal characters (a single literal), and each alternation
    every branch of which has a disjunction of its own. The best candidate has the longest shortest literal."""
    candidates: list[list[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            candidates.append(["".join(run)])
            run.clear()

    for op, arg in items:
        if op is sre_constants.LITERAL:
            run.append(chr(arg))
            continue
        if op is sre_constants.SUBPATTERN:
            _group, add_flags, del_flags, sub = arg
            if add_flags or del_flags:  # (?i:...) and the like: no literal is known
                close_run()
                continue
            subitems = list(sub)
            if all(o is sre_constants.LITERAL for o, _ in subitems):  # (?:abc): still a literal run
                run.extend(chr(a) for _, a in subitems)
                continue
            close_run()
            if (found := _required(subitems)) is not None:
                candidates.append(found)
            continue
        close_run()
        if op is sre_constants.BRANCH:
            alternatives = [_required(list(alt)) for alt in arg[1]]
            if all(a is not None for a in alternatives):
                candidates.append([lit for a in alternatives if a for lit in a])
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            low, _high, sub = arg
            if low >= 1 and (found := _required(list(sub))) is not None:
                candidates.append(found)
        # anything else (character classes, anchors, lookarounds, any-character) requires no known literal
    close_run()
    candidates = [c for c in candidates if c and all(c)]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)))


def literals(pattern: str) -> list[str] | None:
    """Literals of which any match of `pattern` (Python re, no flags) contains at least one; None if the
    pattern may match without any known literal."""
    parsed = sre_parse.parse(pattern)
    if parsed.state.flags & ~(sre_constants.SRE_FLAG_UNICODE):  # inline (?i), (?x)...: left alone
        return None
    found = _required(list(parsed))
    if not found:
        return None
    # a literal that contains another is implied by it: 'embed' covers 'embedded'
    unique = set(found)
    return sorted(n for n in unique if not any(o != n and o in n for o in unique))


def _xpath_literal(s: str) -> str | None:
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    return None


MAX_NEEDLES = 8


def prefiltered(expression: str, max_needles: int = MAX_NEEDLES) -> str:
    """The expression with a literal prefilter before each re:test that has one."""
    def rewrite(m: re.Match) -> str:
        args, pattern, flags = m.group(1), m.group(2), m.group(3)
        attrs = [a.strip() for a in args.split("|")]
        needles = None if flags else literals(pattern)
        quoted = [_xpath_literal(n) for n in needles or ()]
        if not needles or None in quoted or len(needles) * len(attrs) > max_needles:
            if literals(pattern) is None:  # may match the empty string: no guard at all
                return m.group(0)
            tests = " or ".join(attrs)
        else:
            tests = " or ".join(f"contains({a},{q})" for a in attrs for q in quoted)
        return f"(({tests}) and {m.group(0)})"
    return _RE_TEST.sub(rewrite, expression)


def prefiltered_xpath(original: XPath, max_needles: int = MAX_NEEDLES) -> XPath:
    """The expression with literal prefilters (2. above), or the original if it has no re:test."""
    if "re:test(" not in original.path:
        return original
    return XPath(prefiltered(original.path, max_needles), namespaces={"re": xpaths.REGEXP_NS}, smart_strings=False)


def _fast(original: XPath) -> XPath | CompiledXPath:
    try:
        return compile_xpath(original.path)
    except Unsupported:
        return prefiltered_xpath(original)


FAST: dict[str, list[XPath | CompiledXPath]] = {name: [_fast(x) for x in getattr(xpaths, name)] for name in LISTS}
ORIGINAL: dict[str, list[XPath]] = {name: list(getattr(xpaths, name)) for name in LISTS}

_lock = threading.Lock()
_depth = 0


@contextmanager
def fast_xpaths() -> Iterator[None]:
    """trafilatura's content expressions replaced by the prefiltered ones for the duration of the block (the
    same lists, items swapped in place; restored on exit, exception or not). Nested uses are fine."""
    global _depth
    with _lock:
        if _depth == 0:
            for name in LISTS:
                getattr(xpaths, name)[:] = FAST[name]
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for name in LISTS:
                    getattr(xpaths, name)[:] = ORIGINAL[name]
