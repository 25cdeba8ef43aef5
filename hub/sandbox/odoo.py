"""An Odoo simulator (versions 16.0-19.0): the JSON-2 API, legacy JSON-RPC, and the seeded workshop.

Endpoints, as Odoo serves them:

* ``POST /json/2/<model>/<method>`` (19.0 only; older versions answer 404, so a client falls back to
  JSON-RPC): ``Authorization: bearer <API key>``, optional ``X-Odoo-Database``, a JSON object of the
  method's named arguments plus ``ids`` and ``context``; the answer is the return value as JSON, an
  error a 4xx/5xx with ``{name, message, arguments, context, debug}`` (bad key: 401
  ``werkzeug.exceptions.Unauthorized``; unknown model or method: 404; wrong arguments: 422;
  an invalid field or domain: 500 ``builtins.ValueError``, as Odoo's dispatcher does for non-user
  errors). https://www.odoo.com/documentation/19.0/developer/reference/external_api.html and
  ``addons/rpc/controllers/json2.py``.
* ``POST /jsonrpc`` with ``{"jsonrpc": "2.0", "method": "call", "params": {"service", "method",
  "args"}}``: ``common`` (``version``, ``login``, ``authenticate`` -> uid or ``false``), ``db``
  (``list``), ``object`` (``execute_kw(db, uid, password, model, method, args, kwargs)`` and
  ``execute``); the password or the API key authenticates. Errors are HTTP 200 with
  ``error: {code: 200, message: "Odoo Server Error", data: {name, message, arguments, context,
  debug}}`` (e.g. ``odoo.exceptions.AccessDenied``).
  https://www.odoo.com/documentation/18.0/developer/reference/external_api.html
* ``GET /web/version``.
* ORM methods: ``search_read``, ``search``, ``search_count``, ``read``, ``fields_get``; domains,
  ``offset``/``limit``/``order`` as ``hub.sandbox.odoo_orm`` and ``odoo_domain`` describe.

Field differences between versions that the simulator reproduces (``odoo_schema``, ``odoo_records``):

* product: 16-17 ``type``/``detailed_type`` in (consu, service, product) with "product" = storable;
  18+ ``type`` in (consu, service, combo) plus boolean ``is_storable`` (odoo/odoo#165372, 17.3);
  ``uom_po_id`` until 18, removed in 19 (purchase unit moved to the vendor line).
* ``produce_delay`` (manufacturing lead time): on the product in 16, on ``mrp.bom`` from 17
  (with ``days_to_prepare_mo``) (odoo/documentation#9138).
* ``purchase.order.line`` and ``sale.order.line``: ``product_uom`` until 18, ``product_uom_id`` in 19
  (odoo/odoo#186250, 18.1). ``stock.move`` keeps ``product_uom``.
* ``stock.move``: ``quantity_done`` + ``reserved_availability`` in 16, ``quantity`` from 17.
* ``mrp.production``: ``date_planned_start``/``date_planned_finished`` in 16, ``date_start``/
  ``date_finished`` from 17 (odoo/odoo#110550, 16.2). ``mrp.workorder`` likewise; in 16 its
  ``date_start``/``date_finished`` are the *effective* dates (false until started/finished).
* ``mrp.workcenter.default_capacity`` until 18; in 19 capacity lives only on
  ``mrp.workcenter.capacity`` lines, a line without product applying to all (odoo/odoo#196414, 18.3).
  Setup/cleanup minutes: ``time_start``/``time_stop`` on the work centre in every version.
* ``resource.calendar.attendance.day_period``: (morning, afternoon) in 16; 17+ adds "lunch" and the
  seeded calendar carries 12:00-13:00 lunch lines, which are not working time.
* ``resource.calendar.flexible_hours`` from 18. Public holidays: ``resource.calendar.leaves`` with
  ``calendar_id`` and ``resource_id`` false apply company-wide.
* Scrap: Odoo has none on BOM lines; the seed uses a Studio field ``x_studio_scrap_percent``.

``app.state``: ``faults``; ``records`` (model -> id -> record, mutable; datetimes aware UTC);
``db`` (``Database``: ``write()`` also moves ``write_date``); ``workshop``; ``version``;
``requests`` (Counter of ``(kind, model or service, method)``, kind "json2", "jsonrpc" or "web").
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.faults import Faults
from hub.sandbox.odoo_orm import Database, OdooError, fault_response, http_error
from hub.sandbox.odoo_records import render
from hub.sandbox.odoo_rpc import JsonRpc
from hub.sandbox.odoo_schema import has_model
from hub.sandbox.odoo_workshop import Workshop
from hub.sandbox.seed_inventory import (
    ODOO_API_KEY,
    ODOO_DATABASE,
    ODOO_LOGIN,
    ODOO_PASSWORD,
    ODOO_UID,
    ODOO_VERSION,
    build_workshop,
)

__all__ = ["SUPPORTED_VERSIONS", "create_odoo_app"]

SUPPORTED_VERSIONS = ("16.0", "17.0", "18.0", "19.0")
_NOT_FOUND_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually please check your "
    "spelling and try again.</p>\n"
)


class _Json2:
    """``POST /json/2/<model>/<method>``: faults, database, bearer key, body, then the ORM."""

    def __init__(
        self,
        db: Database,
        faults: Faults,
        counter: Counter[tuple[str, str, str]],
        *,
        enabled: bool,
        api_key: str,
        database: str,
    ) -> None:
        self.db, self.faults, self.counter, self.enabled = db, faults, counter, enabled
        self.api_key, self.database = api_key, database

    @staticmethod
    def error(
        exc: OdooError, context: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        if exc.name in ("builtins.TypeError", "builtins.AttributeError"):  # bad arguments / no such method
            exc = http_error(exc.status, exc.message)
        return JSONResponse(exc.serialize(context), status_code=exc.status, headers=headers)

    async def handle(self, request: Request) -> Response:
        model = request.path_params.get("model", "")
        method = request.path_params.get("method", "")
        self.counter[("json2", model, method)] += 1
        decision = self.faults.decide()
        await self.faults.delay()
        if decision is not None:
            return fault_response(decision, self.error)
        if not self.enabled:  # before 19.0 there is no such route
            return HTMLResponse(_NOT_FOUND_PAGE, status_code=404)
        if request.method != "POST" or not model or not method:
            return self.error(http_error(404, "Did you mean POST /json/2/<model>/<method>?"))
        wanted_db = request.headers.get("x-odoo-database")
        if wanted_db is not None and wanted_db != self.database:
            return self.error(http_error(404, f"database {wanted_db!r} not found"))
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or key.strip() != self.api_key:
            return self.error(http_error(401, "Invalid apikey"), headers={"WWW-Authenticate": "Bearer"})
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            return self.error(http_error(400, f"could not parse the body as json: {exc}"))
        if not isinstance(body, dict):
            return self.error(http_error(400, "the body must be a JSON object"))
        ids, context = body.pop("ids", None) or [], body.pop("context", None) or {}
        if not has_model(model):
            return self.error(http_error(404, f"the model {model!r} does not exist"), context)
        try:
            return JSONResponse(self.db.call(model, method, list(ids), body))
        except OdooError as exc:
            return self.error(exc, context)


def create_odoo_app(
    workshop: Workshop | None = None,
    *,
    version: str = ODOO_VERSION,
    today: date | None = None,
    faults: Faults | None = None,
    api_key: str = ODOO_API_KEY,
    database: str = ODOO_DATABASE,
    login: str = ODOO_LOGIN,
    password: str = ODOO_PASSWORD,
    uid: int = ODOO_UID,
) -> Starlette:
    """The Odoo simulator as an ASGI app, serving ``workshop`` (default: ``build_workshop(today)``,
    ``today`` defaulting to the current UTC date) with the field names of ``version``."""
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unsupported Odoo version {version!r}; choose one of {SUPPORTED_VERSIONS}")
    major = int(version.split(".")[0])
    workshop = workshop or build_workshop(today or datetime.now(UTC).date())
    db = Database(render(workshop, major), major)
    faults = faults or Faults()
    counter: Counter[tuple[str, str, str]] = Counter()
    json2 = _Json2(db, faults, counter, enabled=major >= 19, api_key=api_key, database=database)
    rpc = JsonRpc(
        db,
        faults,
        counter,
        version=version,
        api_key=api_key,
        database=database,
        login=login,
        password=password,
        uid=uid,
    )
    any_method = ["GET", "POST", "PUT", "DELETE", "PATCH"]

    async def web_version(request: Request) -> Response:
        counter[("web", "", "version")] += 1
        return JSONResponse({"version_info": rpc.version_info(), "version": version})

    app = Starlette(
        routes=[
            Route("/json/2/{model}/{method}", json2.handle, methods=any_method),
            Route("/json/2", json2.handle, methods=any_method),
            Route("/json/2/{rest:path}", json2.handle, methods=any_method),
            Route("/jsonrpc", rpc.handle, methods=["POST"]),
            Route("/web/version", web_version, methods=["GET", "POST"]),
        ]
    )
    app.state.faults = faults
    app.state.records = db.records
    app.state.db = db
    app.state.workshop = workshop
    app.state.version = version
    app.state.requests = counter
    return app
