"""Load YAML and turn pydantic errors into one line naming the file, the line, the entry and the field.

Every YAML file the tool reads (sources, pipelines, mixtures, datasheet and trainer configs) goes through
`read_yaml`, which refuses, at the offending line and before anything is expanded:
- duplicate keys in a mapping (YAML would silently keep the last one);
- anchors and aliases beyond a small bound: an alias is a reference, and a few of them nested
  ("billion laughs") expand a 600-byte file into billions of nodes for every consumer that walks it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import BaseModel, ValidationError

from curation.core.errors import UserError

MAX_ALIASES = 32  # alias uses (*name) per file: plenty for DRY manifests, far too few to bomb
MAX_EXPANDED_NODES = 100_000  # nodes of the document once every alias is followed


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads `no`, `on`, `y` as booleans, which turns the language code for Norwegian into
    False. Only true/false are booleans here (the YAML 1.2 rule). Composition counts aliases and
    rejects duplicate keys as it goes."""

    def __init__(self, stream: str, name: str = "<string>"):
        super().__init__(stream)
        self.name = name
        self.aliases = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise UserError(f"{self.name}:{mark.line + 1}: more than {MAX_ALIASES} YAML aliases (*name); write the values out")
        return super().compose_node(parent, index)

    def compose_mapping_node(self, anchor):  # type: ignore[no-untyped-def]
        node = super().compose_mapping_node(anchor)
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                continue
            key = (key_node.tag, key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise UserError(f"{self.name}:{line}: duplicate key '{key_node.value}' (first at line {seen[key]})")
            seen[key] = line
        return node


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), [_first])


def _check_expansion(node: yaml.Node, name: str) -> None:
    """Count the nodes of the document with every alias followed (memoized per node, so linear time);
    refuse a recursive alias or an expansion beyond MAX_EXPANDED_NODES."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(n: yaml.Node) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise UserError(f"{name}:{n.start_mark.line + 1}: a YAML alias refers to a node that contains it")
        active.add(key)
        total = 1
        if isinstance(n, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            total += sum(size(v) for v in n.value)
        active.discard(key)
        sizes[key] = total
        if total > MAX_EXPANDED_NODES:
            raise UserError(f"{name}:{n.start_mark.line + 1}: YAML aliases expand this value to more than {MAX_EXPANDED_NODES:,} nodes")
        return total

    size(node)


def _compose(text: str, name: str) -> tuple[_Loader, yaml.Node | None]:
    loader = _Loader(text, name)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    if node is not None:
        _check_expansion(node, name)
    return loader, node


def load(text: str, name: str = "<string>") -> Any:
    """Parse YAML text with the same rules as files (no duplicate keys, bounded aliases)."""
    loader, node = _compose(text, name)
    return None if node is None else loader.construct_document(node)


def read_yaml(path: str | Path) -> tuple[Any, dict[tuple, int]]:
    """Parse a YAML file. Returns the data and a map from key path (tuple) to 1-based line number."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
        loader, node = _compose(text, str(path))
        data = None if node is None else loader.construct_document(node)
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not valid UTF-8 ({e.reason} at byte {e.start})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise UserError(f"{path}{where}: invalid YAML: {problem}") from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def _index_lines(node: yaml.Node, prefix: tuple, out: dict[tuple, int]) -> None:
    out[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*prefix, key_node.value)
            _index_lines(value_node, key, out)
            out[key] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*prefix, i), out)


def validate(
    model: type[BaseModel],
    data: Any,
    path: str | Path,
    lines: dict[tuple, int],
    describe: Callable[[tuple], tuple[str, tuple]] | None = None,
) -> Any:
    """Validate `data` against `model`; on failure raise a UserError with one line per mistake.

    `describe(loc)` splits an error location into (entry description, remaining field path), so the
    message can say "source 'colossal-oscar': field 'fields.text'" instead of a bare index path.
    """
    try:
        return model.model_validate(data)
    except ValidationError as e:
        messages = []
        for err in e.errors():
            loc = tuple(err["loc"])
            # pydantic puts union/discriminator tags in loc; they are not keys of the YAML document
            clean = tuple(p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or p in _TAGS)))
            line = _closest_line(lines, clean)
            entry, field = describe(clean) if describe else ("", clean)
            field_s = ".".join(str(p) for p in field) or "(top level)"
            where = f"{path}:{line}" if line else str(path)
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            elif err["type"] == "missing":
                msg = "required field is missing"
            messages.append(f"{where}: {entry + ': ' if entry else ''}field '{field_s}': {msg}")
        raise UserError("\n".join(messages)) from None


# Tags of the tagged unions in curation.config.manifest (a pipeline source is a reference or an inline entry).
_TAGS = {"reference", "inline"}


def _closest_line(lines: dict[tuple, int], loc: tuple) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None
