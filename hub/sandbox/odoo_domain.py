"""Odoo search domains evaluated over the simulator's records.

A domain is a list in Polish (prefix) notation: leaves ``[field, operator, value]`` joined by an
implicit ``"&"``, or by explicit ``"&"``, ``"|"`` (two operands) and ``"!"`` (one)
(https://www.odoo.com/documentation/19.0/developer/reference/backend/orm.html#search-domains).
Fields may follow many2one links (``"location_id.usage"``). Operators: ``=``, ``!=``, ``<``, ``<=``,
``>``, ``>=``, ``in``, ``not in``, ``like``, ``ilike``, ``not like``, ``not ilike``, ``=like``,
``=ilike``. As in SQL, a missing value (``False``) never compares; ``!=`` matches it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["DomainError", "compile_domain", "parse_value"]

OPERATORS = {
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "like",
    "ilike",
    "not like",
    "not ilike",
    "=like",
    "=ilike",
}
Lookup = Callable[[str, str], tuple[str, str | None]]  # (model, field) -> (type, relation); KeyError if none
Fetch = Callable[[str, int], dict[str, Any] | None]
Predicate = Callable[[dict[str, Any]], bool]


class DomainError(ValueError):
    """An invalid domain (Odoo answers ``ValueError``)."""


def parse_value(kind: str, value: Any) -> Any:
    """A domain or written value as the records store it (datetimes aware UTC, floats Decimal)."""
    if value is False or value is None:
        return False
    if kind == "datetime" and isinstance(value, str):
        text = value if len(value) > 10 else value + " 00:00:00"
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if kind in ("float", "monetary") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def _pattern(value: Any, operator: str) -> re.Pattern[str]:
    text = "" if value is False else str(value)
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in text)
    if not operator.startswith("="):
        body = f".*{body}.*"
    return re.compile(body, (re.IGNORECASE if "ilike" in operator else 0) | re.DOTALL)


def _compare(kind: str, stored: Any, operator: str, value: Any) -> bool:
    if operator in ("in", "not in"):
        values = value if isinstance(value, (list, tuple)) else [value]
        wanted = {parse_value(kind, v) for v in values}
        hit = bool(set(stored) & wanted) if isinstance(stored, list) else stored in wanted
        return hit if operator == "in" else not hit
    if "like" in operator:
        text = "" if stored is False else str(stored)
        hit = bool(_pattern(value, operator).fullmatch(text)) and stored is not False
        return not hit if operator.startswith("not") else hit
    target = parse_value(kind, value)
    if isinstance(stored, list):  # x2many: = id means "contains", = False means "empty"
        hit = (not stored) if target is False else target in stored
        return hit if operator == "=" else not hit
    if operator == "=":
        return bool(stored == target) if target is not False else stored is False or stored is None
    if operator == "!=":
        return bool(stored != target) if target is not False else stored not in (False, None)
    if stored is False or stored is None or target is False:
        return False
    try:
        return bool(
            {"<": stored < target, "<=": stored <= target, ">": stored > target, ">=": stored >= target}[
                operator
            ]
        )
    except TypeError as exc:
        raise DomainError(f"cannot compare {stored!r} with {value!r}") from exc


def _leaf(model: str, leaf: list[Any], lookup: Lookup, fetch: Fetch) -> Predicate:
    if len(leaf) != 3 or not isinstance(leaf[0], (str, int)) or leaf[1] not in OPERATORS:
        raise DomainError(f"Invalid leaf {tuple(leaf)!r}")
    path, operator, value = leaf
    if isinstance(path, int):  # (1, '=', 1) and (0, '=', 1): TRUE_LEAF and FALSE_LEAF
        return lambda _record: path == value
    names, current, hops = path.split("."), model, []
    for depth, name in enumerate(names):
        try:
            kind, relation = lookup(current, name)
        except KeyError:
            raise DomainError(f"Invalid field {current}.{name} in leaf {tuple(leaf)!r}") from None
        hops.append((current, name, kind, relation))
        if depth < len(names) - 1:
            if kind != "many2one" or relation is None:
                raise DomainError(f"Invalid field {current}.{name} in leaf {tuple(leaf)!r}")
            current = relation

    def test(record: dict[str, Any]) -> bool:
        row: dict[str, Any] | None = record
        for _model, name, _kind, relation in hops[:-1]:
            target = row.get(name, False) if row else False
            row = fetch(relation or "", target) if target else None
        _model, name, kind, relation = hops[-1]
        stored = row.get(name, False) if row is not None else False
        if (
            kind == "many2one"
            and isinstance(value, str)
            and "like" not in operator
            and operator in ("=", "!=")
        ):
            label = fetch(relation or "", stored) if stored else None
            hit = label is not None and label.get("display_name") == value
            return hit if operator == "=" else not hit
        if kind == "many2one" and "like" in operator:
            label = fetch(relation or "", stored) if stored else None
            stored = label.get("display_name", False) if label else False
        return _compare(kind, stored, operator, value)

    return test


def compile_domain(model: str, domain: Any, lookup: Lookup, fetch: Fetch) -> Predicate:
    """A predicate over ``model`` records for ``domain``; ``DomainError`` if it is malformed."""
    if domain in (None, False):
        return lambda _record: True
    if not isinstance(domain, list):
        raise DomainError(f"Invalid domain {domain!r}")
    items, position = list(domain), 0

    def term() -> Predicate:
        nonlocal position
        if position >= len(items):
            raise DomainError(f"Invalid domain {domain!r}: an operator lacks operands")
        item = items[position]
        position += 1
        if item == "!":
            inner = term()
            return lambda r: not inner(r)
        if item in ("&", "|"):
            left, right = term(), term()
            return (lambda r: left(r) and right(r)) if item == "&" else (lambda r: left(r) or right(r))
        if isinstance(item, (list, tuple)):
            return _leaf(model, list(item), lookup, fetch)
        raise DomainError(f"Invalid domain term {item!r}")

    parts: list[Predicate] = []
    while position < len(items):
        parts.append(term())
    return lambda record: all(part(record) for part in parts)
