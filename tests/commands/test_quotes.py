"""createQuote / updateQuote against the seeded QuickBooks and Notion simulators: exactly once upstream."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from connectors.base import SourceRecord
from hub.commands import CommandFailed, CommandInProgress, CommandResult, CommandValidationError
from hub.errors import IdempotencyConflict, UpstreamRetryable
from tests.commands.conftest import CLIENT_PAGE, CUSTOMER, Sales, text

LINES = [("3", None, Decimal("12"), Decimal("145.00")),
         ("6", "Top hats, black felt", Decimal("2"), Decimal("185"))]
TOTAL = Decimal("2110.00")  # 12 x 145 + 2 x 185


class Crash(BaseException):
    """The process dies here: nothing after it runs (not even ``except Exception``)."""


def crash_before_recording(monkeypatch: pytest.MonkeyPatch, sales: Sales, step: str) -> None:
    """Kill the command right after ``step`` went upstream, before the outbox recorded it."""
    outbox = sales.store.outbox
    record_step = outbox.record_step
    armed = [True]

    async def dying(key: str, name: str, result: dict[str, Any]) -> None:
        if name == step and armed[0]:
            armed[0] = False
            raise Crash(f"died after {name}")
        await record_step(key, name, result)

    monkeypatch.setattr(outbox, "record_step", dying)


async def create(sales: Sales, key: str = "quote-1", **kwargs: Any) -> CommandResult:
    values: dict[str, Any] = {"customer_qbo_id": CUSTOMER, "customer_notion_id": CLIENT_PAGE, "lines": LINES}
    return await sales.quotes.create_quote(key, **{**values, **kwargs})


def deal_for(sales: Sales, estimate_id: str) -> list[dict[str, Any]]:
    return [page for page in sales.deals() if text(page, "Quote ID") == estimate_id]


async def test_create_quote_writes_the_estimate_then_the_deal(sales: Sales) -> None:
    estimates, deals = len(sales.estimates), len(sales.deals())

    until = date.today() + timedelta(days=30)
    result = await create(sales, valid_until=until, deal_name="Lyric: Tosca chorus")

    estimate, deal = result.records["estimate"], result.records["deal"]
    assert not result.replayed and (result.kind, result.key) == ("createQuote", "quote-1")
    assert (len(sales.estimates), len(sales.deals())) == (estimates + 1, deals + 1)
    stored = sales.estimates[estimate.external_id]
    assert stored["CustomerRef"]["value"] == CUSTOMER and stored["TotalAmt"] == TOTAL
    assert stored["TxnStatus"] == "Pending" and stored["ExpirationDate"] == until.isoformat()
    assert stored["Line"][1]["Description"] == "Top hats, black felt"
    page = sales.page(deal.external_id)
    assert text(page, "Deal") == "Lyric: Tosca chorus" and text(page, "Stage") == "Qualified"
    assert (text(page, "Probability"), Decimal(str(text(page, "Value")))) == (25, TOTAL)
    assert (text(page, "Quote"), text(page, "Quote ID")) == (stored["DocNumber"], estimate.external_id)
    assert text(page, "Client") == [CLIENT_PAGE] and text(page, "Hub Key") == "quote-1#deal"
    assert deal.data["Quote ID"] == estimate.external_id  # the records are what the read model upserts


async def test_the_same_key_twice_creates_one_estimate_and_replays_the_first_result(sales: Sales) -> None:
    first = await create(sales)
    estimates, deals, calls = len(sales.estimates), len(sales.deals()), sales.upstream()

    again = await create(sales)

    assert again.replayed and again.records == first.records
    assert (len(sales.estimates), len(sales.deals()), sales.upstream()) == (estimates, deals, calls)


async def test_the_same_key_with_other_values_is_a_conflict(sales: Sales) -> None:
    await create(sales)
    estimates, calls = len(sales.estimates), sales.upstream()

    with pytest.raises(IdempotencyConflict, match="'quote-1' was already used"):
        await create(sales, lines=LINES[:1])
    with pytest.raises(IdempotencyConflict):
        await sales.quotes.decline_quote("quote-1", estimate_id="101")

    assert (len(sales.estimates), sales.upstream()) == (estimates, calls)


@pytest.mark.parametrize(("change", "field"), [
    ({"lines": []}, "lines"),
    ({"lines": [("3", None, Decimal("0"), Decimal("145"))]}, "lines[0].quantity"),
    ({"lines": [*LINES, ("3", None, Decimal("1"), 145.0)]}, "lines[2].unit_price"),
    ({"lines": [("three", None, Decimal("1"), Decimal("145"))]}, "lines[0].item_ref"),
    ({"customer_qbo_id": "Lyric"}, "customer_qbo_id"),
    ({"customer_notion_id": "lyric-opera"}, "customer_notion_id"),
    ({"valid_until": date(2020, 1, 1)}, "valid_until"),
    ({"with_proposal": True}, "with_proposal"),  # no proposal maker configured
    ({"deal_name": "  "}, "deal_name"),
])
async def test_invalid_input_names_the_field_and_writes_nothing(
        sales: Sales, change: dict[str, Any], field: str) -> None:
    with pytest.raises(CommandValidationError) as info:
        await create(sales, **change)

    assert info.value.field == field and str(info.value).startswith(f"{field}: ")
    assert info.value.code == "VALIDATION"
    assert await sales.store.outbox.get("quote-1") is None and sales.upstream() == 0


async def test_an_unknown_item_fails_the_key_and_a_retry_reports_the_same(sales: Sales) -> None:
    lines = [LINES[0], ("999", None, Decimal("1"), Decimal("10"))]
    with pytest.raises(CommandValidationError, match=r"^lines\[1\]\.item_ref: QuickBooks has no item 999"):
        await create(sales, lines=lines)
    calls = sales.upstream()

    with pytest.raises(CommandFailed, match="item 999") as info:
        await create(sales, lines=lines)

    assert info.value.code == "VALIDATION" and sales.upstream() == calls


async def test_a_crash_after_the_estimate_create_resumes_without_a_second_estimate(
        sales: Sales, monkeypatch: pytest.MonkeyPatch) -> None:
    estimates, deals = len(sales.estimates), len(sales.deals())
    crash_before_recording(monkeypatch, sales, "estimate")
    with pytest.raises(Crash):
        await create(sales)
    assert len(sales.estimates) == estimates + 1  # it reached QuickBooks; the outbox does not know

    outcomes = await sales.quotes.resume_pending(older_than=timedelta(0))

    result = outcomes["quote-1"]
    assert isinstance(result, CommandResult) and not result.replayed
    assert (len(sales.estimates), len(sales.deals())) == (estimates + 1, deals + 1)
    assert sales.upstream("quickbooks", "estimate.create") == 2  # sent again with the same requestid...
    assert result.records["estimate"].external_id == max(sales.estimates, key=int)  # ...answered as before
    (deal,) = deal_for(sales, result.records["estimate"].external_id)
    assert deal["id"] == result.records["deal"].external_id


async def test_a_crash_after_the_deal_create_finds_the_page_by_its_hub_key(
        sales: Sales, monkeypatch: pytest.MonkeyPatch) -> None:
    deals = len(sales.deals())
    crash_before_recording(monkeypatch, sales, "deal")
    with pytest.raises(Crash):
        await create(sales)
    assert len(sales.deals()) == deals + 1

    result = await create(sales)  # the client's retry does what resume_pending would

    assert len(sales.deals()) == deals + 1 and sales.upstream("notion", "page.create") == 1
    assert text(sales.page(result.records["deal"].external_id), "Hub Key") == "quote-1#deal"


async def test_a_5xx_mid_workflow_leaves_the_key_pending_and_a_retry_finishes_it(sales: Sales) -> None:
    estimates, deals = len(sales.estimates), len(sales.deals())
    sales.sims["notion"].state.faults.set(error_rate=1.0)  # every Notion call: 500
    with pytest.raises(UpstreamRetryable):
        await create(sales)
    entry = await sales.store.outbox.get("quote-1")
    assert entry is not None and entry.state == "pending" and list(entry.steps) == ["estimate"]

    sales.sims["notion"].state.faults.reset()
    result = await create(sales)

    assert not result.replayed and set(result.records) == {"estimate", "deal"}
    assert (len(sales.estimates), len(sales.deals())) == (estimates + 1, deals + 1)
    assert sales.upstream("quickbooks", "estimate.create") == 1  # recorded: not sent again


async def test_a_quickbooks_outage_before_the_estimate_is_retried_into_one_estimate(sales: Sales) -> None:
    estimates = len(sales.estimates)
    sales.sims["quickbooks"].state.faults.set(outage=True)
    with pytest.raises(UpstreamRetryable):
        await create(sales)
    sales.sims["quickbooks"].state.faults.reset()

    outcomes = await sales.quotes.resume_pending(older_than=timedelta(0))

    assert isinstance(outcomes["quote-1"], CommandResult) and len(sales.estimates) == estimates + 1
    assert await sales.quotes.resume_pending(older_than=timedelta(0)) == {}  # nothing left


async def test_a_proposal_is_generated_once_and_the_deal_says_proposal_sent(sales: Sales) -> None:
    made: list[tuple[str, str]] = []

    async def proposal(key: str, estimate: SourceRecord) -> dict[str, Any]:
        made.append((key, estimate.external_id))
        return {"file_id": "doc-1", "url": "https://docs.google.com/document/d/doc-1"}

    quotes = sales.commands(proposal=proposal)
    result = await quotes.create_quote("quote-1", customer_qbo_id=CUSTOMER, lines=LINES, with_proposal=True)
    again = await quotes.create_quote("quote-1", customer_qbo_id=CUSTOMER, lines=LINES, with_proposal=True)

    assert made == [("quote-1#proposal", result.records["estimate"].external_id)]
    assert result.details["proposal"]["file_id"] == "doc-1" and again.details == result.details
    deal = sales.page(result.records["deal"].external_id)
    assert (text(deal, "Stage"), text(deal, "Probability"), text(deal, "Client")) == ("Proposal sent", 50, [])


async def test_a_sync_token_conflict_keeps_the_callers_change_and_the_other_one(
        sales: Sales, monkeypatch: pytest.MonkeyPatch) -> None:
    created = await create(sales)
    estimate_id = created.records["estimate"].external_id
    company = sales.sims["quickbooks"].state.company
    read = company.read
    changed: list[str] = []

    def read_then_someone_edits(entity: str, entity_id: str) -> Any:
        reply = read(entity, entity_id)
        if entity == "Estimate" and not changed:  # the office edits it right after the hub read it
            token = company.tables["Estimate"][entity_id]["SyncToken"]
            status, _ = company.write("Estimate", {"Id": entity_id, "SyncToken": token, "sparse": True,
                                                   "PrivateMemo": "Customer asked for rush delivery"})
            changed.append(str(status))
        return reply

    monkeypatch.setattr(company, "read", read_then_someone_edits)
    new_lines = [("3", None, Decimal("20"), Decimal("140.00"))]

    result = await sales.quotes.update_quote("update-1", estimate_id=estimate_id, lines=new_lines)

    stored = sales.estimates[estimate_id]
    assert changed == ["200"]
    assert stored["PrivateMemo"] == "Customer asked for rush delivery"  # theirs survived...
    assert stored["TotalAmt"] == Decimal("2800.00") and stored["Line"][0]["SalesItemLineDetail"]["Qty"] == 20
    assert stored["SyncToken"] == "2"  # ...and ours went on top of it: two writes
    assert sales.upstream("quickbooks", "estimate.update") == 2  # the stale one (5010), then re-applied
    assert result.records["estimate"].data["SyncToken"] == "2"
    deal = sales.page(result.records["deal"].external_id)
    assert Decimal(str(text(deal, "Value"))) == Decimal("2800.00")


async def test_update_quote_validity_only_leaves_the_deal_alone(sales: Sales) -> None:
    created = await create(sales)
    until = date.today() + timedelta(days=60)
    result = await sales.quotes.update_quote("update-1", estimate_id=created.records["estimate"].external_id,
                                             valid_until=until)
    assert result.records["estimate"].data["ExpirationDate"] == until.isoformat()
    assert "deal" not in result.records and sales.upstream("notion", "page.update") == 0
    with pytest.raises(CommandValidationError, match="^lines: give lines and/or valid_until"):
        await sales.quotes.update_quote("update-2", estimate_id="101")


async def test_concurrent_requests_with_one_key_make_one_estimate(sales: Sales) -> None:
    estimates = len(sales.estimates)
    outcomes = await asyncio.gather(*(create(sales) for _ in range(3)), return_exceptions=True)

    assert all(isinstance(o, CommandResult | CommandInProgress) for o in outcomes), outcomes
    assert len(sales.estimates) == estimates + 1
    final = await create(sales)
    assert final.replayed and len(deal_for(sales, final.records["estimate"].external_id)) == 1


async def test_without_notion_only_quickbooks_is_written(sales: Sales) -> None:
    quotes = sales.commands(notion=None)
    result = await quotes.create_quote("quote-1", customer_qbo_id=CUSTOMER, lines=LINES)
    assert set(result.records) == {"estimate"} and sales.upstream("notion") == 0
