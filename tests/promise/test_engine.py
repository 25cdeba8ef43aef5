"""promise() beyond the worked examples: confidence, sub-assemblies, policy, errors, determinism."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub.promise import OrderLine, OrderPromise, Policy, PromiseError, promise
from tests.promise.builders import D, at, bom, day, item, po, snapshot, stock, wc, workshop

NOW = at("2026-11-02 09:00")  # Monday


def cape_snapshot(**kw):  # type: ignore[no-untyped-def]
    base = dict(
        items=[item("FIN-CAPE", "Cape", kind="finished", make=True, lead=5),
               item("SUB-COLLAR", "Collar", make=True, lead=3),
               item("FAB", "Wool", unit="m", lead=14)],
        stock=[stock("FAB", 100)],
        boms=[bom("FIN-CAPE", [("FAB", 2), ("SUB-COLLAR", 1)], [("Sewing", "SEW", 0, 60)]),
              bom("SUB-COLLAR", [("FAB", "0.5")], [("Sewing", "SEW", 0, 240)])],
        work_centers=[wc("SEW", "Sewing Room")],
    )
    base.update(kw)
    return snapshot(**base)


def test_a_sub_assembly_waits_for_an_open_order_when_that_is_sooner_than_making_it() -> None:
    # Making a collar takes 4 h (ready 13:00 + ...); an open MO delivers one at 10:00 today: use it.
    snap = cape_snapshot(supplies=[po("SUB-COLLAR", 1, "2026-11-02 10:00", "WH/MO/00007")])
    (line,) = promise(snap, [OrderLine("FIN-CAPE", D(1))], now=NOW).lines
    assert [o.sku for o in line.operations] == ["FIN-CAPE"]
    taken = [(a.sku, a.source, a.reference) for a in line.allocations]
    assert ("SUB-COLLAR", "supply", "WH/MO/00007") in taken
    assert (line.operations[0].start, line.ready_at) == (at("2026-11-02 10:00"), at("2026-11-02 11:00"))


def test_a_sub_assembly_is_made_when_the_open_order_is_later() -> None:
    snap = cape_snapshot(supplies=[po("SUB-COLLAR", 1, "2026-11-20 10:00", "WH/MO/00007")])
    (line,) = promise(snap, [OrderLine("FIN-CAPE", D(1))], now=NOW).lines
    # Collar 09:00-12:00 + 13:00-14:00 (240 min), then the cape 14:00-15:00.
    assert [(o.sku, o.start, o.end) for o in line.operations] == [
        ("SUB-COLLAR", at("2026-11-02 09:00"), at("2026-11-02 14:00")),
        ("FIN-CAPE", at("2026-11-02 14:00"), at("2026-11-02 15:00"))]
    # Wool: 2 m for the cape and 0.5 m for the collar.
    assert sorted(a.quantity for a in line.allocations if a.sku == "FAB") == [D("0.5"), D(2)]


def test_bom_output_quantity_and_scrap() -> None:
    # A BOM for 4 capes uses 10 m; with 10 % scrap, 1 cape takes 10 / 4 x 1.1 = 2.75 m.
    snap = cape_snapshot(boms=[bom("FIN-CAPE", [("FAB", 10, 10)], [("Sewing", "SEW", 0, 60)], output=4)])
    (line,) = promise(snap, [OrderLine("FIN-CAPE", D(1))], now=NOW).lines
    assert [(a.sku, a.quantity) for a in line.allocations] == [("FAB", D("2.75"))]


def test_stale_data_lowers_confidence() -> None:
    snap = cape_snapshot(source_times={"odoo": at("2026-11-02 07:00"), "sql": at("2026-11-02 08:50")})
    p = promise(snap, [OrderLine("FAB", D(1))], now=NOW)
    assert p.confidence.level == "MEDIUM"
    assert p.confidence.reasons == ("inventory data from odoo is 2 h old",)
    relaxed = promise(snap, [OrderLine("FAB", D(1))], now=NOW, policy=Policy(max_data_age_minutes=180))
    assert relaxed.confidence.level == "HIGH"


def test_a_holiday_on_the_way_is_named_for_a_stock_line() -> None:
    snap = cape_snapshot(calendars=[workshop(("2026-11-04", "Founders' Day"))])
    p = promise(snap, [OrderLine("FAB", D(1))], now=NOW)
    # Ship Tue 3; transit Thu 5 (Wed 4 closed), Fri 6.
    assert p.delivery_date == day("2026-11-06")
    assert p.constraint.kind == "holiday" and "Founders' Day" in p.constraint.description


def test_policy_days_add_up_and_partial_shipments_can_be_switched_off() -> None:
    snap = cape_snapshot()
    lines = [OrderLine("FAB", D(1)), OrderLine("FIN-CAPE", D(1))]
    p = promise(snap, lines, now=NOW, policy=Policy(packing_days=2, transit_business_days=3, security_days=1))
    # The cape is ready Mon 15:00: ship Wed 4 (+2), deliver Thu 5, Fri 6, Mon 9, Tue 10 (+3 +1).
    assert (p.ship_complete_date, p.delivery_date) == (day("2026-11-04"), day("2026-11-10"))
    assert p.partial_shipments == ()  # wool and cape both ship Wed 4
    short = cape_snapshot(stock=[stock("FAB", 1)], supplies=[po("FAB", 50, "2026-11-09 09:00", "PO1")])
    # Now the wool line leaves at once and the cape waits for PO1: two shipments, unless not allowed.
    assert len(promise(short, lines, now=NOW).partial_shipments) == 2
    assert promise(short, lines, now=NOW, policy=Policy(allow_partial=False)).partial_shipments == ()


def test_the_latest_line_names_the_order_constraint_and_the_weakest_confidence_wins() -> None:
    snap = cape_snapshot(items=[*cape_snapshot().items.values(), item("TRM-LACE", "Lace", unit="m", lead=14)])
    p = promise(snap, [OrderLine("FIN-CAPE", D(1)), OrderLine("TRM-LACE", D(2))], now=NOW)
    assert p.constraint.kind == "lead_time" and p.constraint.sku == "TRM-LACE"
    assert p.confidence.level == "LOW"
    assert p.delivery_date == day("2026-11-19")  # lace 16 Nov + 1 packing + 2 transit


@pytest.mark.parametrize(("lines", "now", "policy", "message"), [
    ([OrderLine("NOPE", D(1))], NOW, Policy(), "unknown SKU 'NOPE'"),
    ([OrderLine("FAB", D(0))], NOW, Policy(), r"lines\[0\] \(FAB\): quantity must be positive"),
    ([OrderLine("FAB", 1.5)], NOW, Policy(), "quantity must be a Decimal"),  # type: ignore[arg-type]
    ([], NOW, Policy(), "at least one line"),
    ([OrderLine("FAB", D(1))], datetime(2026, 11, 2, 9), Policy(), "now must be timezone-aware"),
    ([OrderLine("FAB", D(1))], NOW, Policy(packing_days=-1), "policy.packing_days must not be negative"),
    ([OrderLine("FAB", D(1))], NOW, Policy(ship_calendar_id="nope"), "unknown calendar 'nope'"),
])
def test_bad_questions_raise_promise_error(lines, now, policy, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PromiseError, match=message):
        promise(cape_snapshot(), lines, now=now, policy=policy)


def test_a_bom_cycle_is_named() -> None:
    snap = cape_snapshot(boms=[bom("FIN-CAPE", [("SUB-COLLAR", 1)]), bom("SUB-COLLAR", [("FIN-CAPE", 1)])])
    with pytest.raises(PromiseError, match="bill of materials cycle: FIN-CAPE -> SUB-COLLAR -> FIN-CAPE"):
        promise(snap, [OrderLine("FIN-CAPE", D(1))], now=NOW)


def test_deterministic_and_round_trips() -> None:
    snap = cape_snapshot(supplies=[po("SUB-COLLAR", 1, "2026-11-02 10:00", "WH/MO/00007")])
    a = promise(snap, [OrderLine("FIN-CAPE", D(2))], now=NOW, requested_date=day("2026-11-06"))
    b = promise(snap, [OrderLine("FIN-CAPE", D(2))], now=NOW, requested_date=day("2026-11-06"))
    assert a == b
    assert OrderPromise.from_json(a.to_json()) == a
    assert all(t.tzinfo is not None for t in (a.now, *(line.ready_at for line in a.lines)))


def test_int_quantities_are_accepted_as_decimals() -> None:
    p = promise(cape_snapshot(), [OrderLine("FAB", 3)], now=NOW)  # type: ignore[arg-type]
    assert p.request[0].quantity == D(3) and p.lines[0].from_stock == D(3)
