"""``hub sync invoices`` in process: dry run, a real run, a second run, quotes, item mapping, adoption."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

from hub.sync import build_invoice_sync, outbox_key
from hub.sync.runs import SyncRuns
from mappings.sync_spec import parse_sync_spec
from tests.sync.conftest import DELIVERED, LYRIC_QBO, Shop, plain, shop_hub

BATCH = ("POST", "/v3/company/{realm_id}/batch")


def item_lines(invoice: dict) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [
        (
            line["SalesItemLineDetail"]["ItemRef"]["name"],
            Decimal(str(line["SalesItemLineDetail"]["Qty"])),
            Decimal(str(line["SalesItemLineDetail"]["UnitPrice"])),
            Decimal(str(line["Amount"])),
        )
        for line in invoice["Line"]
        if line["DetailType"] == "SalesItemLineDetail"
    ]


def qbo_writes(shop: Shop) -> int:
    return sum(n for (method, route), n in shop.qbo.requests.items() if method == "POST" and "/v3/" in route)


def notion_writes(shop: Shop) -> int:
    return sum(1 for method, _ in shop.h.sims["notion"].state.requests if method in ("PATCH",)) + sum(
        1
        for method, route in shop.h.sims["notion"].state.requests
        if (method, route) == ("POST", "/v1/pages")
    )


async def test_a_dry_run_lists_what_it_would_create_and_changes_nothing(shop: Shop) -> None:
    invoices, orders = copy.deepcopy(shop.invoices), copy.deepcopy(shop.orders())
    result = await build_invoice_sync(shop.hub).run(dry_run=True)
    assert result.run.dry_run and result.run.status == "ok"
    assert result.run.counts["planned"] == 2 and result.run.counts["created"] == 0
    rows = {p.order: p for p in result.rows}
    assert set(rows) == set(DELIVERED)
    for title, amount in DELIVERED.items():
        assert (rows[title].action, rows[title].amount, rows[title].customer_id) == (
            "create",
            amount,
            LYRIC_QBO,
        )
        assert rows[title].customer == "Lyric Opera House"
    # Nothing was written anywhere: QuickBooks, Notion, the outbox.
    assert shop.invoices == invoices and shop.orders() == orders
    assert qbo_writes(shop) == 0 and notion_writes(shop) == 0
    assert await shop.hub.store.outbox.pending() == []
    assert await shop.hub.store.outbox.get(outbox_key(shop.order("SO-1001")["id"])) is None
    [run] = await SyncRuns(shop.hub.store).list(kind="invoices")
    assert run.dry_run and run.status == "ok"


async def test_a_run_creates_the_invoices_updates_the_orders_and_a_second_run_creates_none(
    shop: Shop,
) -> None:
    before = len(shop.invoices)
    result = await build_invoice_sync(shop.hub).run()
    assert result.run.status == "ok", result.run.errors
    counts = result.run.counts
    assert (counts["planned"], counts["created"], counts["updated_orders"], counts["failed"]) == (2, 2, 2, 0)
    assert len(shop.invoices) == before + 2
    for title, amount in DELIVERED.items():
        [invoice] = shop.invoices_of(title)
        order = shop.order(title)
        assert invoice["CustomerRef"]["value"] == LYRIC_QBO and invoice["TotalAmt"] == amount
        assert item_lines(invoice) == [("Costume design fee", Decimal(1), amount, amount)]
        assert invoice["Line"][0]["Description"] == plain(order, "Lines")
        assert invoice["SalesTermRef"]["value"] == "3" and invoice["DueDate"]
        assert plain(order, "Status") == "Invoiced"
        assert plain(order, "QuickBooks Invoice") == invoice["DocNumber"]
        assert plain(order, "Invoice Link").endswith(f"/app/invoice?txnId={invoice['Id']}")
    # The written invoices and orders are in the mirror at once.
    assert shop.hub.sales is not None
    index = await shop.hub.sales.index()
    assert all(index.by_number("invoice", plain(shop.order(t), "QuickBooks Invoice")) for t in DELIVERED)

    writes = qbo_writes(shop)
    again = await build_invoice_sync(shop.hub).run()
    assert again.run.status == "ok" and again.run.counts["planned"] == 0 and again.run.counts["created"] == 0
    assert len(shop.invoices) == before + 2 and qbo_writes(shop) == writes


async def test_an_order_from_a_quote_takes_the_estimates_lines_and_links_it(shop: Shop) -> None:
    await shop.deliver("SO-1068")
    estimate_id = plain(shop.order("SO-1068"), "Quote ID")
    estimate = copy.deepcopy(shop.qbo.tables["Estimate"][estimate_id])
    result = await build_invoice_sync(shop.hub).run()
    assert result.run.status == "ok" and result.run.counts["created"] == 3
    [invoice] = shop.invoices_of("SO-1068")
    assert invoice["LinkedTxn"][0] == {"TxnId": estimate_id, "TxnType": "Estimate"}
    assert invoice["CustomerRef"]["value"] == estimate["CustomerRef"]["value"]
    assert item_lines(invoice) == item_lines(estimate) and invoice["TotalAmt"] == estimate["TotalAmt"]
    closed = shop.qbo.tables["Estimate"][estimate_id]
    assert (
        closed["TxnStatus"] == "Closed"
        and {"TxnId": invoice["Id"], "TxnType": "Invoice"} in closed["LinkedTxn"]
    )
    row = next(p for p in result.rows if p.order == "SO-1068")
    assert row.estimate_id == estimate_id and row.extra["outcome"] == "created"


async def test_order_lines_map_to_items_by_name_and_overrides(shop: Shop) -> None:
    await shop.deliver(
        "SO-1004",
        Lines={"rich_text": [{"text": {"content": "2 x chorus tunic; 1 x Rush"}}]},
        Total={"number": 540},
    )
    result = await build_invoice_sync(shop.hub).run()
    assert result.run.status == "ok"
    [invoice] = shop.invoices_of("SO-1004")
    assert item_lines(invoice) == [
        ("Chorus Tunic", Decimal(2), Decimal("145.00"), Decimal("290.00")),
        ("Rush fee", Decimal(1), Decimal("250.00"), Decimal("250.00")),
    ]
    assert all(
        line["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}
        for line in invoice["Line"]
        if line["DetailType"] == "SalesItemLineDetail"
    )


async def test_lines_that_map_to_no_item_are_reported_not_invoiced(tmp_path: Path) -> None:
    spec = parse_sync_spec("version: 1\nitems: {default: null}\n", "sync.invoices.yaml")
    async for shop in shop_hub(tmp_path):
        before = len(shop.invoices)
        result = await build_invoice_sync(shop.hub, spec=spec).run()
        assert result.run.status == "errors" and result.run.counts["failed"] == 2
        assert {e["code"] for e in result.run.errors} == {"UNMAPPABLE_LINE"}
        assert "Tosca: chorus coats" in result.run.errors[0]["message"] + result.run.errors[1]["message"]
        assert len(shop.invoices) == before and plain(shop.order("SO-1001"), "Status") == "Delivered"


async def test_an_estimate_already_invoiced_in_quickbooks_is_adopted_not_invoiced_again(shop: Shop) -> None:
    estimate_id = plain(shop.order("SO-1068"), "Quote ID")
    estimate = shop.qbo.tables["Estimate"][estimate_id]
    lines = [line for line in estimate["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    status, body = shop.qbo.company.write(
        "Invoice",
        {
            "CustomerRef": estimate["CustomerRef"],
            "Line": copy.deepcopy(lines),
            "LinkedTxn": [{"TxnId": estimate_id, "TxnType": "Estimate"}],
        },
    )  # invoiced by hand in QuickBooks
    assert status == 200
    by_hand = body["Invoice"]
    await shop.deliver("SO-1068")
    before = len(shop.invoices)
    result = await build_invoice_sync(shop.hub).run()
    assert (
        result.run.status == "ok" and result.run.counts["adopted"] == 1 and result.run.counts["created"] == 2
    )
    assert len(shop.invoices) == before + 2  # the two season builds only
    assert plain(shop.order("SO-1068"), "QuickBooks Invoice") == by_hand["DocNumber"]
    assert plain(shop.order("SO-1068"), "Status") == "Invoiced"


async def test_creation_goes_in_batches_of_the_configured_size(tmp_path: Path) -> None:
    async for shop in shop_hub(tmp_path, sync={"batch_size": 2}):
        await shop.deliver("SO-1003", "SO-1004", "SO-1068")
        result = await build_invoice_sync(shop.hub).run()
        assert result.run.status == "ok" and result.run.counts["created"] == 5
        assert shop.qbo.requests[BATCH] == 3  # 2 + 2 + 1
        assert all(
            len(shop.invoices_of(t)) == 1 for t in ("SO-1001", "SO-1002", "SO-1003", "SO-1004", "SO-1068")
        )


async def test_since_and_limit_narrow_the_run(shop: Shop) -> None:
    await shop.deliver("SO-1003")  # edited now; the seeded deliveries were last edited in October 2026
    edited = shop.order("SO-1003")["last_edited_time"][:10]
    result = await build_invoice_sync(shop.hub).run(dry_run=True, since=date.fromisoformat(edited))
    assert [p.order for p in result.rows] == ["SO-1003"]
    result = await build_invoice_sync(shop.hub).run(limit=1)
    assert result.run.counts["created"] == 1 and len(result.rows) == 1
    result = await build_invoice_sync(shop.hub).run()
    assert result.run.counts["created"] == 2
    assert all(len(shop.invoices_of(t)) == 1 for t in ("SO-1001", "SO-1002", "SO-1003"))
