"""Odoo's two external APIs behind one small interface (``OdooTransport``).

JSON-2 (Odoo 19.0+, https://www.odoo.com/documentation/19.0/developer/reference/external_api.html)::

    POST /json/2/<model>/<method>           Authorization: bearer <api key>, X-Odoo-Database: <db>
    {"domain": [...], "fields": [...], "offset": 0, "limit": 200, "order": "id"}   (named args only)
    200 → the method's return value;  4xx/5xx → {"name": "odoo.exceptions.AccessError",
                                                 "message": "…", "arguments": [...], "debug": "…"}

JSON-RPC (every version up to 21, deprecated in 19.0)::

    POST /jsonrpc  {"jsonrpc": "2.0", "method": "call", "id": 1,
                    "params": {"service": "object", "method": "execute_kw",
                               "args": [db, uid, api_key, model, method, [], {named args}]}}
    200 → {"result": …}  or, also with HTTP 200, {"error": {"code": 200, "message": "Odoo Server Error",
                                                          "data": {"name": "…", "message": "…"}}}

The JSON-RPC ``uid`` comes from ``common.authenticate(db, login, api_key, {})`` once (an API key
works as the password), then is cached. Every call here only reads, so POSTs are sent with
``idempotent=True`` and retried like GETs.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any, Literal, Protocol

import httpx
from pydantic import SecretStr

from hub.errors import (
    ConfigError,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFatal,
    UpstreamNotFound,
    UpstreamRetryable,
)
from hub.http import OffsetPaginator, PageRequest, SourceClient, VendorError

__all__ = [
    "Json2Transport",
    "JsonRpcTransport",
    "OdooBearerAuth",
    "OdooTransport",
    "error_kind",
    "odoo_vendor_errors",
]

SOURCE = "odoo"

# The exception class Odoo names in an error body → what the caller should do.
_KINDS = {
    "odoo.exceptions.AccessDenied": "auth",  # wrong login/password/API key
    "odoo.http.SessionExpiredException": "auth",
    "werkzeug.exceptions.Unauthorized": "auth",  # JSON-2: "Invalid apikey"
    "odoo.exceptions.AccessError": "fatal",  # the user lacks rights on a model: fix its groups
    "odoo.exceptions.MissingError": "not_found",
    "werkzeug.exceptions.NotFound": "not_found",
    "builtins.KeyError": "not_found",  # JSON-RPC on a model that is not installed
    "odoo.exceptions.ConcurrencyError": "retryable",
    "psycopg2.errors.SerializationFailure": "retryable",
    "psycopg2.OperationalError": "retryable",
}


def error_kind(name: str | None) -> str | None:
    """The hub error kind for an Odoo exception name, ``None`` when the name says nothing special."""
    return _KINDS.get(name or "")


def _error_object(body: Any) -> dict[str, Any] | None:
    """The ``{name, message, …}`` object of a JSON-2 error body or a JSON-RPC ``error.data``."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("error"), dict):  # JSON-RPC envelope
        data = body["error"].get("data")
        merged = dict(data) if isinstance(data, dict) else {}
        merged.setdefault("message", body["error"].get("message"))
        merged.setdefault("code", body["error"].get("code"))
        return merged
    return body if "name" in body or "message" in body else None


def odoo_vendor_errors(response: httpx.Response) -> VendorError | None:
    """``vendor_errors`` parser: message and kind from an Odoo error body (never its ``debug``)."""
    try:
        error = _error_object(json.loads(response.content))
    except ValueError:
        return None  # an HTML 404 page from a server without the endpoint: the status decides
    if error is None:
        return None
    name = error.get("name") if isinstance(error.get("name"), str) else None
    message = error["message"] if isinstance(error.get("message"), str) else ""
    return VendorError(message=message, code=name, kind=error_kind(name))


def _scrub(text: str, secret: SecretStr) -> str:
    value = secret.get_secret_value()
    return text.replace(value, "***") if value else text


def rpc_error(endpoint: str, error: Any, secret: SecretStr) -> UpstreamError:
    """The hub error for a JSON-RPC ``error`` member (which arrives with HTTP 200)."""
    detail = _error_object({"error": error}) or {}
    name = detail.get("name") if isinstance(detail.get("name"), str) else None
    message = str(detail.get("message") or "Odoo Server Error")
    kind = error_kind(name) or (
        "auth" if detail.get("code") == 100 else "not_found" if detail.get("code") == 404 else "fatal"
    )
    text = _scrub(f"JSON-RPC error from {endpoint}: {' '.join(message.split())[:200]}", secret)
    cls: type[UpstreamError] = {
        "auth": UpstreamAuthError,
        "not_found": UpstreamNotFound,
        "retryable": UpstreamRetryable,
    }.get(kind, UpstreamFatal)
    return cls(SOURCE, text, status=200, vendor_code=name)


class OdooBearerAuth(httpx.Auth):
    """``Authorization: bearer <api key>`` on JSON-2 requests only (JSON-RPC carries it in the body)."""

    def __init__(self, api_key: SecretStr) -> None:
        self._api_key = api_key

    def __repr__(self) -> str:
        return "OdooBearerAuth(api_key=SecretStr('**********'))"

    def auth_flow(self, request: httpx.Request):  # noqa: ANN201 - httpx's generator protocol
        if request.url.path.startswith("/json/2/"):
            request.headers["Authorization"] = f"bearer {self._api_key.get_secret_value()}"
        yield request


class OdooTransport(Protocol):
    """One way of calling model methods; the connector does not care which."""

    @property
    def kind(self) -> Literal["json2", "jsonrpc"]:
        """Which API this is."""
        ...

    async def call(self, model: str, method: str, kwargs: dict[str, Any]) -> Any:
        """``model.method(**kwargs)`` as an ``@api.model`` call (no record ids)."""
        ...

    def search_read(
        self, model: str, domain: list[Any], fields: list[str], *, order: str, page_size: int
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Each page of ``search_read`` (``offset``/``limit``; a short page is the last)."""
        ...

    async def version(self) -> str:
        """The server version, e.g. ``"19.0"`` or ``"17.0+e"``."""
        ...


def _records(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, list) or not all(isinstance(row, dict) for row in body):
        raise TypeError("search_read did not answer with a list of records")
    return body


def _offset_paginator(page_size: int, put: Any) -> OffsetPaginator:
    def render(request: PageRequest, start: int, size: int) -> PageRequest:
        return replace(request, json=put(request.json or {}, start, size))

    return OffsetPaginator(render=render, page_size=page_size, start=0)


class Json2Transport:
    """``POST /json/2/<model>/<method>`` with the API key as bearer token (set by ``OdooBearerAuth``)."""

    kind: Literal["json2"] = "json2"

    def __init__(self, client: SourceClient) -> None:
        self._client = client

    async def call(self, model: str, method: str, kwargs: dict[str, Any]) -> Any:
        return await self._client.json(
            "POST", f"/json/2/{model}/{method}", endpoint=f"{model}.{method}", json=kwargs, idempotent=True
        )

    def search_read(
        self, model: str, domain: list[Any], fields: list[str], *, order: str, page_size: int
    ) -> AsyncIterator[list[dict[str, Any]]]:
        body = {"domain": domain, "fields": fields, "order": order}
        return self._client.paginate(
            "POST",
            f"/json/2/{model}/search_read",
            endpoint=f"{model}.search_read",
            json=body,
            paginator=_offset_paginator(page_size, lambda j, o, n: {**j, "offset": o, "limit": n}),
            items=_records,
            idempotent=True,
        )

    async def version(self) -> str:
        body = await self._client.json("GET", "/web/version", endpoint="web.version")
        if not isinstance(body, dict) or not isinstance(body.get("version"), str):
            raise UpstreamBadResponse(SOURCE, "web.version answer has no version")
        return body["version"]


class JsonRpcTransport:
    """``POST /jsonrpc`` ``object.execute_kw`` after one ``common.authenticate``."""

    kind: Literal["jsonrpc"] = "jsonrpc"

    def __init__(self, client: SourceClient, *, database: str, login: str | None, api_key: SecretStr) -> None:
        self._client = client
        self._database = database
        self._login = login
        self._api_key = api_key
        self._uid: int | None = None
        self._lock = asyncio.Lock()
        self._ids = itertools.count(1)

    def _envelope(self, service: str, method: str, args: list[Any]) -> dict[str, Any]:
        return {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self._ids),
            "params": {"service": service, "method": method, "args": args},
        }

    def _result(self, body: Any, endpoint: str) -> Any:
        if not isinstance(body, dict) or ("result" not in body and "error" not in body):
            raise UpstreamBadResponse(SOURCE, f"{endpoint} answer is not a JSON-RPC response")
        if body.get("error") is not None:
            raise rpc_error(endpoint, body["error"], self._api_key)
        return body["result"]

    async def _rpc(self, service: str, method: str, args: list[Any], endpoint: str) -> Any:
        body = await self._client.json(
            "POST", "/jsonrpc", endpoint=endpoint, json=self._envelope(service, method, args), idempotent=True
        )
        return self._result(body, endpoint)

    async def uid(self) -> int:
        """The user id for the login and API key, asked once (single-flight) and cached."""
        async with self._lock:
            if self._uid is None:
                if not self._login:
                    raise ConfigError(
                        "odoo: this server has no JSON-2 API (Odoo < 19.0); "
                        "set the login so the connector can use JSON-RPC"
                    )
                uid = await self._rpc(
                    "common",
                    "authenticate",
                    [self._database, self._login, self._api_key.get_secret_value(), {}],
                    "common.authenticate",
                )
                if isinstance(uid, bool) or not isinstance(uid, int):
                    raise UpstreamAuthError(
                        SOURCE, "common.authenticate refused the login and API key", status=200
                    )
                self._uid = uid
            return self._uid

    async def _args(self, model: str, method: str, kwargs: dict[str, Any]) -> list[Any]:
        return [self._database, await self.uid(), self._api_key.get_secret_value(), model, method, [], kwargs]

    async def call(self, model: str, method: str, kwargs: dict[str, Any]) -> Any:
        return await self._rpc(
            "object", "execute_kw", await self._args(model, method, kwargs), f"{model}.{method}"
        )

    async def search_read(
        self, model: str, domain: list[Any], fields: list[str], *, order: str, page_size: int
    ) -> AsyncIterator[list[dict[str, Any]]]:
        endpoint = f"{model}.search_read"
        args = await self._args(model, "search_read", {"domain": domain, "fields": fields, "order": order})

        def put(envelope: dict[str, Any], offset: int, limit: int) -> dict[str, Any]:
            params = envelope["params"]
            *head, kwargs = params["args"]
            return {
                **envelope,
                "params": {**params, "args": [*head, {**kwargs, "offset": offset, "limit": limit}]},
            }

        async for batch in self._client.paginate(
            "POST",
            "/jsonrpc",
            endpoint=endpoint,
            json=self._envelope("object", "execute_kw", args),
            paginator=_offset_paginator(page_size, put),
            items=lambda body: _records(self._result(body, endpoint)),
            idempotent=True,
        ):
            yield batch

    async def version(self) -> str:
        result = await self._rpc("common", "version", [], "common.version")
        if not isinstance(result, dict) or not isinstance(result.get("server_version"), str):
            raise UpstreamBadResponse(SOURCE, "common.version answer has no server_version")
        return result["server_version"]
