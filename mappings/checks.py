"""What every mapping file's validation shares, whatever the file describes.

``read_yaml`` reads a file with three safety changes over ``yaml.safe_load``: a duplicate key is an error
(YAML would silently keep the last one), only ``true``/``false`` are booleans (so a select option named
``Yes``, ``No`` or ``On`` stays a string, as in YAML 1.2), and every key remembers its line. A checker
raises ``Invalid(loc, reason)`` where it finds a problem; ``located`` turns that into the
``MappingError(file, key.path, reason (line N))`` that stops start-up.

>>> data, lines = read_yaml("version: 1\\nentities:\\n  items: {}\\n", "shop.yaml")
>>> located(Invalid(("entities", "items", "query"), "missing required key"), "shop.yaml", lines)
MappingError('shop.yaml: entities.items.query: missing required key (line 3)')
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hub.errors import MappingError

__all__ = [
    "SUPPORTED_VERSIONS",
    "Invalid",
    "Loc",
    "check_version",
    "format_loc",
    "located",
    "read_yaml",
    "suggest",
    "validate",
]

Loc = tuple[Any, ...]
SUPPORTED_VERSIONS = (1,)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_M = TypeVar("_M", bound=BaseModel)


class Invalid(Exception):
    """A problem at ``loc`` (key path inside the file); ``located`` adds the file and line."""

    def __init__(self, loc: Loc, reason: str) -> None:
        super().__init__(reason)
        self.loc = loc
        self.reason = reason


def format_loc(loc: Sequence[Any]) -> str:
    """``("fields", "segment", "transform", 0, "map", "values", "Film & TV")`` ->
    ``fields.segment.transform[0].map.values["Film & TV"]``."""
    out = ""
    for part in loc:
        if isinstance(part, str) and _IDENT.fullmatch(part):
            out += f".{part}" if out else part
        elif isinstance(part, str):
            out += f'["{part}"]'
        else:
            out += f"[{str(part).lower() if isinstance(part, bool) else part}]"
    return out


def located(exc: Invalid, file: str, lines: Mapping[Loc, int]) -> MappingError:
    """The ``MappingError`` for ``exc``, naming the line of its nearest key that has one."""
    line = next((lines[exc.loc[:end]] for end in range(len(exc.loc), 0, -1) if exc.loc[:end] in lines), None)
    suffix = f" (line {line})" if line else ""
    return MappingError(file, format_loc(exc.loc), exc.reason + suffix)


def check_version(raw: Mapping[str, Any]) -> None:
    """Reject a ``version`` this code does not read (a missing one is the model's to report)."""
    if "version" in raw and raw["version"] not in SUPPORTED_VERSIONS:
        supported = ", ".join(map(str, SUPPORTED_VERSIONS))
        raise Invalid(("version",), f"unsupported version {raw['version']!r} (supported: {supported})")


def suggest(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options``, or nothing."""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validate(model: type[_M], data: Any, loc: Loc) -> _M:
    """``model`` validated from ``data``; its first error as ``Invalid`` under ``loc``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise Invalid((*loc, *err["loc"]), _reason(err)) from None


_KINDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "list_type": "a list",
    "model_type": "a mapping",
}


def _reason(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing required key"
    if kind in _KINDS:
        return f"expected {_KINDS[kind]}, got {_type_name(err['input'])}"
    if kind == "literal_error":
        return f"must be {err['ctx']['expected']}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    msg: str = err["msg"]
    return msg[:1].lower() + msg[1:]


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "a list"}.get(
        type(value), type(value).__name__
    )


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_yaml(text: str, file: str) -> tuple[Any, dict[Loc, int]]:
    """The document in ``text`` and the 1-based line of every key path; ``MappingError`` if unreadable."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise MappingError(file, "", "the file is empty")
        lines: dict[Loc, int] = {}
        _walk(node, (), lines, file, set())
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "unreadable"
        raise MappingError(file, "", f"invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise MappingError(file, "", f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _walk(node: Node, loc: Loc, lines: dict[Loc, int], file: str, active: set[int]) -> None:
    if id(node) in active:  # a recursive alias (&a [*a]); the constructor reports it if it matters
        return
    active.add(id(node))
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                continue
            line = key.start_mark.line + 1
            if key.value in seen and key.value != "<<":
                raise MappingError(
                    file,
                    format_loc((*loc, key.value)),
                    f"duplicate key (first at line {seen[key.value]}, again at line {line})",
                )
            seen[key.value] = line
            lines[(*loc, key.value)] = line
            _walk(value, (*loc, key.value), lines, file, active)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*loc, i)] = item.start_mark.line + 1
            _walk(item, (*loc, i), lines, file, active)
    active.discard(id(node))
