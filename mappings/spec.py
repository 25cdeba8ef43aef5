"""The mapping file format, its validation, and the compiled form the engine runs.

A mapping file says how one source's records become one unified entity::

    version: 1                    # format version; only 1 exists
    entity: customer              # a unified entity (see ENTITIES)
    source: notion                # the connector name
    collection: "2a4f7c1e-..."    # where the records live (Notion data source id, QuickBooks entity)
    description: optional text
    fields:                       # unified field -> rule
      email: {from: Email, transform: [strip, lower]}
    links:                        # other source -> rule giving that source's id for this record
      quickbooks: {from: "QuickBooks ID", transform: strip}

A rule has ``from`` (a path, see ``mappings.paths``; or a list of paths meaning "the first non-empty")
or ``value`` (a constant), an optional ``transform`` (a step or a list of steps, see
``mappings.transforms``) and an optional ``description``.

Validation happens in two passes. Pydantic models with ``extra="forbid"`` check the shape; then
``compile_mapping`` resolves paths and transforms and checks them against the entity: unknown fields,
missing required fields, transforms whose output cannot fit the field, choice values outside the allowed
set. Every problem becomes ``MappingError(file, key.path, reason)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mappings.checks import (
    SUPPORTED_VERSIONS,
    Invalid,
    Loc,
    check_version,
    format_loc,
    located,
    suggest,
    validate,
)
from mappings.paths import KeyPath, PathSyntaxError
from mappings.transforms import REGISTRY, Step
from mappings.values import VALUE_TYPES, Address, Money, value_to_json

__all__ = [
    "ENTITIES",
    "SUPPORTED_VERSIONS",
    "EntitySchema",
    "FieldDef",
    "MappingSpec",
    "Rule",
    "compile_mapping",
    "format_loc",
]

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class FieldDef:
    """One unified field: the Python types its value may have, and whether a mapping must provide it."""

    name: str
    types: tuple[type, ...]
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def type_name(self) -> str:
        return " or ".join(t.__name__ for t in self.types)


@dataclass(frozen=True)
class EntitySchema:
    """The unified fields of one entity.

    ``encode``/``decode`` carry mapped fields through JSON storage: Money and Address values travel as
    their ``to_json`` objects and come back by field type; every other value is left as it is.
    """

    name: str
    fields: Mapping[str, FieldDef]

    @cached_property
    def _value_types(self) -> dict[str, type[Money] | type[Address]]:
        return {
            name: kind for name, d in self.fields.items() for kind in VALUE_TYPES if kind in d.types
        }

    @staticmethod
    def encode(fields: Mapping[str, Any]) -> dict[str, Any]:
        """``fields`` with Money/Address values as their ``to_json`` objects."""
        return {name: value_to_json(value) for name, value in fields.items()}

    def decode(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Inverse of :meth:`encode`: a Money/Address field's JSON object back into its value."""
        out = dict(fields)
        for name, kind in self._value_types.items():
            if isinstance(out.get(name), dict):
                out[name] = kind.from_json(out[name])
        return out


def _schema(name: str, *defs: FieldDef) -> EntitySchema:
    return EntitySchema(name, {d.name: d for d in defs})


ENTITIES: Mapping[str, EntitySchema] = {
    "customer": _schema(
        "customer",
        FieldDef("name", (str,), required=True),
        FieldDef("company", (str,)),
        FieldDef("email", (str,)),
        FieldDef("phone", (str,)),
        FieldDef("segment", (str,), choices=("B2B", "B2C")),
        FieldDef("billing_address", (Address,)),
        FieldDef("open_balance", (Money,)),
    ),
}

LINK_FIELD = FieldDef("link", (str,))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RawRule(_Model):
    """A rule as written; ``from``, ``value`` and ``transform`` are parsed by ``compile_mapping``."""

    from_: Any = Field(None, alias="from")
    value: Any = None
    transform: Any = None
    description: str | None = None


class RawMapping(_Model):
    """A mapping file as written."""

    version: int
    entity: str
    source: str
    collection: str = Field(min_length=1)
    description: str | None = None
    fields: dict[str, RawRule]
    links: dict[str, RawRule] = Field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """A compiled rule: where to read, what to do, and what the result must look like."""

    name: str
    key_path: str
    field: FieldDef
    sources: tuple[KeyPath, ...] = ()
    constant: Any = None
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class MappingSpec:
    """A validated mapping file."""

    file: str
    version: int
    entity: EntitySchema
    source: str
    collection: str
    fields: tuple[Rule, ...]
    links: tuple[Rule, ...]
    description: str | None = None


def compile_mapping(raw: Any, file: str, lines: Mapping[Loc, int] | None = None) -> MappingSpec:
    """Validate a parsed mapping file and compile it; raises ``MappingError``.

    ``lines`` maps key locations to 1-based YAML line numbers, so messages can say where to look.
    """
    try:
        return _compile(raw, file)
    except Invalid as exc:
        raise located(exc, file, lines or {}) from None


def _compile(raw: Any, file: str) -> MappingSpec:
    if not isinstance(raw, Mapping):
        raise Invalid((), "expected a mapping with version, entity, source, collection and fields")
    check_version(raw)
    model = validate(RawMapping, raw, ())
    entity = ENTITIES.get(model.entity)
    if entity is None:
        raise Invalid(("entity",), f"unknown entity {model.entity!r}{suggest(model.entity, ENTITIES)}")
    if not _NAME.fullmatch(model.source):
        raise Invalid(("source",), "must be a lower-case source name such as 'notion'")
    fields = []
    for name, rule in model.fields.items():
        field = entity.fields.get(name)
        if field is None:
            raise Invalid(("fields", name), f"not a {entity.name} field{suggest(name, entity.fields)}")
        fields.append(_rule(name, field, rule, ("fields", name)))
    missing = [name for name, f in entity.fields.items() if f.required and name not in model.fields]
    if missing:
        raise Invalid(("fields",), f"missing required {entity.name} field {', '.join(map(repr, missing))}")
    links = []
    for name, rule in model.links.items():
        if not _NAME.fullmatch(name):
            raise Invalid(("links", name), "a link is named after a source, such as 'quickbooks'")
        if name == model.source:
            raise Invalid(("links", name), "a record cannot link to its own source")
        links.append(_rule(name, LINK_FIELD, rule, ("links", name)))
    return MappingSpec(
        file,
        model.version,
        entity,
        model.source,
        model.collection,
        tuple(fields),
        tuple(links),
        model.description,
    )


def _rule(name: str, field: FieldDef, raw: RawRule, loc: Loc) -> Rule:
    given = raw.model_fields_set
    if "from_" in given and "value" in given:
        raise Invalid(loc, "give either 'from' or 'value', not both")
    if "from_" not in given and "value" not in given:
        raise Invalid(loc, "needs 'from' (where to read) or 'value' (a constant)")
    if "value" in given and raw.value is None:
        raise Invalid((*loc, "value"), "must not be null")
    sources = _sources(raw.from_, (*loc, "from")) if "from_" in given else ()
    steps = _steps(raw.transform, (*loc, "transform"))
    rule = Rule(name, format_loc(loc), field, sources, raw.value, tuple(s for s, _ in steps))
    _check_output(rule, steps, (*loc, "value") if "value" in given else (*loc, "from"))
    return rule


def _sources(raw: Any, loc: Loc) -> tuple[KeyPath, ...]:
    if isinstance(raw, list):
        if not raw:
            raise Invalid(loc, "an empty list names nothing to read")
        return tuple(_path(item, (*loc, i)) for i, item in enumerate(raw))
    return (_path(raw, loc),)


def _path(raw: Any, loc: Loc) -> KeyPath:
    try:
        return KeyPath.parse(raw)
    except PathSyntaxError as exc:
        raise Invalid((*loc, *exc.loc), exc.reason) from None


def _steps(raw: Any, loc: Loc) -> list[tuple[Step, Loc]]:
    if raw is None:
        return []
    if isinstance(raw, list):
        return [_step(item, (*loc, i)) for i, item in enumerate(raw)]
    return [_step(raw, loc)]


def _step(raw: Any, loc: Loc) -> tuple[Step, Loc]:
    if isinstance(raw, str):
        name, args, given = raw, None, False
    elif isinstance(raw, Mapping) and len(raw) == 1:
        [(name, args)] = raw.items()
        given = True
        if not isinstance(name, str):
            raise Invalid(loc, "a transform name must be a string")
    elif isinstance(raw, Mapping):
        keys = ", ".join(sorted(map(str, raw))) or "none"
        raise Invalid(loc, f"a step is one transform, 'name' or {{name: arguments}} (got keys: {keys})")
    else:
        raise Invalid(loc, "a transform is a name, {name: arguments} or a list of those")
    spec = REGISTRY.get(name)
    if spec is None:
        raise Invalid(loc, f"unknown transform {name!r}{suggest(name, REGISTRY)}")
    arg_loc = (*loc, name) if given else loc
    if spec.args is None:
        if given and args is not None:
            raise Invalid(arg_loc, f"transform {name!r} takes no arguments")
        return Step(spec, None), arg_loc
    if args is None:
        args = {}
    elif not isinstance(args, Mapping):
        if spec.args.shorthand is None:
            raise Invalid(arg_loc, f"transform {name!r} takes an object of arguments")
        args = {spec.args.shorthand: args}
    return Step(spec, validate(spec.args, args, arg_loc)), arg_loc


def _check_output(rule: Rule, steps: list[tuple[Step, Loc]], value_loc: Loc) -> None:
    field = rule.field
    if not steps:
        if rule.sources and not issubclass(str, field.types):
            makers = [t.name for t in REGISTRY.values() if t.returns and set(t.returns) <= set(field.types)]
            hint = f", such as {' or '.join(map(repr, makers))}" if makers else ""
            raise Invalid(value_loc[:-1], f"needs a transform that produces {field.type_name}{hint}")
        literals: list[tuple[Loc, Any]] = [(value_loc, rule.constant)] if not rule.sources else []
        if literals and not isinstance(rule.constant, field.types):
            raise Invalid(value_loc, f"must be {field.type_name} for field {rule.name!r}")
    else:
        last, last_loc = steps[-1]
        returns = last.transform.returns
        if returns and not any(issubclass(r, field.types) for r in returns):
            produced = " or ".join(r.__name__ for r in returns)
            raise Invalid(
                last_loc,
                f"transform {last.transform.name!r} produces {produced}, "
                f"but field {rule.name!r} needs {field.type_name}",
            )
        literals = [((*last_loc, *where), value) for where, value in last.literals()]
    if field.choices:
        for where, value in literals:
            if value is not None and value not in field.choices:
                allowed = " or ".join(field.choices)
                raise Invalid(where, f"{value!r} is not a valid {rule.name} (expected {allowed})")
