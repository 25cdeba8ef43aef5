"""Column types that make SQLite and PostgreSQL give back the same Python values.

``UTCDateTime`` always returns timezone-aware UTC (SQLite keeps no offset). ``TaggedJSON`` stores
vendor records whose values include ``Decimal``, ``date`` and ``datetime`` losslessly: such values are
written as one-key tagged objects and turned back into their type when read.

>>> decode_tagged(encode_tagged({"balance": Decimal("12.50")}))
{'balance': Decimal('12.50')}
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["TaggedJSON", "UTCDateTime", "decode_tagged", "encode_tagged", "utcnow"]

_DECIMAL, _DATE, _DATETIME, _TIME, _LITERAL = "$decimal", "$date", "$datetime", "$time", "$literal"
_TAGS = frozenset({_DECIMAL, _DATE, _DATETIME, _TIME, _LITERAL})


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def encode_tagged(value: Any) -> Any:
    """Turn ``value`` into plain JSON values, tagging the types JSON cannot carry.

    A dict that happens to look like a tag (one key such as ``"$decimal"``) is wrapped in
    ``{"$literal": ...}`` so it never decodes into something else.
    """
    # bool before int and datetime before date: both are subclasses.
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Decimal):
        return {_DECIMAL: str(value)}
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {_DATE: value.isoformat()}
    if isinstance(value, time):
        return {_TIME: value.isoformat()}
    if isinstance(value, dict):
        encoded = {_key(k): encode_tagged(v) for k, v in value.items()}
        if len(encoded) == 1 and next(iter(encoded)) in _TAGS:
            return {_LITERAL: encoded}
        return encoded
    if isinstance(value, list | tuple):
        return [encode_tagged(v) for v in value]
    raise TypeError(f"cannot store a value of type {type(value).__name__} in a JSON column")


def decode_tagged(value: Any) -> Any:
    """Inverse of :func:`encode_tagged`."""
    if isinstance(value, list):
        return [decode_tagged(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        tag, inner = next(iter(value.items()))
        if tag == _DECIMAL:
            return Decimal(inner)
        if tag == _DATETIME:
            return datetime.fromisoformat(inner)
        if tag == _DATE:
            return date.fromisoformat(inner)
        if tag == _TIME:
            return time.fromisoformat(inner)
        if tag == _LITERAL:
            return {k: decode_tagged(v) for k, v in inner.items()}
    return {k: decode_tagged(v) for k, v in value.items()}


def _key(key: Any) -> str:
    if not isinstance(key, str):
        # JSON would silently turn 1 into "1"; refuse so a round trip never changes keys.
        raise TypeError(f"JSON object keys must be strings, got {type(key).__name__}")
    return key


class TaggedJSON(TypeDecorator[Any]):
    """JSON column whose Decimal/date/datetime/time values survive a round trip unchanged.

    Plain ``json`` (not ``jsonb``) on PostgreSQL: it keeps key order and any string verbatim; reporting
    views can still read it with ``->``/``->>``.
    """

    impl = JSON(none_as_null=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else encode_tagged(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else decode_tagged(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamp stored in UTC and always returned timezone-aware UTC.

    Naive datetimes are refused on the way in: the hub's rule is aware UTC everywhere, and guessing a
    zone would silently shift times. SQLite stores the UTC wall time as text, so ordering and
    ``<`` comparisons between stored values stay correct.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; the store needs timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
