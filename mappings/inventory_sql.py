"""The SQL inventory mapping: one read-only SELECT per canonical inventory entity.

A shop whose stock lives in its own database describes, in one YAML file, how to read each canonical
entity (``connectors.inventory``) out of it. Each query aliases the shop's columns to the canonical
column names; the SQL connector runs it and converts the values::

    version: 1
    timezone: Europe/London        # zone of timestamps stored without one (default UTC)
    description: optional text
    entities:
      items:
        query: |
          SELECT code AS sku, title AS name, uom AS unit, ...
          FROM products
      stock:
        query: SELECT product_code AS sku, bin AS location, qty AS on_hand FROM stock_on_hand

``items`` and ``stock`` are required, every other entity is optional (see ``SQL_INVENTORY_ENTITIES`` for
their columns). A query is one ``SELECT`` or ``WITH ... SELECT`` (a single trailing ``;`` is allowed);
its only bind parameter is ``:now`` (the read time, in the mapping's time zone). Checked here, without a
database: the YAML shape (unknown keys are errors), entity names, that each query is a single read-only
statement with known parameters, and that each required column is named somewhere in it. The
connector's ``validate()`` then checks every query against the database itself at start-up.

>>> spec = parse_inventory_sql('''
... version: 1
... entities:
...   items: {query: "SELECT code AS sku, title AS name, 'pc' AS unit, kind, make_or_buy,
...                   lead AS lead_time_days FROM products"}
...   stock: {query: "SELECT code AS sku, 'main' AS location, qty AS on_hand FROM products"}
... ''', "shop.sql.yaml")
>>> sorted(spec.queries)
['items', 'stock']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from hub.errors import ConfigError
from mappings.checks import Invalid, Loc, check_version, located, read_yaml, suggest, validate

__all__ = [
    "SQL_INVENTORY_ENTITIES",
    "SQL_PARAMETERS",
    "SqlInventoryMapping",
    "load_inventory_sql",
    "parse_inventory_sql",
]

SQL_PARAMETERS = ("now",)


@dataclass(frozen=True)
class SqlEntity:
    """The result columns a query for one canonical entity may return, and which it must."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    mandatory_entity: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def _entity(name: str, required: str, optional: str = "", *, mandatory: bool = False) -> SqlEntity:
    return SqlEntity(name, tuple(required.split()), tuple(optional.split()), mandatory)


# ``ref`` (optional wherever the canonical record keeps provenance) is the shop's own key for the row;
# without it the connector builds one from the natural key.
SQL_INVENTORY_ENTITIES: Mapping[str, SqlEntity] = {
    e.name: e
    for e in (
        _entity("items", "sku name unit kind make_or_buy lead_time_days", "safety_stock ref", mandatory=True),
        _entity("stock", "sku location on_hand", "reserved ref", mandatory=True),
        _entity("supplies", "sku quantity expected_at kind reference", "confirmed ref"),
        _entity("demands", "sku quantity needed_at kind reference", "ref"),
        _entity("boms", "sku output_quantity", "ref"),
        _entity("bom_lines", "sku component_sku quantity", "scrap_percent"),
        _entity("operations", "sku sequence name work_center run_minutes_per_unit", "setup_minutes"),
        _entity("work_centers", "code name calendar_id", "capacity efficiency ref"),
        _entity("calendars", "id name timezone", "ref"),
        _entity("calendar_hours", "calendar_id weekday start end"),
        _entity("holidays", "calendar_id start name", "end"),
        _entity("loads", "work_center start end reference", "ref"),
    )
}


@dataclass(frozen=True)
class SqlInventoryMapping:
    """A validated SQL inventory mapping file; what ``SqlInventoryConnector`` runs.

    ``queries`` maps each entity the file declares to its SQL (trailing ``;`` removed).
    """

    file: str
    version: int
    timezone: str
    queries: Mapping[str, str]
    description: str | None = None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _RawQuery(_Model):
    query: str = Field(min_length=1)
    description: str | None = None


class _RawFile(_Model):
    version: int
    timezone: str = "UTC"
    description: str | None = None
    entities: dict[str, _RawQuery]


def load_inventory_sql(path: Path | str) -> SqlInventoryMapping:
    """Read and validate a mapping file; messages name it by its file name."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"SQL inventory mapping {path} does not exist")
    return parse_inventory_sql(path.read_text(encoding="utf-8"), path.name)


def parse_inventory_sql(text: str, file: str) -> SqlInventoryMapping:
    """Validate one mapping file's text; raises ``MappingError(file, key.path, reason)``."""
    data, lines = read_yaml(text, file)
    try:
        return _compile(data, file)
    except Invalid as exc:
        raise located(exc, file, lines) from None


def _compile(raw: Any, file: str) -> SqlInventoryMapping:
    if not isinstance(raw, Mapping):
        raise Invalid((), "expected a mapping with version and entities")
    check_version(raw)
    model = validate(_RawFile, raw, ())
    try:
        ZoneInfo(model.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(("timezone",), f"unknown time zone {model.timezone!r}") from None
    queries: dict[str, str] = {}
    for name, entry in model.entities.items():
        entity = SQL_INVENTORY_ENTITIES.get(name)
        if entity is None:
            hint = suggest(name, SQL_INVENTORY_ENTITIES)
            raise Invalid(("entities", name), f"unknown entity {name!r}{hint}")
        queries[name] = check_query(entry.query, entity, ("entities", name, "query"))
    missing = [n for n, e in SQL_INVENTORY_ENTITIES.items() if e.mandatory_entity and n not in queries]
    if missing:
        raise Invalid(("entities",), f"missing required entity {', '.join(map(repr, missing))}")
    for name in ("calendar_hours", "holidays"):
        if name in queries and "calendars" not in queries:
            raise Invalid(("entities", name), "belongs to a calendar: map 'calendars' too")
    return SqlInventoryMapping(file, model.version, model.timezone, queries, model.description)


# One token of SQL that is not code: comments, string literals, quoted identifiers, PostgreSQL
# dollar-quoted strings. Everything else is code that the checks below read.
_NOT_CODE = re.compile(
    r"""--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|(\$(?:[A-Za-z_]\w*)?\$).*?\1""",
    re.DOTALL,
)
_UNTERMINATED = re.compile(r"/\*|'|\"|`|\$(?:[A-Za-z_]\w*)?\$")
# The same pattern SQLAlchemy's text() uses to find bind parameters, so both agree on what is one.
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?![:\w])")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# Statements (or clauses) that write, lock or change the schema. A SELECT can still carry them in
# PostgreSQL: data-modifying CTEs (WITH d AS (DELETE ... RETURNING *)), SELECT ... INTO, FOR UPDATE.
_WRITES = frozenset(
    "INSERT UPDATE DELETE MERGE INTO CREATE DROP ALTER TRUNCATE RENAME GRANT REVOKE "
    "ATTACH DETACH PRAGMA VACUUM REINDEX COPY CALL EXECUTE EXEC LOCK COMMIT ROLLBACK SAVEPOINT".split()
)


def check_query(sql: str, entity: SqlEntity, loc: Loc) -> str:
    """Check that ``sql`` is one read-only SELECT for ``entity``; returns it without a trailing ``;``."""
    # ``code`` is ``sql`` with comments and quoted text blanked out, position for position.
    code = list(sql)
    names: set[str] = set()
    for match in _NOT_CODE.finditer(sql):
        token = match.group()
        if token[0] in "\"`":
            names.add(token[1:-1].replace('""', '"').lower())
        code[match.start() : match.end()] = " " * len(token)
        if token[0] in "\"`'$":
            code[match.start()] = "_"
    masked = "".join(code)
    stray = _UNTERMINATED.search(masked)
    if stray:
        raise Invalid(loc, f"unterminated {'comment' if stray.group() == '/*' else 'quoted text'}")
    end = len(masked.rstrip())
    if end and masked[end - 1] == ";":
        sql, masked = sql[: end - 1] + sql[end:], masked[: end - 1]
    text = masked.strip()
    if not text:
        raise Invalid(loc, "contains no SQL")
    if ";" in text:
        raise Invalid(loc, "must be a single statement (found ';' between statements)")
    words = _WORD.findall(text)
    lead = _WORD.match(text)
    first = lead.group().upper() if lead else text.split()[0]
    if first not in ("SELECT", "WITH"):
        raise Invalid(loc, f"must start with SELECT or WITH, not {first!r}")
    writes = sorted({w.upper() for w in words} & _WRITES)
    if writes:
        raise Invalid(loc, f"only reads are allowed; found {', '.join(writes)}")
    if "?" in text or re.search(r"\$\d", text):
        raise Invalid(loc, "positional parameters are not supported; use :now")
    unknown = sorted({m.group(1) for m in _BIND.finditer(sql)} - set(SQL_PARAMETERS))
    if unknown:
        available = ", ".join(f":{p}" for p in SQL_PARAMETERS)
        given = ", ".join(f":{u}" for u in unknown)
        raise Invalid(loc, f"unknown parameter {given} (available: {available})")
    # A result column's name is written in the query unless a * expands to it; so a required name that
    # appears nowhere is certainly missing. Everything subtler is the start-up check's job.
    if "*" not in text:
        names |= {w.lower() for w in words}
        missing = [c for c in entity.required if c not in names]
        if missing:
            raise Invalid(
                loc,
                f"returns no {', '.join(map(repr, missing))} column "
                f"(alias the shop's column, e.g. SELECT qty AS {missing[0]})",
            )
    return sql.strip()
