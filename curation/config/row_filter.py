"""A source's `filter:`: which native records are documents, as a small expression over their fields.

    filter: "licence == 'cc-by-sa' and not (split in ['test', 'validation']) and year >= 2000"

Grammar (Python's expression syntax, parsed with `ast` and checked against a whitelist, never eval'd):
field names (dotted paths into the record: `meta.licence`, or `field('a-b')` for keys that are not
names; `field('{file}')` and `field('{dir}')` are the name of the input file and of its folder, as in
`fields:`), constants (strings, numbers, true/false/null, lists of them), comparisons `== != < <= > >= in
not in` (chains allowed), `and`, `or`, `not`, parentheses. A missing field is null; an order comparison
with null or between a number and a string is false. Records the filter rejects are rejected by the read
stage with reason `source_filter`.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

MISSING = object()  # what get_path returns for an absent field (a present null is None)
_CONSTANTS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: _contains(b, a), ast.NotIn: lambda a, b: not _contains(b, a),
}
_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)

Record = dict[str, Any]
Getter = Callable[[Record], Any]


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, (list, tuple, str)) and not (isinstance(container, str) and not isinstance(item, str)):
        return item in container
    return False


def get_path(record: Any, path: str) -> Any:
    """Follow a dotted path through nested dicts; a key may itself contain dots (tried first)."""
    if isinstance(record, dict) and path in record:
        return record[path]
    cur = record
    for key in path.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return MISSING
        cur = cur[key]
    return cur


class RowFilter:
    """A compiled filter: `RowFilter("a == 1")(record) -> bool`. Raises ValueError on a bad expression."""

    def __init__(self, expression: str):
        self.expression = expression
        self.paths: list[str] = []  # the fields it reads, in order of appearance
        self._where: dict[str, str | None] = {}  # {file} and {dir} of the record being tested
        try:
            tree = ast.parse(expression.strip(), mode="eval")
        except SyntaxError as e:
            raise ValueError(f"not a valid expression ({e.msg} at column {e.offset})") from None
        self._test = self._bool(tree.body)

    def __call__(self, record: Record, file: str | None = None, dir: str | None = None) -> bool:
        self._where = {"{file}": file, "{dir}": dir}
        return bool(self._test(record))

    def _bool(self, node: ast.AST) -> Getter:
        if isinstance(node, ast.BoolOp):
            parts = [self._bool(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda r: all(p(r) for p in parts)
            return lambda r: any(p(r) for p in parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self._bool(node.operand)
            return lambda r: not inner(r)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        return self._value(node)  # a bare field or constant: its truth value

    def _compare(self, node: ast.Compare) -> Getter:
        operands = [self._value(node.left)] + [self._value(c) for c in node.comparators]
        ops = []
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ValueError(f"operator '{ast.unparse(op) if hasattr(ast, 'unparse') else type(op).__name__}' is not allowed (use == != < <= > >= in, not in)")
            ops.append((type(op) in _ORDER, _COMPARE[type(op)]))

        def test(r: Record) -> bool:
            values = [o(r) for o in operands]
            for (ordered, fn), a, b in zip(ops, values, values[1:]):
                if ordered and not _comparable(a, b):
                    return False
                if not fn(a, b):
                    return False
            return True

        return test

    def _value(self, node: ast.AST) -> Getter:
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
            v = node.value
            return lambda r: v
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float)):
            neg = -node.operand.value
            return lambda r: neg
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self._value(e) for e in node.elts]
            return lambda r: [i(r) for i in items]
        if isinstance(node, ast.Name) and node.id in _CONSTANTS:
            c = _CONSTANTS[node.id]
            return lambda r: c
        path = _path(node)
        if path is not None:
            if path in ("{file}", "{dir}"):
                return lambda r: self._where.get(path)
            if path not in self.paths:
                self.paths.append(path)
            return lambda r: _present(get_path(r, path))
        raise ValueError(f"'{ast.unparse(node)}' is not allowed: use field names, constants, == != < <= > >= in, and/or/not")


def _path(node: ast.AST) -> str | None:
    """`a.b.c` or `field('a-b')` -> the dotted path it names."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _path(node.value)
        return None if base is None else f"{base}.{node.attr}"
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "field" and not node.keywords
        and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def _present(v: Any) -> Any:
    return None if v is MISSING else v


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (isinstance(a, str) and isinstance(b, str))
