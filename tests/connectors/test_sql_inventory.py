"""The SQL inventory connector against a real database built from the documented example schema.

Each test gets a fresh shop database -- a SQLite file, and a PostgreSQL schema of its own when
``HUB_TEST_POSTGRES_URL`` is set (e.g. ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``) -- and
reads it through ``mappings/examples/inventory.sql.yaml``.
"""

from __future__ import annotations

import ast
import os
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

import connectors.sql
from connectors.inventory import (
    Bom,
    BomLine,
    Calendar,
    Demand,
    Holiday,
    InventorySnapshot,
    InventorySource,
    Item,
    Load,
    Operation,
    Ref,
    StockLevel,
    Supply,
    WorkCenter,
    WorkingHours,
)
from connectors.sql import COLUMNS, SqlInventoryConnector
from hub.errors import ConfigError, MappingError, UpstreamBadResponse, UpstreamFatal
from mappings import SQL_INVENTORY_ENTITIES, load_inventory_sql, parse_inventory_sql
from tests.connectors.inventory_contract import InventorySourceContract, check_snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "mappings" / "examples" / "inventory.sql.yaml"
POSTGRES_ENV = "HUB_TEST_POSTGRES_URL"
NOW = datetime(2026, 7, 3, 9, 0, tzinfo=UTC)  # a Friday; 10:00 in London (BST)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def schema_ddl() -> list[str]:
    """The CREATE TABLE statements documented in the example mapping's header."""
    lines = EXAMPLE.read_text().splitlines()
    block = lines[lines.index("# --- schema ---") + 1 : lines.index("# --- end schema ---")]
    sql = "\n".join(re.sub(r"\s*--.*$", "", line[2:]) for line in block)
    return [s.strip() for s in sql.split(";") if s.strip()]


WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]
SEED = [
    "INSERT INTO products VALUES ('FAB-SILK-DUPIONI', 'Silk dupioni', 'm', 'fabric', 'BUY', 14, 5.5),"
    " ('FAB-VELVET-BURG', 'Burgundy velvet', 'm', 'fabric', 'BUY', 10.5, NULL),"
    " ('TRM-BUTTON-BRASS', 'Brass button', 'pc', 'trim', 'BUY', 7, 100),"
    " ('SUB-CORSET-BODICE', 'Corset bodice', 'pc', 'subassembly', 'MAKE', 5, NULL),"
    " ('FIN-VICTORIAN-GOWN', 'Victorian gown', 'pc', 'garment', 'MAKE', 21, NULL)",
    "INSERT INTO bin_stock VALUES ('FAB-SILK-DUPIONI', 'A1', 12.5, 4.25), ('FAB-SILK-DUPIONI', 'B2', 3, 0),"
    " ('TRM-BUTTON-BRASS', 'A3', 240, 0)",
    "INSERT INTO purchase_orders VALUES ('PO00042', 'Silk Road Textiles', 'open', '2026-07-08', FALSE),"
    " ('PO00040', 'Brass & Co', 'closed', '2026-06-01', TRUE)",
    # line 2 is fully received, line 3 belongs to a closed order: neither is supply any more
    "INSERT INTO purchase_lines VALUES (1, 'PO00042', 'FAB-SILK-DUPIONI', 40, 0),"
    " (2, 'PO00042', 'FAB-VELVET-BURG', 10, 10), (3, 'PO00040', 'TRM-BUTTON-BRASS', 100, 0)",
    "INSERT INTO work_orders VALUES"
    " ('WO-17', 'SUB-CORSET-BODICE', 2, '2026-07-06 08:00:00', '2026-07-07 17:00:00', 'in_progress'),"
    " ('WO-9', 'FIN-VICTORIAN-GOWN', 1, '2026-06-01 08:00:00', '2026-06-03 17:00:00', 'done')",
    "INSERT INTO wo_materials VALUES (1, 'WO-17', 'FAB-SILK-DUPIONI', 3.6, 1.2)",
    "INSERT INTO sales_lines VALUES (1, 'SO-2001', 'FIN-VICTORIAN-GOWN', 1, 0, '2026-07-20', 'open'),"
    " (2, 'SO-1999', 'TRM-BUTTON-BRASS', 10, 10, '2026-06-20', 'shipped')",
    "INSERT INTO recipes VALUES ('FIN-VICTORIAN-GOWN', 1)",
    "INSERT INTO recipe_lines VALUES ('FIN-VICTORIAN-GOWN', 'FAB-SILK-DUPIONI', 6.5, 5),"
    " ('FIN-VICTORIAN-GOWN', 'SUB-CORSET-BODICE', 1, NULL),"
    " ('SUB-CORSET-BODICE', 'FAB-SILK-DUPIONI', 1.8, NULL)",
    "INSERT INTO routing_steps VALUES ('FIN-VICTORIAN-GOWN', 30, 'Finishing', 'FIN', NULL, 60),"
    " ('FIN-VICTORIAN-GOWN', 10, 'Cutting', 'CUT', 15, 45),"
    " ('FIN-VICTORIAN-GOWN', 20, 'Sewing', 'SEW', 30, 480)",
    "INSERT INTO stations VALUES ('CUT', 'Cutting Table', 'WS40', 1, 100),"
    " ('SEW', 'Sewing Room', 'WS40', 4, 90),"
    " ('FIN', 'Finishing & Pressing', 'WS40', 2, 100)",
    "INSERT INTO shifts VALUES ('WS40', 'Workshop 40h', 'Europe/London')",
    "INSERT INTO shift_hours VALUES "
    + ", ".join(f"('WS40', '{d}', '13:00', '17:00'), ('WS40', '{d}', '08:00', '12:00')" for d in WEEKDAYS),
    "INSERT INTO closures VALUES ('WS40', '2026-08-31', '2026-08-31', 'Summer bank holiday')",
    # shop time (London, UTC+1 in July): booking 3 ended at 08:30 UTC, before NOW; booking 4 runs past it
    "INSERT INTO bookings VALUES (1, 'SEW', '2026-07-06 08:00:00', '2026-07-07 17:00:00', 'WO-17'),"
    " (2, 'SEW', '2026-06-01 08:00:00', '2026-06-03 17:00:00', 'WO-9'),"
    " (3, 'CUT', '2026-07-03 08:00:00', '2026-07-03 09:30:00', 'WO-18'),"
    " (4, 'FIN', '2026-07-03 08:00:00', '2026-07-03 10:30:00', 'WO-19')",
]


@dataclass
class ShopDb:
    """A test database: ``url`` is what the connector gets; ``admin_url``/``schema`` set it up."""

    url: str
    dialect: str
    admin_url: str
    schema: str | None = None

    async def execute(self, *statements: str) -> object:
        engine = create_async_engine(self.admin_url)
        try:
            async with engine.begin() as conn:
                if self.schema:
                    await conn.execute(text(f'SET LOCAL search_path = "{self.schema}"'))
                result = None
                for statement in statements:
                    result = (
                        (await conn.execute(text(statement))).scalar()
                        if statement.startswith("SELECT")
                        else await conn.execute(text(statement))
                    )
                return result
        finally:
            await engine.dispose()


async def sqlite_db(tmp_path: Path, *, seed: bool) -> ShopDb:
    """A SQLite file with the example schema, with or without the shop's rows."""
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    with conn:
        for statement in schema_ddl():
            conn.execute(statement)
    conn.close()
    url = f"sqlite+aiosqlite:///{path}"
    shop = ShopDb(url, "sqlite", url)
    if seed:
        await shop.execute(*SEED)
    return shop


@pytest.fixture
async def empty_db(tmp_path: Path) -> ShopDb:
    return await sqlite_db(tmp_path, seed=False)


@pytest.fixture
async def db(tmp_path: Path) -> ShopDb:
    return await sqlite_db(tmp_path, seed=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ShopDb]:
    """The seeded shop on SQLite, and on PostgreSQL (in a schema of its own) when configured."""
    if request.param == "sqlite":
        yield await sqlite_db(tmp_path, seed=True)
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL run skipped: set {POSTGRES_ENV} "
            "(e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)"
        )
    schema = f"shop_{uuid.uuid4().hex[:12]}"
    pg = ShopDb(
        make_url(base)
        .update_query_dict({"options": f"-c search_path={schema}"})
        .render_as_string(hide_password=False),
        "postgresql",
        base,
        schema,
    )
    admin = create_async_engine(base)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await pg.execute(*schema_ddl(), *SEED)
        yield pg
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def connect() -> AsyncIterator:
    opened: list[SqlInventoryConnector] = []

    def _connect(url: str, spec: object = None, **kwargs: object) -> SqlInventoryConnector:
        connector = SqlInventoryConnector(
            url, spec or load_inventory_sql(EXAMPLE), clock=lambda: NOW, **kwargs
        )  # type: ignore[arg-type]
        opened.append(connector)
        return connector

    yield _connect
    for connector in opened:
        await connector.aclose()


# -- the snapshot -----------------------------------------------------------------------------------------


async def test_example_mapping_reads_the_shop_as_canonical_records(any_db: ShopDb, connect) -> None:
    source = connect(any_db.url)
    assert isinstance(source, InventorySource)
    await source.validate()
    snap = await source.snapshot()
    ref = lambda key: Ref("sql", key)  # noqa: E731

    assert snap.items == {
        "FAB-SILK-DUPIONI": Item(
            "FAB-SILK-DUPIONI",
            "Silk dupioni",
            "m",
            "component",
            "buy",
            Decimal(14),
            Decimal("5.5"),
            ref("items/FAB-SILK-DUPIONI"),
        ),
        "FAB-VELVET-BURG": Item(
            "FAB-VELVET-BURG",
            "Burgundy velvet",
            "m",
            "component",
            "buy",
            Decimal("10.5"),
            Decimal(0),
            ref("items/FAB-VELVET-BURG"),
        ),
        "TRM-BUTTON-BRASS": Item(
            "TRM-BUTTON-BRASS",
            "Brass button",
            "pc",
            "component",
            "buy",
            Decimal(7),
            Decimal(100),
            ref("items/TRM-BUTTON-BRASS"),
        ),
        "SUB-CORSET-BODICE": Item(
            "SUB-CORSET-BODICE",
            "Corset bodice",
            "pc",
            "component",
            "make",
            Decimal(5),
            Decimal(0),
            ref("items/SUB-CORSET-BODICE"),
        ),
        "FIN-VICTORIAN-GOWN": Item(
            "FIN-VICTORIAN-GOWN",
            "Victorian gown",
            "pc",
            "finished",
            "make",
            Decimal(21),
            Decimal(0),
            ref("items/FIN-VICTORIAN-GOWN"),
        ),
    }
    assert set(snap.stock) == {
        StockLevel(
            "FAB-SILK-DUPIONI", "A1", Decimal("12.5"), Decimal("4.25"), ref("stock/FAB-SILK-DUPIONI:A1")
        ),
        StockLevel("FAB-SILK-DUPIONI", "B2", Decimal(3), Decimal(0), ref("stock/FAB-SILK-DUPIONI:B2")),
        StockLevel("TRM-BUTTON-BRASS", "A3", Decimal(240), Decimal(0), ref("stock/TRM-BUTTON-BRASS:A3")),
    }
    # Dates and naive timestamps are shop time (London, BST = UTC+1 in July), converted to UTC.
    assert set(snap.supplies) == {
        Supply(
            "FAB-SILK-DUPIONI",
            Decimal(40),
            utc(2026, 7, 7, 23),
            "purchase_order",
            "PO00042",
            confirmed=False,
            ref=ref("supplies/PL-1"),
        ),
        Supply(
            "SUB-CORSET-BODICE",
            Decimal(2),
            utc(2026, 7, 7, 16),
            "manufacturing_order",
            "WO-17",
            confirmed=True,
            ref=ref("supplies/WO-17"),
        ),
    }
    assert set(snap.demands) == {
        Demand(
            "FIN-VICTORIAN-GOWN",
            Decimal(1),
            utc(2026, 7, 19, 23),
            "sales_order",
            "SO-2001",
            ref("demands/SL-1"),
        ),
        Demand(
            "FAB-SILK-DUPIONI",
            Decimal("2.4"),
            utc(2026, 7, 6, 7),
            "manufacturing_order",
            "WO-17",
            ref("demands/WM-1"),
        ),
    }
    gown = snap.boms["FIN-VICTORIAN-GOWN"]
    assert (gown.sku, gown.output_quantity, gown.ref) == (
        "FIN-VICTORIAN-GOWN",
        1,
        ref("boms/FIN-VICTORIAN-GOWN"),
    )
    assert set(gown.lines) == {
        BomLine("FAB-SILK-DUPIONI", Decimal("6.5"), Decimal(5)),
        BomLine("SUB-CORSET-BODICE", Decimal(1), Decimal(0)),
    }
    assert gown.operations == (  # in sequence order, whatever order the rows came in
        Operation(10, "Cutting", "CUT", Decimal(15), Decimal(45)),
        Operation(20, "Sewing", "SEW", Decimal(30), Decimal(480)),
        Operation(30, "Finishing", "FIN", Decimal(0), Decimal(60)),
    )
    # No recipe header row: a BOM for one piece.
    assert snap.boms["SUB-CORSET-BODICE"] == Bom(
        "SUB-CORSET-BODICE",
        Decimal(1),
        (BomLine("FAB-SILK-DUPIONI", Decimal("1.8")),),
        (),
        ref("boms/SUB-CORSET-BODICE"),
    )
    assert snap.work_centers["SEW"] == WorkCenter(
        "SEW", "Sewing Room", "WS40", 4, Decimal("0.9"), ref("work_centers/SEW")
    )
    assert sorted(snap.work_centers) == ["CUT", "FIN", "SEW"]
    calendar = snap.calendars["WS40"]
    assert calendar == Calendar(
        "WS40",
        "Workshop 40h",
        "Europe/London",
        tuple(
            WorkingHours(day, start, end)
            for day in range(5)
            for start, end in ((time(8), time(12)), (time(13), time(17)))
        ),
        (Holiday(date(2026, 8, 31), date(2026, 8, 31), "Summer bank holiday"),),
        ref("calendars/WS40"),
    )
    # :now keeps bookings not yet over: 2 ended in June, 3 ended at 09:30 London = 08:30 UTC < NOW.
    assert set(snap.loads) == {
        Load("SEW", utc(2026, 7, 6, 7), utc(2026, 7, 7, 16), "WO-17", ref("loads/1")),
        Load("FIN", utc(2026, 7, 3, 7), utc(2026, 7, 3, 9, 30), "WO-19", ref("loads/4")),
    }
    assert snap.fetched_at == NOW and snap.source_times == {"sql": NOW}
    _assert_canonical_types(snap)
    check_snapshot(snap, "sql")


class TestSqlInventoryContract(InventorySourceContract):
    """The shared InventorySource contract, on SQLite and (when configured) PostgreSQL."""

    @pytest.fixture
    def inventory_source(self, any_db: ShopDb, connect) -> InventorySource:
        return connect(any_db.url)


def _assert_canonical_types(snap: InventorySnapshot) -> None:
    quantities = [
        *(v for i in snap.items.values() for v in (i.lead_time_days, i.safety_stock)),
        *(v for s in snap.stock for v in (s.on_hand, s.reserved)),
        *(s.quantity for s in snap.supplies),
        *(d.quantity for d in snap.demands),
        *(v for b in snap.boms.values() for v in (b.output_quantity, *(x.quantity for x in b.lines))),
        *(
            v
            for b in snap.boms.values()
            for o in b.operations
            for v in (o.setup_minutes, o.run_minutes_per_unit)
        ),
        *(w.efficiency for w in snap.work_centers.values()),
    ]
    assert quantities and all(type(q) is Decimal for q in quantities)
    moments = [
        *(s.expected_at for s in snap.supplies),
        *(d.needed_at for d in snap.demands),
        *(v for load in snap.loads for v in (load.start, load.end)),
    ]
    assert moments and all(m.tzinfo is UTC for m in moments)
    assert all(type(o.sequence) is int for b in snap.boms.values() for o in b.operations)
    assert all(type(s.confirmed) is bool for s in snap.supplies)


async def test_literal_values_convert_exactly(db: ShopDb, connect) -> None:
    spec = parse_inventory_sql(
        """
version: 1
timezone: Europe/London
entities:
  items:
    query: SELECT 'X' AS sku, 'X' AS name, 'pc' AS unit, ' Finished ' AS kind, 'MAKE' AS make_or_buy,
           '3.50' AS lead_time_days, 0.1 AS safety_stock, 7 AS ref
  stock:
    query: SELECT 'X' AS sku, 'main' AS location, 2.675 AS on_hand
  supplies:
    query: SELECT 'X' AS sku, 1e2 AS quantity, '2026-12-01T09:30:00Z' AS expected_at,
           'purchase_order' AS kind, 'PO1' AS reference, 'yes' AS confirmed
  calendars:
    query: SELECT 'C' AS id, 'C' AS name, 'Europe/Paris' AS timezone
  calendar_hours:
    query: SELECT 'C' AS calendar_id, 0 AS weekday, 8.5 AS start, '17:15:00' AS "end"
""",
        "literal.sql.yaml",
    )
    snap = await connect(db.url, spec).snapshot()
    item = snap.items["X"]
    # floats through their shortest repr: 0.1 stays 0.1, not 0.1000000000000000055511151231257827
    assert (item.kind, item.make_or_buy, item.lead_time_days, item.safety_stock, item.ref) == (
        "finished",
        "make",
        Decimal("3.50"),
        Decimal("0.1"),
        Ref("sql", "items/7"),
    )
    assert str(snap.stock[0].on_hand) == "2.675"
    supply = snap.supplies[0]
    assert (supply.quantity, supply.expected_at, supply.confirmed) == (
        Decimal(100),
        utc(2026, 12, 1, 9, 30),
        True,
    )
    assert snap.calendars["C"].hours == (WorkingHours(0, time(8, 30), time(17, 15)),)


@pytest.mark.parametrize(
    ("entity", "query", "message"),
    [
        (
            "stock",
            "SELECT 'X' AS sku, 'main' AS location, 'lots' AS on_hand",
            "stock row 1: on_hand: expected a number, got 'lots'",
        ),
        (
            "stock",
            "SELECT 'X' AS sku, NULL AS location, 1 AS on_hand",
            "stock row 1: location: must not be null",
        ),
        (
            "items",
            "SELECT 'X' AS sku, 'X' AS name, 'pc' AS unit, 'garment' AS kind, 'make' AS make_or_buy, "
            "1 AS lead_time_days",
            "items row 1: kind: expected finished or component, got 'garment'",
        ),
        (
            "items",
            "SELECT code AS sku, 'X' AS name, 'pc' AS unit, 'finished' AS kind, 'make' AS make_or_buy, "
            "1 AS lead_time_days FROM products, bin_stock",
            "items: sku 'FAB-SILK-DUPIONI' appears in more than one row",
        ),
    ],
)
async def test_unreadable_rows_name_file_entity_row_and_column(
    db: ShopDb, connect, entity: str, query: str, message: str
) -> None:
    spec = _spec_with(entity, query)
    with pytest.raises(UpstreamBadResponse) as caught:
        await connect(db.url, spec).snapshot()
    assert str(caught.value) == f"sql: shop.sql.yaml: {message}"


# -- read-only ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UncheckedSpec:
    """A spec that skipped the mapping's checks, as a buggy caller might hand in."""

    queries: Mapping[str, str]
    file: str = "unchecked.sql.yaml"
    timezone: str = "UTC"


WRITES = {
    "sqlite": (
        "INSERT INTO bin_stock VALUES ('X', 'Z', 1, 0) "
        "RETURNING product_code AS sku, bin AS location, qty AS on_hand",
        "attempt to write a readonly database",
    ),
    "postgresql": (
        "WITH added AS (INSERT INTO bin_stock VALUES ('X', 'Z', 1, 0) RETURNING *) "
        "SELECT product_code AS sku, bin AS location, qty AS on_hand FROM added",
        "cannot execute SELECT in a read-only transaction",
    ),  # PG names the statement
}


async def test_the_connection_refuses_a_write_even_if_a_query_attempts_one(any_db: ShopDb, connect) -> None:
    query, refusal = WRITES[any_db.dialect]
    before = await any_db.execute("SELECT COUNT(*) FROM bin_stock")
    with pytest.raises(UpstreamFatal) as caught:
        await connect(any_db.url, UncheckedSpec({"stock": query})).snapshot()
    assert str(caught.value) == f"sql: unchecked.sql.yaml: entities.stock.query: {refusal}"
    assert await any_db.execute("SELECT COUNT(*) FROM bin_stock") == before == 3


async def test_query_only_guards_a_database_that_cannot_be_opened_read_only(connect) -> None:
    # An in-memory SQLite database has no file to open with mode=ro; PRAGMA query_only still refuses.
    source = connect("sqlite+aiosqlite://", UncheckedSpec({"stock": "CREATE TABLE t (a INTEGER)"}))
    with pytest.raises(UpstreamFatal, match=r"entities\.stock\.query: attempt to write a readonly database$"):
        await source.snapshot()


async def test_the_mapping_refuses_a_write_before_any_database_sees_it() -> None:
    with pytest.raises(MappingError, match=r"only reads are allowed; found DELETE"):
        _spec_with(
            "stock",
            "WITH gone AS (DELETE FROM bin_stock RETURNING *) "
            "SELECT product_code AS sku, bin AS location, qty AS on_hand FROM gone",
        )


async def test_a_mistyped_sqlite_path_is_not_created(tmp_path: Path, connect) -> None:
    missing = tmp_path / "shpo.db"
    source = connect(f"sqlite+aiosqlite:///{missing}")
    with pytest.raises(ConfigError, match=r"sql: SQLite database file .*shpo\.db does not exist"):
        await source.validate()
    result = await source.ping()
    assert not result.ok and "does not exist" in result.detail
    assert not missing.exists()


# -- start-up validation ----------------------------------------------------------------------------------


def _spec_with(entity: str, query: str, *, file: str = "shop.sql.yaml") -> object:
    queries = {
        "items": "SELECT code AS sku, title AS name, uom AS unit, 'component' AS kind, 'buy' AS make_or_buy, "
        "lead_days AS lead_time_days FROM products",
        "stock": "SELECT product_code AS sku, bin AS location, qty AS on_hand FROM bin_stock",
    }
    queries[entity] = query
    body = "".join(f"  {name}:\n    query: |\n      {sql}\n" for name, sql in queries.items())
    return parse_inventory_sql(f"version: 1\nentities:\n{body}", file)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        pytest.param(
            "SELECT product_code AS sku, bin AS location, quantity AS on_hand FROM bin_stock",
            "the database rejected the query: no such column: quantity",
            id="sql-error",
        ),
        pytest.param(
            "SELECT product_code AS sku, bin AS location, qty AS on_hand FROM bin_stok",
            "the database rejected the query: no such table: bin_stok",
            id="unknown-table",
        ),
        pytest.param(
            "WITH s AS (SELECT product_code AS sku, bin AS location, allocated AS reserved FROM bin_stock) "
            "SELECT * FROM s",
            "the query returns no 'on_hand' column (it returns: sku, location, reserved)",
            id="missing-column",
        ),
        pytest.param(
            "SELECT product_code AS sku, bin AS location, qty AS on_hand, allocated AS reservd "
            "FROM bin_stock",
            "the query returns 'reservd', not a stock column "
            "(expected: sku, location, on_hand, reserved, ref)",
            id="unknown-column",
        ),
        pytest.param(
            "SELECT product_code AS sku, bin AS location, qty AS on_hand, bin AS LOCATION FROM bin_stock",
            "the query returns column 'location' more than once",
            id="duplicate-column",
        ),
    ],
)
async def test_validate_names_file_entity_and_reason(
    empty_db: ShopDb, connect, query: str, reason: str
) -> None:
    source = connect(empty_db.url, _spec_with("stock", query))
    with pytest.raises(MappingError) as caught:
        await source.validate()
    assert (caught.value.file, caught.value.key_path, caught.value.reason) == (
        "shop.sql.yaml",
        "entities.stock.query",
        reason,
    )


async def test_validate_passes_on_an_empty_database_and_reads_nothing(empty_db: ShopDb, connect) -> None:
    source = connect(empty_db.url)
    await source.validate()
    snap = await source.snapshot()
    assert (snap.items, snap.stock, snap.boms, snap.calendars) == ({}, (), {}, {})


async def test_ping(any_db: ShopDb, connect) -> None:
    result = await connect(any_db.url).ping()
    assert (result.source, result.ok, result.detail) == (
        "sql",
        True,
        f"connected to {any_db.dialect} (read-only)",
    )


async def test_source_name_is_the_provenance(db: ShopDb, connect) -> None:
    snap = await connect(db.url, source_name="workshop_db").snapshot()
    assert snap.items["FAB-SILK-DUPIONI"].ref == Ref("workshop_db", "items/FAB-SILK-DUPIONI")
    assert set(snap.source_times) == {"workshop_db"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "sql: the database URL cannot be parsed"),
        ("nosuchdb+nodriver://host/db", "sql: cannot use database URL 'nosuchdb+nodriver://host/db': "),
    ],
)
def test_bad_urls_are_configuration_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SqlInventoryConnector(url, load_inventory_sql(EXAMPLE))
    assert str(caught.value).startswith(message)


def test_a_password_never_shows_in_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        SqlInventoryConnector("nosuchdb://reader:s3cret-pw@host/db", load_inventory_sql(EXAMPLE))
    assert "s3cret-pw" not in str(caught.value)


# -- the contract between the mapping file and the connector ---------------------------------------------


def test_the_mapping_and_the_connector_agree_on_every_column() -> None:
    for name, entity in SQL_INVENTORY_ENTITIES.items():
        columns = COLUMNS[name]
        assert entity.required == tuple(c for c, col in columns.items() if col.required), name
        assert set(entity.optional) == {c for c, col in columns.items() if not col.required}, name
    assert set(SQL_INVENTORY_ENTITIES) == set(COLUMNS)


def test_the_connector_imports_only_what_connectors_may() -> None:
    for path in Path(connectors.sql.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
                assert top not in {"hub", "mappings", "schema"} or node.module == "hub.errors", node.module
