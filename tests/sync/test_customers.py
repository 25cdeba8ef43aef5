"""A customer missing in QuickBooks is reported, never invented; the other orders are still invoiced."""

from __future__ import annotations

from hub.sandbox.seed import notion_page_id
from hub.sync import build_invoice_sync
from tests.sync.conftest import LYRIC_QBO, Shop, plain


async def test_a_client_without_a_quickbooks_customer_is_reported_and_not_created(shop: Shop) -> None:
    # Alex N. is a private client known only to Notion: identity links no QuickBooks customer to it.
    await shop.deliver("SO-1003", Client={"relation": [{"id": notion_page_id("alex_n")}]})
    customers = dict(shop.qbo.customers)
    result = await build_invoice_sync(shop.hub).run()
    assert result.run.status == "errors"
    assert (result.run.counts["created"], result.run.counts["failed"]) == (2, 1)
    [error] = result.run.errors
    assert (error["order"], error["code"]) == ("SO-1003", "CUSTOMER_NOT_IN_QUICKBOOKS")
    assert shop.qbo.customers == customers  # nothing invented
    assert shop.invoices_of("SO-1003") == [] and plain(shop.order("SO-1003"), "Status") == "Delivered"
    assert all(len(shop.invoices_of(t)) == 1 for t in ("SO-1001", "SO-1002"))
    row = next(p for p in result.rows if p.order == "SO-1003")
    assert row.action == "failed" and row.code == "CUSTOMER_NOT_IN_QUICKBOOKS"


async def test_an_inactive_quickbooks_customer_is_reported(shop: Shop) -> None:
    customer = shop.qbo.customers[LYRIC_QBO]
    customer["Active"] = False
    customer["SyncToken"] = str(int(customer["SyncToken"]) + 1)
    customer["MetaData"]["LastUpdatedTime"] = shop.qbo.company.now().isoformat(timespec="seconds")
    before = len(shop.invoices)
    result = await build_invoice_sync(shop.hub).run()
    assert result.run.counts["failed"] == 2 and result.run.counts["created"] == 0
    assert {e["code"] for e in result.run.errors} == {"CUSTOMER_NOT_IN_QUICKBOOKS"}
    assert len(shop.invoices) == before
