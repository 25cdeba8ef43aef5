"""Available-to-promise over time, and what a promise takes from it."""

from __future__ import annotations

from hub.promise import AtpLedger, OrderLine, available_to_promise, promise
from tests.promise.builders import D, at, bom, item, po, snapshot, so, stock, wc

NOW = at("2026-11-02 09:00")


def fabric_snapshot(**extra):  # type: ignore[no-untyped-def]
    # Velvet: 30 m on hand, 5 reserved; SO1 needs 10 on Wed, SO2 20 on Fri; PO7 brings 40 on Thu.
    # Projected: now 25, Wed 15, Thu 55, Fri 35  ->  ATP = min from then on: 15, 15, 35, 35.
    return snapshot(
        items=[item("FAB-VELVET", "Velvet", unit="m", **extra)],
        stock=[stock("FAB-VELVET", 20, reserved=5), stock("FAB-VELVET", 10)],  # two locations
        demands=[so("FAB-VELVET", 10, "2026-11-04 09:00", "SO1"),
                 so("FAB-VELVET", 20, "2026-11-06 09:00", "SO2")],
        supplies=[po("FAB-VELVET", 40, "2026-11-05 09:00", "PO7")],
    )


def test_atp_is_the_lowest_projected_stock_from_then_on() -> None:
    profile = available_to_promise(fabric_snapshot(), "FAB-VELVET", now=NOW)
    assert [(t, q) for t, q in profile.points] == [
        (NOW, D(15)), (at("2026-11-04 09:00"), D(15)), (at("2026-11-05 09:00"), D(35)),
        (at("2026-11-06 09:00"), D(35))]
    assert profile.now == D(15)  # 25 free today, but 10 of them belong to SO1 on Wednesday
    assert profile.at(at("2026-11-05 12:00")) == D(35)
    assert profile.at(at("2026-10-01 00:00")) == D(15)  # before now reads as now


def test_earliest_names_the_supply_that_covers_it() -> None:
    profile = available_to_promise(fabric_snapshot(), "FAB-VELVET", now=NOW)
    t, arriving = profile.earliest(D(30))  # type: ignore[misc]
    assert t == at("2026-11-05 09:00") and [s.reference for s in arriving] == ["PO7"]
    assert profile.earliest(D(15)) == (NOW, ())
    assert profile.earliest(D(36)) is None


def test_safety_stock_is_never_offered() -> None:
    assert available_to_promise(fabric_snapshot(safety=5), "FAB-VELVET", now=NOW).now == D(10)


def test_atp_never_reads_negative_when_demand_exceeds_everything() -> None:
    snap = snapshot(items=[item("TRM", "Trim")], stock=[stock("TRM", 2)],
                    demands=[so("TRM", 5, "2026-11-03 09:00", "SO")])
    profile = available_to_promise(snap, "TRM", now=NOW)
    assert profile.now == 0 and profile.earliest(D(1)) is None


def test_overdue_supply_and_past_due_demand_count_now() -> None:
    snap = snapshot(items=[item("TRM", "Trim")],
                    supplies=[po("TRM", 10, "2026-10-28 09:00", "PO-late")],
                    demands=[so("TRM", 4, "2026-10-30 09:00", "SO-late")])
    assert available_to_promise(snap, "TRM", now=NOW).points == ((NOW, D(6)),)


def test_consume_takes_from_then_on_and_rollback_restores() -> None:
    ledger = AtpLedger(fabric_snapshot(), NOW)
    mark = ledger.mark()
    ledger.consume("FAB-VELVET", D(20), at("2026-11-05 09:00"))
    # Taking 20 on Thu lowers Thu and Fri (35 -> 15) and therefore nothing earlier than 15.
    assert [q for _, q in ledger.profile("FAB-VELVET").points] == [D(15), D(15), D(15), D(15)]
    ledger.consume("FAB-VELVET", D(15), NOW)
    assert ledger.available("FAB-VELVET") == 0
    ledger.rollback(mark)
    assert ledger.available("FAB-VELVET") == D(15)


def test_two_lines_never_share_the_same_stock() -> None:
    snap = fabric_snapshot(lead=14)
    p = promise(snap, [OrderLine("FAB-VELVET", D(10)), OrderLine("FAB-VELVET", D(10))], now=NOW)
    first, second = p.lines
    # ATP now 15: line 1 takes 10, line 2 gets the other 5 now and the rest from PO7 on Thursday.
    assert (first.from_stock, first.ready_at) == (D(10), NOW)
    assert (second.from_stock, second.ready_at) == (D(5), at("2026-11-05 09:00"))
    assert second.constraint.kind == "stock" and second.constraint.supply_reference == "PO7"


def test_components_taken_by_line_one_are_not_available_to_line_two() -> None:
    snap = snapshot(
        items=[item("FIN-A", "Cape", kind="finished", make=True, lead=5),
               item("FAB", "Wool", unit="m", lead=14)],
        stock=[stock("FAB", 5)],
        supplies=[po("FAB", 10, "2026-11-10 09:00", "PO9")],
        boms=[bom("FIN-A", [("FAB", 3)], [("Sewing", "SEW", 0, 60)])],
        work_centers=[wc("SEW", "Sewing Room", 4)],
    )
    p = promise(snap, [OrderLine("FIN-A", D(1)), OrderLine("FIN-A", D(1))], now=NOW)
    first, second = p.lines
    # 5 m of wool: line 1 takes 3 now and sews at once; line 2 finds 2 m, needs 3 -> waits for PO9.
    assert first.ready_at == at("2026-11-02 10:00")
    assert second.operations[0].start == at("2026-11-10 09:00")
    assert second.constraint.description == "Wool short until PO9 arrives 2026-11-10"
    taken = sum((a.quantity for line in p.lines for a in line.allocations if a.sku == "FAB"), D(0))
    assert taken == D(6)


def test_no_supply_falls_back_to_the_lead_time_with_low_confidence() -> None:
    snap = snapshot(items=[item("TRM-LACE", "Lace trim", unit="m", lead=14)], stock=[stock("TRM-LACE", 2)])
    p = promise(snap, [OrderLine("TRM-LACE", D(5))], now=NOW)
    (line,) = p.lines
    assert (line.from_stock, line.ready_at) == (D(2), at("2026-11-16 09:00"))
    assert line.constraint.kind == "lead_time"
    assert p.confidence.level == "LOW"
    assert p.confidence.reasons == ("uses the default lead time of 14 days for Lace trim",)
    assert [(a.source, a.quantity) for a in line.allocations] == [("stock", D(2)), ("purchase", D(3))]


def test_a_new_purchase_beats_an_open_order_due_after_the_lead_time() -> None:
    # PO3 brings lace in 30 days, but the supplier delivers a new order in 14: promise the 14.
    snap = snapshot(items=[item("TRM-LACE", "Lace trim", unit="m", lead=14)],
                    supplies=[po("TRM-LACE", 50, "2026-12-02 09:00", "PO3")])
    (line,) = promise(snap, [OrderLine("TRM-LACE", D(5))], now=NOW).lines
    assert (line.ready_at, line.constraint.kind) == (at("2026-11-16 09:00"), "lead_time")
    # Due before the lead time is up, the open order wins.
    sooner = snapshot(items=[item("TRM-LACE", "Lace trim", unit="m", lead=14)],
                      supplies=[po("TRM-LACE", 50, "2026-11-09 09:00", "PO3")])
    (line,) = promise(sooner, [OrderLine("TRM-LACE", D(5))], now=NOW).lines
    assert (line.ready_at, line.constraint.supply_reference) == (at("2026-11-09 09:00"), "PO3")
