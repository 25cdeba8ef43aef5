"""Encode plain Python values as Notion property values for ``POST /v1/pages`` and ``PATCH``.

The reverse of ``properties.decode_value``, for the writable types::

    title / rich_text           str | None            -> [{"type": "text", "text": {"content": …}}]
    number                      int | Decimal | None  -> JSON number (Decimal sent digit for digit)
    select / status             option name | None    -> {"name": …} | null
    multi_select                [option name]         -> [{"name": …}]
    date                        date | datetime | {"start", "end", "time_zone"} | None
    checkbox                    bool                  -> true / false
    url / email / phone_number  str | None
    relation                    [page id]             -> [{"id": …}]
    people                      [user id]             -> [{"object": "user", "id": …}]

Shapes: https://developers.notion.com/reference/page-property-values (request limits:
https://developers.notion.com/reference/request-limits: 2,000 characters per text object,
100 elements per array).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["PropertyEncodeError", "dumps", "encode_properties", "encode_value", "text"]

TEXT_LIMIT = 2000  # characters per rich text object
ARRAY_LIMIT = 100  # elements per array (rich text runs, relations, people, options)


class PropertyEncodeError(ValueError):
    """A value cannot be written to a property of that type (names the property, never the value)."""


def encode_properties(schema_types: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: Notion property value}`` for ``values``, typed by ``schema_types`` (name -> type).

    >>> encode_properties({"Order": "title", "Total": "number"}, {"Order": "O-7", "Total": Decimal("1.5")})
    {'Order': {'title': [{'type': 'text', 'text': {'content': 'O-7'}}]}, 'Total': {'number': Decimal('1.5')}}

    Send the result with ``dumps`` (``json.dumps`` cannot encode ``Decimal``).
    """
    encoded: dict[str, Any] = {}
    for name, value in values.items():
        type_ = schema_types.get(name)
        if type_ is None:
            raise PropertyEncodeError(f"property {name!r} is not in the data source schema")
        encoded[name] = {type_: encode_value(type_, value, name=name)}
    return encoded


def encode_value(type_: str, value: Any, *, name: str = "?") -> Any:
    """The payload (what goes under the ``type_`` key) of one property value."""
    encoder = _ENCODERS.get(type_)
    if encoder is None:
        raise PropertyEncodeError(f"property {name!r} of type {type_!r} cannot be written")
    try:
        return encoder(value)
    except (TypeError, ValueError) as exc:
        raise PropertyEncodeError(f"property {name!r} of type {type_!r}: {exc}") from None


def text(value: str | None) -> list[dict[str, Any]]:
    """A string as rich text runs of at most 2,000 characters each; ``None`` or ``""`` clears."""
    if value is None:
        return []
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    runs = [{"type": "text", "text": {"content": value[i:i + TEXT_LIMIT]}}
            for i in range(0, len(value), TEXT_LIMIT)]
    return _capped(runs)


def _capped(items: list[Any]) -> list[Any]:
    if len(items) > ARRAY_LIMIT:
        raise ValueError(f"{len(items)} elements, Notion accepts at most {ARRAY_LIMIT}")
    return items


def _number(value: Any) -> int | Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        # floats are refused: money and quantities are Decimal in the hub, never binary floats
        raise TypeError(f"expected int or Decimal, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("not a finite number")
    return value


def _string(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    return value


def _option(value: Any) -> dict[str, str] | None:
    name = _string(value)
    if name is not None and "," in name:
        raise ValueError("option names cannot contain commas")
    return None if name is None else {"name": name}


def _options(value: Any) -> list[dict[str, str]]:
    return _capped([option for option in (_option(item) for item in _sequence(value)) if option])


def _sequence(value: Any) -> Sequence[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | set | frozenset):
        raise TypeError(f"expected a list, not {type(value).__name__}")
    return list(value)


def _ids(value: Any) -> list[str]:
    ids = list(dict.fromkeys(_sequence(value)))  # Notion keeps duplicates; a relation should not
    for item in ids:
        if not isinstance(item, str) or not item:
            raise TypeError("ids must be non-empty strings")
    return _capped(ids)


def _moment(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        if "T" in value:
            datetime.fromisoformat(value)
        else:
            date.fromisoformat(value)
        return value
    raise TypeError(f"expected a date or datetime, not {type(value).__name__}")


def _date(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        if value.get("start") is None:
            raise ValueError("a date range needs a start")
        out: dict[str, Any] = {"start": _moment(value["start"])}
        if value.get("end") is not None:
            out["end"] = _moment(value["end"])
        if value.get("time_zone"):
            out["time_zone"] = value["time_zone"]
        return out
    return {"start": _moment(value)}


def _checkbox(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, not {type(value).__name__}")
    return value


_ENCODERS: dict[str, Any] = {
    "title": text,
    "rich_text": text,
    "number": _number,
    "select": _option,
    "status": _option,
    "multi_select": _options,
    "date": _date,
    "checkbox": _checkbox,
    "url": _string,
    "email": _string,
    "phone_number": _string,
    "relation": lambda value: [{"id": ref} for ref in _ids(value)],
    "people": lambda value: [{"object": "user", "id": ref} for ref in _ids(value)],
}


def dumps(body: Any) -> bytes:
    """JSON for a request body, with ``Decimal`` written as a JSON number digit for digit.

    ``json.dumps`` (and so ``httpx``'s ``json=``) refuses ``Decimal``, and a ``default`` hook can
    only hand back a float, which would round ``12.10`` to whatever binary can hold.
    """
    return _encode(body).encode()


def _encode(value: Any) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("NaN and infinity are not JSON numbers")
        return format(value, "f")  # plain notation: Decimal("1E+2") prints as 100, not 1E+2
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
