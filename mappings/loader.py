"""Reading mapping files from disk into a ``MappingSet``.

YAML is read with three safety changes over ``yaml.safe_load``: a duplicate key is an error (YAML
would silently keep the last one), only ``true``/``false`` are booleans (so a select option named
``Yes``, ``No`` or ``On`` stays a string, as in YAML 1.2), and every key remembers its line so a
validation message can say where to look.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hub.errors import ConfigError, MappingError
from mappings.engine import EntityMapping
from mappings.spec import Loc, compile_mapping, format_loc

__all__ = ["MappingSet", "load_mappings", "parse_mapping"]

DEFAULT_DIRECTORY = Path(__file__).resolve().parent


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class MappingSet:
    """Every loaded mapping, addressable by ``(entity, source)``."""

    def __init__(self, mappings: list[EntityMapping]) -> None:
        self._by_key: dict[tuple[str, str], EntityMapping] = {}
        for mapping in mappings:
            key = (mapping.entity, mapping.source)
            if key in self._by_key:
                raise MappingError(
                    mapping.file,
                    "source",
                    f"a {mapping.entity} mapping for "
                    f"{mapping.source!r} is already defined in {self._by_key[key].file}",
                )
            self._by_key[key] = mapping

    def get(self, entity: str, source: str) -> EntityMapping:
        """The mapping of ``entity`` from ``source``; ``ConfigError`` when there is none."""
        try:
            return self._by_key[(entity, source)]
        except KeyError:
            have = ", ".join(f"{e}/{s}" for e, s in sorted(self._by_key)) or "none"
            raise ConfigError(
                f"no mapping for entity {entity!r} from source {source!r} (have: {have})"
            ) from None

    def for_entity(self, entity: str) -> list[EntityMapping]:
        """Every source's mapping of ``entity``, ordered by source name."""
        return [m for (e, _), m in sorted(self._by_key.items()) if e == entity]

    def find(self, source: str, collection: str) -> list[EntityMapping]:
        """The mappings that read ``collection`` of ``source`` (usually one)."""
        return [m for m in self if m.source == source and m.collection == collection]

    def __iter__(self) -> Iterator[EntityMapping]:
        return iter(m for _, m in sorted(self._by_key.items()))

    def __len__(self) -> int:
        return len(self._by_key)


def load_mappings(directory: Path | None = None) -> MappingSet:
    """Load and validate every ``*.yaml`` in ``directory`` (default: the ``mappings`` package).

    Raises ``MappingError`` naming the file, key path and reason for the first problem found.

    >>> load_mappings().get("customer", "notion").collection
    '2a4f7c1e-5b3d-4e8a-9c61-0d7e3b9f4a21'
    """
    directory = DEFAULT_DIRECTORY if directory is None else Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"mapping directory {directory} does not exist")
    files = sorted(directory.glob("*.yaml"))
    return MappingSet([parse_mapping(path.read_text(encoding="utf-8"), path.name) for path in files])


def parse_mapping(text: str, file: str) -> EntityMapping:
    """Parse and validate one mapping file's text; ``file`` is the name used in messages."""
    data, lines = _read_yaml(text, file)
    return EntityMapping(compile_mapping(data, file, lines))


def _read_yaml(text: str, file: str) -> tuple[Any, dict[Loc, int]]:
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
