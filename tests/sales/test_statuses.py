"""Statuses that move with the calendar, or that a void invoice must not fake."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hub.sales import SalesRecord
from hub.sync.payments import payment_state
from mappings import Money
from mappings.sync_spec import load_sync_spec
from schema.sales_types import invoice_status, quote_status

TODAY = datetime.now(UTC).date()


def record(kind: str, **fields: object) -> SalesRecord:
    now = datetime.now(UTC)
    return SalesRecord(kind, "quickbooks", kind, "1", dict(fields), None, now, now, False)


def test_a_sent_quote_past_its_validity_reads_expired_without_a_new_fetch() -> None:
    assert quote_status(record("quote", status="SENT", valid_until=TODAY - timedelta(days=1))) == "EXPIRED"
    assert quote_status(record("quote", status="SENT", valid_until=TODAY)) == "SENT"
    assert quote_status(record("quote", status="ACCEPTED", valid_until=date(2020, 1, 1))) == "ACCEPTED"


def test_an_open_invoice_past_due_reads_overdue() -> None:
    assert invoice_status(record("invoice", status="OPEN", due_date=TODAY - timedelta(days=1))) == "OVERDUE"
    assert invoice_status(record("invoice", status="PAID", due_date=date(2020, 1, 1))) == "PAID"


def test_a_void_invoice_is_not_reported_paid() -> None:
    spec = load_sync_spec()
    zero = Money(Decimal("0.00"), "USD")
    assert payment_state(record("invoice", status="VOID", total=zero, balance=zero), spec) is None
    paid = payment_state(
        record("invoice", status="PAID", total=Money(Decimal("10.00"), "USD"), balance=zero), spec
    )
    assert paid == (spec.payment_statuses.paid, Decimal("10.00"))
