"""Load YAML and turn pydantic errors into one line naming the file, the line, the entry and the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import BaseModel, ValidationError

from curation.core.errors import UserError


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads `no`, `on`, `y` as booleans, which turns the language code for Norwegian into
    False. Only true/false are booleans here (the YAML 1.2 rule)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), [_first])


def load(text: str):
    return yaml.load(text, Loader=_Loader)


def read_yaml(path: str | Path) -> tuple[Any, dict[tuple, int]]:
    """Parse a YAML file. Returns the data and a map from key path (tuple) to 1-based line number."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
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
