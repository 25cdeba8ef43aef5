"""Applying a compiled mapping to one decoded record.

``EntityMapping.apply`` never raises for bad data: a value that cannot be read or converted becomes
``None`` for that field and a warning on the result, so one odd record never sinks a whole listing.
``Mapped.fields`` holds only the fields this mapping provides -- a source that has no notion of, say,
``open_balance`` says nothing about it, rather than claiming it is ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from mappings.entities import EntitySchema
from mappings.paths import PathTypeError
from mappings.spec import MappingSpec, Rule
from mappings.transforms import Context, TransformError, _kind

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
    return EntitySchema.encode({"v": value})["v"]


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

    def apply(self, data: Mapping[str, Any], *, today: date | None = None) -> Mapped:
        """Map one decoded record (``SourceRecord.data``) to unified fields and links.

        ``today`` is the date statuses are derived as of (an invoice past its due date is OVERDUE);
        by default the current UTC date. Pass it to get the same answer for the same record.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"apply() needs a mapping, got {type(data).__name__}")
        if today is not None and (isinstance(today, datetime) or not isinstance(today, date)):
            raise TypeError(f"today must be a date, got {type(today).__name__}")
        ctx = Context(record=data, today=today if today is not None else datetime.now(UTC).date())
        warnings: list[str] = []
        fields = {rule.name: _run(rule, ctx, warnings, rule.key_path) for rule in self.spec.fields}
        links = {}
        for rule in self.spec.links:
            value = _run(rule, ctx, warnings, rule.key_path)
            if value is not None:
                links[rule.name] = value
        return Mapped(fields, links, tuple(warnings))


def _run(rule: Rule, ctx: Context, warnings: list[str], label: str) -> Any:
    if rule.field.is_list:
        return _run_list(rule, ctx, warnings, label)
    try:
        value = _read(rule, ctx)
        value = _steps(rule, value, ctx)
    except (TransformError, PathTypeError) as exc:
        warnings.append(f"{label}: {exc}")
        return None
    value = _as_text(value, rule.field.types)
    if value is None:
        if rule.field.required:
            warnings.append(f"{label}: required field is empty")
        return None
    if not isinstance(value, rule.field.types):
        warnings.append(f"{label}: expected {rule.field.type_name}, got {type(value).__name__}")
        return None
    if rule.field.choices and value not in rule.field.choices:
        warnings.append(f"{label}: {str(value)[:40]!r} is not one of {', '.join(rule.field.choices)}")
        return None
    return value


def _steps(rule: Rule, value: Any, ctx: Context) -> Any:
    for step in rule.steps:
        try:
            value = step(value, ctx)
        except TransformError as exc:
            raise TransformError(f"{step.transform.name}: {exc}") from None
    return value


def _as_text(value: Any, types: tuple[type, ...]) -> Any:
    if isinstance(value, int | Decimal) and not isinstance(value, bool) and types == (str,):
        return str(value)  # ids and numbers read into a text field: the text is what was meant
    return value


def _run_list(rule: Rule, ctx: Context, warnings: list[str], label: str) -> list[Any] | None:
    try:
        items = _read(rule, ctx)
    except PathTypeError as exc:
        warnings.append(f"{label}: {exc}")
        return None
    if items is None:
        return []
    if not isinstance(items, list | tuple):
        warnings.append(f"{label}: expected a list, got {_kind(items)}")
        return None
    out: list[Any] = []
    for n, item in enumerate(items):
        if rule.where is not None and not rule.where.matches(item):
            continue
        where = f"{label}[{n}]"
        if rule.each is not None:
            if not isinstance(item, Mapping):
                warnings.append(f"{where}: expected an object, got {_kind(item)}")
                continue
            inner = ctx.inside(item)
            out.append({sub.name: _run(sub, inner, warnings, f"{where}.{sub.name}") for sub in rule.each})
        elif (value := _list_item(rule, item, ctx, warnings, where)) is not None:
            out.append(value)
    return out


def _list_item(rule: Rule, item: Any, ctx: Context, warnings: list[str], where: str) -> Any:
    try:
        if rule.pluck is not None:
            if not isinstance(item, Mapping):
                raise TransformError(f"expected an object, got {_kind(item)}")
            item = rule.pluck.resolve(item)
        value = _as_text(_steps(rule, item, ctx), rule.field.item_types)
    except (TransformError, PathTypeError) as exc:
        warnings.append(f"{where}: {exc}")
        return None
    if value is not None and not isinstance(value, rule.field.item_types):
        warnings.append(
            f"{where}: expected {' or '.join(t.__name__ for t in rule.field.item_types)}, got {_kind(value)}"
        )
        return None
    return value


def _read(rule: Rule, ctx: Context) -> Any:
    if not rule.sources:
        return rule.constant
    for path in rule.sources:
        value = path.resolve(ctx.record, ctx.around)
        if not _empty(value):
            return value
    return None


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | Mapping) and not value
