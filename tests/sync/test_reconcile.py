"""``hub sync reconcile`` finds planted mismatches, each with links to both records."""

from __future__ import annotations

from hub.sandbox.seed import notion_page_id
from hub.sandbox.seed_pipeline import PIPELINE_NOTES
from hub.sync import run_reconcile
from tests.sync.conftest import Shop, plain


async def test_the_seed_only_lacks_the_invoices_of_its_delivered_orders(shop: Shop) -> None:
    found, failed = await run_reconcile(shop.hub)
    assert failed == []
    assert [(m.kind, m.order) for m in found] == [
        ("ORDER_WITHOUT_INVOICE", "SO-1001"),
        ("ORDER_WITHOUT_INVOICE", "SO-1002"),
    ]
    assert found[0].order_url and found[0].order_url.startswith("https://www.notion.so/")


async def test_planted_mismatches_are_reported_with_links_to_both_records(shop: Shop) -> None:
    converted = PIPELINE_NOTES["converted_order"]  # SO-1028, invoiced from quote E-1011 as 1013
    direct = next(
        t
        for t, p in sorted(shop.orders().items())
        if plain(p, "QuickBooks Invoice") and not plain(p, "Quote ID")
    )
    direct_invoice = plain(shop.order(direct), "QuickBooks Invoice")
    await shop.patch(converted["order"], {"Total": {"number": 1.5}})
    await shop.patch(direct, {"QuickBooks Invoice": {"rich_text": [{"text": {"content": "9999"}}]}})
    other = next(
        t
        for t, p in sorted(shop.orders().items())
        if plain(p, "QuickBooks Invoice")
        and t not in (direct, converted["order"])
        and plain(p, "Client") != [notion_page_id("maya")]
    )
    await shop.patch(other, {"Client": {"relation": [{"id": notion_page_id("maya")}]}})

    found, _ = await run_reconcile(shop.hub)
    kinds = {(m.kind, m.order or m.invoice) for m in found}
    assert ("AMOUNT_MISMATCH", converted["order"]) in kinds
    assert ("ORDER_WITHOUT_INVOICE", direct) in kinds
    assert ("INVOICE_WITHOUT_ORDER", direct_invoice) in kinds
    assert ("CUSTOMER_MISMATCH", other) in kinds
    amount = next(m for m in found if m.kind == "AMOUNT_MISMATCH")
    assert amount.invoice == converted["invoice"] and "1.5" in amount.detail
    assert amount.order_url and amount.order_url.startswith("https://www.notion.so/")
    assert amount.invoice_url and amount.invoice_url.endswith(f"txnId={amount.invoice_id}")
    orphan = next(m for m in found if m.kind == "INVOICE_WITHOUT_ORDER")
    assert orphan.invoice_url and orphan.customer_id
