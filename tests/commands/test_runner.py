"""The generic command runner: steps recorded one by one, replay, resume, failure kinds, one runner a key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from connectors.base import SourceRecord
from hub.commands import (
    CommandFailed,
    CommandInProgress,
    CommandRunner,
    CommandValidationError,
    Step,
    StepContext,
    StepOutput,
    derive_hub_key,
    derive_request_id,
)
from hub.errors import IdempotencyConflict, UpstreamFatal, UpstreamNotFound, UpstreamRetryable
from hub.store import Store
from hub.store.tables import outbox as outbox_table

AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def record(external_id: str, **data: object) -> SourceRecord:
    return SourceRecord("quickbooks", "Estimate", external_id, dict(data), AT, extra={"seen": AT})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/hub.db", secret_key=None)
    yield store
    await store.close()


class Steps:
    """Two steps that log their calls; ``fail`` makes the second one raise."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: list[str] = []
        self.fail: BaseException | None = None
        self.fail_first: BaseException | None = None

    async def first(self, ctx: StepContext) -> StepOutput:
        self.calls.append(f"first:{ctx.request_id}")
        if self.fail_first is not None:
            raise self.fail_first
        return StepOutput({"estimate": record("204", TotalAmt=Decimal("290.00"))}, {"number": "E-1067"})

    async def second(self, ctx: StepContext) -> StepOutput:
        self.calls.append("second")
        entry = await self.store.outbox.get(ctx.key)
        assert entry is not None and list(entry.steps) == ["first"]  # recorded before this step started
        previous = ctx.record("estimate")
        assert previous is not None and previous.data["TotalAmt"] == Decimal("290.00")
        if self.fail is not None:
            raise self.fail
        return StepOutput({"deal": record("page-1"), "missing": None})

    def plan(self) -> list[Step]:
        return [Step("first", self.first), Step("second", self.second)]


async def test_steps_run_in_order_and_the_result_keeps_records_and_details(store: Store) -> None:
    steps = Steps(store)
    result = await CommandRunner(store.outbox).run("k-1", "createQuote", {"a": 1}, steps.plan())

    assert steps.calls == [f"first:{derive_request_id('k-1', 'first')}", "second"]
    assert not result.replayed and (result.kind, result.key) == ("createQuote", "k-1")
    assert set(result.records) == {"estimate", "deal"}  # a step's None record is left out
    assert result.records["estimate"] == record("204", TotalAmt=Decimal("290.00"))
    assert result.details == {"number": "E-1067"}
    entry = await store.outbox.get("k-1")
    assert entry is not None and entry.state == "done"


async def test_the_same_key_again_replays_without_running_a_step(store: Store) -> None:
    steps = Steps(store)
    runner = CommandRunner(store.outbox)
    first = await runner.run("k-1", "createQuote", {"a": 1}, steps.plan())
    steps.calls.clear()

    again = await runner.run("k-1", "createQuote", {"a": 1}, steps.plan())

    assert steps.calls == []
    assert again.replayed and again.records == first.records and again.details == first.details
    with pytest.raises(IdempotencyConflict):
        await runner.run("k-1", "createQuote", {"a": 2}, steps.plan())


@pytest.mark.parametrize("error", [
    UpstreamRetryable("notion", "HTTP 503 from page.create", status=503),
    RuntimeError("a bug"),
    KeyboardInterrupt(),  # a crash: nothing runs after it in this process
])
async def test_retryable_errors_and_crashes_leave_the_entry_to_resume(
        store: Store, error: BaseException) -> None:
    steps = Steps(store)
    steps.fail = error
    runner = CommandRunner(store.outbox)
    with pytest.raises(type(error)):
        await runner.run("k-1", "createQuote", {"a": 1}, steps.plan())
    entry = await store.outbox.get("k-1")
    assert entry is not None and entry.state == "pending" and list(entry.steps) == ["first"]

    steps.fail, steps.calls = None, []
    result = await runner.run("k-1", "createQuote", {"a": 1}, steps.plan())

    assert steps.calls == ["second"]  # resumed at the first step not recorded
    assert not result.replayed and set(result.records) == {"estimate", "deal"}


@pytest.mark.parametrize(("error", "code"), [
    (CommandValidationError("lines[0].item_ref", "QuickBooks has no item 999"), "VALIDATION"),
    (UpstreamFatal("quickbooks", "Fault: Business Validation Error", vendor_code="6000"), "UPSTREAM_ERROR"),
    (UpstreamNotFound("notion", "no such page", status=404), "NOT_FOUND"),
])
async def test_fatal_errors_before_any_write_fail_the_key_for_good(
    store: Store, error: Exception, code: str
) -> None:
    steps = Steps(store)
    steps.fail_first = error
    runner = CommandRunner(store.outbox)
    with pytest.raises(type(error)):
        await runner.run("k-1", "createQuote", {"a": 1}, steps.plan())
    steps.calls.clear()

    with pytest.raises(CommandFailed) as info:
        await runner.run("k-1", "createQuote", {"a": 1}, steps.plan())

    assert steps.calls == []
    assert (info.value.code, str(info.value), info.value.key) == (code, str(error), "k-1")


@pytest.mark.parametrize("error", [
    CommandValidationError("lines[0].item_ref", "QuickBooks has no item 999"),
    UpstreamNotFound("notion", "no such page", status=404),
])
async def test_fatal_errors_after_a_write_keep_the_key_for_a_retry(store: Store, error: Exception) -> None:
    """Failing the key would orphan the estimate already made and force a new key (a second one)."""
    steps = Steps(store)
    steps.fail = error
    runner = CommandRunner(store.outbox)
    with pytest.raises(type(error)):
        await runner.run("k-1", "createQuote", {"a": 1}, steps.plan())
    entry = await store.outbox.get("k-1")
    assert entry is not None and entry.state == "pending" and list(entry.steps) == ["first"]

    steps.fail, steps.calls = None, []  # the cause fixed (the page shared with the integration, say)
    result = await runner.run("k-1", "createQuote", {"a": 1}, steps.plan())
    assert steps.calls == ["second"] and set(result.records) == {"estimate", "deal"}


async def test_a_key_held_by_another_runner_is_in_progress(store: Store) -> None:
    steps = Steps(store)
    await store.outbox.claim("k-1", "createQuote", {"a": 1})
    assert await store.outbox.acquire("k-1", "someone-else", lease=60)

    with pytest.raises(CommandInProgress, match="still running") as info:
        await CommandRunner(store.outbox).run("k-1", "createQuote", {"a": 1}, steps.plan())

    assert info.value.code == "IN_PROGRESS" and steps.calls == []
    await store.outbox.release("k-1", "someone-else")
    assert not (await CommandRunner(store.outbox).run("k-1", "createQuote", {"a": 1}, steps.plan())).replayed


def test_upstream_ids_derive_from_key_and_step() -> None:
    assert derive_request_id("k-1", "estimate") == derive_request_id("k-1", "estimate")
    assert len({derive_request_id("k-1", "estimate"), derive_request_id("k-1", "deal"),
                derive_request_id("k-2", "estimate")}) == 3
    assert len(derive_request_id("k" * 200, "estimate")) == 32  # QBO accepts at most 50
    assert derive_hub_key("quote 7", "deal") == "quote 7#deal"


async def test_a_runner_whose_lease_was_taken_over_stops_before_the_next_step(store: Store) -> None:
    steps = Steps(store)

    async def slow_first(ctx: StepContext) -> StepOutput:
        # This runner stalls past its lease and another one takes the key over.
        async with store.engine.begin() as conn:
            expired = datetime.now(UTC) - timedelta(seconds=1)
            await conn.execute(update(outbox_table).values(lease_until=expired))
        assert await store.outbox.acquire(ctx.key, "the-other-runner", lease=60)
        return await steps.first(ctx)

    with pytest.raises(CommandInProgress):
        await CommandRunner(store.outbox).run("k-1", "createQuote", {"a": 1},
                                              [Step("first", slow_first), Step("second", steps.second)])

    entry = await store.outbox.get("k-1")
    assert entry is not None and list(entry.steps) == ["first"] and "second" not in steps.calls
