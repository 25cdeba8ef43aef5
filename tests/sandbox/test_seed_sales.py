"""The seeded sales documents: the books balance, links run both ways, every status is there, and the
build is deterministic and coherent with the customer seed."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.sandbox.seed import build_shop
from hub.sandbox.seed_sales import SALES_AS_OF, SALES_NOTES, Sales, build_sales, document_totals, money

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def customers() -> list[dict[str, Any]]:
    return build_shop().quickbooks_customers


@pytest.fixture(scope="module")
def sales(customers: list[dict[str, Any]]) -> Sales:
    return build_sales(customers)


def item_lines(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in doc["Line"] if line["DetailType"] == "SalesItemLineDetail"]


def applied(sales: Sales) -> dict[str, Decimal]:
    """Invoice Id -> what payments applied to it."""
    out: dict[str, Decimal] = Counter()  # type: ignore[assignment]
    for payment in sales.payments:
        for line in payment["Line"]:
            for link in line["LinkedTxn"]:
                assert link["TxnType"] == "Invoice"
                out[link["TxnId"]] += line["Amount"]
    return out


def is_money(value: Any) -> bool:
    return isinstance(value, Decimal) and value == value.quantize(CENT) and value.as_tuple().exponent == -2


def test_deterministic_and_the_notes_are_current(customers: list[dict[str, Any]], sales: Sales) -> None:
    again = build_sales(copy.deepcopy(customers))
    assert again == sales
    assert sales.notes == SALES_NOTES
    assert customers == build_shop().quickbooks_customers  # the input is not modified


def test_sizes_follow_the_contract(sales: Sales) -> None:
    counts = SALES_NOTES["counts"]
    assert 14 <= counts["items"] <= 16
    assert (
        55 <= counts["estimates"] <= 75 and 40 <= counts["invoices"] <= 55 and 35 <= counts["payments"] <= 50
    )
    assert len({e["CustomerRef"]["value"] for e in sales.estimates}) >= 30
    assert SALES_NOTES["busy_customer_documents"] >= 12


def test_only_existing_customers_and_items_are_referenced(
    customers: list[dict[str, Any]], sales: Sales
) -> None:
    names = {c["Id"]: c["DisplayName"] for c in customers}
    items = {i["Id"]: i for i in sales.items}
    for doc in [*sales.estimates, *sales.invoices, *sales.payments]:
        assert names[doc["CustomerRef"]["value"]] == doc["CustomerRef"]["name"]
    for doc in [*sales.estimates, *sales.invoices]:
        for line in item_lines(doc):
            item = items[line["SalesItemLineDetail"]["ItemRef"]["value"]]
            assert item["Active"] and line["SalesItemLineDetail"]["ItemRef"]["name"] == item["Name"]
    txn_ids = [d["Id"] for d in [*sales.estimates, *sales.invoices, *sales.payments]]
    assert len(txn_ids) == len(set(txn_ids))  # one Id sequence for all transactions
    assert [e["DocNumber"] for e in sales.estimates] == [f"E-{1001 + n}" for n in range(len(sales.estimates))]
    assert [i["DocNumber"] for i in sales.invoices] == [str(1001 + n) for n in range(len(sales.invoices))]


def test_lines_and_totals_add_up_in_decimal(sales: Sales) -> None:
    for doc in [*sales.estimates, *sales.invoices]:
        lines = item_lines(doc)
        assert lines and [line["LineNum"] for line in lines] == list(range(1, len(lines) + 1))
        for line in lines:
            detail = line["SalesItemLineDetail"]
            assert is_money(line["Amount"]) and isinstance(detail["Qty"], Decimal)
            assert line["Amount"] == (detail["Qty"] * detail["UnitPrice"]).quantize(CENT)
        assert doc["Line"][-1]["DetailType"] == "SubTotalLineDetail"
        tax = doc["TxnTaxDetail"]["TotalTax"]
        totals = document_totals(doc["Line"], tax)
        assert doc["Line"][-1]["Amount"] == totals["subtotal"] == sum(line["Amount"] for line in lines)
        assert is_money(doc["TotalAmt"]) and is_money(tax)
        assert doc["TotalAmt"] == totals["total"] == totals["subtotal"] + tax
        for tax_line in doc["TxnTaxDetail"].get("TaxLine", []):
            detail = tax_line["TaxLineDetail"]
            codes = [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in lines]
            taxable = sum(line["Amount"] for line, code in zip(lines, codes, strict=True) if code == "TAX")
            assert detail["NetAmountTaxable"] == taxable
            assert tax_line["Amount"] == tax == money(taxable * detail["TaxPercent"] / 100)  # half up
    assert any(doc["TxnTaxDetail"]["TotalTax"] > 0 for doc in sales.invoices)  # the sums are not trivial


def test_invoice_balance_is_total_less_payments(sales: Sales) -> None:
    paid = applied(sales)
    for invoice in sales.invoices:
        assert is_money(invoice["Balance"])
        assert invoice["Balance"] == invoice["TotalAmt"] - paid.get(invoice["Id"], Decimal("0"))
        assert Decimal("0") <= invoice["Balance"] <= invoice["TotalAmt"]
        linked = {t["TxnId"] for t in invoice["LinkedTxn"] if t["TxnType"] == "Payment"}
        paying = {
            p["Id"]
            for p in sales.payments
            if any(ln["LinkedTxn"][0]["TxnId"] == invoice["Id"] for ln in p["Line"])
        }
        assert linked == paying
    for payment in sales.payments:
        assert payment["TotalAmt"] == sum(line["Amount"] for line in payment["Line"]) > 0
        for line in payment["Line"]:
            invoice = next(i for i in sales.invoices if i["Id"] == line["LinkedTxn"][0]["TxnId"])
            assert invoice["CustomerRef"] == payment["CustomerRef"]
            assert invoice["TxnDate"] <= payment["TxnDate"] < SALES_AS_OF.isoformat()


def test_customer_balances_equal_their_open_invoices(customers: list[dict[str, Any]], sales: Sales) -> None:
    open_by_customer: dict[str, Decimal] = Counter()  # type: ignore[assignment]
    for invoice in sales.invoices:
        open_by_customer[invoice["CustomerRef"]["value"]] += invoice["Balance"]
    for customer in customers:
        assert customer["Balance"] == open_by_customer.get(customer["Id"], Decimal("0")), customer[
            "DisplayName"
        ]


def test_estimates_and_invoices_link_both_ways(sales: Sales) -> None:
    estimates = {e["Id"]: e for e in sales.estimates}
    invoices = {i["Id"]: i for i in sales.invoices}
    for estimate in sales.estimates:
        links = estimate["LinkedTxn"]
        if estimate["TxnStatus"] == "Closed":  # copied to an invoice
            assert len(links) == 1 and links[0]["TxnType"] == "Invoice"
            invoice = invoices[links[0]["TxnId"]]
            assert {"TxnId": estimate["Id"], "TxnType": "Estimate"} in invoice["LinkedTxn"]
            assert item_lines(invoice) == item_lines(estimate)
            assert invoice["CustomerRef"] == estimate["CustomerRef"]
            assert estimate["TxnDate"] <= estimate["AcceptedDate"] <= invoice["TxnDate"]
        else:
            assert links == []
    for invoice in sales.invoices:
        for link in (t for t in invoice["LinkedTxn"] if t["TxnType"] == "Estimate"):
            assert estimates[link["TxnId"]]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]


def test_every_status_and_state_is_present(sales: Sales) -> None:
    by_status = SALES_NOTES["estimates_by_status"]
    assert set(by_status) == {"Pending", "Accepted", "Closed", "Rejected"}
    for status, ids in by_status.items():
        assert {e["Id"] for e in sales.estimates if e["TxnStatus"] == status} == set(ids)
    for estimate in sales.estimates:
        assert ("AcceptedDate" in estimate) == (estimate["TxnStatus"] in {"Accepted", "Closed"})
        assert estimate["ExpirationDate"] > estimate["TxnDate"]
    invoices = {i["Id"]: i for i in sales.invoices}
    as_of = SALES_AS_OF.isoformat()
    for invoice_id in SALES_NOTES["overdue_invoice_ids"]:
        assert invoices[invoice_id]["DueDate"] < as_of and invoices[invoice_id]["Balance"] > 0
    for invoice_id in SALES_NOTES["partly_paid_invoice_ids"]:
        assert 0 < invoices[invoice_id]["Balance"] < invoices[invoice_id]["TotalAmt"]
    for invoice_id in SALES_NOTES["paid_invoice_ids"]:
        assert invoices[invoice_id]["Balance"] == 0
    open_not_due = [i for i in sales.invoices if i["Balance"] > 0 and i["DueDate"] >= as_of]
    assert open_not_due and SALES_NOTES["unpaid_invoice_ids"] and SALES_NOTES["expired_estimate_ids"]
    assert set(SALES_NOTES["overdue_invoice_ids"]) & set(SALES_NOTES["partly_paid_invoice_ids"])
    assert SALES_NOTES["direct_invoice_ids"] and SALES_NOTES["multi_invoice_payment_ids"]
    converted = SALES_NOTES["converted_estimate"]
    assert invoices[converted["invoice_id"]]["LinkedTxn"][0] == {
        "TxnId": converted["id"],
        "TxnType": "Estimate",
    }


def test_timestamps_are_2026_with_pacific_offsets(sales: Sales) -> None:
    for doc in [*sales.estimates, *sales.invoices, *sales.payments]:
        created = datetime.fromisoformat(doc["MetaData"]["CreateTime"])
        updated = datetime.fromisoformat(doc["MetaData"]["LastUpdatedTime"])
        assert created.utcoffset() is not None and created <= updated
        assert date(2026, 2, 1) <= date.fromisoformat(doc["TxnDate"]) < SALES_AS_OF
        assert int(doc["SyncToken"]) >= 0 and (doc["SyncToken"] == "0") == (created == updated)


def test_other_customer_lists_get_coherent_books() -> None:
    few = [
        {"Id": "1", "DisplayName": "Lyric Opera House", "Balance": Decimal("1250.50"), "Taxable": True,
         "BillAddr": {"CountrySubDivisionCode": "CA"}},
        {"Id": "2", "DisplayName": "Old Vic Theatre", "Balance": Decimal("0")},
        {"Id": "3", "DisplayName": "Maya Ortiz", "Balance": Decimal("80.00")},
        {"Id": "5", "DisplayName": "Closed Circus Co", "Balance": Decimal("0"), "Active": False},
    ]  # fmt: skip
    sales = build_sales(few)
    owed: dict[str, Decimal] = Counter()  # type: ignore[assignment]
    for invoice in sales.invoices:
        owed[invoice["CustomerRef"]["value"]] += invoice["Balance"]
    assert owed["1"] == Decimal("1250.50") and owed["3"] == Decimal("80.00") and owed["2"] == 0
    refs = {d["CustomerRef"]["value"] for d in [*sales.estimates, *sales.invoices, *sales.payments]}
    assert refs <= {"1", "2", "3"}  # nothing for the inactive customer without a balance
    assert build_sales([]) == Sales(sales.items, [], [], [], build_sales([]).notes)
