"""connectors.odoo: JSON-2 and JSON-RPC transports, paging, fields_get discovery, errors, mapping.

``FakeOdoo`` plays an Odoo server from saved payloads (tests/connectors/fixtures/odoo) through respx:
JSON-2 on 19.0 (below 19.0 ``/json/2`` is an HTML 404, as on a real older server), JSON-RPC on all
versions, strict about field names (an unknown field is an error, as in Odoo), paging by
``offset``/``limit``. Assertions count requests and read what was sent.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.inventory import (
    BomLine,
    Holiday,
    InventorySnapshot,
    InventorySource,
    Operation,
    Ref,
    StockLevel,
    WorkingHours,
)
from connectors.odoo import SPECS, OdooConnector, resolve
from hub.errors import (
    ConfigError,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFatal,
)
from hub.http import Limit, Upstreams
from hub.settings import HttpSettings
from tests.connectors.inventory_contract import InventorySourceContract, check_snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "odoo"
BASE = "https://costume-shop.odoo.example"
DB = "costume_shop"
KEY = SecretStr("odoo_test_api_key_7f3a9c1e5b")
LOGIN = "planner@costume.shop"
UID = 7


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class FakeOdoo:
    """A tiny Odoo over respx. ``calls`` records (protocol, model, method, kwargs) of every model call."""

    def __init__(self, version: str = "19.0", *, drop_models: tuple[str, ...] = ()) -> None:
        self.version = version
        self.major = int(version.split(".")[0])
        records = fixture("search_read_19.json")
        fields = fixture("fields_get_19.json")
        if self.major < 19:
            records.update(fixture("search_read_17_overrides.json"))
            fields = fixture("fields_get_17.json")
        for model in drop_models:
            records.pop(model, None)
            fields.pop(model, None)
        self.records: dict[str, list[dict[str, Any]]] = records
        self.fields: dict[str, dict[str, Any]] = fields
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []
        self.json2_requests: list[httpx.Request] = []
        self.authenticate_calls = 0
        self.missing_json2_status = 404  # what a server without JSON-2 answers on /json/2

    def install(self, router: respx.MockRouter) -> None:
        router.post(url__regex=rf"^{BASE}/json/2/.*").mock(side_effect=self.json2)
        router.post(f"{BASE}/jsonrpc").mock(side_effect=self.jsonrpc)
        router.get(f"{BASE}/web/version").mock(side_effect=self.web_version)

    # -- the model layer ----------------------------------------------------------------------------

    def answer(self, model: str, method: str, kwargs: dict[str, Any]) -> Any:
        if model not in self.fields:
            raise LookupError(model)
        if method == "fields_get":
            return self.fields[model]
        assert method == "search_read", method
        rows = self.rows(model, kwargs.get("domain") or [])
        wanted = kwargs.get("fields") or []
        unknown = [name for name in wanted if name not in self.fields[model]]
        if unknown:
            raise ValueError(f"Invalid field {unknown[0]!r} on model {model!r}")
        assert kwargs.get("order") == "id"
        offset, limit = kwargs.get("offset", 0), kwargs.get("limit")
        page = rows[offset : offset + limit] if limit else rows[offset:]
        return [{"id": row["id"], **{name: row[name] for name in wanted if name in row}} for row in page]

    def rows(self, model: str, domain: list[Any]) -> list[dict[str, Any]]:
        rows = self.records.get(model, [])
        for term in domain:
            if term == ["active", "in", [True, False]] and model == "product.product":
                rows = rows + self.records.get("product.product:archived", [])
        for term in domain:
            if isinstance(term, list) and term[:2] == ["id", "in"]:
                rows = [row for row in rows if row["id"] in term[2]]
            if isinstance(term, list) and term[:2] == ["write_date", ">="]:
                rows = [row for row in rows if row.get("write_date") and row["write_date"] >= term[2]]
        return rows

    # -- the transports -----------------------------------------------------------------------------

    def json2(self, request: httpx.Request) -> httpx.Response:
        self.json2_requests.append(request)
        if self.major < 19:
            return httpx.Response(
                self.missing_json2_status,
                text=(FIXTURES / "not_found.html").read_text(),
                headers={"Content-Type": "text/html; charset=utf-8"},
            )
        if request.headers.get("Authorization") != f"bearer {KEY.get_secret_value()}":
            return httpx.Response(401, json=fixture("json2_error_401.json"))
        _, _, _, model, method = request.url.path.split("/")
        body = json.loads(request.content)
        self.calls.append(("json2", model, method, body))
        try:
            return httpx.Response(200, json=self.answer(model, method, body))
        except LookupError:
            return httpx.Response(
                404,
                json={
                    "name": "werkzeug.exceptions.NotFound",
                    "message": f"the model {model!r} does not exist",
                    "arguments": [],
                    "context": {},
                    "debug": "",
                },
            )
        except ValueError as exc:
            return httpx.Response(
                500,
                json={
                    "name": "builtins.ValueError",
                    "message": str(exc),
                    "arguments": [str(exc)],
                    "context": {},
                    "debug": "Traceback",
                },
            )

    def jsonrpc(self, request: httpx.Request) -> httpx.Response:
        envelope = json.loads(request.content)
        assert envelope["jsonrpc"] == "2.0" and envelope["method"] == "call"
        params = envelope["params"]

        def result(value: Any) -> httpx.Response:
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": envelope["id"], "result": value})

        def error(name: str, message: str) -> httpx.Response:
            return httpx.Response(
                200,
                json={
                    "jsonrpc": "2.0",
                    "id": envelope["id"],
                    "error": {
                        "code": 200,
                        "message": "Odoo Server Error",
                        "data": {
                            "name": name,
                            "message": message,
                            "arguments": [message],
                            "context": {},
                            "debug": "Traceback",
                        },
                    },
                },
            )

        if params["service"] == "common" and params["method"] == "version":
            return result(fixture("jsonrpc_version_17.json")["result"] | {"server_version": self.version})
        if params["service"] == "common" and params["method"] == "authenticate":
            self.authenticate_calls += 1
            db, login, password, _env = params["args"]
            ok = (db, login, password) == (DB, LOGIN, KEY.get_secret_value())
            return result(UID if ok else False)
        assert (params["service"], params["method"]) == ("object", "execute_kw")
        db, uid, password, model, method, args, kwargs = params["args"]
        if (db, uid, password) != (DB, UID, KEY.get_secret_value()):
            return httpx.Response(200, json=fixture("jsonrpc_error_access_denied.json"))
        assert args == []
        self.calls.append(("jsonrpc", model, method, kwargs))
        try:
            return result(self.answer(model, method, kwargs))
        except LookupError:
            return error("builtins.KeyError", repr(model))
        except ValueError as exc:
            return error("builtins.ValueError", str(exc))

    def web_version(self, request: httpx.Request) -> httpx.Response:
        if self.major < 19:
            return httpx.Response(404, text="<h1>Not Found</h1>")
        return httpx.Response(200, json=fixture("web_version_19.json"))

    def searches(self, model: str) -> list[dict[str, Any]]:
        return [kwargs for _, m, method, kwargs in self.calls if m == model and method == "search_read"]


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    ups = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=1.0, max_attempts=3))
    yield ups
    await ups.aclose()


def connector(upstreams: Upstreams, *, key: SecretStr = KEY, **kwargs: Any) -> OdooConnector:
    client = upstreams.client(
        "odoo", BASE, limits=[Limit(1000, 1.0)], **OdooConnector.client_options(key, database=DB)
    )
    kwargs.setdefault("login", LOGIN)
    kwargs.setdefault("company_timezone", "Europe/London")
    return OdooConnector(client, database=DB, api_key=key, **kwargs)


def fake(mock: respx.MockRouter, version: str = "19.0", **kwargs: Any) -> FakeOdoo:
    server = FakeOdoo(version, **kwargs)
    server.install(mock)
    return server


# -- JSON-2 happy path, paging -----------------------------------------------------------------------


async def test_json2_snapshot_reads_every_model_in_pages(
    upstreams: Upstreams, mock: respx.MockRouter
) -> None:
    server = fake(mock)
    odoo = connector(upstreams, page_size=2)
    snapshot = await odoo.snapshot()
    assert odoo.transport == "json2"
    assert {call[0] for call in server.calls} == {"json2"}
    for model in SPECS:
        assert server.searches(model), f"{model} was not read"
        offsets = [kwargs["offset"] for kwargs in server.searches(model)]
        size = len(server.rows(model, []))
        # pages of 2 until a short page: 4 records → 0, 2, 4 (empty); 3 → 0, 2; 2 → 0, 2
        assert offsets[: size // 2 + 1] == list(range(0, size // 2 * 2 + 1, 2)), (model, offsets)
        assert all(kwargs["limit"] == 2 and kwargs["order"] == "id" for kwargs in server.searches(model))
    for request in server.json2_requests:
        assert request.headers["Authorization"] == f"bearer {KEY.get_secret_value()}"
        assert request.headers["X-Odoo-Database"] == DB
        assert request.headers["Content-Type"] == "application/json"
    assert len(snapshot.items) == 7


async def test_two_pages_then_stop(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    server = fake(mock)
    rows = await connector(upstreams, page_size=2).search_read(
        "stock.move", [["state", "=", "assigned"]], ["product_id", "state"]
    )
    assert [row["id"] for row in rows] == [31, 32, 33]
    searches = server.searches("stock.move")
    assert [(s["offset"], s["limit"]) for s in searches] == [(0, 2), (2, 2)]
    assert searches[0]["domain"] == [["state", "=", "assigned"]]
    assert searches[0]["fields"] == ["product_id", "state"]


async def test_since_reads_only_records_written_since(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    server = fake(mock)
    odoo = connector(upstreams)
    london = timezone(timedelta(hours=1))
    rows = await odoo.search_read(
        "product.product",
        [("type", "!=", "service")],
        ["name"],
        since=datetime(2026, 5, 20, 10, 12, 44, tzinfo=london),
    )
    assert server.searches("product.product")[-1]["domain"] == [
        ["type", "!=", "service"],
        ["write_date", ">=", "2026-05-20 09:12:44"],
    ]
    assert len(rows) == 6
    assert await odoo.search_read("product.product", [], ["name"], since=at("2026-05-21 00:00:00")) == []
    with pytest.raises(ValueError):
        await odoo.search_read("product.product", [], ["name"], since=datetime(2026, 5, 20))


async def test_ping_and_version(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    fake(mock)
    odoo = connector(upstreams)
    assert await odoo.version() == "19.0"
    result = await odoo.ping()
    assert result.ok and result.source == "odoo"
    assert "19.0" in result.detail and "json2" in result.detail


# -- fallback to JSON-RPC, version differences -------------------------------------------------------


@pytest.mark.parametrize("status", [404, 405])
async def test_auto_falls_back_to_jsonrpc_once(
    upstreams: Upstreams, mock: respx.MockRouter, status: int
) -> None:
    server = fake(mock, "17.0")
    server.missing_json2_status = status
    odoo = connector(upstreams, page_size=3)
    first = await odoo.snapshot()
    second = await odoo.snapshot()
    assert odoo.transport == "jsonrpc"
    json2_attempts = [c for c in mock.calls if "/json/2/" in c.request.url.path]
    assert len(json2_attempts) == 1, "the JSON-2 probe is made once, then the choice is remembered"
    assert server.authenticate_calls == 1, "the uid is cached"
    assert {call[0] for call in server.calls} == {"jsonrpc"}
    assert await odoo.version() == "17.0"
    assert first.items.keys() == second.items.keys()
    check_snapshot(first, "odoo")


async def test_jsonrpc_pages_with_offset_and_limit(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    server = fake(mock, "17.0")
    odoo = connector(upstreams, protocol="jsonrpc", page_size=2)
    rows = await odoo.search_read("stock.move", [], ["state"])
    assert [row["id"] for row in rows] == [31, 32, 33]
    assert [(s["offset"], s["limit"]) for s in server.searches("stock.move")] == [(0, 2), (2, 2)]
    assert server.json2_requests == []


async def test_17_and_19_field_names_are_discovered(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    server19 = fake(mock, "19.0")
    snap19 = await connector(upstreams).snapshot()
    mock.reset()
    server17 = fake(mock, "17.0")
    snap17 = await connector(upstreams).snapshot()
    # 19.0 has no default_capacity: the capacity comes from mrp.workcenter.capacity rows.
    assert "default_capacity" not in server19.searches("mrp.workcenter")[0]["fields"]
    assert "default_capacity" in server17.searches("mrp.workcenter")[0]["fields"]
    assert "is_storable" in server19.searches("product.product")[0]["fields"]
    product17 = server17.searches("product.product")[0]["fields"]
    assert "detailed_type" in product17 and "is_storable" not in product17
    # Same shop, same canonical answer, whatever the version.
    assert snap17.work_centers == snap19.work_centers
    assert snap17.items == snap19.items and snap17.boms == snap19.boms and snap17.loads == snap19.loads


def test_16_prefers_planned_dates_over_actual_ones() -> None:
    available = {
        name: {}
        for name in (
            "id",
            "name",
            "product_id",
            "product_qty",
            "state",
            "date_start",
            "date_planned_start",
            "date_planned_finished",
            "date_finished",
        )
    }
    fmap = resolve(SPECS["mrp.production"], available)
    assert fmap.odoo_name("date_start") == "date_planned_start"
    assert fmap.odoo_name("date_finished") == "date_planned_finished"
    with pytest.raises(UpstreamFatal, match="mrp.workcenter has none of the fields name"):
        resolve(SPECS["mrp.workcenter"], {"id": {}})


async def test_missing_apps_leave_their_parts_empty(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mrp = tuple(model for model in SPECS if model.startswith("mrp."))
    fake(mock, drop_models=mrp)
    snapshot = await connector(upstreams).snapshot()
    assert snapshot.boms == {} and snapshot.work_centers == {} and snapshot.loads == ()
    assert {item.make_or_buy for item in snapshot.items.values()} == {"buy"}
    assert [s.kind for s in snapshot.supplies] == ["purchase_order"] * 3


# -- errors ------------------------------------------------------------------------------------------


async def test_json2_401_is_an_auth_error_without_the_key(
    upstreams: Upstreams, mock: respx.MockRouter
) -> None:
    fake(mock)
    wrong = SecretStr("wrong_key_5d2e")
    odoo = connector(upstreams, key=wrong)
    with pytest.raises(UpstreamAuthError) as caught:
        await odoo.snapshot()
    message = str(caught.value)
    assert "Invalid apikey" in message and "Traceback" not in message
    assert wrong.get_secret_value() not in message and KEY.get_secret_value() not in message
    assert len(mock.calls) == 1, "auth errors are not retried"
    ping = await odoo.ping()
    assert not ping.ok and "AUTH_EXPIRED" in ping.detail and wrong.get_secret_value() not in ping.detail
    assert wrong.get_secret_value() not in repr(odoo)
    assert wrong.get_secret_value() not in repr(OdooConnector.client_options(wrong))


async def test_jsonrpc_refused_login_is_an_auth_error(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    fake(mock, "17.0")
    wrong = SecretStr("wrong_key_5d2e")
    with pytest.raises(UpstreamAuthError) as caught:
        await connector(upstreams, key=wrong).snapshot()
    assert "authenticate" in str(caught.value) and wrong.get_secret_value() not in str(caught.value)


async def test_jsonrpc_without_login_is_a_config_error(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    fake(mock, "17.0")
    with pytest.raises(ConfigError, match="set the login"):
        await connector(upstreams, login=None).snapshot()


@pytest.mark.parametrize(
    ("payload", "error", "text"),
    [
        ("jsonrpc_error_access_denied.json", UpstreamAuthError, "Access Denied"),
        ("jsonrpc_error_invalid_field.json", UpstreamFatal, "Invalid field mrp.production.date_start"),
    ],
)
async def test_jsonrpc_error_objects_raise_the_right_error(
    upstreams: Upstreams, mock: respx.MockRouter, payload: str, error: type[UpstreamError], text: str
) -> None:
    route = mock.post(f"{BASE}/jsonrpc")
    odoo = connector(upstreams, protocol="jsonrpc")
    route.mock(
        side_effect=[
            httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": UID}),
            httpx.Response(200, json=fixture(payload)),
        ]
    )
    with pytest.raises(error) as caught:
        await odoo.search_read("mrp.production", [], ["name"])
    assert text in str(caught.value) and "Traceback" not in str(caught.value)
    assert caught.value.status == 200 and route.call_count == 2
    assert KEY.get_secret_value() not in str(caught.value)


async def test_access_error_is_fatal_not_auth(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.post(f"{BASE}/json/2/mrp.production/search_read").respond(
        403, json=fixture("json2_error_access_error_403.json")
    )
    fake(mock)
    with pytest.raises(UpstreamFatal) as caught:
        await connector(upstreams).snapshot()
    assert not isinstance(caught.value, UpstreamAuthError)
    assert caught.value.vendor_code == "odoo.exceptions.AccessError"
    assert "not allowed to access 'Manufacturing Order'" in str(caught.value)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"records": []}),
        httpx.Response(200, json=[{"id": 1, "name": ["not", "a", "string"], "type": "consu"}]),
    ],
)
async def test_malformed_bodies_are_bad_responses(
    upstreams: Upstreams, mock: respx.MockRouter, response: httpx.Response
) -> None:
    mock.post(f"{BASE}/json/2/product.product/search_read").mock(return_value=response)
    fake(mock)
    with pytest.raises(UpstreamBadResponse) as caught:
        await connector(upstreams).snapshot()
    assert "product.product" in str(caught.value) and "not a string" not in str(caught.value)


async def test_429_with_retry_after_is_retried(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    server = FakeOdoo()
    route = mock.post(f"{BASE}/json/2/stock.quant/search_read")
    route.mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0"}, text="Too Many Requests"),
            httpx.Response(503, json={"name": "builtins.Exception", "message": "busy"}),
            httpx.Response(200, json=server.records["stock.quant"]),
        ]
    )
    server.install(mock)
    snapshot = await connector(upstreams, page_size=10).snapshot()
    assert route.call_count == 3, "read-only POSTs are retried like GETs"
    assert (
        StockLevel(
            "FAB-SILK-DUPIONI", "WH/Stock", Decimal("30.0"), Decimal("4.0"), ref=Ref("odoo", "stock.quant/1")
        )
        in snapshot.stock
    )


# -- mapping to the canonical model (golden) ---------------------------------------------------------


async def test_mapping_golden(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    fake(mock)
    snap = await connector(upstreams).snapshot()
    check_snapshot(snap, "odoo")
    items = snap.items
    silk = items["FAB-SILK-DUPIONI"]
    assert (silk.unit, silk.kind, silk.make_or_buy) == ("m", "component", "buy")
    assert silk.lead_time_days == Decimal(7)  # the sequence-1 vendor, not the 12-day one
    assert silk.safety_stock == Decimal("15.0")  # two reordering rules: 10 + 5
    assert silk.ref == Ref("odoo", "product.product/1")
    assert (items["TRM-BUTTON-BRASS"].unit, items["TRM-BUTTON-BRASS"].lead_time_days) == ("pc", Decimal(3))
    bodice = items["SUB-CORSET-BODICE"]
    assert (bodice.kind, bodice.make_or_buy, bodice.lead_time_days) == ("component", "make", Decimal("2.0"))
    gown = items["FIN-VICTORIAN-GOWN"]
    assert (gown.kind, gown.make_or_buy, gown.lead_time_days) == ("finished", "make", Decimal("10.0"))
    corset = items["FIN-CORSET-M"]  # has a BOM, but its only route is Buy
    assert (corset.kind, corset.make_or_buy, corset.lead_time_days) == ("finished", "buy", Decimal(5))
    assert items["odoo-product-6"].name == "Lining satin"  # no Internal Reference
    assert items["TRM-LACE-CHANTILLY"].ref == Ref("odoo", "product.product/7")  # archived, read for its BOM

    quant = lambda n: Ref("odoo", f"stock.quant/{n}")  # noqa: E731
    assert snap.stock == (  # two silk quants (lots) summed: 25.5 + 4.5
        StockLevel("FAB-SILK-DUPIONI", "WH/Stock", Decimal("30.0"), Decimal("4.0"), quant(1)),
        StockLevel("FIN-CORSET-M", "WH/Stock", Decimal("3.0"), Decimal("1.0"), quant(4)),
        StockLevel("TRM-BUTTON-BRASS", "WH/Stock", Decimal("200.0"), Decimal("0.0"), quant(3)),
    )

    # MO 00018: 3 planned, 1 made; P00043: 100 ordered, 60 received; P00044 is an RFQ (unconfirmed).
    mo, po = "manufacturing_order", "purchase_order"
    assert [(s.reference, s.sku, s.quantity, s.expected_at, s.kind, s.confirmed) for s in snap.supplies] == [
        ("WH/MO/00018", "SUB-CORSET-BODICE", Decimal("2.0"), at("2026-06-03 12:00:00"), mo, True),
        ("P00043", "TRM-BUTTON-BRASS", Decimal("40.0"), at("2026-06-03 12:00:00"), po, True),
        ("WH/MO/00017", "FIN-VICTORIAN-GOWN", Decimal("2.0"), at("2026-06-05 16:00:00"), mo, True),
        ("P00042", "FAB-SILK-DUPIONI", Decimal("40.0"), at("2026-06-08 09:00:00"), po, True),
        ("P00044", "FAB-SILK-DUPIONI", Decimal("20.0"), at("2026-06-15 09:00:00"), po, False),
    ]
    assert snap.supplies[1].ref == Ref("odoo", "purchase.order.line/12")

    # Move 31 wants 2 corsets with 1 reserved (already in the quant's reserved): 1 outstanding;
    # move 33 is fully reserved: nothing outstanding.
    assert [(d.reference, d.sku, d.quantity, d.needed_at, d.kind) for d in snap.demands] == [
        ("WH/MO/00017", "FAB-SILK-DUPIONI", Decimal("8.0"), at("2026-06-01 07:00:00"), "manufacturing_order"),
        ("S00012", "FIN-CORSET-M", Decimal("1.0"), at("2026-06-02 10:00:00"), "sales_order"),
    ]

    assert set(snap.boms) == {"FIN-VICTORIAN-GOWN", "SUB-CORSET-BODICE", "FIN-CORSET-M"}
    gown_bom = snap.boms["FIN-VICTORIAN-GOWN"]  # BOM 41 (sequence 1), not the alternative 44
    assert gown_bom.ref == Ref("odoo", "mrp.bom/41") and gown_bom.output_quantity == Decimal("1.0")
    assert gown_bom.lines == (
        BomLine("FAB-SILK-DUPIONI", Decimal("6.5"), Decimal("5.0")),  # Studio scrap %
        BomLine("SUB-CORSET-BODICE", Decimal("1.0")),
        BomLine("TRM-LACE-CHANTILLY", Decimal("2.0")),
    )
    assert gown_bom.operations == (
        Operation(10, "Cutting", "CUT", Decimal("15.0"), Decimal("90.0")),
        Operation(20, "Sewing", "SEW", Decimal("10.0"), Decimal("600.0")),
        Operation(30, "Finishing", "FIN", Decimal("0.0"), Decimal("120.0")),
    )
    # 240 minutes per cycle of a BOM that makes 2: 120 minutes per corset.
    assert snap.boms["FIN-CORSET-M"].operations == (
        Operation(10, "Sewing", "SEW", Decimal("10.0"), Decimal("120")),
    )
    assert snap.boms["SUB-CORSET-BODICE"].operations == ()

    sew = snap.work_centers["SEW"]
    assert (sew.name, sew.capacity, sew.calendar_id) == ("Sewing Room", 4, "1")
    assert sew.efficiency == Decimal("0.9")  # time_efficiency 90 %
    assert (snap.work_centers["FIN"].capacity, snap.work_centers["CUT"].efficiency) == (2, Decimal(1))

    workshop = snap.calendars["1"]
    assert (workshop.name, workshop.timezone) == ("Workshop 40h", "Europe/London")
    assert workshop.hours == tuple(
        WorkingHours(day, time(start), time(end)) for day in range(5) for start, end in ((8, 12), (13, 17))
    )  # lunch and Ada's Saturday left out
    assert workshop.holidays == (  # stored in UTC; the London dates are what the workshop sees
        Holiday(date(2026, 5, 4), date(2026, 5, 4), "Early May bank holiday"),
        Holiday(date(2026, 6, 12), date(2026, 6, 13), "Workshop closed for stocktake"),
    )
    night = snap.calendars["2"]  # no tz of its own: the company's
    assert night.timezone == "Europe/London" and night.hours == (WorkingHours(0, time(22), time.max),)
    assert night.holidays == (Holiday(date(2026, 5, 4), date(2026, 5, 4), "Early May bank holiday"),)

    assert [(load.work_center, load.start, load.end, load.reference) for load in snap.loads] == [
        ("CUT", at("2026-06-01 07:00:00"), at("2026-06-01 10:00:00"), "WH/MO/00017 Cutting"),
        ("SEW", at("2026-06-02 07:00:00"), at("2026-06-04 15:00:00"), "WH/MO/00017 Sewing"),
    ]
    assert snap.loads[1].ref == Ref("odoo", "mrp.workorder/81")
    assert snap.fetched_at is not None and snap.source_times["odoo"] == snap.fetched_at


def test_bad_configuration_is_refused(upstreams: Upstreams) -> None:
    with pytest.raises(ConfigError):
        connector(upstreams, page_size=0)
    with pytest.raises(ConfigError):
        connector(upstreams, protocol="xmlrpc")


# -- the shared InventorySource contract -------------------------------------------------------------


class TestOdooInventoryContract(InventorySourceContract):
    @pytest.fixture
    def inventory_source(self, upstreams: Upstreams, mock: respx.MockRouter) -> InventorySource:
        fake(mock)
        return connector(upstreams, page_size=3)


class TestOdooJsonRpcInventoryContract(InventorySourceContract):
    @pytest.fixture
    def inventory_source(self, upstreams: Upstreams, mock: respx.MockRouter) -> InventorySource:
        fake(mock, "17.0")
        return connector(upstreams, page_size=3)


# -- against the sandbox simulator -------------------------------------------------------------------

SANDBOX = importlib.util.find_spec("hub.sandbox.odoo") is not None


@pytest.mark.skipif(not SANDBOX, reason="hub.sandbox.odoo (the Odoo simulator) is not in this checkout yet")
@pytest.mark.parametrize("version", ["19.0", "18.0", "17.0", "16.0"])
async def test_against_the_sandbox_simulator(version: str) -> None:
    from hub.sandbox.odoo import create_odoo_app  # noqa: PLC0415 - the module may be absent
    from hub.sandbox.seed_inventory import ODOO_API_KEY, ODOO_DATABASE, ODOO_LOGIN  # noqa: PLC0415

    today = date(2026, 11, 23)  # a Monday: the seed's dates are relative to it
    app = create_odoo_app(version=version, today=today)
    key = SecretStr(ODOO_API_KEY)
    ups = Upstreams(
        HttpSettings(backoff_base=0.0, max_retry_wait=1.0, max_attempts=3),
        transports={"odoo": httpx.ASGITransport(app=app)},
    )
    try:
        client = ups.client(
            "odoo",
            "https://costume-shop.odoo.com",
            limits=[Limit(1000, 1.0)],
            **OdooConnector.client_options(key, database=ODOO_DATABASE),
        )
        odoo = OdooConnector(client, database=ODOO_DATABASE, api_key=key, login=ODOO_LOGIN, page_size=5)
        snapshot = await odoo.snapshot()
        assert odoo.transport == ("json2" if version == "19.0" else "jsonrpc")
        assert (await odoo.version()).startswith(version)
    finally:
        await ups.aclose()
    check_snapshot(snapshot, "odoo")
    skus = {
        "FAB-VELVET-BURG",
        "FAB-SILK-DUPIONI",
        "TRM-BUTTON-BRASS",
        "SUB-CORSET-BODICE",
        "FIN-CORSET-M",
        "FIN-VICTORIAN-GOWN",
        "FIN-TAILCOAT",
        "FIN-CHORUS-TUNIC",
    }
    assert skus <= set(snapshot.items)
    assert snapshot.items["FIN-VICTORIAN-GOWN"].make_or_buy == "make"
    assert snapshot.items["FAB-SILK-DUPIONI"].unit == "m"
    gown = snapshot.boms["FIN-VICTORIAN-GOWN"]
    assert "SUB-CORSET-BODICE" in {line.component_sku for line in gown.lines}
    assert [op.work_center for op in gown.operations] == ["CUT", "SEW", "FIN"]
    sew = snapshot.work_centers["SEW"]
    assert (sew.name, sew.capacity, sew.efficiency) == ("Sewing Room", 4, Decimal("0.9"))
    calendar = snapshot.calendars[sew.calendar_id]
    assert calendar.timezone == "Europe/London" and len(calendar.hours) == 10 and calendar.holidays
    assert any(load.work_center == "SEW" for load in snapshot.loads)
    assert any(s.kind == "purchase_order" for s in snapshot.supplies)


async def _sandbox_snapshot(**options: Any) -> InventorySnapshot:
    """A snapshot of the Odoo simulator's workshop, read through the connector."""
    from hub.sandbox.odoo import create_odoo_app
    from hub.sandbox.seed_inventory import ODOO_API_KEY, ODOO_DATABASE

    sandbox = Upstreams(
        HttpSettings(backoff_base=0.0), transports={"odoo": httpx.ASGITransport(app=create_odoo_app())}
    )
    key = SecretStr(ODOO_API_KEY)
    client = sandbox.client(
        "odoo",
        "https://shop.odoo.com",
        limits=[Limit(1000, 1.0)],
        **OdooConnector.client_options(key, database=ODOO_DATABASE),
    )
    try:
        return await OdooConnector(client, database=ODOO_DATABASE, api_key=key, **options).snapshot()
    finally:
        await sandbox.aclose()


async def test_bought_item_without_vendor_gets_the_conservative_default_lead_time() -> None:
    from hub.sandbox.seed_inventory import SEED_NOTES

    snapshot = await _sandbox_snapshot(default_lead_time_days=Decimal(21))
    assert snapshot.items[SEED_NOTES["no_vendor_sku"]].lead_time_days == Decimal(21)


async def test_purchase_order_without_a_vendor_confirmed_date_is_unconfirmed_supply() -> None:
    from hub.sandbox.seed_inventory import SEED_NOTES

    snapshot = await _sandbox_snapshot()
    by_reference = {s.reference: s.confirmed for s in snapshot.supplies if s.kind == "purchase_order"}
    assert by_reference[SEED_NOTES["unconfirmed_po"]] is False
    assert by_reference[SEED_NOTES["short_po"]] is True
