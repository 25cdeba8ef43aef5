"""QuickBooks Online Accounting API simulator, with Intuit's OAuth 2.0 server beside it.

Serves, for one sandbox company (realm):

* ``GET /v3/company/{realmId}/query?query=...`` and ``POST .../query`` (body = the statement,
  ``Content-Type: application/text``); the language is in ``quickbooks_query``.
* ``GET /v3/company/{realmId}/companyinfo/{realmId}`` and ``GET /v3/company/{realmId}/{entity}/{id}`` for
  customer, item, estimate, invoice and payment.
* ``POST /v3/company/{realmId}/{customer|estimate|invoice}`` creates, or updates when the body has ``Id`` +
  ``SyncToken`` (``"sparse": true`` merges); a stale SyncToken is Fault 5010; ``?operation=delete``
  deletes an estimate or invoice. ``?requestid=`` makes a write idempotent: a repeat gets the first
  answer and changes nothing (https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features#idempotency).
* ``POST /v3/company/{realmId}/{estimate|invoice}/{id}/send?sendTo=``: marks it emailed (``EmailStatus``,
  ``DeliveryInfo``, ``BillEmail``); idempotent per ``requestid`` like the other writes.
* ``POST /v3/company/{realmId}/batch``: ``{"BatchItemRequest": [{"bId", "Query" | "operation" + entity}]}``,
  at most 30 items, answered as ``BatchItemResponse`` with a ``Fault`` per failed item.
* ``GET /v3/company/{realmId}/cdc?entities=Customer,Estimate&changedSince=<ISO>``: change data capture
  (``CDCResponse[0].QueryResponse[i]`` per entity, deleted objects as ``{"status": "Deleted"}``).
* ``Authorization: Bearer <access token>``: a bad token is 401 (3200 AuthenticationFailed), a token for
  another company or an unknown realm 403 (3100 ApplicationAuthorizationFailed).
* Throttling per realm: more than ``per_second`` calls in a rolling second or ``per_minute`` in a rolling
  minute is 429 (3001 ThrottleExceeded), https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles.
  A batch counts as one call there and also against its own ``batch_per_minute`` (Intuit: 40 batch
  requests a minute per realm and app; 120 per realm across apps, which one app never reaches first).
* ``app.state.faults``: the fault knobs, ``fail_at``/``stall_at`` included (``hub.sandbox.tripwires``:
  checked after auth and throttling, so they count requests the simulator serves); ``/_sandbox/faults``.
* The OAuth endpoints of ``quickbooks_oauth`` (``/connect/oauth2``, ``/oauth2/v1/tokens/bearer``, revoke).
* Every response carries ``intuit_tid``; ``app.state.requests`` counts (method, route template).

>>> app = create_quickbooks_app([{"Id": "1", "DisplayName": "Lyric Opera House", "SyncToken": "0"}])
>>> token = app.state.oauth.issue_tokens()["access_token"]
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.sandbox.counting import CountRequests
from hub.sandbox.faults import Faults
from hub.sandbox.quickbooks_oauth import OAuthServer, oauth_routes
from hub.sandbox.quickbooks_store import Company, Reply
from hub.sandbox.seed import QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET, QUICKBOOKS_REALM_ID
from hub.sandbox.seed_sales import Sales, build_sales
from hub.sandbox.tripwires import SandboxControl, TrippedResponse
from hub.sandbox.webhooks import QuickBooksWebhookSender

__all__ = ["MIN_MINOR_VERSION", "create_quickbooks_app"]

# Since 2025-08-01 Intuit serves a missing or older minorversion as 75
# (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/minor-versions).
MIN_MINOR_VERSION = 75


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):  # JSON has one number type; QBO writes 1250.5 for 1250.50
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _json(reply: Reply, headers: dict[str, str] | None = None) -> Response:
    status, body = reply
    content = json.dumps(body, default=_default)
    return Response(content, status_code=status, headers=headers, media_type="application/json")


class _Throttle:
    """Rolling one-second and one-minute windows per realm; refused calls do not count."""

    def __init__(self, per_second: int, per_minute: int, clock: Callable[[], float]) -> None:
        self.per_second, self.per_minute, self.clock = per_second, per_minute, clock
        self.hits: dict[str, deque[float]] = {}
        self.throttled = 0

    def hit(self, key: str) -> float | None:
        """Record a call: None if allowed, else the seconds until one would be."""
        now = self.clock()
        window = self.hits.setdefault(key, deque())
        while window and window[0] <= now - 60.0:
            window.popleft()
        wait = None
        if len(window) >= self.per_second and window[-self.per_second] > now - 1.0:
            wait = window[-self.per_second] + 1.0 - now
        elif len(window) >= self.per_minute:
            wait = window[-self.per_minute] + 60.0 - now
        if wait is not None:
            self.throttled += 1
            return wait
        window.append(now)
        return None


Handler = Callable[["_Api", Request], Awaitable[Reply]]


class _Api:
    """The HTTP side: the gate every call passes (faults, auth, realm, throttle) and the endpoints."""

    def __init__(
        self,
        company: Company,
        realm_id: str,
        oauth: OAuthServer,
        faults: Faults,
        throttle: _Throttle | None,
        batch_throttle: _Throttle | None = None,
    ) -> None:
        self.company, self.realm_id, self.oauth, self.faults, self.throttle = (
            company, realm_id, oauth, faults, throttle,
        )  # fmt: skip
        self.batch_throttle = batch_throttle
        self.idempotent: dict[tuple[str, str], Reply] = {}
        self.minor_versions: Counter[int] = Counter()
        self.webhooks: QuickBooksWebhookSender | None = None  # notifies every write when set

    def throttled(self, wait: float) -> Response:
        body = self.company.gateway_fault(
            429, "3001", "ThrottleExceeded", "The request limit was reached.  Try again later", "SERVICE"
        )
        # Intuit documents no Retry-After (only "wait 60 seconds"); the sandbox adds one so a client can
        # back off exactly as long as needed.
        return _json((429, body), {"Retry-After": str(max(1, math.ceil(wait)))})

    async def gate(self, request: Request, handler: Handler, *, batch: bool = False) -> Response:
        decision = self.faults.decide()
        await self.faults.delay()
        if decision == "outage":
            detail = "The service is temporarily unavailable; try again later."
            return _json((503, self.company.fault("SystemFault", "10000", "Service Unavailable", detail)))
        if decision == "error":
            return self.internal_error()
        if decision == "rate_limited":  # a short burst: ask for a short pause
            return self.throttled(1.0)
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else None
        grant = self.oauth.authenticate(token)
        if grant is None:
            detail = self.oauth.explain(token)
            body = self.company.gateway_fault(401, "3200", "AuthenticationFailed", detail, "AUTHENTICATION")
            return _json((401, body), {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'})
        realm = request.path_params["realm_id"]
        if realm != self.realm_id or grant.realm_id != realm:
            detail = "The access token is not authorized for this company"
            body = self.company.gateway_fault(
                403, "3100", "ApplicationAuthorizationFailed", detail, "SERVICE"
            )
            return _json((403, body))
        if self.throttle is not None and (wait := self.throttle.hit(realm)) is not None:
            return self.throttled(wait)
        if batch and self.batch_throttle is not None and (wait := self.batch_throttle.hit(realm)) is not None:
            return self.throttled(wait)
        if (tripped := self.faults.trip(request.method, request.url.path)) is not None:  # fail_at/stall_at
            return TrippedResponse(tripped, lambda: self.serve(request, handler), self.internal_error())
        return await self.serve(request, handler)

    async def serve(self, request: Request, handler: Handler) -> Response:
        minor = request.query_params.get("minorversion", "")
        self.minor_versions[max(MIN_MINOR_VERSION, int(minor) if minor.isdigit() else 0)] += 1
        return _json(await handler(self, request))

    def internal_error(self) -> Response:
        message = "An application error has occurred while processing your request"
        body = self.company.fault("SystemFault", "10000", message, "System Failure Error: simulated fault")
        return _json((500, body))

    async def query(self, request: Request) -> Reply:
        text = request.query_params.get("query", "")
        if request.method == "POST":
            text = (await request.body()).decode("utf-8", errors="replace") or text
        return self.company.query(text)

    async def read_company_info(self, request: Request) -> Reply:
        return self.company.read_company_info(request.path_params["company_id"])

    async def read_customer(self, request: Request) -> Reply:
        return self.company.read_customer(request.path_params["entity_id"])

    async def write_customer(self, request: Request) -> Reply:
        return await self.once(request, self.company.write_customer)

    async def once(self, request: Request, apply: Callable[[Any], Reply]) -> Reply:
        """Apply the JSON body once per ``requestid``; a repeat gets the first reply, changes nothing."""
        key = (request.path_params["realm_id"], request.query_params.get("requestid", ""))
        if key[1] and key in self.idempotent:
            return self.idempotent[key]
        try:
            payload = json.loads(await request.body(), parse_float=Decimal)
        except ValueError:
            payload = None
        if self.webhooks is not None:  # it notifies whatever the write changed
            reply = self.webhooks.around(self.company, lambda: apply(payload))
        else:
            reply = apply(payload)
        if key[1]:
            self.idempotent[key] = reply
        return reply

    async def batch(self, request: Request) -> Reply:
        return await self.once(request, self.company.batch)

    async def cdc(self, request: Request) -> Reply:
        params = request.query_params
        return self.company.cdc(params.get("entities", ""), params.get("changedSince", ""))


def _reader(entity: str) -> Handler:
    async def read(api: _Api, request: Request) -> Reply:
        return api.company.read(entity, request.path_params["entity_id"])

    return read


def _writer(entity: str) -> Handler:
    async def write(api: _Api, request: Request) -> Reply:
        operation = request.query_params.get("operation", "").lower()
        operation = "" if operation == "update" else operation
        return await api.once(request, lambda payload: api.company.write(entity, payload, operation))

    return write


def _sender(entity: str) -> Handler:
    async def send(api: _Api, request: Request) -> Reply:
        entity_id, send_to = request.path_params["entity_id"], request.query_params.get("sendTo")
        return await api.once(request, lambda _body: api.company.send(entity, entity_id, send_to))

    return send


def _intuit_tid() -> list[tuple[bytes, bytes]]:
    """Intuit stamps every response with a transaction id (``intuit_tid``) for support requests."""
    return [(b"intuit_tid", f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}".encode())]


def create_quickbooks_app(
    customers: list[dict[str, Any]] | None = None,
    *,
    sales: Sales | None = None,
    realm_id: str = QUICKBOOKS_REALM_ID,
    client_id: str = QUICKBOOKS_CLIENT_ID,
    client_secret: str = QUICKBOOKS_CLIENT_SECRET,
    faults: Faults | None = None,
    enforce_rate_limit: bool = True,
    per_second: int = 10,
    per_minute: int = 500,
    batch_per_minute: int = 40,
    access_token_ttl: int = 3600,
    refresh_token_ttl: int = 8_726_400,
    clock: Callable[[], float] = time.time,
    webhooks: QuickBooksWebhookSender | None = None,
) -> Starlette:
    """The QBO simulator as an ASGI app; ``customers`` defaults to the seeded shop's.

    ``sales`` (items, estimates, invoices, payments) defaults to ``build_sales(customers)``, drawn so each
    customer's open invoices add up to its ``Balance``.
    ``app.state``: ``faults``; ``customers`` (Id -> Customer, mutable); ``tables`` (entity name ->
    {Id: record}, mutable; Customer, Item, Estimate, Invoice, Payment); ``company``; ``oauth``
    (``OAuthServer``: ``issue_authorization_code()``, ``issue_tokens()``, ``expire_access_tokens()``,
    ``revoke_all()``, ``refreshes``); ``requests`` (Counter of (method, route template)); ``api``
    (idempotency keys, minor versions seen, throttles). ``clock`` drives token expiry, the throttling
    windows and timestamps. Fault knobs and throttling apply to the API (``/v3/...``) only; the OAuth
    endpoints are another Intuit host and stay up. ``webhooks`` (``hub.sandbox.webhooks``) is notified of
    every record a write changes; None sends no webhooks.
    """
    if customers is None:
        from hub.sandbox.seed import build_shop

        customers = build_shop().quickbooks_customers
    faults = faults or Faults()
    oauth = OAuthServer(realm_id, client_id, client_secret, access_token_ttl, refresh_token_ttl, clock)
    throttle = _Throttle(per_second, per_minute, clock) if enforce_rate_limit else None
    # Only the per-minute batch limit is documented; the per-second window is kept out of the way.
    batch_throttle = _Throttle(10**9, batch_per_minute, clock) if enforce_rate_limit else None
    if sales is None:
        sales = build_sales(customers)
    company = Company(customers, clock, realm_id=realm_id, sales=sales)
    api = _Api(company, realm_id, oauth, faults, throttle, batch_throttle)
    api.webhooks = webhooks

    def route(handler: Handler, methods: list[str], path: str, *, batch: bool = False) -> Route:
        async def endpoint(request: Request) -> Response:
            return await api.gate(request, handler, batch=batch)

        return Route("/v3/company/{realm_id}" + path, endpoint, methods=methods)

    routes = [
        *oauth_routes(oauth),
        route(_Api.query, ["GET", "POST"], "/query"),
        route(_Api.read_company_info, ["GET"], "/companyinfo/{company_id}"),
        route(_Api.read_customer, ["GET"], "/customer/{entity_id}"),
        route(_Api.write_customer, ["POST"], "/customer"),
        *(
            route(_reader(e), ["GET"], f"/{e.lower()}/{{entity_id}}")
            for e in ("Item", "Estimate", "Invoice", "Payment")
        ),
        *(route(_writer(e), ["POST"], f"/{e.lower()}") for e in ("Estimate", "Invoice", "Payment")),
        *(route(_sender(e), ["POST"], f"/{e.lower()}/{{entity_id}}/send") for e in ("Estimate", "Invoice")),
        route(_Api.batch, ["POST"], "/batch", batch=True),
        route(_Api.cdc, ["GET"], "/cdc"),
    ]
    counter: Counter[tuple[str, str]] = Counter()
    app = Starlette(routes=routes)
    app.add_middleware(CountRequests, counter=counter, headers=_intuit_tid)
    app.add_middleware(SandboxControl)  # /_sandbox/faults, /_sandbox/release: outside the API, not counted
    app.state.faults = faults
    app.state.customers = company.customers
    app.state.tables = company.tables
    app.state.company = company
    app.state.oauth = oauth
    app.state.requests = counter
    app.state.api = api
    return app
