"""A Notion API simulator (version 2025-09-03, "data sources") over the seeded costume shop.

Serves the vendor's own paths, headers and error objects so a connector cannot tell it from
``https://api.notion.com`` except by base URL:

* ``POST /v1/data_sources/{id}/query``: property, timestamp and compound filters, sorts, cursor paging;
* ``GET /v1/data_sources/{id}``, ``GET /v1/pages/{id}``, ``PATCH /v1/pages/{id}``, ``POST /v1/pages``;
* ``GET /v1/pages/{id}/properties/{property_id}``: paginated property items (relations past 25);
* ``GET /v1/users/me``, ``GET /v1/users``, ``GET /v1/users/{id}``.

Every request passes one gate (an ASGI middleware): fault knobs, ``Authorization: Bearer``,
``Notion-Version``, then a token-bucket rate limit answering 429 with ``Retry-After``, then the
``fail_at``/``stall_at`` trip wires (``hub.sandbox.tripwires``; ``/_sandbox/faults``).
Errors are Notion error objects (https://developers.notion.com/reference/status-codes).

>>> app = create_notion_app(enforce_rate_limit=False)
>>> app.state.bucket is None, len(app.state.shop.notion_clients())
(True, 64)
"""

from __future__ import annotations

import copy
import json
import math
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.sandbox.faults import Faults
from hub.sandbox.seed import NOTION_BOT_USER_ID, NOTION_SANDBOX_TOKEN, Shop, build_shop, notion_time
from hub.sandbox.tripwires import SandboxControl, serve_tripped
from hub.sandbox.webhooks import NotionWebhookSender

__all__ = ["NOTION_API_VERSION", "NotionError", "TokenBucket", "create_notion_app"]

NOTION_API_VERSION = "2025-09-03"
MAX_PAGE_SIZE = 100
PAGE_REFERENCE_LIMIT = 25  # page objects carry at most 25 relation references (has_more beyond)
# Compound filters nest at most two levels (developers.notion.com/reference/filter-data-source-entries).
MAX_FILTER_DEPTH = 2
_UUID_HEX = re.compile(r"^[0-9a-fA-F]{32}$")


class NotionError(Exception):
    """An error the simulator answers with a Notion error object."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self) -> Response:
        body = {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": str(uuid.uuid4()),
        }
        return _NotionJSON(body, status_code=self.status, headers=self.headers)


def _invalid(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


class _NotionJSON(JSONResponse):
    """JSON whose numbers may be Decimal (tests put them into pages) without going through float text."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=_json_default).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class TokenBucket:
    """About ``rate`` requests per second on average, with bursts up to ``burst``.

    >>> bucket = TokenBucket(3.0, 2, clock=lambda: 0.0)
    >>> [bucket.take() for _ in range(3)]
    [0.0, 0.0, 0.3333333333333333]
    """

    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens = float(burst)
        self._last = clock()

    def take(self) -> float:
        """Spend one token: 0.0 when allowed, else the seconds until one is available."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate


# ---------------------------------------------------------------------------------------------------
# The gate: faults, auth, version, rate limit (cross-cutting, so middleware rather than handler code)
# ---------------------------------------------------------------------------------------------------


class _Gate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app: Starlette = scope["app"]
        state = app.state
        state.requests.append((scope["method"], _route_template(app, scope)))
        error = await self._check(state, {k.decode().lower(): v.decode() for k, v in scope["headers"]})
        if error is not None:
            await error.response()(scope, receive, send)
            return
        if (tripped := state.faults.trip(scope["method"], scope["path"])) is not None:  # fail_at/stall_at
            fault = NotionError(500, "internal_server_error", "Unexpected error occurred.").response()
            await serve_tripped(tripped, self.app, scope, receive, send, fault)
            return
        await self.app(scope, receive, send)

    async def _check(self, state: Any, headers: dict[str, str]) -> NotionError | None:
        faults: Faults = state.faults
        decision = faults.decide()
        await faults.delay()
        if decision == "outage":
            return NotionError(503, "service_unavailable", "Notion is unavailable, try again later.")
        if decision == "error":
            return NotionError(500, "internal_server_error", "Unexpected error occurred.")
        if decision == "rate_limited":
            return _rate_limited(1)
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() != state.token:
            return NotionError(401, "unauthorized", "API token is invalid.")
        if not headers.get("notion-version"):
            return NotionError(
                400,
                "missing_version",
                "Notion-Version header failed validation: Notion-Version header should be defined, "
                "instead was `undefined`.",
            )
        if state.bucket is not None:
            wait = state.bucket.take()
            if wait > 0:
                return _rate_limited(max(1, math.ceil(wait)))
        return None


def _rate_limited(seconds: int) -> NotionError:
    # Retry-After is an integer number of seconds (developers.notion.com/reference/request-limits).
    return NotionError(
        429,
        "rate_limited",
        "You have been rate limited. Please try again in a few minutes.",
        {"Retry-After": str(seconds)},
    )


def _route_template(app: Starlette, scope: Scope) -> str:
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match != Match.NONE and isinstance(route, Route):
            return re.sub(r":\w+}", "}", route.path)  # "{property_id:path}" -> "{property_id}"
    return scope["path"]


# ---------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------


def _norm_id(raw: str, what: str) -> str:
    """Notion accepts ids with or without dashes; anything else fails path validation."""
    compact = raw.replace("-", "")
    if not _UUID_HEX.match(compact):
        raise _invalid(f'path failed validation: path.{what} should be a valid uuid, instead was `"{raw}"`.')
    return str(uuid.UUID(compact))


def _not_found(kind: str, object_id: str) -> NotionError:
    return NotionError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. "
        "Make sure the relevant pages and databases are shared with your integration.",
    )


async def _body(request: Request, *, required: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise _invalid("body failed validation: body should be an object, instead was `undefined`.")
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise NotionError(400, "invalid_json", "Error parsing JSON body.") from None
    if not isinstance(body, dict):
        raise _invalid("body failed validation: body should be an object.")
    return body


def _page_size(value: Any, where: str) -> int:
    if value is None:
        return MAX_PAGE_SIZE
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _invalid(f"{where}.page_size should be a positive integer, instead was `{value!r}`.")
    if value > MAX_PAGE_SIZE:
        raise _invalid(f"{where}.page_size should be ≤ `{MAX_PAGE_SIZE}`, instead was `{value}`.")
    return value


def _slice(
    items: list[Any], cursor: str | None, size: int, key: Callable[[Any], str]
) -> tuple[list[Any], str | None]:
    """One page of ``items`` from the item whose key is ``cursor``; the next cursor is the next item's key."""
    start = 0
    if cursor:
        keys = [key(item) for item in items]
        if cursor not in keys:
            raise _invalid(f"start_cursor provided is invalid: {cursor}")
        start = keys.index(cursor)
    chunk = items[start : start + size]
    following = items[start + size : start + size + 1]
    return chunk, (key(following[0]) if following else None)


def _list(results: list[Any], next_cursor: str | None, kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
        "type": kind,
        kind: extra,
    }


def _minute(moment: datetime) -> datetime:
    # Notion reports last_edited_time rounded down to the minute; incremental readers must overlap.
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def _parse_time(text: str) -> tuple[datetime, bool]:
    """An ISO 8601 date or date-time as an aware UTC instant, and whether it was a bare date."""
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(tzinfo=UTC), True
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise _invalid(
            f"body failed validation: `{text}` is not a valid ISO 8601 date or date-time."
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC), False


def _plain(rich: list[dict[str, Any]]) -> str:
    return "".join(item.get("plain_text", "") for item in rich)


def _rich(text: str) -> dict[str, Any]:
    annotations = {
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "code": False,
        "color": "default",
    }
    return {
        "type": "text",
        "text": {"content": text, "link": None},
        "annotations": annotations,
        "plain_text": text,
        "href": None,
    }


# ---------------------------------------------------------------------------------------------------
# Filters and sorts (https://developers.notion.com/reference/filter-data-source-entries)
# A filter is compiled once into a predicate, so a bad filter fails before any page is looked at.
# ---------------------------------------------------------------------------------------------------

Predicate = Callable[[Any], bool]


def _find_prop(schema: dict[str, Any], key: str) -> dict[str, Any] | None:
    if key in schema:
        return schema[key]
    for prop in schema.values():
        if key in (prop["id"], unquote(prop["id"])):
            return prop
    return None


def _scalar(value: dict[str, Any] | None) -> Any:
    """The comparable value of a stored property value."""
    if value is None:
        return None
    kind = value["type"]
    inner: Any = value.get(kind)
    if kind in ("title", "rich_text"):
        return _plain(inner or [])
    if kind in ("select", "status"):
        return inner["name"] if inner else None
    if kind == "multi_select":
        return [option["name"] for option in inner]
    if kind in ("people", "relation"):
        return [item["id"] for item in inner]
    if kind in ("created_by", "last_edited_by"):
        return [inner["id"]]
    if kind == "date":
        return _parse_time(inner["start"])[0] if inner else None
    if kind in ("created_time", "last_edited_time"):
        return _parse_time(inner)[0]
    if kind == "unique_id":
        return inner["number"]
    return inner  # number, checkbox, email, phone_number, url, formula, rollup


def _one(cond: Any, where: str) -> tuple[str, Any]:
    if not isinstance(cond, dict) or len(cond) != 1:
        raise _invalid(f"body failed validation: {where} should have exactly one condition.")
    return next(iter(cond.items()))


def _existence(op: str) -> Predicate | None:
    if op == "is_empty":
        return lambda v: v is None or v == "" or v == []
    if op == "is_not_empty":
        return lambda v: not (v is None or v == "" or v == [])
    return None


def _text_cond(cond: Any, now: datetime) -> Predicate:
    op, arg = _one(cond, "text filter")
    if (exists := _existence(op)) is not None:
        return exists
    if not isinstance(arg, str):
        raise _invalid(
            f"body failed validation: text filter `{op}` should be a string, instead was `{arg!r}`."
        )
    low = arg.lower()
    # equals is exact; the substring conditions ignore case, like Notion's search box.
    table: dict[str, Predicate] = {
        "equals": lambda v: (v or "") == arg,
        "does_not_equal": lambda v: (v or "") != arg,
        "contains": lambda v: low in (v or "").lower(),
        "does_not_contain": lambda v: low not in (v or "").lower(),
        "starts_with": lambda v: (v or "").lower().startswith(low),
        "ends_with": lambda v: (v or "").lower().endswith(low),
    }
    return _pick(table, op, "text")


def _number_cond(cond: Any, now: datetime) -> Predicate:
    op, arg = _one(cond, "number filter")
    if (exists := _existence(op)) is not None:
        return exists
    if isinstance(arg, bool) or not isinstance(arg, int | float):
        raise _invalid(
            f"body failed validation: number filter `{op}` should be a number, instead was `{arg!r}`."
        )
    table: dict[str, Predicate] = {
        "equals": lambda v: v is not None and v == arg,
        "does_not_equal": lambda v: v is None or v != arg,
        "greater_than": lambda v: v is not None and v > arg,
        "less_than": lambda v: v is not None and v < arg,
        "greater_than_or_equal_to": lambda v: v is not None and v >= arg,
        "less_than_or_equal_to": lambda v: v is not None and v <= arg,
    }
    return _pick(table, op, "number")


def _checkbox_cond(cond: Any, now: datetime) -> Predicate:
    op, arg = _one(cond, "checkbox filter")
    if not isinstance(arg, bool):
        raise _invalid(
            f"body failed validation: checkbox filter `{op}` should be a boolean, instead was `{arg!r}`."
        )
    return _pick(
        {"equals": lambda v: bool(v) is arg, "does_not_equal": lambda v: bool(v) is not arg}, op, "checkbox"
    )


def _select_cond(cond: Any, now: datetime) -> Predicate:
    op, arg = _one(cond, "select filter")
    if (exists := _existence(op)) is not None:
        return exists
    names = [arg] if isinstance(arg, str) else arg
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _invalid(
            f"body failed validation: select filter `{op}` should be a string, instead was `{arg!r}`."
        )
    return _pick({"equals": lambda v: v in names, "does_not_equal": lambda v: v not in names}, op, "select")


def _contains_cond(cond: Any, now: datetime) -> Predicate:
    """multi_select (option names), relation and people (ids)."""
    op, arg = _one(cond, "filter")
    if (exists := _existence(op)) is not None:
        return exists
    if not isinstance(arg, str):
        raise _invalid(f"body failed validation: filter `{op}` should be a string, instead was `{arg!r}`.")
    wanted = {arg, arg.replace("-", "")}
    has = lambda v: any(item in wanted or item.replace("-", "") in wanted for item in v or [])  # noqa: E731
    return _pick({"contains": has, "does_not_contain": lambda v: not has(v)}, op, "contains")


_RELATIVE = {
    "past_week": (-7, 0),
    "past_month": (-30, 0),
    "past_year": (-365, 0),
    "next_week": (0, 7),
    "next_month": (0, 30),
    "next_year": (0, 365),
}


def _date_cond(cond: Any, now: datetime) -> Predicate:
    op, arg = _one(cond, "date filter")
    if (exists := _existence(op)) is not None:
        return exists
    if op in _RELATIVE:
        lo, hi = (now + timedelta(days=d) for d in _RELATIVE[op])
        return lambda v: v is not None and lo <= v <= hi
    if not isinstance(arg, str):
        raise _invalid(
            f"body failed validation: date filter `{op}` should be an ISO 8601 string, instead was `{arg!r}`."
        )
    start, bare = _parse_time(arg)
    end = start + timedelta(days=1) if bare else start  # a bare date covers its whole (UTC) day
    table: dict[str, Predicate] = {
        "equals": (lambda v: start <= v < end) if bare else (lambda v: v == start),
        "before": lambda v: v < start,
        "after": (lambda v: v >= end) if bare else (lambda v: v > start),
        "on_or_before": (lambda v: v < end) if bare else (lambda v: v <= start),
        "on_or_after": lambda v: v >= start,
    }
    check = _pick(table, op, "date")
    return lambda v: v is not None and check(v)


def _formula_cond(cond: Any, now: datetime) -> Predicate:
    kind, sub = _one(cond, "formula filter")
    compilers = {"string": _text_cond, "number": _number_cond, "checkbox": _checkbox_cond, "date": _date_cond}
    if kind not in compilers:
        raise _invalid(f"body failed validation: unknown formula filter type `{kind}`.")
    check = compilers[kind](sub, now)

    def predicate(value: Any) -> bool:
        if not value or value.get("type") != kind:
            return False
        inner = value.get(kind)
        if kind == "date":
            inner = _parse_time(inner["start"])[0] if inner else None
        return check(inner)

    return predicate


def _rollup_cond(cond: Any, now: datetime) -> Predicate:
    kind, sub = _one(cond, "rollup filter")
    if kind not in ("number", "date"):
        raise _invalid(
            f"body failed validation: the sandbox supports number and date rollup filters, not `{kind}`."
        )
    return _formula_cond({kind: sub}, now)


def _pick(table: dict[str, Predicate], op: str, kind: str) -> Predicate:
    if op not in table:
        raise _invalid(f"body failed validation: `{op}` is not a valid {kind} filter condition.")
    return table[op]


_COMPILERS: dict[str, Callable[[Any, datetime], Predicate]] = {
    **dict.fromkeys(("title", "rich_text", "email", "phone_number", "url"), _text_cond),
    **dict.fromkeys(("number", "unique_id"), _number_cond),
    **dict.fromkeys(("select", "status"), _select_cond),
    **dict.fromkeys(("multi_select", "relation", "people", "created_by", "last_edited_by"), _contains_cond),
    **dict.fromkeys(("date", "created_time", "last_edited_time"), _date_cond),
    "checkbox": _checkbox_cond,
    "formula": _formula_cond,
    "rollup": _rollup_cond,
}


def compile_filter(
    flt: Any, schema: dict[str, Any], now: datetime, depth: int = 0
) -> Callable[[dict[str, Any]], bool]:
    """A predicate over page objects for one Notion filter object; raises ``NotionError`` when invalid."""
    if not isinstance(flt, dict):
        raise _invalid("body failed validation: body.filter should be an object.")
    for junction in ("and", "or"):
        if junction in flt:
            if depth >= MAX_FILTER_DEPTH:
                raise _invalid(
                    "body failed validation: compound filters can be nested at most two levels deep."
                )
            children = flt[junction]
            if not isinstance(children, list):
                raise _invalid(f"body failed validation: body.filter.{junction} should be an array.")
            parts = [compile_filter(child, schema, now, depth + 1) for child in children]
            if junction == "and":
                return lambda page: all(part(page) for part in parts)
            return lambda page: any(part(page) for part in parts)
    if "timestamp" in flt:
        stamp = flt["timestamp"]
        if stamp not in ("created_time", "last_edited_time") or stamp not in flt:
            raise _invalid("body failed validation: a timestamp filter needs `timestamp` and its condition.")
        check = _date_cond(flt[stamp], now)
        return lambda page: check(_parse_time(page[stamp])[0])
    key = flt.get("property")
    if not isinstance(key, str):
        raise _invalid("body failed validation: body.filter.property should be defined.")
    prop = _find_prop(schema, key)
    if prop is None:
        raise _invalid(f"Could not find property with name or id: {key}")
    kinds = [k for k in flt if k not in ("property", "type")]
    if len(kinds) != 1 or kinds[0] not in _COMPILERS:
        raise _invalid(f"body failed validation: filter on `{key}` should name exactly one property type.")
    if kinds[0] != prop["type"]:
        raise _invalid(
            f"body failed validation: filter on `{prop['name']}` uses `{kinds[0]}` "
            f"but the property is of type `{prop['type']}`."
        )
    check = _COMPILERS[prop["type"]](flt[kinds[0]], now)
    name = prop["name"]
    return lambda page: check(_scalar(page["properties"].get(name)))


def _sort_pages(pages: list[dict[str, Any]], sorts: Any, schema: dict[str, Any]) -> list[dict[str, Any]]:
    if sorts is None:
        return pages
    if not isinstance(sorts, list):
        raise _invalid("body failed validation: body.sorts should be an array.")
    for sort in reversed(sorts):  # stable sorts applied last-key-first
        if not isinstance(sort, dict) or sort.get("direction", "ascending") not in (
            "ascending",
            "descending",
        ):
            raise _invalid("body failed validation: each sort needs a direction of ascending or descending.")
        getter = _sort_getter(sort, schema)
        present = [p for p in pages if getter(p) not in (None, "", [])]
        missing = [p for p in pages if getter(p) in (None, "", [])]  # empty values sort last either way
        present.sort(key=getter, reverse=sort.get("direction") == "descending")
        pages = present + missing
    return pages


def _sort_getter(sort: dict[str, Any], schema: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    if sort.get("timestamp") in ("created_time", "last_edited_time"):
        stamp = sort["timestamp"]
        return lambda page: page[stamp]
    prop = _find_prop(schema, sort.get("property") or "")
    if prop is None:
        raise _invalid(f"Could not find sort property with name or id: {sort.get('property')}")
    name = prop["name"]

    def getter(page: dict[str, Any]) -> Any:
        value = _scalar(page["properties"].get(name))
        if isinstance(value, dict):  # formula / rollup
            value = value.get(value.get("type", ""))
        if isinstance(value, list):
            value = ", ".join(value)
        return value.lower() if isinstance(value, str) else value

    return getter


def _render(page: dict[str, Any], only: list[str] | None = None) -> dict[str, Any]:
    """The page as the API returns it: relations cut at 25 references, optional property subset."""
    out = copy.deepcopy(page)
    for value in out["properties"].values():
        if value["type"] == "relation" and len(value["relation"]) > PAGE_REFERENCE_LIMIT:
            value["relation"] = value["relation"][:PAGE_REFERENCE_LIMIT]
            value["has_more"] = True
    if only:
        wanted = set(only) | {unquote(w) for w in only}
        out["properties"] = {
            name: value
            for name, value in out["properties"].items()
            if value["id"] in wanted or unquote(value["id"]) in wanted
        }
    return out


# ---------------------------------------------------------------------------------------------------
# Writes: PATCH /v1/pages/{id} and POST /v1/pages (https://developers.notion.com/reference/patch-page)
# ---------------------------------------------------------------------------------------------------

_READ_ONLY = {
    "formula",
    "rollup",
    "unique_id",
    "created_time",
    "created_by",
    "last_edited_time",
    "last_edited_by",
}
# The sandbox evaluates the few formulas the seed uses; anything else keeps its stored value.
_FORMULAS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    'if(prop("VIP"), 10, 0)': lambda props: {
        "type": "number",
        "number": 10 if props.get("VIP", {}).get("checkbox") else 0,
    },
}


def _option(prop: dict[str, Any], raw: Any, *, create: bool) -> dict[str, Any]:
    if not isinstance(raw, dict) or not ({"name", "id"} & raw.keys()):
        raise _invalid(
            f"body failed validation: {prop['name']} option should be an object with a name or id."
        )
    options = prop[prop["type"]].setdefault("options", [])
    for option in options:
        if option["id"] == raw.get("id") or option["name"] == raw.get("name"):
            return {k: option.get(k) for k in ("id", "name", "color", "description")}
    if not create or "name" not in raw:
        raise _invalid(
            f'Invalid {prop["type"]} option. Option "{raw.get("name") or raw.get("id")}" does not exist.'
        )
    option = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, raw["name"]))[:8],
        "name": raw["name"],
        "color": raw.get("color", "default"),
        "description": None,
    }
    options.append(option)  # Notion adds unknown select options to the schema on write
    return dict(option)


def _convert(prop: dict[str, Any], raw: Any, shop: Shop) -> Any:
    """A request property value -> the stored response shape, validated like the API does."""
    kind, name = prop["type"], prop["name"]
    if kind in ("title", "rich_text"):
        if not isinstance(raw, list):
            raise _invalid(f"body failed validation: body.properties.{name}.{kind} should be an array.")
        items = []
        for item in raw:
            content = item.get("text", {}).get("content") if isinstance(item, dict) else None
            if not isinstance(content, str):
                raise _invalid(
                    f"body failed validation: body.properties.{name}.{kind}[].text.content should be a string"
                )
            items.append(_rich(content))
        return items
    if kind == "number":
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            raise _invalid(
                f"body failed validation: body.properties.{name}.number should be a number or null."
            )
        return raw
    if kind == "checkbox":
        if not isinstance(raw, bool):
            raise _invalid(f"body failed validation: body.properties.{name}.checkbox should be a boolean.")
        return raw
    if kind in ("url", "email", "phone_number"):
        if raw is not None and not isinstance(raw, str):
            raise _invalid(
                f"body failed validation: body.properties.{name}.{kind} should be a string or null."
            )
        return raw or None
    if kind in ("select", "status"):
        return None if raw is None else _option(prop, raw, create=kind == "select")
    if kind == "multi_select":
        if not isinstance(raw, list):
            raise _invalid(f"body failed validation: body.properties.{name}.multi_select should be an array.")
        return [_option(prop, item, create=True) for item in raw]
    if kind == "date":
        if raw is None:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("start"), str):
            raise _invalid(f"body failed validation: body.properties.{name}.date.start should be defined.")
        _parse_time(raw["start"])
        return {"start": raw["start"], "end": raw.get("end"), "time_zone": raw.get("time_zone")}
    if kind in ("people", "relation"):
        if not isinstance(raw, list) or not all(
            isinstance(i, dict) and isinstance(i.get("id"), str) for i in raw
        ):
            raise _invalid(
                f"body failed validation: body.properties.{name}.{kind} should be an array of {{id}}."
            )
        ids = [_norm_id(item["id"], f"properties.{name}.{kind}[].id") for item in raw]
        if kind == "relation":
            target = prop["relation"]["data_source_id"]
            for ref in ids:
                if ref not in shop.notion_pages:
                    raise _not_found("page", ref)
                if shop.notion_pages[ref]["parent"].get("data_source_id") != target:
                    raise _invalid(
                        f"Relation {name} only accepts pages of data source {target}; {ref} is not one."
                    )
            return [{"id": ref} for ref in ids]
        users = {u["id"]: u for u in shop.notion_users}
        for ref in ids:
            if ref not in users:
                raise _not_found("user", ref)
        return [copy.deepcopy(users[ref]) for ref in ids]
    raise _invalid(f"body failed validation: the sandbox cannot write {kind} properties.")


def _apply(page: dict[str, Any], schema: dict[str, Any], updates: Any, shop: Shop) -> dict[str, list[str]]:
    """Write request property values into ``page``; returns the old ids of relations that changed."""
    if not isinstance(updates, dict):
        raise _invalid("body failed validation: body.properties should be an object.")
    changed: dict[str, list[str]] = {}
    for key, value in updates.items():
        prop = _find_prop(schema, key)
        if prop is None:
            raise _invalid(f"{key} is not a property that exists.")
        kind = prop["type"]
        if kind in _READ_ONLY:
            raise _invalid(f"{prop['name']} is a {kind} property, which cannot be written.")
        if not isinstance(value, dict) or kind not in value:
            raise _invalid(f"{prop['name']} is expected to be {kind}.")
        stored: dict[str, Any] = {"id": prop["id"], "type": kind, kind: _convert(prop, value[kind], shop)}
        if kind == "relation":
            old = page["properties"].get(prop["name"], {}).get("relation", [])
            changed[prop["name"]] = [ref["id"] for ref in old]
            stored["has_more"] = False
        page["properties"][prop["name"]] = stored
    return changed


def _touch(page: dict[str, Any], when: datetime) -> None:
    stamp = notion_time(max(when, _parse_time(page["last_edited_time"])[0]))
    page["last_edited_time"] = stamp
    page["last_edited_by"] = {"object": "user", "id": NOTION_BOT_USER_ID}
    for value in page["properties"].values():
        if value["type"] == "last_edited_time":
            value["last_edited_time"] = stamp
        elif value["type"] == "last_edited_by":
            value["last_edited_by"] = {"object": "user", "id": NOTION_BOT_USER_ID}


def _recompute(page: dict[str, Any], schema: dict[str, Any]) -> None:
    props = page["properties"]
    for prop in schema.values():
        if prop["type"] == "rollup" and prop["rollup"].get("function") == "count":
            related = props.get(prop["rollup"]["relation_property_name"], {}).get("relation", [])
            props[prop["name"]] = {
                "id": prop["id"],
                "type": "rollup",
                "rollup": {"type": "number", "number": len(related), "function": "count"},
            }
        elif prop["type"] == "formula" and prop["formula"].get("expression") in _FORMULAS:
            props[prop["name"]] = {
                "id": prop["id"],
                "type": "formula",
                "formula": _FORMULAS[prop["formula"]["expression"]](props),
            }


def _sync_relations(
    shop: Shop, page: dict[str, Any], schema: dict[str, Any], changed: dict[str, list[str]], when: datetime
) -> None:
    """Keep two-way relations two-way: the related pages gain or lose their back reference."""
    for name, old in changed.items():
        config = schema[name]["relation"]
        if config.get("type") != "dual_property":
            continue
        back = config["dual_property"]["synced_property_name"]
        target_schema = shop.notion_data_sources[config["data_source_id"]]["properties"]
        new = [ref["id"] for ref in page["properties"][name]["relation"]]
        for ref in set(old) ^ set(new):
            other = shop.notion_pages[ref]
            value = other["properties"].setdefault(
                back, {"id": target_schema[back]["id"], "type": "relation", "relation": [], "has_more": False}
            )
            ids = [r["id"] for r in value["relation"] if r["id"] != page["id"]]
            if ref in new:
                ids.append(page["id"])
            value["relation"] = [{"id": i} for i in ids]
            _recompute(other, target_schema)
            _touch(other, when)


def _blank_page(shop: Shop, ds: dict[str, Any], page_id: str, when: datetime) -> dict[str, Any]:
    stamp = notion_time(when)
    bot = {"object": "user", "id": NOTION_BOT_USER_ID}
    props: dict[str, Any] = {}
    siblings = shop.pages_in(ds["id"])
    for prop in ds["properties"].values():
        kind = prop["type"]
        value: Any = {
            "title": [],
            "rich_text": [],
            "multi_select": [],
            "people": [],
            "files": [],
            "relation": [],
            "checkbox": False,
            "created_time": stamp,
            "last_edited_time": stamp,
            "created_by": bot,
            "last_edited_by": bot,
        }.get(kind)
        if kind == "status":
            value = dict(prop["status"]["options"][0]) if prop["status"].get("options") else None
        elif kind == "unique_id":
            numbers = [
                p["properties"].get(prop["name"], {}).get("unique_id", {}).get("number") or 0
                for p in siblings
            ]
            value = {"prefix": prop["unique_id"].get("prefix"), "number": max(numbers, default=0) + 1}
        props[prop["name"]] = {"id": prop["id"], "type": kind, kind: value}
        if kind == "relation":
            props[prop["name"]]["has_more"] = False
    return {
        "object": "page",
        "id": page_id,
        "created_time": stamp,
        "last_edited_time": stamp,
        "created_by": bot,
        "last_edited_by": bot,
        "cover": None,
        "icon": None,
        "parent": {
            "type": "data_source_id",
            "data_source_id": ds["id"],
            "database_id": ds["parent"]["database_id"],
        },
        "archived": False,
        "in_trash": False,
        "is_locked": False,
        "properties": props,
        "url": f"https://www.notion.so/{page_id.replace('-', '')}",
        "public_url": None,
    }


# ---------------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------------


def _now(request: Request) -> datetime:
    return _minute(request.app.state.now())


def _data_source(request: Request) -> dict[str, Any]:
    ds_id = _norm_id(request.path_params["data_source_id"], "data_source_id")
    ds = request.app.state.shop.notion_data_sources.get(ds_id)
    if ds is None:
        raise _not_found("data_source", ds_id)
    return ds


def _page(request: Request) -> dict[str, Any]:
    page_id = _norm_id(request.path_params["page_id"], "page_id")
    page = request.app.state.shop.notion_pages.get(page_id)
    if page is None:
        raise _not_found("page", page_id)
    return page


async def query_data_source(request: Request) -> Response:
    """POST /v1/data_sources/{data_source_id}/query"""
    ds = _data_source(request)
    body = await _body(request)
    shop: Shop = request.app.state.shop
    size = _page_size(body.get("page_size"), "body")
    cursor = body.get("start_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise _invalid("body failed validation: body.start_cursor should be a string.")
    trashed = bool(body.get("in_trash", body.get("archived", False)))
    pages = [p for p in shop.pages_in(ds["id"]) if bool(p["in_trash"] or p["archived"]) == trashed]
    if body.get("filter") is not None:
        keep = compile_filter(body["filter"], ds["properties"], request.app.state.now())
        pages = [p for p in pages if keep(p)]
    pages = _sort_pages(pages, body.get("sorts"), ds["properties"])
    chunk, following = _slice(pages, cursor, size, key=lambda p: p["id"])
    only = request.query_params.getlist("filter_properties")
    results = [_render(p, only) for p in chunk]
    return _NotionJSON(_list(results, following, "page_or_data_source", {}))


async def retrieve_data_source(request: Request) -> Response:
    """GET /v1/data_sources/{data_source_id}"""
    return _NotionJSON(_data_source(request))


async def retrieve_page(request: Request) -> Response:
    """GET /v1/pages/{page_id}"""
    return _NotionJSON(_render(_page(request), request.query_params.getlist("filter_properties")))


async def retrieve_page_property(request: Request) -> Response:
    """GET /v1/pages/{page_id}/properties/{property_id}: paginated for title, rich_text, relation, people."""
    page = _page(request)
    wanted = request.path_params["property_id"]
    match = [
        v
        for v in page["properties"].values()
        if wanted in (v["id"], unquote(v["id"])) or unquote(wanted) == v["id"]
    ]
    if not match:
        raise NotionError(404, "object_not_found", f"Could not find property with ID: {wanted}.")
    value = match[0]
    kind = value["type"]
    if kind not in ("title", "rich_text", "relation", "people", "rollup"):
        return _NotionJSON({"object": "property_item", "id": value["id"], "type": kind, kind: value[kind]})
    meta: dict[str, Any] = {"id": value["id"], "next_url": None, "type": kind, kind: {}}
    if kind == "rollup":  # a calculated rollup: the value sits on the list's property_item
        meta["rollup"] = value["rollup"]
        return _NotionJSON(_list([], None, "property_item", meta))
    size = _page_size(request.query_params.get("page_size"), "query")
    items = [
        (item["id"] if kind in ("relation", "people") else str(i), item) for i, item in enumerate(value[kind])
    ]
    chunk, following = _slice(items, request.query_params.get("start_cursor"), size, key=lambda pair: pair[0])
    results = [{"object": "property_item", "id": value["id"], "type": kind, kind: item} for _, item in chunk]
    if following is not None:
        base = str(request.base_url).rstrip("/")
        meta["next_url"] = f"{base}/v1/pages/{page['id']}/properties/{value['id']}?start_cursor={following}"
    return _NotionJSON(_list(results, following, "property_item", meta))


async def update_page(request: Request) -> Response:
    """PATCH /v1/pages/{page_id}: properties, in_trash (or the older archived)."""
    page = _page(request)
    body = await _body(request, required=True)
    shop: Shop = request.app.state.shop
    schema = shop.notion_data_sources[page["parent"]["data_source_id"]]["properties"]
    trash = body.get("in_trash", body.get("archived"))
    if trash is not None and not isinstance(trash, bool):
        raise _invalid("body failed validation: body.in_trash should be a boolean.")
    if "properties" in body and page["in_trash"] and trash is not False:
        raise _invalid("Can't edit block that is archived. You must unarchive the block before editing.")
    when = _now(request)
    working = copy.deepcopy(page)  # validate everything before anything is written
    changed = _apply(working, schema, body.get("properties", {}), shop)
    if trash is not None:
        working["in_trash"] = working["archived"] = trash
    _recompute(working, schema)
    _touch(working, when)
    shop.notion_pages[page["id"]] = working
    _sync_relations(shop, working, schema, changed, when)
    if request.app.state.webhooks is not None:
        request.app.state.webhooks.page_changed(page, working)
    return _NotionJSON(_render(working))


async def create_page(request: Request) -> Response:
    """POST /v1/pages with a data source (or single-source database) parent."""
    body = await _body(request, required=True)
    shop: Shop = request.app.state.shop
    parent = body.get("parent")
    if not isinstance(parent, dict):
        raise _invalid("body failed validation: body.parent should be defined, instead was `undefined`.")
    ds: dict[str, Any] | None = None
    if "data_source_id" in parent:
        ds_id = _norm_id(str(parent["data_source_id"]), "parent.data_source_id")
        ds = shop.notion_data_sources.get(ds_id)
        missing = ("data_source", ds_id)
    elif "database_id" in parent:
        db_id = _norm_id(str(parent["database_id"]), "parent.database_id")
        ds = next((d for d in shop.notion_data_sources.values() if d["parent"]["database_id"] == db_id), None)
        missing = ("database", db_id)
    else:
        raise _invalid("body failed validation: the sandbox creates pages in data sources only.")
    if ds is None:
        raise _not_found(*missing)
    state = request.app.state
    state.created += 1
    page_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-notion-page-{state.created}"))
    when = _now(request)
    page = _blank_page(shop, ds, page_id, when)
    changed = _apply(page, ds["properties"], body.get("properties", {}), shop)
    _recompute(page, ds["properties"])
    shop.notion_pages[page_id] = page
    _sync_relations(shop, page, ds["properties"], {k: [] for k in changed}, when)
    if state.webhooks is not None:
        state.webhooks.page_changed(None, page)
    return _NotionJSON(_render(page))


def _user_list(request: Request) -> list[dict[str, Any]]:
    return request.app.state.shop.notion_users


async def me(request: Request) -> Response:
    """GET /v1/users/me: the integration's bot user."""
    bot = next(u for u in _user_list(request) if u["id"] == NOTION_BOT_USER_ID)
    return _NotionJSON(bot)


async def list_users(request: Request) -> Response:
    """GET /v1/users (paged)."""
    size = _page_size(request.query_params.get("page_size"), "query")
    chunk, following = _slice(
        _user_list(request), request.query_params.get("start_cursor"), size, key=lambda u: u["id"]
    )
    return _NotionJSON(_list(chunk, following, "user", {}))


async def retrieve_user(request: Request) -> Response:
    """GET /v1/users/{user_id}"""
    user_id = _norm_id(request.path_params["user_id"], "user_id")
    for user in _user_list(request):
        if user["id"] == user_id:
            return _NotionJSON(user)
    raise _not_found("user", user_id)


async def _notion_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotionError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    # Unknown paths and methods come back as invalid_request_url, not as a bare 404.
    return NotionError(400, "invalid_request_url", "Invalid request URL.").response()


def create_notion_app(
    shop: Shop | None = None,
    *,
    faults: Faults | None = None,
    token: str = NOTION_SANDBOX_TOKEN,
    rate_per_second: float = 3.0,
    burst: int = 10,
    enforce_rate_limit: bool = True,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] | None = None,
    webhooks: NotionWebhookSender | None = None,
) -> Starlette:
    """The Notion simulator as an ASGI app over a private copy of ``shop`` (the seed by default).

    ``app.state``: ``shop`` (mutable), ``faults``, ``requests`` (``(method, route)`` per request
    received, in order), ``bucket`` (the rate limiter or None). ``clock`` drives the rate limiter,
    ``now`` the timestamps written by PATCH/POST and relative date filters. ``webhooks``
    (``hub.sandbox.webhooks``) is told of every page created or updated; None sends no webhooks.
    """
    routes = [
        Route("/v1/data_sources/{data_source_id}/query", query_data_source, methods=["POST"]),
        Route("/v1/data_sources/{data_source_id}", retrieve_data_source, methods=["GET"]),
        Route("/v1/pages", create_page, methods=["POST"]),
        Route("/v1/pages/{page_id}/properties/{property_id:path}", retrieve_page_property, methods=["GET"]),
        Route("/v1/pages/{page_id}", retrieve_page, methods=["GET"]),
        Route("/v1/pages/{page_id}", update_page, methods=["PATCH"]),
        Route("/v1/users/me", me, methods=["GET"]),
        Route("/v1/users", list_users, methods=["GET"]),
        Route("/v1/users/{user_id}", retrieve_user, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SandboxControl), Middleware(_Gate)],  # /_sandbox/... before the gate
        exception_handlers={NotionError: _notion_error, HTTPException: _http_error},
    )
    app.state.shop = (shop or build_shop()).copy()
    app.state.faults = faults or Faults()
    app.state.token = token
    app.state.requests = []
    app.state.bucket = TokenBucket(rate_per_second, burst, clock=clock) if enforce_rate_limit else None
    app.state.now = now or (lambda: datetime.now(UTC))
    app.state.created = 0
    app.state.webhooks = webhooks
    return app
