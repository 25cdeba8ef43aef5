"""Hand-checked worked examples of the delivery promise, with the arithmetic written out.

Every example uses the workshop calendar: Mon-Fri 08:00-12:00 and 13:00-17:00, Europe/London. All dates
are in November/December 2026, after the clocks went back, so London time = UTC and "09:00" is both.
Business days are Mon-Fri minus holidays. Default policy: packing 1 business day, transit 2.

Calendar help:  Nov 2026  Mon 2  Tue 3  Wed 4  Thu 5  Fri 6 | Mon 9  Tue 10  Wed 11  Thu 12  Fri 13 | Mon 16
                Dec 2026  Thu 24  Fri 25 (Christmas)  Mon 28 (Boxing Day, substitute)  Tue 29  Wed 30  Thu 31
                Jan 2027  Fri 1 (New Year's Day)  Mon 4

Each example also exists as ``scenarios/<name>.yaml``; ``run_scenario`` on it gives exactly the JSON of
the promise computed here from the Python-built snapshot.
"""

from __future__ import annotations

from pathlib import Path

from hub.promise import OrderLine, OrderPromise, Policy, promise, recheck, run_scenario
from tests.promise.builders import D, at, bom, day, item, load, po, snapshot, so, stock, wc, workshop

SCENARIOS = Path(__file__).parent / "scenarios"


def reproduces(name: str, expected: OrderPromise) -> None:
    assert run_scenario(SCENARIOS / f"{name}.yaml") == expected.to_json()


# -- 1. stock-only lines ----------------------------------------------------------------------------
def stock_only_snapshot():  # type: ignore[no-untyped-def]
    return snapshot(
        items=[
            item("FIN-CORSET-M", "Corset (M)", kind="finished", lead=10),
            item("TRM-BUTTON-BRASS", "Brass button", lead=7),
        ],
        stock=[stock("FIN-CORSET-M", 10, reserved=2), stock("TRM-BUTTON-BRASS", 100)],
        demands=[so("FIN-CORSET-M", 3, "2026-11-06 09:00", "SO00017")],
        supplies=[po("FIN-CORSET-M", 10, "2026-11-10 09:00", "PO00051")],
        source_times={"odoo": at("2026-11-02 08:55")},
    )


def test_stock_only_lines_ship_from_stock_without_touching_promised_stock() -> None:
    snap = stock_only_snapshot()
    now = at("2026-11-02 09:00")  # Monday
    p = promise(snap, [OrderLine("FIN-CORSET-M", D(4)), OrderLine("TRM-BUTTON-BRASS", D(20))], now=now)

    corset, buttons = p.lines
    # Corsets: on hand 10 - reserved 2 = 8 now, but SO00017 takes 3 on Friday: ATP now = min(8, 5) = 5.
    # 4 <= 5, so all 4 come from stock, ready now.
    assert (corset.from_stock, corset.to_produce, corset.ready_at) == (D(4), D(0), now)
    # Buttons: 100 on hand, 20 from stock.
    assert buttons.from_stock == D(20)
    # Ship = Mon 2 + 1 packing business day = Tue 3; delivery = Tue 3 + 2 transit = Thu 5 Nov.
    assert (p.ship_complete_date, p.delivery_date) == (day("2026-11-03"), day("2026-11-05"))
    assert corset.constraint.kind == "none"
    assert p.confidence.level == "HIGH"  # data 5 min old, nothing awaited
    # Naive, calendar-blind: 2 Nov + 10 days corset lead time + 1 packing + 2 transit = 15 Nov.
    assert p.naive_delivery_date == day("2026-11-15")
    assert p.partial_shipments == ()  # everything leaves together
    reproduces("stock_only", p)


def test_stock_promised_to_a_later_order_is_not_offered() -> None:
    snap = stock_only_snapshot()
    # 6 corsets: ATP now is 5 (8 free today, but 3 belong to SO00017 on Friday). The 6th waits for
    # PO00051 on Tue 10 Nov (sooner than a new order: 10 days' lead time, 12 Nov): ready 10 Nov 09:00,
    # ship Wed 11, deliver Fri 13 Nov.
    p = promise(snap, [OrderLine("FIN-CORSET-M", D(6))], now=at("2026-11-02 09:00"))
    (line,) = p.lines
    assert (line.from_stock, line.to_produce) == (D(5), D(1))
    assert line.ready_at == at("2026-11-10 09:00")
    assert line.constraint.kind == "stock" and line.constraint.supply_reference == "PO00051"
    assert p.delivery_date == day("2026-11-13")
    # Partial: the 5 in stock can leave Tue 3 Nov, the last one on Wed 11 Nov.
    assert [(s.ship_date, s.lines) for s in p.partial_shipments] == [
        (day("2026-11-03"), (("FIN-CORSET-M", D(5)),)),
        (day("2026-11-11"), (("FIN-CORSET-M", D(1)),)),
    ]


# -- 2. a shortfall waiting for a purchase order ----------------------------------------------------
def tunic_snapshot(po_due: str, fetched: str):  # type: ignore[no-untyped-def]
    return snapshot(
        items=[
            item("FIN-CHORUS-TUNIC", "Chorus tunic", kind="finished", make=True, lead=5),
            item("FAB-COTTON-MUSLIN", "Cotton muslin", unit="m", lead=14),
            item("TRM-BUTTON-BRASS", "Brass button", lead=7),
        ],
        stock=[stock("FAB-COTTON-MUSLIN", 3), stock("TRM-BUTTON-BRASS", 100)],
        supplies=[po("FAB-COTTON-MUSLIN", 20, po_due, "PO00042", confirmed=False)],
        boms=[
            bom(
                "FIN-CHORUS-TUNIC",
                [("FAB-COTTON-MUSLIN", 2), ("TRM-BUTTON-BRASS", 5)],
                [("Cutting", "CUT", 0, 30), ("Sewing", "SEW", 0, 60), ("Finishing", "FIN", 0, 30)],
            )
        ],
        work_centers=[
            wc("CUT", "Cutting Table"),
            wc("SEW", "Sewing Room", 2),
            wc("FIN", "Finishing & Pressing"),
        ],
        source_times={"odoo": at(fetched)},
    )


def test_shortfall_waits_for_the_purchase_order() -> None:
    snap = tunic_snapshot("2026-11-05 10:00", "2026-11-02 08:55")
    p = promise(snap, [OrderLine("FIN-CHORUS-TUNIC", D(4))], now=at("2026-11-02 09:00"))
    (line,) = p.lines
    # No tunics in stock: make 4. Muslin 4 x 2 m = 8 m; 3 m in stock, PO00042 brings 20 m on Thu 5 Nov
    # 10:00 (ATP then 23 >= 8). Buttons 4 x 5 = 20 of 100: in stock. Components ready Thu 10:00.
    assert [(a.sku, a.quantity, a.source) for a in line.allocations] == [
        ("FAB-COTTON-MUSLIN", D(3), "stock"),
        ("FAB-COTTON-MUSLIN", D(5), "supply"),
        ("TRM-BUTTON-BRASS", D(20), "stock"),
    ]
    # Cutting 4 x 30 = 120 min: Thu 10:00-12:00. Sewing 4 x 60 = 240 min: lunch, then Thu 13:00-17:00.
    # Finishing 4 x 30 = 120 min: Fri 08:00-10:00.
    assert [(o.operation, o.start, o.end) for o in line.operations] == [
        ("Cutting", at("2026-11-05 10:00"), at("2026-11-05 12:00")),
        ("Sewing", at("2026-11-05 13:00"), at("2026-11-05 17:00")),
        ("Finishing", at("2026-11-06 08:00"), at("2026-11-06 10:00")),
    ]
    # Ready Fri 6 Nov 10:00; ship Mon 9 (+1), deliver Wed 11 Nov (+2).
    assert (line.ready_at, p.ship_complete_date, p.delivery_date) == (
        at("2026-11-06 10:00"),
        day("2026-11-09"),
        day("2026-11-11"),
    )
    assert p.constraint.kind == "component"
    assert p.constraint.description == "Cotton muslin short until PO00042 arrives 2026-11-05"
    assert p.constraint.supply_reference == "PO00042"
    # The PO date is only planned, not confirmed by the vendor: MEDIUM.
    assert p.confidence.level == "MEDIUM"
    assert p.confidence.reasons == ("depends on PO00042's expected date (unconfirmed)",)
    # Naive: 2 Nov + 5 days lead time + 1 + 2 = 10 Nov, a day earlier than the workshop can do.
    assert p.naive_delivery_date == day("2026-11-10")
    reproduces("po_shortfall", p)


# -- 3. a work centre already loaded ----------------------------------------------------------------
def tailcoat_snapshot(*, loaded: bool = True):  # type: ignore[no-untyped-def]
    return snapshot(
        items=[
            item("FIN-TAILCOAT", "Tailcoat", kind="finished", make=True, lead=10),
            item("FAB-WOOL-CREPE", "Wool crepe", unit="m", lead=14),
        ],
        stock=[stock("FAB-WOOL-CREPE", 20)],
        boms=[
            bom(
                "FIN-TAILCOAT",
                [("FAB-WOOL-CREPE", 3)],
                [("Cutting", "CUT", 0, 60), ("Sewing", "SEW", 60, 120)],
            )
        ],
        work_centers=[wc("CUT", "Cutting Table"), wc("SEW", "Sewing Room", 2, "0.8")],
        loads=[
            load("SEW", "2026-11-02 08:00", "2026-11-04 17:00", "WH/MO/00101"),
            load("SEW", "2026-11-02 08:00", "2026-11-03 12:00", "WH/MO/00102"),
        ]
        if loaded
        else [],
    )


def test_loaded_work_centre_pushes_the_job_and_later_lines_queue_behind_earlier_ones() -> None:
    now = at("2026-11-02 08:00")
    lines = [OrderLine("FIN-TAILCOAT", D(2)), OrderLine("FIN-TAILCOAT", D(1))]
    p = promise(tailcoat_snapshot(), lines, now=now)
    first, second = p.lines
    # Sewing Room: 2 lanes. MO 00102 holds lane 0 until Tue 12:00, MO 00101 lane 1 until Wed 17:00.
    # Line 1 (2 coats): cutting 2 x 60 = 120 min, Mon 08:00-10:00.
    # Sewing = setup 60 + 2 x 120 / 0.8 efficiency = 60 + 300 = 360 min = 6 h.
    #   lane 0 from Tue 13:00 (12:00 is lunch): 4 h Tue + 2 h Wed -> Wed 10:00
    #   lane 1 from Thu 08:00 -> Thu 15:00; lane 0 finishes first.
    assert [(o.operation, o.lane, o.start, o.end) for o in first.operations] == [
        ("Cutting", 0, at("2026-11-02 08:00"), at("2026-11-02 10:00")),
        ("Sewing", 0, at("2026-11-03 13:00"), at("2026-11-04 10:00")),
    ]
    assert first.constraint.description == "Sewing Room busy until 2026-11-03 13:00"
    # Line 2 (1 coat) sees line 1's bookings: cutting 60 min after line 1's, Mon 10:00-11:00.
    # Sewing 60 + 120 / 0.8 = 210 min. Lane 0 is now busy until Wed 10:00 (line 1): Wed 10:00-12:00
    # (120) + 13:00-14:30 (90) -> Wed 14:30. Lane 1 would give Thu 08:00-11:30.
    assert [(o.operation, o.lane, o.start, o.end) for o in second.operations] == [
        ("Cutting", 0, at("2026-11-02 10:00"), at("2026-11-02 11:00")),
        ("Sewing", 0, at("2026-11-04 10:00"), at("2026-11-04 14:30")),
    ]
    # Order: ready Wed 14:30 -> ship Thu 5, deliver Mon 9 Nov (Fri 6, Mon 9).
    assert (p.ship_complete_date, p.delivery_date) == (day("2026-11-05"), day("2026-11-09"))
    assert p.constraint.kind == "work_center" and p.constraint.work_center == "SEW"
    assert p.constraint.description == "Sewing Room busy until 2026-11-04 10:00"
    assert p.constraint.until == at("2026-11-04 10:00")
    reproduces("loaded_work_center", p)

    # Contrast: the same 2 coats on an empty Sewing Room sew Mon 10:00-12:00 + 13:00-17:00 (6 h),
    # ready Mon 17:00, ship Tue 3, deliver Thu 5 Nov.
    empty = promise(tailcoat_snapshot(loaded=False), lines[:1], now=now)
    assert empty.lines[0].ready_at == at("2026-11-02 17:00")
    assert empty.delivery_date == day("2026-11-05")


# -- 4. a weekend and a holiday inside a job --------------------------------------------------------
def gown_snapshot(*holidays: tuple[str, str]):  # type: ignore[no-untyped-def]
    return snapshot(
        items=[
            item("FIN-VICTORIAN-GOWN", "Victorian gown", kind="finished", make=True, lead=15),
            item("SUB-CORSET-BODICE", "Corset bodice", make=True, lead=5),
            item("FAB-SILK-DUPIONI", "Silk dupioni", unit="m", lead=14),
            item("TRM-BONING-SPIRAL", "Spiral boning", unit="m", lead=7),
        ],
        stock=[stock("FAB-SILK-DUPIONI", 10), stock("TRM-BONING-SPIRAL", 5)],
        boms=[
            bom(
                "FIN-VICTORIAN-GOWN",
                [("FAB-SILK-DUPIONI", 6), ("SUB-CORSET-BODICE", 1)],
                [("Sewing", "SEW", 0, 480)],
            ),
            bom("SUB-CORSET-BODICE", [("TRM-BONING-SPIRAL", 1, 10)], [("Sewing", "SEW", 0, 240)]),
        ],
        work_centers=[wc("SEW", "Sewing Room")],
        calendars=[workshop(*holidays)],
    )


CHRISTMAS = (
    ("2026-12-25", "Christmas Day"),
    ("2026-12-28", "Boxing Day (substitute)"),
    ("2027-01-01", "New Year's Day"),
)


def test_weekend_and_holidays_inside_a_multi_level_job() -> None:
    gown = [OrderLine("FIN-VICTORIAN-GOWN", D(1))]
    p = promise(gown_snapshot(*CHRISTMAS), gown, now=at("2026-12-24 13:00"))
    (line,) = p.lines
    # Multi-level: the gown needs a corset bodice, made first from 1 m boning + 10 % scrap = 1.1 m.
    taken = [(a.sku, a.quantity, a.source) for a in line.allocations]
    assert ("TRM-BONING-SPIRAL", D("1.1"), "stock") in taken
    # Bodice: 240 min on Thu 24 Dec 13:00-17:00. Gown: 480 min from Thu 17:00; Fri 25 is Christmas,
    # Sat/Sun the weekend, Mon 28 Boxing Day: the job resumes Tue 29 08:00-12:00 + 13:00-17:00.
    assert [(o.sku, o.start, o.end) for o in line.operations] == [
        ("SUB-CORSET-BODICE", at("2026-12-24 13:00"), at("2026-12-24 17:00")),
        ("FIN-VICTORIAN-GOWN", at("2026-12-29 08:00"), at("2026-12-29 17:00")),
    ]
    # Ready Tue 29 17:00 -> ship Wed 30 Dec; transit Thu 31 (1), Fri 1 Jan is a holiday, Mon 4 Jan (2).
    assert (p.ship_complete_date, p.delivery_date) == (day("2026-12-30"), day("2027-01-04"))
    assert p.constraint.kind == "holiday"
    assert p.constraint.description == "Sewing Room closed 2026-12-25 (Christmas Day)"
    assert p.constraint.until == at("2026-12-29 08:00")
    # Naive: 24 Dec + 15 days + 1 + 2 = 11 Jan.
    assert p.naive_delivery_date == day("2027-01-11")
    reproduces("holiday_in_job", p)

    # Without the holidays the gown sews the very next day, Fri 25 Dec 08:00-17:00.
    plain = promise(gown_snapshot(), gown, now=at("2026-12-24 13:00"))
    assert plain.lines[0].ready_at == at("2026-12-25 17:00")


# -- 5. lot splitting changes the ship-complete date ------------------------------------------------
def lot_snapshot():  # type: ignore[no-untyped-def]
    return snapshot(
        items=[
            item("FIN-CHORUS-TUNIC", "Chorus tunic", kind="finished", make=True, lead=5),
            item("FAB-COTTON-MUSLIN", "Cotton muslin", unit="m", lead=14),
        ],
        stock=[stock("FAB-COTTON-MUSLIN", 8)],
        supplies=[po("FAB-COTTON-MUSLIN", 20, "2026-11-04 08:00", "PO00050")],
        boms=[bom("FIN-CHORUS-TUNIC", [("FAB-COTTON-MUSLIN", 2)], [("Sewing", "SEW", 0, 120)])],
        work_centers=[wc("SEW", "Sewing Room")],
    )


def test_lot_splitting_starts_what_stock_covers_and_ships_complete_earlier() -> None:
    now = at("2026-11-02 08:00")
    lines = [OrderLine("FIN-CHORUS-TUNIC", D(10))]
    # 10 tunics x 2 m = 20 m muslin; 8 m in stock, PO00050 (20 m, confirmed) arrives Wed 4 Nov 08:00.
    # Without splitting all 10 wait for the PO: 10 x 120 = 1200 min = 20 h from Wed 08:00:
    # Wed 8 h + Thu 8 h + Fri 08:00-12:00 -> ready Fri 6 Nov 12:00, ship Mon 9, deliver Wed 11 Nov.
    whole = promise(lot_snapshot(), lines, now=now, policy=Policy(lot_splitting=False))
    assert whole.lines[0].ready_at == at("2026-11-06 12:00")
    assert (whole.ship_complete_date, whole.delivery_date) == (day("2026-11-09"), day("2026-11-11"))
    assert whole.partial_shipments == ()
    reproduces("lot_split_off", whole)

    # With splitting: 8 m cover 4 tunics now: 4 x 120 = 8 h, Mon 08:00-17:00. The other 6 need 12 m
    # from PO00050: 6 x 120 = 12 h from Wed 08:00 -> Thu 12:00. Ship complete Fri 6, deliver Tue 10 Nov.
    split = promise(lot_snapshot(), lines, now=now, policy=Policy(lot_splitting=True))
    (line,) = split.lines
    assert [(lot.quantity, lot.ready_at) for lot in line.lots] == [
        (D(4), at("2026-11-02 17:00")),
        (D(6), at("2026-11-05 12:00")),
    ]
    assert (split.ship_complete_date, split.delivery_date) == (day("2026-11-06"), day("2026-11-10"))
    # And the partial-shipment options differ: 4 can leave Tue 3 Nov (delivered Thu 5), 6 on Fri 6.
    assert [(s.ship_date, s.delivery_date, s.lines) for s in split.partial_shipments] == [
        (day("2026-11-03"), day("2026-11-05"), (("FIN-CHORUS-TUNIC", D(4)),)),
        (day("2026-11-06"), day("2026-11-10"), (("FIN-CHORUS-TUNIC", D(6)),)),
    ]
    assert split.constraint.supply_reference == "PO00050"
    assert split.confidence.level == "HIGH"  # a confirmed PO
    reproduces("lot_split_on", split)


# -- 6. a requested date that cannot be met ---------------------------------------------------------
def test_requested_date_that_cannot_be_met_has_negative_slack_and_names_the_constraint() -> None:
    now = at("2026-11-02 08:00")
    lines = [OrderLine("FIN-TAILCOAT", D(2))]
    # As in example 3, 2 coats deliver Mon 9 Nov. Asked for Thu 5 Nov: late by the business days in
    # (5 Nov, 9 Nov] = Fri 6, Mon 9 -> slack -2.
    p = promise(tailcoat_snapshot(), lines, now=now, requested_date=day("2026-11-05"))
    assert (p.delivery_date, p.can_meet, p.slack_business_days) == (day("2026-11-09"), False, -2)
    assert p.constraint.kind == "work_center"
    assert p.constraint.description == "Sewing Room busy until 2026-11-03 13:00"
    reproduces("late_request", p)

    # Asked for Thu 12 Nov instead: met with Tue 10, Wed 11, Thu 12 to spare.
    ok = promise(tailcoat_snapshot(), lines, now=now, requested_date=day("2026-11-12"))
    assert (ok.can_meet, ok.slack_business_days) == (True, 3)


# -- 7. a re-check after a purchase order slips -----------------------------------------------------
def test_recheck_after_the_purchase_order_slips() -> None:
    before = promise(
        tunic_snapshot("2026-11-05 10:00", "2026-11-02 08:55"),
        [OrderLine("FIN-CHORUS-TUNIC", D(4))],
        now=at("2026-11-02 09:00"),
    )
    assert before.delivery_date == day("2026-11-11")  # example 2
    # Stored and reloaded, as the hub does between the quote and the re-check.
    stored = OrderPromise.from_json(before.to_json())
    # A day later PO00042 moves to Tue 10 Nov 10:00: cut 10:00-12:00, sew 13:00-17:00, finish Wed 11
    # 08:00-10:00; ship Thu 12, deliver Mon 16 Nov. Late by (11 Nov, 16 Nov] = Thu, Fri, Mon = 3.
    r = recheck(stored, tunic_snapshot("2026-11-10 10:00", "2026-11-03 08:55"), now=at("2026-11-03 09:00"))
    assert (r.previous_delivery, r.delivery, r.slipped, r.slip_business_days) == (
        day("2026-11-11"),
        day("2026-11-16"),
        True,
        3,
    )
    assert r.new.lines[0].ready_at == at("2026-11-11 10:00")
    assert r.reasons == (
        "delivery slips 3 business days: 2026-11-11 -> 2026-11-16",
        "FIN-CHORUS-TUNIC: Cotton muslin short until PO00042 arrives 2026-11-10",
    )
    assert run_scenario(SCENARIOS / "po_slipped.yaml") == r.to_json()

    # Re-checked on unchanged data, nothing slips.
    same = recheck(stored, tunic_snapshot("2026-11-05 10:00", "2026-11-02 08:55"), now=at("2026-11-02 09:00"))
    assert (same.slipped, same.slip_business_days) == (False, 0)
