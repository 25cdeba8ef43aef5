"""The one way upstream: a client per source with timeouts, classification, retries, budget, breaker.

>>> upstreams = Upstreams(HttpSettings())
>>> notion = upstreams.client("notion", "https://api.notion.com", limits=[Limit(3, 1.0)])
>>> body = await notion.json("POST", "/v1/data_sources/abc/query", endpoint="data_source.query",
...                          json={}, idempotent=True)
"""

from __future__ import annotations

import asyncio
import email.utils
import json as jsonlib
import logging
import math
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt

from hub.errors import (
    CircuitOpen,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFatal,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRetryable,
)
from hub.http.breaker import CircuitBreaker
from hub.http.budget import Limit, RateBudget
from hub.http.metrics import UpstreamMetrics
from hub.http.paging import PageRequest, Paginator
from hub.settings import HttpSettings

__all__ = ["SourceClient", "SourceHealth", "Upstreams", "VendorError", "classify", "parse_retry_after"]

log = logging.getLogger("hub.http")
# httpx logs every request URL, query string included, at INFO; our own warnings say enough.
logging.getLogger("httpx").setLevel(logging.WARNING)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
ENDPOINT_EXTENSION = "hub_endpoint"


@dataclass(frozen=True)
class VendorError:
    """What a connector reads out of a vendor's error body.

    ``kind`` overrides the status-based class when the vendor says more than the status does
    (Drive's 403 ``userRateLimitExceeded`` is throttling, not a permission problem).
    """

    message: str
    code: str | None = None
    kind: str | None = None  # "rate_limited" | "retryable" | "auth" | "not_found" | "fatal"


VendorErrorParser = Callable[[httpx.Response], VendorError | None]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:  # float() also reads "inf" and "nan", which no JSON retryAfter can carry
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def classify(source: str, response: httpx.Response, *, endpoint: str,
             vendor: VendorErrorParser | None = None) -> UpstreamError | None:
    """Turn a response into ``None`` (success) or the error the caller should act on.

    429 and 5xx are retryable, 401 is auth, 404 not found, any other 4xx fatal; a vendor parser may
    refine the kind from the body. The message names the endpoint and the vendor's own short message,
    never the URL or the raw body.
    """
    status = response.status_code
    if status < 400:
        return None
    detail: VendorError | None = None
    if vendor is not None:
        try:
            detail = vendor(response)
        except Exception:  # a broken error body must not hide the status
            detail = None
    kind = detail.kind if detail and detail.kind else (
        "rate_limited" if status == 429
        else "retryable" if status >= 500 or status == 408
        else "auth" if status == 401
        else "not_found" if status == 404
        else "fatal")
    message = f"HTTP {status} from {endpoint}"
    if detail and detail.message:
        message += f": {_clip(detail.message)}"
    code = detail.code if detail else None
    if kind == "rate_limited":
        return UpstreamRateLimited(source, message, status=status, vendor_code=code,
                                   retry_after=parse_retry_after(response.headers.get("Retry-After")))
    cls: type[UpstreamError] = {
        "retryable": UpstreamRetryable, "auth": UpstreamAuthError,
        "not_found": UpstreamNotFound}.get(kind, UpstreamFatal)
    return cls(source, message, status=status, vendor_code=code)


@dataclass
class SourceHealth:
    source: str
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error_code: str | None = None
    last_error_message: str | None = None
    breaker: CircuitBreaker | None = None
    budget: RateBudget | None = None
    base_url: str = field(default="", repr=False)

    @property
    def state(self) -> str:
        if self.breaker is not None and self.breaker.state != "closed":
            return "DOWN" if self.breaker.state == "open" else "RECOVERING"
        if self.last_error_at and (not self.last_success_at or self.last_error_at > self.last_success_at):
            return "DEGRADED"
        return "UP" if self.last_success_at else "UNKNOWN"


class SourceClient:
    """Sends every request of one source: budget → breaker → httpx → classify → retry."""

    def __init__(self, source: str, base_url: str, *, settings: HttpSettings, metrics: UpstreamMetrics,
                 budget: RateBudget, breaker: CircuitBreaker, health: SourceHealth,
                 auth: httpx.Auth | None = None, headers: dict[str, str] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 vendor_errors: VendorErrorParser | None = None) -> None:
        self.source = source
        self.settings = settings
        self.metrics = metrics
        self.budget = budget
        self.breaker = breaker
        self.health = health
        self._vendor_errors = vendor_errors
        self._client = httpx.AsyncClient(
            base_url=base_url, auth=auth, headers=headers, transport=transport,
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            limits=httpx.Limits(max_connections=settings.max_connections,
                                max_keepalive_connections=settings.max_connections),
            event_hooks={"request": [self._on_request], "response": [self._on_response]},
        )

    # Counting in event hooks means requests an auth flow sends (token refreshes) are counted too.
    async def _on_request(self, request: httpx.Request) -> None:
        request.extensions["hub_started"] = time.perf_counter()

    async def _on_response(self, response: httpx.Response) -> None:
        request = response.request
        started = request.extensions.get("hub_started", time.perf_counter())
        endpoint = request.extensions.get(ENDPOINT_EXTENSION, "other")
        self.metrics.observe(self.source, endpoint, str(response.status_code), time.perf_counter() - started)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _should_retry(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if not isinstance(exc, UpstreamRetryable) or isinstance(exc, CircuitOpen):
            return False
        if isinstance(exc, UpstreamRateLimited) and (exc.retry_after or 0) > self.settings.max_retry_wait:
            return False  # the caller is better served by RATE_LIMITED + retryAfter than by a long hang
        return True

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, UpstreamRateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.max_retry_wait)
        backoff = self.settings.backoff_base * (2 ** (state.attempt_number - 1))
        return min(self.settings.max_retry_wait, backoff * (0.5 + random.random()))

    async def request(self, method: str, path: str, *, endpoint: str, params: dict[str, Any] | None = None,
                      json: Any = None, content: bytes | str | None = None,
                      headers: dict[str, str] | None = None, idempotent: bool | None = None,
                      idempotency_key: str | None = None) -> httpx.Response:
        """Send one logical request; retried only when it is safe to repeat.

        ``idempotent`` marks read-only POSTs (Notion's query); ``idempotency_key`` marks writes the
        vendor deduplicates (QuickBooks ``requestid``). Anything else is sent exactly once.
        """
        method = method.upper()
        safe = idempotent if idempotent is not None else (
            method in IDEMPOTENT_METHODS or idempotency_key is not None)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_attempts if safe else 1),
            wait=self._wait, retry=self._should_retry, reraise=True)
        async for attempt in retrying:
            with attempt:
                return await self._send_once(method, path, endpoint=endpoint, params=params, json=json,
                                             content=content, headers=headers)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_once(self, method: str, path: str, *, endpoint: str, params: dict[str, Any] | None,
                         json: Any, content: bytes | str | None,
                         headers: dict[str, str] | None) -> httpx.Response:
        paused = self.budget.paused_for()
        if paused > self.settings.max_retry_wait:  # same rule as _should_retry: do not hang the caller
            raise UpstreamRateLimited(self.source, f"rate budget paused on {endpoint}", retry_after=paused,
                                      status=None)
        try:
            self.breaker.before_request()
        except UpstreamRetryable as exc:
            raise CircuitOpen(self.source, str(exc).split(": ", 1)[-1]) from None
        try:
            await self.budget.acquire()
            request = self._client.build_request(
                method, path, params=params, json=json, content=content, headers=headers,
                extensions={ENDPOINT_EXTENSION: endpoint})
            response = await self._client.send(request)
        except asyncio.CancelledError:
            self.breaker.release_trial()
            raise
        except httpx.TimeoutException:
            self._failed(err := UpstreamRetryable(self.source, f"timed out on {endpoint}"), transient=True)
            raise err from None
        except httpx.TransportError as exc:
            err = UpstreamRetryable(self.source, f"connection failed on {endpoint} ({type(exc).__name__})")
            self._failed(err, transient=True)
            raise err from None
        except UpstreamError as exc:  # raised inside an auth flow (token refresh refused, ...)
            self._failed(exc, transient=isinstance(exc, UpstreamRetryable))
            raise
        error = classify(self.source, response, endpoint=endpoint, vendor=self._vendor_errors)
        if error is None:
            self.breaker.record_success()
            self.health.last_success_at = datetime.now(UTC)
            return response
        if isinstance(error, UpstreamRateLimited):
            self.budget.pause(error.retry_after if error.retry_after is not None else 1.0)
            self._failed(error, transient=False)
        else:
            self._failed(error, transient=isinstance(error, UpstreamRetryable))
        log.warning("upstream error: %s", error)
        raise error

    def _failed(self, error: UpstreamError, *, transient: bool) -> None:
        if transient:
            self.breaker.record_failure()
        else:
            self.breaker.release_trial()
        self.health.last_error_at = datetime.now(UTC)
        self.health.last_error_code = error.code
        self.health.last_error_message = str(error)

    async def json(self, method: str, path: str, *, endpoint: str, **kwargs: Any) -> Any:
        """``request`` and decode the JSON body; an unreadable body is ``UpstreamBadResponse``.

        JSON numbers with a fraction decode to ``Decimal``: vendor amounts never pass through float.
        """
        response = await self.request(method, path, endpoint=endpoint, **kwargs)
        try:
            return jsonlib.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise UpstreamBadResponse(self.source, f"{endpoint} answered with a body that is not JSON",
                                      status=response.status_code) from None

    async def paginate(self, method: str, path: str, *, endpoint: str, paginator: Paginator,
                       items: Callable[[Any], list[Any]], params: dict[str, Any] | None = None,
                       json: dict[str, Any] | None = None, idempotent: bool | None = None,
                       max_pages: int = 10_000) -> AsyncIterator[list[Any]]:
        """Yield the items of each page until the paginator says stop.

        ``items(body)`` picks the records out of one page body; a body without them is a bad response.
        """
        page: PageRequest | None = paginator.first(PageRequest(dict(params or {}), json))
        pages = 0
        while page is not None:
            body = await self.json(method, path, endpoint=endpoint, params=page.params or None,
                                   json=page.json, idempotent=idempotent)
            try:
                batch = items(body)
                if not isinstance(batch, list):
                    raise TypeError(f"items are {type(batch).__name__}, not a list")
                next_page = paginator.next(page, body, len(batch))
            except (KeyError, TypeError, AttributeError) as exc:
                raise UpstreamBadResponse(
                    self.source, f"{endpoint} page has an unexpected shape ({type(exc).__name__}: {exc})"
                ) from None
            yield batch
            pages += 1
            if next_page is not None and pages >= max_pages:
                raise UpstreamFatal(self.source, f"{endpoint} did not stop paging after {max_pages} pages")
            page = next_page


class Upstreams:
    """Every source client of one hub, with shared metrics; budgets are shared by ``budget_key``."""

    def __init__(self, settings: HttpSettings, *, metrics: UpstreamMetrics | None = None,
                 transports: dict[str, httpx.AsyncBaseTransport] | None = None) -> None:
        self.settings = settings
        self.metrics = metrics or UpstreamMetrics()
        self.transports = transports or {}
        self._budgets: dict[str, RateBudget] = {}
        self._health: dict[str, SourceHealth] = {}
        self._breakers: dict[str, CircuitBreaker] = {}
        self._clients: list[SourceClient] = []

    def budget(self, key: str, limits: list[Limit]) -> RateBudget:
        if key not in self._budgets:
            self._budgets[key] = RateBudget(key, limits)
        return self._budgets[key]

    def client(self, source: str, base_url: str, *, limits: list[Limit], budget_key: str | None = None,
               auth: httpx.Auth | None = None, headers: dict[str, str] | None = None,
               vendor_errors: VendorErrorParser | None = None) -> SourceClient:
        budget = self.budget(budget_key or source, limits)
        breaker = self._breakers.setdefault(source, CircuitBreaker(
            source, failures=self.settings.breaker_failures, cooldown=self.settings.breaker_cooldown))
        health = self._health.setdefault(source, SourceHealth(source))
        health.breaker, health.budget = breaker, budget
        client = SourceClient(source, base_url, settings=self.settings, metrics=self.metrics, budget=budget,
                              breaker=breaker, health=health, auth=auth, headers=headers,
                              transport=self.transports.get(source), vendor_errors=vendor_errors)
        self._clients.append(client)
        return client

    def health(self) -> list[SourceHealth]:
        return [self._health[name] for name in sorted(self._health)]

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
