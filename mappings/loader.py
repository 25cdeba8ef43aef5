"""Reading mapping files from disk into a ``MappingSet``.

YAML is read by ``mappings.checks.read_yaml`` (duplicate keys are errors, YAML 1.2 booleans, every key
remembers its line so a validation message can say where to look).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from hub.errors import ConfigError, MappingError
from mappings.checks import read_yaml
from mappings.engine import EntityMapping
from mappings.spec import compile_mapping

__all__ = ["MappingSet", "load_mappings", "parse_mapping"]

DEFAULT_DIRECTORY = Path(__file__).resolve().parent


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
    files = sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("sync."))  # sync_spec.py
    return MappingSet([parse_mapping(path.read_text(encoding="utf-8"), path.name) for path in files])


def parse_mapping(text: str, file: str) -> EntityMapping:
    """Parse and validate one mapping file's text; ``file`` is the name used in messages."""
    data, lines = read_yaml(text, file)
    return EntityMapping(compile_mapping(data, file, lines))
