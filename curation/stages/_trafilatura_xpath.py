"""trafilatura's content expressions, evaluated faster with the same result.

trafilatura (2.x) prunes and selects with XPath expressions such as
`.//*[self::div or ...][re:test(@class, 'sidebar|banner|...')]`; libxml2 evaluates their predicates as XPath
objects (each `contains(@class, ...)` copies the attribute) and `re:test` as a Python callback per element:
about 45% of trafilatura's time on real pages. Each expression in the subset that `_xpath_subset` reads is
replaced by its compilation to a Python predicate (lxml walks the elements, Python's `in`, `startswith` and
`re` test the attributes; ~4x cheaper on real pages); the others stay the library's own XPath objects. Every
content expression that uses re:test is in the subset; the ones left are cheap or belong to the metadata
pass, which our extraction does not run.

They replace trafilatura's module-level expressions only inside `fast_xpaths()`: the lists in
`trafilatura.xpaths` are shared by reference with the modules that import them, so their items are swapped in
place and put back in `finally`. Outside the context (other users of trafilatura in the process) the library
is unchanged. tests/stages/test_trafilatura_xpath.py checks on real pages that each replacement selects
exactly the elements of the original and that the extracted text is byte-identical.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from lxml.etree import XPath
from trafilatura import xpaths

from curation.stages._xpath_subset import CompiledXPath, Unsupported, compile_xpath

# the lists of XPath objects in trafilatura.xpaths: found, not hard-coded, so that a trafilatura release that
# adds or moves one is still covered
LISTS = tuple(
    name for name, value in vars(xpaths).items()
    if name.isupper() and isinstance(value, list) and value and all(isinstance(x, XPath) for x in value)
)


def _fast(original: XPath) -> XPath | CompiledXPath:
    try:
        return compile_xpath(original.path)
    except Unsupported:
        return original


FAST: dict[str, list[XPath | CompiledXPath]] = {name: [_fast(x) for x in getattr(xpaths, name)] for name in LISTS}
ORIGINAL: dict[str, list[XPath]] = {name: list(getattr(xpaths, name)) for name in LISTS}

_lock = threading.Lock()
_depth = 0


@contextmanager
def fast_xpaths() -> Iterator[None]:
    """trafilatura's content expressions replaced by the compiled ones for the duration of the block (the
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
