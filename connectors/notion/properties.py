"""Decode Notion page property values into plain Python values (the contract in CONTRACT.md).

    title / rich_text        -> str | None   (plain_text joined; empty -> None)
    number                   -> int | Decimal | None
    select / status          -> option name | None
    multi_select             -> [option name]
    date                     -> {"start": date|datetime, "end": …|None, "time_zone": str|None} | None
    email / phone_number/url -> str | None
    checkbox                 -> bool
    people                   -> [{"id", "name", "email"}]
    relation                 -> [page id]
    formula                  -> the decoded result (string, number, boolean or date)
    rollup                   -> number, date, or a list of decoded elements
    unique_id                -> "CL-12" (or "12" without prefix)
    created_time / last_edited_time -> datetime (UTC)
    created_by / last_edited_by     -> {"id", "name"}
    files                    -> [url]

Shapes: https://developers.notion.com/reference/property-value-object
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.notion.models import PropertyValue

__all__ = [
    "PropertyDecodeError",
    "decode_date",
    "decode_item",
    "decode_number",
    "decode_properties",
    "decode_user",
    "decode_value",
]


class PropertyDecodeError(ValueError):
    """A property value does not have the documented shape."""


def decode_properties(properties: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """``{property name: decoded value}`` for one page."""
    return {name: decode_value(prop.type, prop.payload, name=name) for name, prop in properties.items()}


def decode_value(type_: str, value: Any, *, name: str = "?") -> Any:
    """Decode the payload of one property value of type ``type_``.

    Unknown types (Notion adds some without a version bump) pass through unchanged.
    """
    decoder = _DECODERS.get(type_)
    if decoder is None:
        return value
    try:
        return decoder(value)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PropertyDecodeError(
            f"property {name!r} of type {type_!r} has an unexpected shape ({type(exc).__name__})") from None


_ONE_PER_ITEM = frozenset({"title", "rich_text", "relation", "people"})


def decode_item(item: dict[str, Any], *, name: str = "?") -> Any:
    """Decode one ``property_item`` of a paginated property-item list.

    Paginated types hold a single element per item (one rich text run, one page reference, one
    user), so ``relation`` gives a page id and ``people`` one user rather than lists.
    """
    try:
        kind = item["type"]
        value = item[kind]
    except (KeyError, TypeError):
        raise PropertyDecodeError(f"property {name!r} has a property item without a value") from None
    if kind in _ONE_PER_ITEM:
        decoded = decode_value(kind, [value], name=name)
        return decoded[0] if isinstance(decoded, list) else decoded
    return decode_value(kind, value, name=name)


def _rich_text(value: list[dict[str, Any]]) -> str | None:
    text = "".join(part.get("plain_text") or (part.get("text") or {}).get("content", "") for part in value)
    return text or None


def decode_number(value: Any) -> int | Decimal | None:
    """JSON numbers arrive as int or Decimal (the HTTP layer parses fractions as Decimal)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("boolean is not a number")
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):  # payloads parsed elsewhere; never keep binary floats
        return Decimal(str(value))
    raise TypeError(f"not a number: {type(value).__name__}")


def _option_name(value: dict[str, Any] | None) -> str | None:
    return None if value is None else value["name"]


def _parse_moment(text: str, zone: str | None) -> date | datetime:
    if "T" not in text:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        # Naive times are meant in ``time_zone`` (Notion echoes it when it was set); default UTC.
        try:
            moment = moment.replace(tzinfo=ZoneInfo(zone) if zone else UTC)
        except (ZoneInfoNotFoundError, ValueError):
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def decode_date(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """``{"start": "2023-02-23", "end": null, "time_zone": null}`` -> dates/datetimes (UTC)."""
    if value is None or value.get("start") is None:
        return None
    zone = value.get("time_zone")
    end = value.get("end")
    return {"start": _parse_moment(value["start"], zone),
            "end": _parse_moment(end, zone) if end else None,
            "time_zone": zone}


def _timestamp(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(UTC)


def decode_user(value: dict[str, Any]) -> dict[str, Any]:
    """A (possibly partial) user -> ``{"id", "name", "email"}``."""
    return {"id": value["id"], "name": value.get("name"),
            "email": (value.get("person") or {}).get("email")}


def _by_user(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else {"id": value["id"], "name": value.get("name")}


def _files(value: list[dict[str, Any]]) -> list[str]:
    urls = []
    for item in value:
        inner = item.get(item.get("type", ""), {}) or {}
        if inner.get("url"):  # a "file_upload" reference has no URL yet
            urls.append(inner["url"])
    return urls


def _formula(value: dict[str, Any]) -> Any:
    kind = value["type"]
    inner = value.get(kind)
    if kind == "number":
        return decode_number(inner)
    if kind == "date":
        return decode_date(inner)
    if kind == "boolean":
        return None if inner is None else bool(inner)
    return inner or None  # "string"


def _rollup(value: dict[str, Any]) -> Any:
    kind = value["type"]
    if kind == "number":
        return decode_number(value["number"])
    if kind == "date":
        return decode_date(value["date"])
    if kind == "array":
        return [decode_value(item["type"], item[item["type"]], name=f"rollup element {item['type']}")
                for item in value["array"]]
    return None  # "incomplete" / "unsupported": no usable value


def _unique_id(value: dict[str, Any]) -> str | None:
    number = value.get("number")
    if number is None:
        return None
    prefix = value.get("prefix")
    return f"{prefix}-{number}" if prefix else str(number)


def _text_or_none(value: Any) -> str | None:
    return value or None


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "title": _rich_text,
    "rich_text": _rich_text,
    "number": decode_number,
    "select": _option_name,
    "status": _option_name,
    "multi_select": lambda value: [option["name"] for option in value],
    "date": decode_date,
    "email": _text_or_none,
    "phone_number": _text_or_none,
    "url": _text_or_none,
    "checkbox": bool,
    "people": lambda value: [decode_user(user) for user in value],
    "relation": lambda value: [ref["id"] for ref in value],
    "formula": _formula,
    "rollup": _rollup,
    "unique_id": _unique_id,
    "created_time": _timestamp,
    "last_edited_time": _timestamp,
    "created_by": _by_user,
    "last_edited_by": _by_user,
    "files": _files,
    "button": lambda value: None,
    "verification": lambda value: None if value is None else value.get("state"),
}
