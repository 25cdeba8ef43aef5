"""Payments back: what QuickBooks says was paid lands on the Notion order, and only when it changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.sync import build_invoice_sync, build_payments_sync
from hub.sync.runs import SyncRuns
from tests.sync.conftest import Shop, plain


def pay(shop: Shop, invoice: dict[str, Any], amount: Decimal) -> None:
    """Record a customer payment against ``invoice`` in the QuickBooks simulator, as QuickBooks would."""
    company = shop.qbo.company
    stamp = company.now().isoformat(timespec="seconds")
    payment_id = str(company.next_txn_id)
    company.next_txn_id += 1
    shop.qbo.tables["Payment"][payment_id] = {
        "Id": payment_id,
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        "TxnDate": stamp[:10],
        "CustomerRef": dict(invoice["CustomerRef"]),
        "TotalAmt": amount,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
    }
    invoice["Balance"] = invoice["Balance"] - amount
    invoice["LinkedTxn"].append({"TxnId": payment_id, "TxnType": "Payment"})
    invoice["SyncToken"] = str(int(invoice["SyncToken"]) + 1)
    invoice["MetaData"] = {**invoice["MetaData"], "LastUpdatedTime": stamp}


async def test_payments_back_updates_amount_paid_and_payment_status(shop: Shop) -> None:
    assert (await build_invoice_sync(shop.hub).run()).ok
    [first] = shop.invoices_of("SO-1001")
    [second] = shop.invoices_of("SO-1002")
    pay(shop, first, Decimal("1000.00"))
    pay(shop, second, second["TotalAmt"])

    result = await build_payments_sync(shop.hub).run()
    assert result.run.kind == "payments" and result.run.status == "ok", result.run.errors
    assert result.run.counts["updated_orders"] == 2
    rows = {u.order: u for u in result.rows}
    assert (rows["SO-1001"].status, rows["SO-1001"].paid, rows["SO-1001"].previous_status) == (
        "Partially paid",
        Decimal("1000.00"),
        "Unpaid",
    )
    assert (rows["SO-1002"].status, rows["SO-1002"].paid) == ("Paid", Decimal("3224.00"))
    assert plain(shop.order("SO-1001"), "Payment Status") == "Partially paid"
    assert Decimal(str(plain(shop.order("SO-1001"), "Amount Paid"))) == Decimal("1000")
    assert plain(shop.order("SO-1002"), "Payment Status") == "Paid"

    # Nothing changed since: nothing is written.
    patches = sum(1 for m, _ in shop.h.sims["notion"].state.requests if m == "PATCH")
    again = await build_payments_sync(shop.hub).run()
    assert again.run.counts["updated_orders"] == 0 and again.rows == []
    assert sum(1 for m, _ in shop.h.sims["notion"].state.requests if m == "PATCH") == patches
    assert [r.kind for r in await SyncRuns(shop.hub.store).list()] == ["payments", "payments", "invoices"]


async def test_the_seeded_books_already_agree(shop: Shop) -> None:
    result = await build_payments_sync(shop.hub).run()
    assert result.ok and result.rows == [] and result.run.counts["planned"] > 40
