"""sendQuote, acceptQuote, declineQuote and updateOrderStatus against the seeded simulators."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from hub.commands import CommandFailed, CommandResult, CommandValidationError
from hub.sandbox.seed import NOTION_PIPELINE_DATA_SOURCE_ID
from tests.commands.conftest import Sales, text
from tests.commands.test_quotes import Crash, crash_before_recording, create, deal_for


def seeded(sales: Sales, status: str) -> str:
    """A seeded estimate in ``status`` that has a seeded deal."""
    quoted = {text(page, "Quote ID") for page in sales.deals()}
    return next(i for i, e in sorted(sales.estimates.items()) if e["TxnStatus"] == status and i in quoted)


def orders_for(sales: Sales, estimate_id: str) -> list[dict[str, Any]]:
    return [page for page in sales.orders() if text(page, "Quote ID") == estimate_id]


async def test_accept_marks_the_estimate_creates_the_order_and_wins_the_deal(sales: Sales) -> None:
    estimate_id = seeded(sales, "Pending")
    (deal,) = deal_for(sales, estimate_id)
    orders = len(sales.orders())

    quotes = sales.commands(today=lambda: date(2026, 11, 20))
    result = await quotes.accept_quote("accept-1", estimate_id=estimate_id, accepted_by="Dana Whitfield",
                                       due_date=date.today() + timedelta(days=40))

    stored = sales.estimates[estimate_id]
    assert (stored["TxnStatus"], stored["AcceptedBy"], stored["AcceptedDate"]) == (
        "Accepted", "Dana Whitfield", "2026-11-20")
    assert len(sales.orders()) == orders + 1 and result.details == {"order_created": True}
    order = sales.page(result.records["order"].external_id)
    assert text(order, "Order") == "SO-" + stored["DocNumber"].split("-")[-1]
    assert (text(order, "Status"), text(order, "Quote"), text(order, "Quote ID")) == (
        "Not started", stored["DocNumber"], estimate_id)
    assert text(order, "Client") == text(deal, "Client")  # the client comes from the deal
    assert Decimal(str(text(order, "Total"))) == stored["TotalAmt"] and " x " in text(order, "Lines")
    assert order["properties"]["Due Date"]["date"]["start"] == (date.today() + timedelta(days=40)).isoformat()
    won = sales.page(deal["id"])
    assert (text(won, "Stage"), text(won, "Probability")) == ("Won", 100)
    assert won["properties"]["Expected Close"]["date"]["start"] == "2026-11-20"
    assert set(result.records) == {"estimate", "order", "deal"}


async def test_accepting_again_with_a_new_key_returns_the_same_order(sales: Sales) -> None:
    estimate_id = seeded(sales, "Pending")
    first = await sales.quotes.accept_quote("accept-1", estimate_id=estimate_id)
    orders, token = len(sales.orders()), sales.estimates[estimate_id]["SyncToken"]

    second = await sales.quotes.accept_quote("accept-2", estimate_id=estimate_id)

    assert not second.replayed and second.details == {"order_created": False}
    assert second.records["order"].external_id == first.records["order"].external_id
    assert len(sales.orders()) == orders and len(orders_for(sales, estimate_id)) == 1
    assert sales.estimates[estimate_id]["SyncToken"] == token  # already accepted: not written again


async def test_a_crash_after_the_order_create_resumes_to_one_order(
        sales: Sales, monkeypatch: pytest.MonkeyPatch) -> None:
    created = await create(sales)
    estimate_id = created.records["estimate"].external_id
    estimates, deals = len(sales.estimates), len(sales.deals())
    crash_before_recording(monkeypatch, sales, "order")
    with pytest.raises(Crash):
        await sales.quotes.accept_quote("accept-1", estimate_id=estimate_id)
    assert len(orders_for(sales, estimate_id)) == 1

    outcomes = await sales.quotes.resume_pending(older_than=timedelta(0))

    result = outcomes["accept-1"]
    assert isinstance(result, CommandResult)
    assert result.details == {"order_created": True}  # the page is ours, found again by its quote
    assert (len(sales.estimates), len(sales.deals()), len(orders_for(sales, estimate_id))) == (
        estimates, deals, 1)
    assert text(sales.page(created.records["deal"].external_id), "Stage") == "Won"


async def test_decline_rejects_the_estimate_and_loses_the_deal(sales: Sales) -> None:
    estimate_id = seeded(sales, "Pending")
    (deal,) = deal_for(sales, estimate_id)

    result = await sales.quotes.decline_quote("decline-1", estimate_id=estimate_id,
                                              reason="Went with a rental")

    stored = sales.estimates[estimate_id]
    assert stored["TxnStatus"] == "Rejected"
    assert stored["PrivateMemo"].endswith("Declined: Went with a rental")
    lost = sales.page(deal["id"])
    assert (text(lost, "Stage"), text(lost, "Probability")) == ("Lost", 0)
    assert result.records["deal"].external_id == deal["id"]


async def test_an_invoiced_estimate_cannot_be_declined(sales: Sales) -> None:
    estimate_id = seeded(sales, "Closed")
    with pytest.raises(CommandValidationError, match="^estimate_id: estimate .* is already invoiced"):
        await sales.quotes.decline_quote("decline-1", estimate_id=estimate_id)
    with pytest.raises(CommandFailed, match="already invoiced") as info:
        await sales.quotes.decline_quote("decline-1", estimate_id=estimate_id)
    assert info.value.code == "VALIDATION" and sales.estimates[estimate_id]["TxnStatus"] == "Closed"


async def test_an_unknown_estimate_is_a_validation_error(sales: Sales) -> None:
    with pytest.raises(CommandValidationError, match="^estimate_id: QuickBooks has no estimate 99999"):
        await sales.quotes.accept_quote("accept-1", estimate_id="99999")


async def test_send_emails_the_estimate_and_moves_a_qualified_deal_to_proposal_sent(sales: Sales) -> None:
    created = await create(sales)
    estimate_id = created.records["estimate"].external_id

    result = await sales.quotes.send_quote("send-1", estimate_id=estimate_id, email="wardrobe@lyric.example")

    stored = sales.estimates[estimate_id]
    assert stored["EmailStatus"] == "EmailSent"
    assert stored["BillEmail"] == {"Address": "wardrobe@lyric.example"}
    assert stored["DeliveryInfo"]["DeliveryType"] == "Email"
    deal = sales.page(created.records["deal"].external_id)
    assert (text(deal, "Stage"), text(deal, "Probability")) == ("Proposal sent", 50)
    again = await sales.quotes.send_quote("send-1", estimate_id=estimate_id, email="wardrobe@lyric.example")
    assert again.replayed and sales.upstream("quickbooks", "estimate.send") == 1
    assert result.records["estimate"].data["EmailStatus"] == "EmailSent"
    with pytest.raises(CommandValidationError, match="^email: is not an email address"):
        await sales.quotes.send_quote("send-2", estimate_id=estimate_id, email="wardrobe")


async def test_update_order_status_accepts_only_the_data_sources_statuses(sales: Sales) -> None:
    order = sales.orders()[0]

    result = await sales.quotes.update_order_status("status-1", order_page_id=order["id"], status="Sewing")

    assert text(sales.page(order["id"]), "Status") == "Sewing"
    assert result.records["order"].data["Status"] == "Sewing"
    with pytest.raises(CommandValidationError, match="^status: 'Shipped' is not an order status; use one of: "
                                                     "Not started, Cutting, Sewing"):
        await sales.quotes.update_order_status("status-2", order_page_id=order["id"], status="Shipped")
    assert await sales.store.outbox.get("status-2") is None


async def test_update_order_status_of_a_page_that_is_no_order(sales: Sales) -> None:
    deal = sales.pages(NOTION_PIPELINE_DATA_SOURCE_ID)[0]
    with pytest.raises(CommandValidationError, match="^order_page_id: no page .* in the Orders data source"):
        await sales.quotes.update_order_status("status-1", order_page_id=deal["id"], status="Sewing")
    assert text(sales.page(deal["id"]), "Stage") != "Sewing" and sales.upstream("notion", "page.update") == 0


async def test_two_keys_accepting_one_estimate_at_once_make_one_order(sales: Sales) -> None:
    estimate_id = seeded(sales, "Pending")
    sales.sims["notion"].state.faults.set(latency_ms=5)  # both look up "Quote ID" before either creates
    first, second = await asyncio.gather(
        sales.quotes.accept_quote("accept-a", estimate_id=estimate_id),
        sales.quotes.accept_quote("accept-b", estimate_id=estimate_id),
    )
    assert first.records["order"].external_id == second.records["order"].external_id
    assert len(orders_for(sales, estimate_id)) == 1
