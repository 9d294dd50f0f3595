"""The XPath 1.0 subset of trafilatura's content expressions, compiled to one Python predicate per expression.

trafilatura selects and prunes with expressions of one shape,

    .//*[self::div or self::p][@class='post' or contains(@id, 'caption') or re:test(@id|@class, 'share|nav')]

and libxml2 evaluates each predicate as XPath objects (every `contains(@class, ...)` copies the attribute value)
with a Python callback per `re:test`: about 45% of trafilatura's time on real pages. Walking the elements in
lxml and testing the attributes with Python's own `in`, `startswith` and `re` is several times cheaper (lxml's
`re:test` runs Python's `re` too). `compile_xpath` turns such an expression into a function with the XPath
object's call signature (`f(element) -> list of elements, in document order`) and the same result; anything
outside the subset raises `Unsupported` and the caller keeps the XPath object.

The subset and its XPath 1.0 meaning:
- the path `.//*` (every descendant element of the context element, document order), a list of predicates,
  then optionally `[1]`, which applies to the child step (the first matching child of each parent), or the
  whole `( ... )[1]` (the first match in the document);
- in a predicate: `or`, `and`, `not(...)`, parentheses; `self::name`; `.//name` (a descendant of that name
  exists); `@a` (present); `@a='v'`; `contains(X, 's')`; `starts-with(X, 's')`; `translate(X, 'ab', 'AB')`;
  `re:test(@a, 'pattern')` and `re:test(@a, 'pattern', 'i')` (EXSLT; lxml compiles the pattern with Python's
  `re`, IGNORECASE for 'i').
- `@a|@b` is a node-set: as a string it is the value of the first of the two in document order, which is the
  order the attributes are written in the tag (what `_first_value` returns); compared with `=` it is true when
  any of them is equal; tested alone, when any is present.
tests/stages/test_trafilatura_xpath.py checks, on real pages and on trafilatura's raw and cleaned trees, that
each compiled expression selects exactly the elements its XPath object selects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'[^']*'|"[^"]*")
    | (?P<number>\d+)
    | (?P<descendant>\.//(?:\*|[A-Za-z_][\w.-]*))
    | (?P<self>self::[A-Za-z_][\w.-]*)
    | (?P<attr>@[A-Za-z_][\w.:-]*)
    | (?P<name>re:test|[A-Za-z_][\w-]*)
    | (?P<punct>[()\[\],|=])
    )""", re.VERBOSE)


class Unsupported(ValueError):
    """The expression uses XPath outside the compiled subset."""


def _tokens(path: str) -> list[tuple[str, str]]:
    out, pos, end = [], 0, len(path.rstrip())
    while pos < end:
        m = _TOKEN.match(path, pos)
        if m is None or m.end() == pos:
            raise Unsupported(f"cannot read {path[pos:pos + 20]!r}")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _first_value(attrs: dict[str, str], names: tuple[str, ...]) -> str:
    """The string value of the node-set @a|@b|...: the first of those attributes in document order (`attrs`
    holds an element's attributes in the order of its tag)."""
    for key, value in attrs.items():
        if key in names:
            return value
    return ""


def _translation(src: str, dst: str) -> dict[int, int | None]:
    """XPath translate(): the first occurrence of a character in `src` decides; past the end of `dst`, delete."""
    table: dict[int, int | None] = {}
    for i, ch in enumerate(src):
        table.setdefault(ord(ch), ord(dst[i]) if i < len(dst) else None)
    return table


class _Compiler:
    """Recursive descent over the tokens, emitting one Python expression in `el` (the element), `a` (its
    attributes, a dict in tag order) and `g` (= a.get)."""

    def __init__(self, path: str):
        self.tokens = _tokens(path)
        self.i = 0
        self.constants: dict[str, Any] = {}

    # token helpers
    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        tok = self.peek()
        if tok is None or tok[0] != kind or (value is not None and tok[1] != value):
            raise Unsupported(f"expected {value or kind} at token {self.i}, got {tok}")
        self.i += 1
        return tok[1]

    def at(self, kind: str, value: str | None = None) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == kind and (value is None or tok[1] == value)

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def string(self) -> str:
        return self.take("string")[1:-1]

    # the path
    def path(self) -> tuple[tuple[str, ...], list[str], str]:
        """(tags, predicates, position): tags from `tag_filter`; position is '' (all), 'child' (.//*[...][1]) or 'document' ((.//*[...])[1])."""
        grouped = self.at("punct", "(")
        if grouped:
            self.take("punct", "(")
        if self.take("descendant") != ".//*":
            raise Unsupported("only .//* paths")
        predicates: list[str] = []
        tags = self.tag_filter()
        position = ""
        while self.at("punct", "["):
            if self.peek(1) == ("number", "1") and self.peek(2) == ("punct", "]"):
                if grouped:
                    raise Unsupported("a position inside ( )")
                self.i += 3
                position = "child"
                break
            self.take("punct", "[")
            predicates.append(self.boolean())
            self.take("punct", "]")
        if grouped:
            self.take("punct", ")")
            self.take("punct", "[")
            if self.take("number") != "1":
                raise Unsupported("only [1]")
            self.take("punct", "]")
            position = "document"
        if self.peek() is not None:
            raise Unsupported(f"trailing {self.peek()}")
        return tags, predicates, position

    def tag_filter(self) -> tuple[str, ...]:
        """A first predicate that only names tags, `[self::a or self::b]`, read as the tags (lxml walks the
        tree with a C-level tag filter); () if the first predicate is anything else (it is then read as one)."""
        j, names = self.i + 1, []
        if not self.at("punct", "["):
            return ()
        while j + 1 < len(self.tokens) and self.tokens[j][0] == "self":
            names.append(self.tokens[j][1][6:])
            if self.tokens[j + 1] == ("punct", "]"):
                self.i = j + 2
                return tuple(names)
            if self.tokens[j + 1] != ("name", "or"):
                break
            j += 2
        return ()

    # predicates
    def boolean(self) -> str:
        return self.chain("or", self.conjunction)

    def conjunction(self) -> str:
        return self.chain("and", self.unary)

    def chain(self, op: str, operand: Callable[[], str]) -> str:
        """operand (op operand)*: `and` binds tighter than `or`, as in XPath and Python."""
        parts = [operand()]
        while self.at("name", op):
            self.i += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else "(" + f" {op} ".join(parts) + ")"

    def unary(self) -> str:
        if self.at("punct", "("):
            self.i += 1
            inner = self.boolean()
            self.take("punct", ")")
            return inner
        if self.at("name", "not"):
            self.i += 1
            self.take("punct", "(")
            inner = self.boolean()
            self.take("punct", ")")
            return f"(not {inner})"
        if self.at("self"):
            return f"(el.tag == {self.take('self')[6:]!r})"
        if self.at("descendant"):
            name = self.take("descendant")[3:]
            if name == "*":
                raise Unsupported(".//* inside a predicate")
            return f"(next(el.iterdescendants({name!r}), None) is not None)"
        if self.at("attr"):
            names = self.attributes()
            if self.at("punct", "="):
                self.i += 1
                value = self.string()
                return "(" + " or ".join(f"g({n!r}) == {value!r}" for n in names) + ")"
            return "(" + " or ".join(f"g({n!r}) is not None" for n in names) + ")"
        if self.at("name", "contains") or self.at("name", "starts-with"):
            func = self.take("name")
            value, (needle,) = self.arguments(1, 1)
            return f"({needle!r} in {value})" if func == "contains" else f"{value}.startswith({needle!r})"
        if self.at("name", "re:test"):
            self.i += 1
            value, (pattern, *flags) = self.arguments(1, 2)
            regex = re.compile(pattern, re.IGNORECASE if "i" in "".join(flags) else 0)  # as lxml's EXSLT re:test
            return f"({self.constant(regex.search)}({value}) is not None)"
        raise Unsupported(f"unsupported predicate at {self.peek()}")

    def arguments(self, least: int, most: int) -> tuple[str, list[str]]:
        """`(value, 'string', ...)` with `least` to `most` string literals after the value."""
        self.take("punct", "(")
        value, strings = self.value(), []
        while self.at("punct", ","):
            self.i += 1
            strings.append(self.string())
        self.take("punct", ")")
        if not least <= len(strings) <= most:
            raise Unsupported(f"{len(strings) + 1} arguments")
        return value, strings

    def attributes(self) -> tuple[str, ...]:
        names = [self.take("attr")[1:]]
        while self.at("punct", "|") and (self.peek(1) or ("", ""))[0] == "attr":
            self.i += 1
            names.append(self.take("attr")[1:])
        return tuple(names)

    def value(self) -> str:
        """A string-valued argument: an attribute node-set or translate() of one."""
        if self.at("name", "translate"):
            self.i += 1
            inner, (src, dst) = self.arguments(2, 2)
            return f"{inner}.translate({self.constant(_translation(src, dst))})"
        names = self.attributes()
        if len(names) == 1:
            return f"(g({names[0]!r}) or '')"
        return f"_first_value(a, {names!r})"


class CompiledXPath:
    """Callable like lxml's XPath object for the expressions of the subset; `.path` is the XPath text."""

    def __init__(self, path: str):
        compiler = _Compiler(path)
        self.tags, predicates, self.position = compiler.path()
        self.path = path
        body = " and ".join(predicates) or "True"
        namespace: dict[str, Any] = {"_first_value": _first_value, **compiler.constants}
        # the attributes are read once per element, into a dict (in tag order; dict.get is cheaper than lxml's);
        # a predicate on attributes alone has one value for every element without attributes, found here once
        lines = ["def match(el):", "    items = el.items()"]
        if "el." not in body:
            without = eval(f"(lambda a, g: {body})({{}}, {{}}.get)", dict(namespace))  # noqa: S307 -- our own generated code
            lines.append(f"    if not items: return {bool(without)}")
        lines += ["    a = dict(items)", "    g = a.get", f"    return {body}"]
        exec("\n".join(lines) + "\n", namespace)  # noqa: S102 -- our own generated code
        self._match: Callable[[Any], bool] = namespace["match"]

    def __call__(self, tree: Any) -> list:
        elements = tree.iterdescendants(*self.tags) if self.tags else tree.iterdescendants(etree.Element)
        match = self._match
        if self.position == "document":
            return next(([e] for e in elements if match(e)), [])
        if self.position == "child":
            out, parents = [], set()
            for e in elements:
                if match(e):
                    parent = e.getparent()
                    if parent not in parents:
                        parents.add(parent)
                        out.append(e)
            return out
        return [e for e in elements if match(e)]

    def __repr__(self) -> str:
        return f"CompiledXPath({' '.join(self.path.split())!r})"


def compile_xpath(path: str) -> CompiledXPath:
    """The expression as a Python matcher; raises Unsupported outside the subset."""
    return CompiledXPath(path)
