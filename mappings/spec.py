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
from mappings.entities import ENTITIES, EntitySchema, FieldDef
from mappings.filters import Filter
from mappings.paths import KeyPath, ListPath, PathSyntaxError
from mappings.transforms import REGISTRY, Step

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


LINK_FIELD = FieldDef("link", (str,))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RawRule(_Model):
    """A rule as written; its parts are parsed and checked by ``compile_mapping``."""

    from_: Any = Field(None, alias="from")
    value: Any = None
    transform: Any = None
    description: str | None = None
    where: Any = None
    each: dict[str, RawRule] | None = None
    pluck: Any = None


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
    """A compiled rule: where to read, what to do, and what the result must look like.

    For a list field ``sources`` are ``ListPath``s; ``where`` keeps matching items; then either
    ``each`` builds one record per item or ``pluck`` picks a value in it, and ``steps`` run per item.
    """

    name: str
    key_path: str
    field: FieldDef
    sources: tuple[KeyPath | ListPath, ...] = ()
    constant: Any = None
    steps: tuple[Step, ...] = ()
    where: Filter | None = None
    each: tuple[Rule, ...] | None = None
    pluck: KeyPath | None = None


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
    fields = _rules(entity, model.fields, ("fields",), depth=0)
    links = []
    for name, rule in model.links.items():
        if not _NAME.fullmatch(name):
            raise Invalid(("links", name), "a link is named after a source, such as 'quickbooks'")
        if name == model.source:
            raise Invalid(("links", name), "a record cannot link to its own source")
        links.append(_rule(name, LINK_FIELD, rule, ("links", name), 0))
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


def _rules(schema: EntitySchema, raw: Mapping[str, RawRule], loc: Loc, depth: int) -> list[Rule]:
    rules = []
    for name, rule in raw.items():
        field = schema.fields.get(name)
        if field is None:
            raise Invalid((*loc, name), f"not a {schema.name} field{suggest(name, schema.fields)}")
        rules.append(_rule(name, field, rule, (*loc, name), depth))
    missing = [name for name, f in schema.fields.items() if f.required and name not in raw]
    if missing:
        raise Invalid(loc, f"missing required {schema.name} field {', '.join(map(repr, missing))}")
    return rules


_LIST_KEYS = ("where", "each", "pluck")


def _rule(name: str, field: FieldDef, raw: RawRule, loc: Loc, depth: int) -> Rule:
    given = raw.model_fields_set
    if field.is_list:
        return _list_rule(name, field, raw, loc, depth)
    for key in _LIST_KEYS:
        if key in given:
            raise Invalid(
                (*loc, key), f"'{key}' is only for list fields, and {name!r} holds one {field.type_name}"
            )
    if "from_" in given and "value" in given:
        raise Invalid(loc, "give either 'from' or 'value', not both")
    if "from_" not in given and "value" not in given:
        raise Invalid(loc, "needs 'from' (where to read) or 'value' (a constant)")
    if "value" in given and raw.value is None:
        raise Invalid((*loc, "value"), "must not be null")
    sources = _sources(raw.from_, (*loc, "from"), depth, KeyPath.parse) if "from_" in given else ()
    steps = _steps(raw.transform, (*loc, "transform"), depth)
    rule = Rule(name, format_loc(loc), field, sources, raw.value, tuple(s for s, _ in steps))
    value_loc = (*loc, "value") if "value" in given else (*loc, "from")
    _check_output(name, field, bool(sources), raw.value, steps, value_loc)
    return rule


def _list_rule(name: str, field: FieldDef, raw: RawRule, loc: Loc, depth: int) -> Rule:
    given = raw.model_fields_set
    if "value" in given:
        raise Invalid((*loc, "value"), "a list field reads its items with 'from'")
    if "from_" not in given:
        raise Invalid(loc, "needs 'from' (where the list is)")
    sources = _sources(raw.from_, (*loc, "from"), depth, ListPath.parse)
    where = None
    if "where" in given:
        try:
            where = Filter.parse(raw.where)
        except PathSyntaxError as exc:
            raise Invalid((*loc, "where", *exc.loc), exc.reason) from None
    key_path = format_loc(loc)
    if field.item is not None:
        records = f"{name!r} is {field.type_name}"
        if "pluck" in given:
            raise Invalid((*loc, "pluck"), f"{records}; build them with 'each', not 'pluck'")
        if "transform" in given:
            raise Invalid((*loc, "transform"), f"{records}; put transforms on the rules inside 'each'")
        if raw.each is None:
            raise Invalid(loc, f"{records}: needs 'each' with a rule per {field.item.name} field")
        each = _rules(field.item, raw.each, (*loc, "each"), depth + 1)
        return Rule(name, key_path, field, sources, where=where, each=tuple(each))
    if "each" in given:
        raise Invalid(
            (*loc, "each"), f"'each' builds records, but {name!r} is {field.type_name}; use 'pluck'"
        )
    pluck = None
    if "pluck" in given:
        pluck = _path(raw.pluck, (*loc, "pluck"), KeyPath.parse)
        if pluck.up:
            raise Invalid((*loc, "pluck"), "'pluck' reads inside each item; '^' cannot be used here")
    steps = _steps(raw.transform, (*loc, "transform"), depth)
    item = FieldDef(name, field.item_types, choices=field.choices)
    _check_output(name, item, True, None, steps, (*loc, "from"))
    return Rule(name, key_path, field, sources, None, tuple(s for s, _ in steps), where, None, pluck)


def _sources(raw: Any, loc: Loc, depth: int, parse: Any) -> tuple[Any, ...]:
    if isinstance(raw, list):
        if not raw:
            raise Invalid(loc, "an empty list names nothing to read")
        paths = [(_path(item, (*loc, i), parse), (*loc, i)) for i, item in enumerate(raw)]
    else:
        paths = [(_path(raw, loc, parse), loc)]
    for path, where in paths:
        _check_reach(path, depth, where)
    return tuple(path for path, _ in paths)


def _path(raw: Any, loc: Loc, parse: Any) -> Any:
    try:
        return parse(raw)
    except PathSyntaxError as exc:
        raise Invalid((*loc, *exc.loc), exc.reason) from None


def _check_reach(path: KeyPath | ListPath, depth: int, loc: Loc) -> None:
    if path.up and not depth:
        raise Invalid(
            loc, f"'^' in {str(path)!r} reaches the record around this one; only rules inside 'each' have one"
        )
    if path.up > depth:
        raise Invalid(
            loc, f"{str(path)!r} climbs {path.up} levels, but this rule is {depth} deep inside 'each'"
        )
    if isinstance(path, KeyPath) and any(s.endswith("[]") for s in path.segments):
        raise Invalid(loc, f"'[]' in {str(path)!r} fans out over a list, which only a list field can hold")


def _steps(raw: Any, loc: Loc, depth: int) -> list[tuple[Step, Loc]]:
    if raw is None:
        return []
    if isinstance(raw, list):
        return [_step(item, (*loc, i), depth) for i, item in enumerate(raw)]
    return [_step(raw, loc, depth)]


def _step(raw: Any, loc: Loc, depth: int) -> tuple[Step, Loc]:
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
    bound = validate(spec.args, args, arg_loc)
    for key in type(bound).model_fields:
        if isinstance(path := getattr(bound, key), KeyPath):
            _check_reach(path, depth, (*arg_loc, key))
    return Step(spec, bound), arg_loc


def _check_output(
    name: str, field: FieldDef, sources: bool, constant: Any, steps: list[tuple[Step, Loc]], value_loc: Loc
) -> None:
    if not steps:
        if sources and not issubclass(str, field.types):
            makers = [t.name for t in REGISTRY.values() if t.returns and set(t.returns) <= set(field.types)]
            hint = f", such as {' or '.join(map(repr, makers))}" if makers else ""
            raise Invalid(value_loc[:-1], f"needs a transform that produces {field.type_name}{hint}")
        literals: list[tuple[Loc, Any]] = [(value_loc, constant)] if not sources else []
        if literals and not isinstance(constant, field.types):
            raise Invalid(value_loc, f"must be {field.type_name} for field {name!r}")
    else:
        last, last_loc = steps[-1]
        returns = last.transform.returns
        if returns and not any(issubclass(r, field.types) for r in returns):
            produced = " or ".join(r.__name__ for r in returns)
            raise Invalid(
                last_loc,
                f"transform {last.transform.name!r} produces {produced}, "
                f"but field {name!r} needs {field.type_name}",
            )
        literals = [((*last_loc, *where), value) for where, value in last.literals()]
    if field.choices:
        for where, value in literals:
            if value is not None and value not in field.choices:
                allowed = " or ".join(field.choices)
                raise Invalid(where, f"{value!r} is not a valid {name} (expected {allowed})")
