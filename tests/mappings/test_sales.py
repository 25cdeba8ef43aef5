"""QuickBooks sales documents -> unified quotes, invoices and payments, compared with golden files.

Payloads are documents of the sandbox seed (``build_sales(build_shop().quickbooks_customers)``) saved as
JSON; they are decoded as the HTTP layer decodes them (fractions as Decimal). Statuses are derived as of
the seed's "today", ``SALES_AS_OF`` (2026-11-01), unless a test says otherwise.
Regenerate the golden files with ``UPDATE_GOLDEN=1 pytest tests/mappings`` and review the diff.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from hub.sandbox.seed import build_shop
from hub.sandbox.seed_sales import SALES_AS_OF, SALES_NOTES, build_sales
from mappings import ENTITIES, MappingSet, Money, load_mappings
from tests.mappings.test_engine import PAYLOADS, check_golden


@pytest.fixture(scope="module")
def shipped() -> MappingSet:
    return load_mappings()


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"quickbooks_{name}.json").read_text(), parse_float=Decimal)


GOLDEN = [
    ("quote", "estimate_pending"),
    ("quote", "estimate_expired"),
    ("quote", "estimate_accepted"),
    ("quote", "estimate_rejected"),
    ("quote", "estimate_converted"),
    ("invoice", "invoice_paid"),
    ("invoice", "invoice_partly_paid"),
    ("invoice", "invoice_overdue"),
    ("invoice", "invoice_open"),
    ("payment", "payment_two_invoices"),
    ("payment", "payment_deposit"),
]


@pytest.mark.parametrize(("entity", "name"), GOLDEN)
def test_sales_documents_match_golden(shipped: MappingSet, entity: str, name: str) -> None:
    mapped = shipped.get(entity, "quickbooks").apply(payload(name), today=SALES_AS_OF)
    assert mapped.warnings == ()
    check_golden(f"{entity}.quickbooks.{name.split('_', 1)[1]}", mapped)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("estimate_pending", "SENT"),
        ("estimate_expired", "EXPIRED"),
        ("estimate_accepted", "ACCEPTED"),
        ("estimate_rejected", "DECLINED"),
        ("estimate_converted", "CONVERTED"),
    ],
)
def test_every_estimate_status(shipped: MappingSet, name: str, status: str) -> None:
    assert (
        shipped.get("quote", "quickbooks").apply(payload(name), today=SALES_AS_OF).fields["status"] == status
    )


def quote_status(shipped: MappingSet, record: dict[str, Any], today: date = SALES_AS_OF) -> Any:
    return shipped.get("quote", "quickbooks").apply(record, today=today).fields["status"]


def test_pending_estimate_expires_the_day_after_its_expiration_date(shipped: MappingSet) -> None:
    record = payload("estimate_pending")
    expires = date.fromisoformat(record["ExpirationDate"])
    assert quote_status(shipped, record, expires) == "SENT"
    assert quote_status(shipped, record, date.fromordinal(expires.toordinal() + 1)) == "EXPIRED"
    assert quote_status(shipped, payload("estimate_accepted"), date(2027, 6, 1)) == "ACCEPTED"


def test_pending_estimate_never_emailed_nor_printed_is_a_draft(shipped: MappingSet) -> None:
    record = payload("estimate_pending") | {"EmailStatus": "NotSet"}
    assert quote_status(shipped, record) == "DRAFT"
    assert quote_status(shipped, record | {"EmailStatus": "NeedToSend"}) == "DRAFT"
    assert quote_status(shipped, record | {"PrintStatus": "PrintComplete"}) == "SENT"
    without = {k: v for k, v in record.items() if k != "EmailStatus"}
    assert quote_status(shipped, without) == "SENT"  # no evidence of a draft


def test_closed_estimate_without_an_invoice_counts_as_accepted(shipped: MappingSet) -> None:
    record = payload("estimate_converted") | {"LinkedTxn": []}
    mapped = shipped.get("quote", "quickbooks").apply(record, today=SALES_AS_OF)
    assert (mapped.fields["status"], mapped.fields["invoice_refs"]) == ("ACCEPTED", [])


def test_unknown_estimate_status_is_a_warning(shipped: MappingSet) -> None:
    mapped = shipped.get("quote", "quickbooks").apply(payload("estimate_pending") | {"TxnStatus": "Lost"})
    assert mapped.fields["status"] is None
    assert mapped.warnings == (
        "fields.status: qbo_estimate_status: unknown TxnStatus 'Lost' "
        "(expected Pending, Accepted, Closed or Rejected)",
    )


def invoice_status(shipped: MappingSet, record: dict[str, Any], today: date = SALES_AS_OF) -> Any:
    return shipped.get("invoice", "quickbooks").apply(record, today=today).fields["status"]


def test_invoice_statuses_follow_balance_due_date_and_today(shipped: MappingSet) -> None:
    partly = payload("invoice_partly_paid")  # due 2026-11-04
    assert invoice_status(shipped, partly) == "PARTIALLY_PAID"
    assert invoice_status(shipped, partly, date(2026, 11, 4)) == "PARTIALLY_PAID"
    assert invoice_status(shipped, partly, date(2026, 11, 5)) == "OVERDUE"
    assert invoice_status(shipped, payload("invoice_open")) == "OPEN"
    assert invoice_status(shipped, payload("invoice_overdue")) == "OVERDUE"
    assert invoice_status(shipped, payload("invoice_paid"), date(2030, 1, 1)) == "PAID"


def test_voided_invoice(shipped: MappingSet) -> None:
    voided = payload("invoice_open") | {
        "TotalAmt": Decimal("0"),
        "Balance": Decimal("0"),
        "PrivateNote": "Voided",
    }
    assert invoice_status(shipped, voided) == "VOID"
    assert invoice_status(shipped, voided | {"PrivateNote": "Paid in cash"}) == "PAID"


def test_status_defaults_to_today_in_utc(shipped: MappingSet) -> None:
    # Due in 2026-03: overdue on any real "today" after that, whatever the clock says.
    assert invoice_status(shipped, payload("invoice_overdue"), None) == "OVERDUE"  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="today must be a date"):
        shipped.get("invoice", "quickbooks").apply(payload("invoice_open"), today="2026-11-01")  # type: ignore[arg-type]


def test_money_and_quantities_are_decimal(shipped: MappingSet) -> None:
    mapped = shipped.get("invoice", "quickbooks").apply(payload("invoice_overdue"), today=SALES_AS_OF)
    fields = mapped.fields
    assert fields["balance"] == Money(Decimal("7800.00"), "USD")
    lines = fields["lines"]
    assert lines and all(isinstance(line["quantity"], Decimal) for line in lines)
    assert all(line["amount"].amount == line["quantity"] * line["unit_price"].amount for line in lines)
    assert sum((line["amount"].amount for line in lines), Decimal(0)) == fields["total"].amount
    assert (fields["quote_ref"], fields["payment_refs"]) == ("103", ["115"])


def test_line_currency_comes_from_the_document(shipped: MappingSet) -> None:
    record = payload("estimate_accepted")
    record["CurrencyRef"] = {"value": "CAD"}
    mapped = shipped.get("quote", "quickbooks").apply(record, today=SALES_AS_OF)
    assert {line["amount"].currency for line in mapped.fields["lines"]} == {"CAD"}
    assert mapped.fields["total"].currency == "CAD"


def test_a_bad_line_is_reported_by_position_and_the_rest_still_map(shipped: MappingSet) -> None:
    record = payload("estimate_accepted")
    record["Line"][0]["SalesItemLineDetail"]["Qty"] = "lots"
    record["Line"][1]["Amount"] = 1.5  # a float slipped through
    mapped = shipped.get("quote", "quickbooks").apply(record, today=SALES_AS_OF)
    assert mapped.fields["lines"][0]["quantity"] is None
    assert mapped.fields["lines"][1]["amount"] is None
    assert mapped.warnings == (
        "fields.lines[0].quantity: decimal: not a number",
        "fields.lines[1].amount: money: got a float; amounts must be exact (decode JSON numbers as Decimal)",
    )


def test_missing_lists_are_empty_and_wrong_shapes_warn(shipped: MappingSet) -> None:
    mapping = shipped.get("invoice", "quickbooks")
    bare = {"DocNumber": "9", "CustomerRef": {"value": "1"}}
    mapped = mapping.apply(bare, today=SALES_AS_OF)
    assert (mapped.fields["lines"], mapped.fields["payment_refs"], mapped.fields["quote_ref"]) == (
        [],
        [],
        None,
    )
    assert mapped.warnings == ()
    mapped = mapping.apply(bare | {"Line": {"Amount": 1}, "LinkedTxn": ["7", {"TxnType": "Payment"}]})
    assert mapped.fields["lines"] is None
    assert mapped.fields["payment_refs"] == []  # a string is not an object: it cannot match the filter
    assert mapped.warnings == ("fields.lines: expected a list, got an object",)
    mapped = mapping.apply(bare | {"LinkedTxn": [{"TxnType": "Payment", "TxnId": 42}, {"TxnId": "7"}]})
    assert (mapped.fields["payment_refs"], mapped.fields["quote_ref"]) == (["42"], None)


def test_payment_fans_out_over_its_lines(shipped: MappingSet) -> None:
    record = payload("payment_two_invoices")
    record["Line"].append({"Amount": Decimal("1"), "LinkedTxn": [{"TxnId": "77", "TxnType": "CreditMemo"}]})
    record["Line"].append({"Amount": Decimal("2")})
    mapped = shipped.get("payment", "quickbooks").apply(record)
    assert mapped.fields["invoice_refs"] == ["189", "179"]
    assert mapped.fields["reference"] == "3346"


def test_the_whole_seed_maps_cleanly_and_agrees_with_its_notes(shipped: MappingSet) -> None:
    sales = build_sales(build_shop().quickbooks_customers)
    quotes = shipped.get("quote", "quickbooks")
    invoices = shipped.get("invoice", "quickbooks")
    payments = shipped.get("payment", "quickbooks")
    by_status: dict[str, list[str]] = {}
    for estimate in sales.estimates:
        mapped = quotes.apply(copy.deepcopy(estimate), today=SALES_AS_OF)
        assert mapped.warnings == ()
        by_status.setdefault(mapped.fields["status"], []).append(estimate["Id"])
    notes = SALES_NOTES["estimates_by_status"]
    assert by_status["EXPIRED"] == SALES_NOTES["expired_estimate_ids"]
    assert sorted(by_status["SENT"] + by_status["EXPIRED"]) == sorted(notes["Pending"])
    assert by_status["CONVERTED"] == notes["Closed"]  # every seeded Closed estimate has its invoice
    assert by_status["DECLINED"] == notes["Rejected"]
    assert by_status["ACCEPTED"] == notes["Accepted"]
    statuses: dict[str, list[str]] = {}
    for invoice in sales.invoices:
        mapped = invoices.apply(invoice, today=SALES_AS_OF)
        assert mapped.warnings == ()
        statuses.setdefault(mapped.fields["status"], []).append(invoice["Id"])
    assert statuses["PAID"] == SALES_NOTES["paid_invoice_ids"]
    assert statuses["OVERDUE"] == SALES_NOTES["overdue_invoice_ids"]
    assert sorted(statuses["PARTIALLY_PAID"] + statuses["OPEN"] + statuses["OVERDUE"]) == sorted(
        SALES_NOTES["partly_paid_invoice_ids"] + SALES_NOTES["unpaid_invoice_ids"]
    )
    multi = [p for p in sales.payments if p["Id"] in SALES_NOTES["multi_invoice_payment_ids"]]
    for payment in sales.payments:
        assert payments.apply(payment).warnings == ()
    assert [len(payments.apply(p).fields["invoice_refs"]) for p in multi] == [2]


def test_mapped_fields_round_trip_through_json_storage(shipped: MappingSet) -> None:
    mapped = shipped.get("invoice", "quickbooks").apply(payload("invoice_overdue"), today=SALES_AS_OF)
    schema = ENTITIES["invoice"]
    stored = json.loads(json.dumps(schema.encode(mapped.fields)))
    assert schema.decode(stored) == mapped.fields
