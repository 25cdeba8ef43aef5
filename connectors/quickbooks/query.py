"""Building QuickBooks Online query statements safely.

The query language is a small SQL look-alike (https://developer.intuit.com/app/developer/qbo/docs/learn/
explore-the-quickbooks-online-api/data-queries)::

    SELECT * FROM Customer WHERE Active IN (true, false) AND Id IN ('1', '2')
        ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000

Values are always rendered by ``literal``: strings single-quoted with ``'`` and ``\\`` escaped by a
backslash (Intuit: "use backslash to escape special characters like apostrophe",
https://developer.intuit.com/hub/blog/2017/02/08/deep-dive-sql-queries). Entity and property names
must be plain identifiers, so no caller-supplied text ever reaches the statement unquoted.

>>> select("Customer", [where("DisplayName", "=", "O'Brien Costumes")])
"SELECT * FROM Customer WHERE DisplayName = 'O\\\\'Brien Costumes'"
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

__all__ = [
    "MAX_RESULTS",
    "Value",
    "chunk_ids",
    "id_in",
    "identifier",
    "literal",
    "page",
    "quote",
    "select",
    "where",
]

MAX_RESULTS = 1000  # the most one query page may return
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
_OPERATORS = frozenset({"=", "<", ">", "<=", ">=", "LIKE", "IN"})

Value = str | int | Decimal | bool | datetime | date


def identifier(name: str) -> str:
    """An entity or property name (``Customer``, ``MetaData.LastUpdatedTime``); anything else is refused."""
    if not _IDENT.match(name):
        raise ValueError(f"not a QuickBooks entity or property name: {name!r}")
    return name


def quote(text: str) -> str:
    """A string literal: ``O'Brien`` -> ``'O\\'Brien'``."""
    if "\x00" in text:
        raise ValueError("query values cannot contain NUL characters")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def literal(value: Value) -> str:
    """Render one value: strings and times quoted, numbers and booleans bare."""
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes in queries must be timezone-aware")
        # Whole seconds, rounded down, so a ">=" filter never skips the second it names.
        return quote(value.astimezone(UTC).replace(microsecond=0).isoformat())
    if isinstance(value, date):
        return quote(value.isoformat())
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"cannot use {type(value).__name__} in a QuickBooks query")


def where(field: str, op: str, value: Value | Sequence[Value]) -> str:
    """One condition: ``where("Balance", ">", 0)``, ``where("Id", "IN", ["1", "2"])``."""
    op = op.upper()
    if op not in _OPERATORS:
        raise ValueError(f"unsupported query operator {op!r}")
    if op == "IN":
        if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
            raise ValueError("IN needs a non-empty list of values")
        return f"{identifier(field)} IN ({', '.join(literal(v) for v in value)})"
    if isinstance(value, Sequence) and not isinstance(value, str):
        raise ValueError(f"{op} takes a single value")
    return f"{identifier(field)} {op} {literal(value)}"  # type: ignore[arg-type]


def id_in(ids: Sequence[str]) -> str:
    """``Id IN ('1', '2')``: Ids are strings in QBO, so they are quoted."""
    return where("Id", "IN", list(ids))


def select(entity: str, conditions: Iterable[str] = (), *, order_by: str | None = None) -> str:
    """``SELECT * FROM <entity> [WHERE a AND b] [ORDERBY field [ASC|DESC]]`` (the language has no OR).

    ``conditions`` come from ``where``/``id_in``; ``order_by`` is a property name, optionally followed
    by ``ASC`` or ``DESC``.
    """
    statement = f"SELECT * FROM {identifier(entity)}"
    conditions = list(conditions)
    if conditions:
        statement += " WHERE " + " AND ".join(conditions)
    if order_by:
        field, _, direction = order_by.partition(" ")
        direction = direction.strip().upper()
        if direction not in {"", "ASC", "DESC"}:
            raise ValueError(f"bad ORDERBY direction {direction!r}")
        statement += f" ORDERBY {identifier(field)}" + (f" {direction}" if direction else "")
    return statement


def page(statement: str, start: int, size: int) -> str:
    """Add ``STARTPOSITION``/``MAXRESULTS`` (1-based; at most 1000 results a page)."""
    if start < 1 or not 1 <= size <= MAX_RESULTS:
        raise ValueError(f"STARTPOSITION must be >= 1 and MAXRESULTS 1..{MAX_RESULTS}")
    return f"{statement} STARTPOSITION {start} MAXRESULTS {size}"


def chunk_ids(ids: Iterable[str], size: int = 100) -> list[list[str]]:
    """Distinct ids (first occurrence order) in chunks of ``size`` for ``Id IN (...)`` queries."""
    if not 1 <= size <= MAX_RESULTS:
        raise ValueError(f"chunk size must be 1..{MAX_RESULTS}")
    distinct: list[str] = []
    seen: set[str] = set()
    for raw in ids:
        if not isinstance(raw, str) or not raw:
            raise ValueError(f"QuickBooks ids are non-empty strings, got {raw!r}")
        if raw not in seen:
            seen.add(raw)
            distinct.append(raw)
    return [distinct[i:i + size] for i in range(0, len(distinct), size)]
