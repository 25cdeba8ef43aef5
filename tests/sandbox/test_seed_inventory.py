"""The seeded costume workshop: deterministic, relative to ``today``, and telling the story INVENTORY.md
promises (a short fabric with its purchase order, a stocked corset, a loaded sewing room, a holiday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.sandbox.seed_inventory import SEED_NOTES, Workshop, add_business_days, build_workshop

TODAY = date(2026, 1, 12)  # a Monday in GMT, far from the clock change
LONDON = ZoneInfo("Europe/London")
SKUS = {
    "FAB-VELVET-BURG": "m",
    "FAB-SILK-DUPIONI": "m",
    "FAB-WOOL-CREPE": "m",
    "FAB-COTTON-MUSLIN": "m",
    "FAB-BROCADE-GOLD": "m",
    "FAB-LINING-SATIN": "m",
    "TRM-BUTTON-BRASS": "Units",
    "TRM-ZIP-INVIS": "Units",
    "TRM-LACE-CHANTILLY": "m",
    "TRM-BONING-SPIRAL": "m",
    "SUB-CORSET-BODICE": "Units",
    "FIN-CORSET-M": "Units",
    "FIN-VICTORIAN-GOWN": "Units",
    "FIN-TAILCOAT": "Units",
    "FIN-CHORUS-TUNIC": "Units",
}


@pytest.fixture(scope="module")
def shop() -> Workshop:
    return build_workshop(TODAY)


def on_hand(shop: Workshop, sku: str) -> tuple[Decimal, Decimal]:
    """(quantity, reserved) over internal locations."""
    pid = shop.product(sku)["id"]
    internal = {i for i, loc in shop.records["stock.location"].items() if loc["usage"] == "internal"}
    quants = [
        q
        for q in shop.records["stock.quant"].values()
        if q["product_id"] == pid and q["location_id"] in internal
    ]
    return sum((q["quantity"] for q in quants), Decimal(0)), sum(
        (q["reserved_quantity"] for q in quants), Decimal(0)
    )


def open_demand(shop: Workshop, sku: str) -> Decimal:
    """What open moves out of stock still need beyond their reservation."""
    pid = shop.product(sku)["id"]
    moves = shop.records["stock.move"].values()
    return sum(
        (
            m["product_uom_qty"] - m["quantity"]
            for m in moves
            if m["product_id"] == pid and m["location_id"] == 8
        ),
        Decimal(0),
    )


def working(moment: datetime, holiday: date) -> bool:
    """Inside Mon-Fri 08:00-12:00 or 13:00-17:00 London time, not on the holiday (ends count)."""
    at = moment.astimezone(LONDON)
    minutes = at.hour * 60 + at.minute + at.second / 60
    return at.weekday() < 5 and at.date() != holiday and (480 <= minutes <= 720 or 780 <= minutes <= 1020)


def test_same_today_gives_the_same_workshop() -> None:
    assert build_workshop(TODAY) == build_workshop(TODAY)


def test_every_date_moves_with_today() -> None:
    # A week later (same weekday, same time zone offset) every date and datetime is a week later.
    week = timedelta(days=7)
    before, after = build_workshop(TODAY), build_workshop(TODAY + week)
    assert before.records.keys() == after.records.keys()
    moved = 0
    for model, table in before.records.items():
        for id_, record in table.items():
            for key, value in record.items():
                other = after.records[model][id_][key]
                if isinstance(value, (date, datetime)):
                    assert other == value + week, (model, id_, key)
                    moved += 1
                else:
                    assert other == value, (model, id_, key)
    assert moved > 200


def test_skus_and_units_are_the_contracts() -> None:
    shop = build_workshop(TODAY)
    units = {u["id"]: u["name"] for u in shop.records["uom.uom"].values()}
    got = {p["default_code"]: units[p["uom_id"]] for p in shop.records["product.product"].values()}
    assert got == SKUS


def test_silk_is_short_until_its_purchase_order(shop: Workshop) -> None:
    sku = SEED_NOTES["short_sku"]
    quantity, reserved = on_hand(shop, sku)
    assert quantity == Decimal("3.5") and reserved == 0
    assert open_demand(shop, sku) == Decimal("14.04")  # two gowns x 6.5 m x 1.08 scrap
    po = shop.find("purchase.order", name=SEED_NOTES["short_po"])
    (line,) = [shop.records["purchase.order.line"][i] for i in po["order_line"]]
    assert line["product_id"] == shop.product(sku)["id"] and line["product_qty"] == 40
    expected = add_business_days(TODAY, 5, frozenset({shop.holiday}))
    assert line["date_planned"].astimezone(LONDON).date() == expected == shop.notes["short_po_date"]
    assert po["mail_reception_confirmed"] is True and quantity + 40 > open_demand(shop, sku) + Decimal("7.02")


def test_one_purchase_order_date_is_unconfirmed(shop: Workshop) -> None:
    unconfirmed = [
        po["name"] for po in shop.records["purchase.order"].values() if not po["mail_reception_confirmed"]
    ]
    assert unconfirmed == [SEED_NOTES["unconfirmed_po"]]
    quantity, reserved = on_hand(shop, SEED_NOTES["unconfirmed_sku"])
    # After the held brocade and the second bodice MO, less than one more bodice's 1.32 m is left.
    assert quantity - reserved - open_demand(shop, SEED_NOTES["unconfirmed_sku"]) < Decimal("1.32")


def test_the_corset_is_in_stock_with_reservations_and_safety_stock(shop: Workshop) -> None:
    assert on_hand(shop, "FIN-CORSET-M") == (SEED_NOTES["in_stock_on_hand"], SEED_NOTES["in_stock_reserved"])
    rule = shop.find("stock.warehouse.orderpoint", product_id=shop.product("FIN-CORSET-M")["id"])
    assert rule["product_min_qty"] == SEED_NOTES["in_stock_safety"]
    # the quant reservations are exactly what the assigned delivery moves hold
    held = [
        m
        for m in shop.records["stock.move"].values()
        if m["product_id"] == shop.product("FIN-CORSET-M")["id"] and m["state"] == "assigned"
    ]
    assert sum(m["quantity"] for m in held) == SEED_NOTES["in_stock_reserved"]


def test_lace_has_no_vendor(shop: Workshop) -> None:
    assert shop.product(SEED_NOTES["no_vendor_sku"])["seller_ids"] == []
    assert all(shop.product(sku)["seller_ids"] for sku in SKUS if sku.startswith("FAB"))


def test_calendar_holiday_and_work_centres(shop: Workshop) -> None:
    calendar = shop.find("resource.calendar", name="Workshop 40h")
    assert calendar["tz"] == "Europe/London"
    lines = [shop.records["resource.calendar.attendance"][i] for i in calendar["attendance_ids"]]
    work = sorted((a["dayofweek"], a["hour_from"], a["hour_to"]) for a in lines if a["day_period"] != "lunch")
    assert work == [(str(d), h1, h2) for d in range(5) for h1, h2 in ((8.0, 12.0), (13.0, 17.0))]
    (leave,) = shop.records["resource.calendar.leaves"].values()
    assert leave["calendar_id"] is False and leave["resource_id"] is False
    assert leave["date_from"].astimezone(LONDON).date() == shop.holiday
    assert TODAY < shop.holiday <= TODAY + timedelta(days=21) and shop.holiday.weekday() < 5
    centres = {
        wc["code"]: (wc["name"], wc["default_capacity"], wc["time_efficiency"])
        for wc in shop.records["mrp.workcenter"].values()
    }
    assert centres == {
        "CUT": ("Cutting Table", 1, 100),
        "SEW": ("Sewing Room", 4, 90),
        "FIN": ("Finishing & Pressing", 2, 100),
    }


def test_gown_bom_is_multi_level_with_scrap_and_routing(shop: Workshop) -> None:
    gown = shop.product("FIN-VICTORIAN-GOWN")
    bom = shop.records["mrp.bom"][gown["bom_ids"][0]]
    parts = {
        shop.records["product.product"][line["product_id"]]["default_code"]: line
        for line in (shop.records["mrp.bom.line"][i] for i in bom["bom_line_ids"])
    }
    assert parts["SUB-CORSET-BODICE"]["product_qty"] == 1
    assert parts["FAB-SILK-DUPIONI"]["x_studio_scrap_percent"] == 8
    centres = {wc["id"]: wc["code"] for wc in shop.records["mrp.workcenter"].values()}
    ops = {
        centres[op["workcenter_id"]]: op["time_cycle_manual"]
        for op in (shop.records["mrp.routing.workcenter"][i] for i in bom["operation_ids"])
    }
    assert ops == SEED_NOTES["gown_minutes"]
    assert shop.product("SUB-CORSET-BODICE")["bom_ids"]


def sew_orders(shop: Workshop) -> list[dict[str, Any]]:
    sew = shop.find("mrp.workcenter", code="SEW")["id"]
    return [wo for wo in shop.records["mrp.workorder"].values() if wo["workcenter_id"] == sew]


def test_twelve_open_orders_keep_the_sewing_room_busy(shop: Workshop) -> None:
    assert len(shop.records["mrp.production"]) == SEED_NOTES["open_mos"]
    orders = sew_orders(shop)
    # never more than the four benches at once, and all four busy on the first day
    moments = sorted({wo["date_start"] for wo in orders})
    for moment in moments:
        running = [wo for wo in orders if wo["date_start"] <= moment < wo["date_finished"]]
        assert len(running) <= 4
    assert len([wo for wo in orders if wo["date_start"] == shop.start]) == 4
    busy_until = shop.notes["sew_busy_until"].astimezone(LONDON).date()
    holidays = frozenset({shop.holiday})
    assert add_business_days(TODAY, 7, holidays) <= busy_until <= add_business_days(TODAY, 10, holidays)


def test_work_orders_stay_inside_working_hours(shop: Workshop) -> None:
    for wo in shop.records["mrp.workorder"].values():
        assert working(wo["date_start"], shop.holiday) and working(wo["date_finished"], shop.holiday), wo[
            "name"
        ]
        assert wo["date_start"] < wo["date_finished"]


def test_work_order_minutes_follow_setup_quantity_and_efficiency(shop: Workshop) -> None:
    tunics = shop.find("mrp.production", name="WH/MO/00011")
    sew = next(wo for wo in sew_orders(shop) if wo["production_id"] == tunics["id"])
    assert sew["duration_expected"] == pytest.approx(10 + 8 * 180 * 100 / 90)  # setup + 8 tunics at 90 %
    hours = sew["date_finished"] - sew["date_start"]
    assert hours > timedelta(minutes=sew["duration_expected"])  # nights and lunches are not working time


def test_a_weekend_today_starts_on_monday() -> None:
    shop = build_workshop(date(2026, 1, 17))  # Saturday
    assert shop.start == datetime(2026, 1, 19, 8, 0, tzinfo=UTC)
