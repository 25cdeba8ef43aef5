"""The Odoo simulator through HTTP: JSON-2 (19.0) and JSON-RPC (every version), field names per version,
domains, paging, errors in Odoo's shapes, and the fault knobs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.sandbox.odoo import create_odoo_app
from hub.sandbox.seed_inventory import (
    ODOO_API_KEY,
    ODOO_DATABASE,
    ODOO_LOGIN,
    ODOO_PASSWORD,
    ODOO_UID,
    build_workshop,
)

TODAY = date(2026, 1, 12)
WORKSHOP = build_workshop(TODAY)  # built once; each app renders its own copy
BEARER = {"Authorization": f"bearer {ODOO_API_KEY}", "X-Odoo-Database": ODOO_DATABASE}


def make_app(version: str = "19.0") -> Starlette:
    return create_odoo_app(WORKSHOP, version=version)


def client_for(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://odoo.test")


@pytest.fixture
async def odoo() -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = make_app()
    async with client_for(app) as client:
        yield app, client


async def json2(client: httpx.AsyncClient, model: str, method: str, **body: Any) -> Any:
    response = await client.post(f"/json/2/{model}/{method}", headers=BEARER, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def rpc(client: httpx.AsyncClient, service: str, method: str, *args: Any) -> dict[str, Any]:
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 7,
        "params": {"service": service, "method": method, "args": list(args)},
    }
    response = await client.post("/jsonrpc", json=payload)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["id"] == 7
    return body


async def execute_kw(
    client: httpx.AsyncClient,
    model: str,
    method: str,
    args: list[Any],
    kwargs: dict[str, Any],
    password: str = ODOO_PASSWORD,
) -> dict[str, Any]:
    return await rpc(
        client, "object", "execute_kw", ODOO_DATABASE, ODOO_UID, password, model, method, args, kwargs
    )


# -- JSON-2 ----------------------------------------------------------------------------------------------


async def test_json2_search_read_pages_with_offset_and_limit(
    odoo: tuple[Starlette, httpx.AsyncClient],
) -> None:
    app, client = odoo
    seen: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await json2(
            client,
            "product.product",
            "search_read",
            domain=[],
            fields=["default_code"],
            offset=offset,
            limit=4,
            order="id",
        )
        seen += page
        if len(page) < 4:
            break
        offset += 4
    assert [r["id"] for r in seen] == sorted(WORKSHOP.records["product.product"]) and len(seen) == 15
    assert set(seen[0]) == {"id", "default_code"}
    assert app.state.requests[("json2", "product.product", "search_read")] == 4
    assert await json2(client, "product.product", "search_count", domain=[]) == 15


async def test_json2_order_read_and_values(odoo: tuple[Starlette, httpx.AsyncClient]) -> None:
    _, client = odoo
    top = await json2(
        client,
        "product.product",
        "search_read",
        domain=[["default_code", "=like", "FAB-%"]],
        fields=["default_code", "uom_id", "seller_ids"],
        order="default_code desc",
        limit=2,
    )
    assert [r["default_code"] for r in top] == ["FAB-WOOL-CREPE", "FAB-VELVET-BURG"]
    assert top[0]["uom_id"] == [5, "m"] and len(top[0]["seller_ids"]) == 1
    ids = await json2(client, "mrp.production", "search", domain=[["state", "=", "progress"]])
    orders = await json2(
        client, "mrp.production", "read", ids=ids, fields=["name", "date_start", "product_qty"]
    )
    assert [o["name"] for o in orders] == ["WH/MO/00011", "WH/MO/00012", "WH/MO/00013", "WH/MO/00014"]
    assert (
        orders[0]["date_start"].count(":") == 2 and "T" not in orders[0]["date_start"]
    )  # "YYYY-MM-DD HH:MM:SS"
    assert isinstance(orders[0]["product_qty"], float)


async def test_json2_errors_name_the_exception(odoo: tuple[Starlette, httpx.AsyncClient]) -> None:
    _, client = odoo
    cases = [
        ("/json/2/no.such.model/search_read", {}, 404, "werkzeug.exceptions.NotFound"),
        ("/json/2/product.product/frobnicate", {}, 404, "werkzeug.exceptions.NotFound"),
        (
            "/json/2/product.product/search_read",
            {"colour": "red"},
            422,
            "werkzeug.exceptions.UnprocessableEntity",
        ),
        ("/json/2/product.product/search_read", {"ids": [1]}, 422, "werkzeug.exceptions.UnprocessableEntity"),
        ("/json/2/product.product/search", {}, 422, "werkzeug.exceptions.UnprocessableEntity"),
        ("/json/2/product.product/_private", {}, 403, "odoo.exceptions.AccessError"),
        ("/json/2/product.product/search_read", {"fields": ["colour"]}, 500, "builtins.ValueError"),
        ("/json/2/product.product/search_read", {"domain": [["colour", "=", 1]]}, 500, "builtins.ValueError"),
        ("/json/2/product.product/search_read", {"order": "id sideways"}, 500, "builtins.ValueError"),
    ]
    for path, body, status, name in cases:
        response = await client.post(path, headers=BEARER, json=body)
        assert response.status_code == status, (path, body, response.text)
        error = response.json()
        assert error["name"] == name and set(error) == {"name", "message", "arguments", "context", "debug"}


async def test_json2_authentication(odoo: tuple[Starlette, httpx.AsyncClient]) -> None:
    _, client = odoo
    for headers in ({}, {"Authorization": "bearer wrong"}, {"Authorization": f"Basic {ODOO_API_KEY}"}):
        response = await client.post(
            "/json/2/product.product/search_count", headers=headers, json={"domain": []}
        )
        assert response.status_code == 401
        assert response.json()["name"] == "werkzeug.exceptions.Unauthorized"
        assert (
            response.json()["message"] == "Invalid apikey"
            and "bearer" in response.headers["www-authenticate"].lower()
        )
    other_db = {**BEARER, "X-Odoo-Database": "someone_else"}
    response = await client.post(
        "/json/2/product.product/search_count", headers=other_db, json={"domain": []}
    )
    assert response.status_code == 404
    no_db_header = {"Authorization": f"Bearer {ODOO_API_KEY}"}  # optional with one database; scheme any case
    response = await client.post(
        "/json/2/product.product/search_count", headers=no_db_header, json={"domain": []}
    )
    assert response.status_code == 200 and response.json() == 15


async def test_json2_exists_only_from_19() -> None:
    for version in ("16.0", "17.0", "18.0"):
        app = make_app(version)
        async with client_for(app) as client:
            response = await client.post("/json/2/product.product/search_read", headers=BEARER, json={})
            assert response.status_code == 404, version
            assert (await rpc(client, "common", "version"))["result"]["server_version"] == version
            assert app.state.requests[("json2", "product.product", "search_read")] == 1


# -- JSON-RPC --------------------------------------------------------------------------------------------


async def test_jsonrpc_authenticate_and_execute_kw(odoo: tuple[Starlette, httpx.AsyncClient]) -> None:
    app, client = odoo
    assert (await rpc(client, "common", "authenticate", ODOO_DATABASE, ODOO_LOGIN, ODOO_PASSWORD, {}))[
        "result"
    ] == 6
    assert (await rpc(client, "common", "login", ODOO_DATABASE, ODOO_LOGIN, ODOO_API_KEY))[
        "result"
    ] == ODOO_UID
    assert (await rpc(client, "common", "authenticate", ODOO_DATABASE, ODOO_LOGIN, "nope", {}))[
        "result"
    ] is False
    version = (await rpc(client, "common", "version"))["result"]
    assert version["server_version_info"][:2] == [19, 0]
    body = await execute_kw(
        client,
        "stock.quant",
        "search_read",
        [[["location_id.usage", "=", "internal"]]],
        {"fields": ["product_id", "quantity"], "order": "id", "limit": 2},
    )
    assert body["result"] == [
        {"id": 1, "product_id": [1, "[FAB-VELVET-BURG] Burgundy cotton velvet"], "quantity": 60.0},
        {"id": 2, "product_id": [1, "[FAB-VELVET-BURG] Burgundy cotton velvet"], "quantity": 6.0},
    ]
    read = await execute_kw(client, "mrp.workcenter", "read", [[2], ["code", "time_efficiency"]], {})
    assert read["result"] == [{"id": 2, "code": "SEW", "time_efficiency": 90.0}]
    count = await execute_kw(
        client, "mrp.workorder", "search_count", [[["workcenter_id.code", "=", "SEW"]]], {}
    )
    assert count["result"] == 12
    assert app.state.requests[("jsonrpc", "mrp.workorder", "search_count")] == 1


async def test_jsonrpc_errors_are_error_objects(odoo: tuple[Starlette, httpx.AsyncClient]) -> None:
    _, client = odoo
    denied = await execute_kw(client, "product.product", "search_count", [[]], {}, password="guess")
    assert denied["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert denied["error"]["code"] == 200 and denied["error"]["message"] == "Odoo Server Error"
    missing = await execute_kw(client, "no.such.model", "search_read", [], {})
    assert missing["error"]["data"]["name"] == "odoo.exceptions.UserError"
    bad_field = await execute_kw(client, "product.product", "search_read", [], {"fields": ["colour"]})
    assert bad_field["error"]["data"]["name"] == "builtins.ValueError"
    twice = await execute_kw(client, "product.product", "search_read", [[]], {"domain": []})
    assert "multiple values" in twice["error"]["data"]["message"]
    wrong_db = await rpc(
        client,
        "object",
        "execute_kw",
        "other",
        ODOO_UID,
        ODOO_PASSWORD,
        "product.product",
        "search_count",
        [[]],
    )
    assert wrong_db["error"]["data"]["name"] == "psycopg2.OperationalError"


# -- versions --------------------------------------------------------------------------------------------

EXPECTED_FIELDS = {
    # model: {field: versions it exists in}
    "product.product": {
        "detailed_type": {16, 17},
        "is_storable": {18, 19},
        "uom_po_id": {16, 17, 18},
        "produce_delay": {16},
        "type": {16, 17, 18, 19},
    },
    "mrp.bom": {"produce_delay": {17, 18, 19}, "days_to_prepare_mo": {17, 18, 19}},
    "stock.move": {"quantity_done": {16}, "reserved_availability": {16}, "quantity": {17, 18, 19}},
    "purchase.order.line": {"product_uom": {16, 17, 18}, "product_uom_id": {19}},
    "sale.order.line": {"product_uom": {16, 17, 18}, "product_uom_id": {19}},
    "mrp.production": {"date_planned_start": {16}, "date_start": {17, 18, 19}},
    "mrp.workorder": {"date_planned_start": {16}, "date_start": {16, 17, 18, 19}},
    "mrp.workcenter": {"default_capacity": {16, 17, 18}, "capacity_ids": {16, 17, 18, 19}},
    "resource.calendar": {"flexible_hours": {18, 19}},
}


@pytest.mark.parametrize("version", ["16.0", "17.0", "18.0", "19.0"])
async def test_fields_get_and_records_follow_the_version(version: str) -> None:
    major = int(version[:2])
    app = make_app(version)
    async with client_for(app) as client:
        for model, fields in EXPECTED_FIELDS.items():
            got = (
                await execute_kw(
                    client, model, "fields_get", [], {"attributes": ["type", "string", "relation"]}
                )
            )["result"]
            for name, versions in fields.items():
                assert (name in got) == (major in versions), (version, model, name)
            assert got["id"]["type"] == "integer" and all(
                set(v) <= {"type", "string", "relation"} for v in got.values()
            )
        types = await execute_kw(
            client, "product.product", "fields_get", [["type"]], {"attributes": ["selection"]}
        )
        kinds = {value for value, _label in types["result"]["type"]["selection"]}
        assert ("product" in kinds) == (major < 18) and ("combo" in kinds) == (major >= 18)
        corset = (
            await execute_kw(
                client, "product.product", "search_read", [[["default_code", "=", "FIN-CORSET-M"]]], {}
            )
        )["result"][0]
        assert corset["type"] == ("product" if major < 18 else "consu")
        assert corset.get("is_storable", True) is True
        periods = (
            await execute_kw(
                client, "resource.calendar.attendance", "search_count", [[["day_period", "=", "lunch"]]], {}
            )
        )["result"]
        assert periods == (0 if major == 16 else 5)
        capacity = await execute_kw(client, "mrp.workcenter.capacity", "search_count", [[]], {})
        assert capacity["result"] == (3 if major == 19 else 0)


async def test_version_16_workorders_keep_planned_and_effective_dates_apart() -> None:
    async with client_for(make_app("16.0")) as client:
        orders = (
            await execute_kw(
                client,
                "mrp.workorder",
                "search_read",
                [[["state", "in", ["pending", "done"]]]],
                {"fields": ["state", "date_start", "date_planned_start", "date_finished"]},
            )
        )["result"]
    pending = [o for o in orders if o["state"] == "pending"]
    assert pending and all(o["date_start"] is False and o["date_planned_start"] for o in pending)
    assert all(o["date_finished"] for o in orders if o["state"] == "done")


def test_unknown_versions_are_refused() -> None:
    with pytest.raises(ValueError, match="15.0"):
        create_odoo_app(WORKSHOP, version="15.0")


# -- domains ---------------------------------------------------------------------------------------------


async def test_domains(odoo: tuple[Starlette, httpx.AsyncClient]) -> None:
    _, client = odoo

    async def codes(
        domain: list[Any], model: str = "product.product", field: str = "default_code"
    ) -> list[Any]:
        rows = await json2(client, model, "search_read", domain=domain, fields=[field], order="id")
        return [r[field] for r in rows]

    assert await codes(
        ["|", ["default_code", "=", "FIN-TAILCOAT"], ["default_code", "=", "FIN-CORSET-M"]]
    ) == ["FIN-CORSET-M", "FIN-TAILCOAT"]
    assert len(await codes(["!", ["default_code", "ilike", "fab-"]])) == 9
    assert await codes([["default_code", "in", ["TRM-ZIP-INVIS", "NOPE"]]]) == ["TRM-ZIP-INVIS"]
    assert len(await codes([["default_code", "not in", ["TRM-ZIP-INVIS"]]])) == 14
    assert await codes([["seller_ids", "=", False], ["default_code", "like", "TRM"]]) == [
        "TRM-LACE-CHANTILLY"
    ]
    assert await codes([["uom_id", "=", "m"], ["default_code", "ilike", "trm"]]) == [
        "TRM-LACE-CHANTILLY",
        "TRM-BONING-SPIRAL",
    ]
    # datetimes compare as UTC strings; False (no deadline) never compares but matches !=
    holiday = WORKSHOP.holiday.isoformat()
    assert await codes([["date_from", ">=", holiday]], "resource.calendar.leaves", "name") == ["Bank holiday"]
    assert await codes([["date_from", "<", holiday]], "resource.calendar.leaves", "name") == []
    with_deadline = await codes([["date_deadline", "!=", False]], "stock.move", "reference")
    assert with_deadline and all(ref.startswith("WH/OUT/") for ref in with_deadline)
    internal = await codes(
        [["location_id.usage", "=", "internal"], ["quantity", ">", 0]], "stock.quant", "quantity"
    )
    assert all(q > 0 for q in internal) and len(internal) == 13  # 12 products, velvet in two places
    assert await codes([["quantity", "<", 0]], "stock.quant", "quantity") == [-66.0]


# -- state the tests can change --------------------------------------------------------------------------


async def test_slipping_a_purchase_order_is_visible_and_incremental(
    odoo: tuple[Starlette, httpx.AsyncClient],
) -> None:
    app, client = odoo
    line_id = next(i for i, r in app.state.records["purchase.order.line"].items() if r["product_qty"] == 40)
    before = app.state.records["purchase.order.line"][line_id]["date_planned"]
    newest = max(r["write_date"] for table in app.state.records.values() for r in table.values())
    app.state.db.write("purchase.order.line", line_id, {"date_planned": before + timedelta(days=7)})
    changed = await json2(
        client,
        "purchase.order.line",
        "search_read",
        domain=[["write_date", ">", newest.strftime("%Y-%m-%d %H:%M:%S")]],
        fields=["date_planned"],
    )
    assert changed == [
        {"id": line_id, "date_planned": (before + timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S")}
    ]
    assert WORKSHOP.records["purchase.order.line"][line_id]["date_planned"] == before  # the seed is untouched


# -- faults ----------------------------------------------------------------------------------------------


async def test_fault_knobs(odoo: tuple[Starlette, httpx.AsyncClient]) -> None:
    app, client = odoo
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {"service": "common", "method": "version", "args": []},
    }
    app.state.faults.set(outage=True)
    response = await client.post("/json/2/product.product/search_count", headers=BEARER, json={"domain": []})
    assert response.status_code == 503 and response.json()["name"] == "werkzeug.exceptions.ServiceUnavailable"
    response = await client.post("/jsonrpc", json=body)
    assert response.status_code == 503 and response.json()["error"]["data"]["name"].endswith(
        "ServiceUnavailable"
    )
    app.state.faults.reset()
    app.state.faults.set(burst_429=2)
    statuses = []
    for _ in range(3):
        response = await client.post(
            "/json/2/product.product/search_count", headers=BEARER, json={"domain": []}
        )
        statuses.append((response.status_code, response.headers.get("retry-after")))
    assert statuses == [(429, "1"), (429, "1"), (200, None)]
    app.state.faults.set(error_rate=1.0)
    response = await client.post("/jsonrpc", json=body)
    assert response.status_code == 500 and response.json()["error"]["data"]["name"] == "builtins.Exception"
    assert app.state.faults.requests == 6
