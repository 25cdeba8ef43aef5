"""Applying a compiled mapping to one decoded record.

``EntityMapping.apply`` never raises for bad data: a value that cannot be read or converted becomes
``None`` for that field and a warning on the result, so one odd record never sinks a whole listing.
``Mapped.fields`` holds only the fields this mapping provides -- a source that has no notion of, say,
``open_balance`` says nothing about it, rather than claiming it is ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from mappings.paths import PathTypeError
from mappings.spec import MappingSpec, Rule
from mappings.transforms import Context, TransformError
from mappings.values import value_to_json

__all__ = ["EntityMapping", "Mapped"]


@dataclass(frozen=True)
class Mapped:
    """One record in the unified model: field values, links to other sources, and what went wrong."""

    fields: dict[str, Any]
    links: dict[str, str]
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: Money/Address via their ``to_json``, Decimal as string, dates as ISO 8601."""
        return {
            "fields": {name: _json_value(value) for name, value in self.fields.items()},
            "links": dict(self.links),
            "warnings": list(self.warnings),
        }


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value_to_json(value)


class EntityMapping:
    """One validated mapping file: how records of ``source``/``collection`` become ``entity``.

    >>> mapping.apply({"Client": "Lyric Opera House", "Email": " Box@Lyric.org "}).fields["email"]
    'box@lyric.org'
    """

    def __init__(self, spec: MappingSpec) -> None:
        self.spec = spec
        self.entity: str = spec.entity.name
        self.source: str = spec.source
        self.collection: str = spec.collection
        self.file: str = spec.file

    def __repr__(self) -> str:
        where = f"collection={self.collection!r}, file={self.file!r}"
        return f"EntityMapping({self.entity!r}, {self.source!r}, {where})"

    @property
    def field_names(self) -> tuple[str, ...]:
        """The unified fields this mapping provides."""
        return tuple(rule.name for rule in self.spec.fields)

    def apply(self, data: Mapping[str, Any]) -> Mapped:
        """Map one decoded record (``SourceRecord.data``) to unified fields and links."""
        if not isinstance(data, Mapping):
            raise TypeError(f"apply() needs a mapping, got {type(data).__name__}")
        ctx = Context(record=data)
        warnings: list[str] = []
        fields = {rule.name: _run(rule, data, ctx, warnings) for rule in self.spec.fields}
        links = {}
        for rule in self.spec.links:
            value = _run(rule, data, ctx, warnings)
            if value is not None:
                links[rule.name] = value
        return Mapped(fields, links, tuple(warnings))


def _run(rule: Rule, data: Mapping[str, Any], ctx: Context, warnings: list[str]) -> Any:
    try:
        value = _read(rule, data)
        for step in rule.steps:
            try:
                value = step(value, ctx)
            except TransformError as exc:
                raise TransformError(f"{step.transform.name}: {exc}") from None
    except (TransformError, PathTypeError) as exc:
        warnings.append(f"{rule.key_path}: {exc}")
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool) and rule.field.types == (str,):
        value = str(value)  # ids and numbers read into a text field: the text is what was meant
    if value is None:
        if rule.field.required:
            warnings.append(f"{rule.key_path}: required field is empty")
        return None
    if not isinstance(value, rule.field.types):
        warnings.append(f"{rule.key_path}: expected {rule.field.type_name}, got {type(value).__name__}")
        return None
    if rule.field.choices and value not in rule.field.choices:
        warnings.append(f"{rule.key_path}: {str(value)[:40]!r} is not one of {', '.join(rule.field.choices)}")
        return None
    return value


def _read(rule: Rule, data: Mapping[str, Any]) -> Any:
    if not rule.sources:
        return rule.constant
    for path in rule.sources:
        value = path.resolve(data)
        if not _empty(value):
            return value
    return None


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | Mapping) and not value
