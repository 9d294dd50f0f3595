"""stages/_xpath_subset.py: each compiled expression selects what lxml's XPath selects, construct by construct
and on random expressions of the subset over a real page; anything outside the subset is refused."""

from __future__ import annotations

import random

import lxml.html
import pytest
from lxml.etree import XPath

from curation.bench._pages import find_pages
from curation.core.errors import UserError
from curation.stages._xpath_subset import Unsupported, compile_xpath

RE_NS = {"re": "http://exslt.org/regular-expressions"}

# attribute order, empty values, comments (not elements), nesting for the positional forms
PAGE = """<html><body>
<div class="cookie-banner" id="x1">a</div>
<div id="y1" class="cookie">b</div>
<div style="color: hidden" id="q">c</div>
<div id="reply-3" class="note">d<!-- a comment --><p class="Navigation">e</p><p class="nav">f</p></div>
<section data-empty="" role="MainNavigation"><h1>Title</h1><p id="CONTENT-Main">g</p></section>
<section class="comments-title"><p class="x">h</p><p class="y" aria-hidden="true">i</p></section>
<span class="FullText story">j</span><p>k</p><div><div><p class="nav">l</p></div></div>
</body></html>"""


def _same(path: str, tree) -> list:
    want = XPath(path, namespaces=RE_NS)(tree)
    got = compile_xpath(path)(tree)
    assert got == want, (path, [e.text for e in got], [e.text for e in want])
    return want


@pytest.mark.parametrize("path", [
    ".//*[re:test(@id|@class, 'cookie')]",  # the union's string value: the attribute written first
    ".//*[re:test(@class|@id, 'cookie')]",
    ".//*[starts-with(@id|@class, 'reply-')]",
    ".//*[re:test(@id|@style, 'hidden')]",
    ".//*[@data-empty]",  # present with an empty value
    ".//*[not(@class)]",  # true for elements without attributes: the constant path
    ".//*[re:test(@class, '^$')]",  # an absent attribute is the empty string
    ".//*[@class='nav' or @id|@class='note']",
    ".//*[contains(translate(@role, 'N', 'n'), 'nav')]",
    ".//*[contains(translate(@id, 'CMx', 'cm'), 'content-main')]",  # x past the end of 'cm': deleted
    ".//*[contains(@class, '')]",  # contains(x, '') is true, attribute or not
    ".//*[self::p or self::span][re:test(@class, 'fulltext', 'i')]",
    ".//*[self::section][not(.//h1)]",
    ".//*[self::p][@class='nav'][1]",  # [1] on the child step: the first match under each parent
    "(.//*[self::p][@class='nav'])[1]",  # the first match in the document
    ".//*[self::p or self::div][1]",
    ".//*[(@class and not(@id)) or @aria-hidden='true'][re:test(@class, 'x|y|nav')]",
])
def test_each_construct_selects_what_lxml_selects(path: str) -> None:
    tree = lxml.html.fromstring(PAGE)  # lxml's default HTML parser keeps comments
    _same(path, tree)
    _same(path, tree.find(".//div"))  # relative to an inner context element


def test_no_match_is_an_empty_list() -> None:
    tree = lxml.html.fromstring(PAGE)
    assert _same("(.//*[@class='absent'])[1]", tree) == []
    assert _same(".//*[self::table]", tree) == []


@pytest.mark.parametrize("path", [
    "//div[@id]", ".//div[@id]", ".//*[position()=2]", ".//*[.//*]", ".//*[text()='x']", ".//*[@id][2]",
    "(.//*[@id])[2]", ".//*[@id]//a", ".//*[@id] | .//p", ".//*[translate(@id, 'a', 'b')='x']", ".//*[@id!='x']",
])
def test_outside_the_subset_is_refused(path: str) -> None:
    with pytest.raises(Unsupported):
        compile_xpath(path)


def _random_expression(rng: random.Random, values: list[str], depth: int = 0) -> str:
    """A predicate of the subset over attribute values seen on the page (so that some of them match)."""
    attrs = ["@id", "@class", "@style", "@role", "@id|@class", "@class|@id", "@id|@style"]
    value = rng.choice(values)
    needle = value[rng.randrange(len(value)):][: rng.randint(1, 6)] if value else "a"
    needle = "".join(c for c in needle if c.isalnum() or c in "-_ ") or "a"  # no quote, no regex syntax
    attr = rng.choice(attrs)
    atoms = [
        f"contains({attr}, '{needle}')",
        f"starts-with({attr}, '{needle}')",
        f"re:test({attr}, '{needle}|^{needle[:2]}')",
        f"re:test({attr}, '{needle.upper()}', 'i')",
        f"contains(translate({attr}, 'ABCDE', 'abc'), '{needle.lower()}')",
        f"{attr}='{value.replace(chr(39), '')}'",
        attr,
        f"self::{rng.choice(['div', 'p', 'span', 'a', 'li', 'section'])}",
        f".//{rng.choice(['a', 'p', 'h2', 'code'])}",
    ]
    if depth < 2 and rng.random() < 0.5:
        left, right = _random_expression(rng, values, depth + 1), _random_expression(rng, values, depth + 1)
        op = rng.choice(["or", "and"])
        expr = f"({left} {op} {right})"
        return f"not({expr})" if rng.random() < 0.2 else expr
    return rng.choice(atoms)


def test_random_expressions_select_what_lxml_selects_on_a_real_page() -> None:
    try:
        pages = find_pages(None, 40)
    except UserError:
        pytest.skip("no HTML manuals under /usr/share/doc")
    html = max((h for _, h in pages if len(h) < 300_000), key=len).decode("utf-8", "replace")
    tree = lxml.html.fromstring(html)
    values = sorted({v for el in tree.iter() for k, v in el.attrib.items() if k in ("id", "class", "style", "role")})
    assert len(values) > 5
    rng = random.Random(7)
    selected = 0
    for _ in range(300):
        predicates = "".join(f"[{_random_expression(rng, values)}]" for _ in range(rng.randint(1, 2)))
        path = rng.choice([f".//*{predicates}", f".//*{predicates}[1]", f"(.//*{predicates})[1]"])
        selected += bool(_same(path, tree))
    assert selected > 30  # the comparison is not only between empty selections
