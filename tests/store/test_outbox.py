"""The outbox and processed webhook events, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from hub.errors import IdempotencyConflict
from hub.store import Store
from hub.store.outbox import OutboxStore, payload_hash
from hub.store.tables import outbox as outbox_table
from tests.store.conftest import OpenStore

PAYLOAD = {"customer": "58", "lines": [{"item": "3", "qty": Decimal("2"), "price": Decimal("145.00")}],
           "valid_until": date(2026, 12, 1)}


async def test_store_exposes_the_outbox(store: Store) -> None:
    assert isinstance(store.outbox, OutboxStore)


async def test_claim_creates_a_pending_entry_once(store: Store) -> None:
    first = await store.outbox.claim("k-1", "createQuote", PAYLOAD)
    again = await store.outbox.claim("k-1", "createQuote", PAYLOAD)

    assert (first.key, first.kind, first.state, first.steps, first.attempts) == (
        "k-1", "createQuote", "pending", {}, 1)
    assert again.attempts == 2 and again.created_at == first.created_at
    assert again.payload == PAYLOAD  # Decimal and date come back as they went in
    assert first.created_at.tzinfo is UTC


async def test_same_values_in_other_spellings_are_the_same_payload(store: Store) -> None:
    await store.outbox.claim("k-1", "createQuote", {"b": [Decimal("10.0")], "a": 1})
    entry = await store.outbox.claim("k-1", "createQuote", {"a": 1, "b": [Decimal("10")]})
    assert entry.attempts == 2
    assert payload_hash("x", {"q": Decimal("1.50")}) == payload_hash("x", {"q": Decimal("1.5")})
    assert payload_hash("x", {"q": "1.5"}) != payload_hash("x", {"q": Decimal("1.5")})


@pytest.mark.parametrize(("kind", "payload", "message"), [
    ("createQuote", {**PAYLOAD, "customer": "59"}, "createQuote request with other values"),
    ("acceptQuote", PAYLOAD, "already used for a createQuote request"),
])
async def test_a_reused_key_with_another_request_is_a_conflict(
        store: Store, kind: str, payload: dict[str, object], message: str) -> None:
    await store.outbox.claim("k-1", "createQuote", PAYLOAD)

    with pytest.raises(IdempotencyConflict, match=message) as info:
        await store.outbox.claim("k-1", kind, payload)

    assert info.value.code == "IDEMPOTENCY_CONFLICT"
    entry = await store.outbox.get("k-1")
    assert entry is not None and entry.payload == PAYLOAD and entry.attempts == 1


async def test_steps_are_recorded_in_order_and_kept(store: Store) -> None:
    await store.outbox.claim("k-1", "createQuote", PAYLOAD)
    await store.outbox.record_step("k-1", "estimate", {"id": "204", "total": Decimal("290.00")})
    await store.outbox.record_step("k-1", "deal", {"id": "page-1", "at": datetime(2026, 1, 2, tzinfo=UTC)})

    entry = await store.outbox.claim("k-1", "createQuote", PAYLOAD)
    assert list(entry.steps) == ["estimate", "deal"]
    assert entry.steps["estimate"] == {"id": "204", "total": Decimal("290.00")}
    assert entry.steps["deal"]["at"] == datetime(2026, 1, 2, tzinfo=UTC)


async def test_finish_answers_later_claims_without_counting_attempts(store: Store) -> None:
    await store.outbox.claim("k-1", "createQuote", PAYLOAD)
    await store.outbox.finish("k-1", {"estimate": "204"})

    entry = await store.outbox.claim("k-1", "createQuote", PAYLOAD)
    assert (entry.state, entry.result, entry.attempts) == ("done", {"estimate": "204"}, 1)
    with pytest.raises(ValueError, match="is done, not pending"):
        await store.outbox.record_step("k-1", "deal", {})
    with pytest.raises(ValueError, match="is done, not pending"):
        await store.outbox.fail("k-1", "VALIDATION", "late")


async def test_fail_keeps_code_and_message(store: Store) -> None:
    await store.outbox.claim("k-1", "createQuote", PAYLOAD)
    await store.outbox.fail("k-1", "VALIDATION", "lines[0].item_ref: no item 999")

    entry = await store.outbox.get("k-1")
    assert entry is not None
    assert (entry.state, entry.error_code, entry.error_message) == (
        "failed", "VALIDATION", "lines[0].item_ref: no item 999")
    with pytest.raises(ValueError, match="missing, not pending"):
        await store.outbox.finish("nope", {})


async def test_pending_lists_what_is_left_by_kind_and_age(store: Store) -> None:
    for key, kind in (("a", "createQuote"), ("b", "acceptQuote"), ("c", "createQuote")):
        await store.outbox.claim(key, kind, {})
    await store.outbox.finish("c", {})

    assert [e.key for e in await store.outbox.pending()] == ["a", "b"]
    assert [e.key for e in await store.outbox.pending("acceptQuote")] == ["b"]
    assert await store.outbox.pending(older_than=timedelta(hours=1)) == []
    async with store.engine.begin() as conn:
        await conn.execute(update(outbox_table).where(outbox_table.c.idempotency_key == "a")
                           .values(updated_at=datetime.now(UTC) - timedelta(hours=2)))
    assert [e.key for e in await store.outbox.pending(older_than=timedelta(hours=1))] == ["a"]


async def test_keys_are_bounded(store: Store) -> None:
    with pytest.raises(ValueError, match="1 to 200 characters"):
        await store.outbox.claim("", "createQuote", {})
    with pytest.raises(ValueError, match="1 to 200 characters"):
        await store.outbox.claim("k" * 201, "createQuote", {})


async def test_concurrent_claims_from_two_replicas_make_one_entry(open_store: OpenStore) -> None:
    one, two = await open_store(), await open_store()
    entries = await asyncio.gather(*(s.outbox.claim("k-1", "createQuote", PAYLOAD)
                                     for s in (one, two, one, two)))

    assert {e.created_at for e in entries} == {entries[0].created_at}
    assert sorted(e.attempts for e in entries) == [1, 2, 3, 4]


async def test_one_lease_holder_at_a_time(open_store: OpenStore) -> None:
    one, two = await open_store(), await open_store()
    await one.outbox.claim("k-1", "createQuote", {})

    assert await one.outbox.acquire("k-1", "runner-a", lease=60)
    assert not await two.outbox.acquire("k-1", "runner-b", lease=60)
    assert await one.outbox.acquire("k-1", "runner-a", lease=60)  # renewing is fine
    await two.outbox.release("k-1", "runner-b")  # not the holder: no effect
    assert not await two.outbox.acquire("k-1", "runner-b", lease=60)

    await one.outbox.release("k-1", "runner-a")
    assert await two.outbox.acquire("k-1", "runner-b", lease=60)


async def test_a_crashed_holders_lease_runs_out(store: Store) -> None:
    await store.outbox.claim("k-1", "createQuote", {})
    assert await store.outbox.acquire("k-1", "crashed", lease=60)
    async with store.engine.begin() as conn:
        await conn.execute(update(outbox_table).values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))

    assert await store.outbox.acquire("k-1", "next", lease=60)


async def test_seen_records_an_event_once(store: Store) -> None:
    assert await store.outbox.seen("quickbooks", "evt-1") is False
    assert await store.outbox.seen("quickbooks", "evt-1") is True
    assert await store.outbox.seen("notion", "evt-1") is False  # ids are per source
    with pytest.raises(ValueError, match="event id"):
        await store.outbox.seen("notion", "")


async def test_racing_deliveries_of_one_event_are_seen_first_exactly_once(open_store: OpenStore) -> None:
    stores = [await open_store(), await open_store()]
    answers = await asyncio.gather(*(stores[n % 2].outbox.seen("notion", "evt-9") for n in range(8)))
    assert sorted(answers) == [False] + [True] * 7


async def test_old_events_can_be_forgotten(store: Store) -> None:
    await store.outbox.seen("notion", "evt-1")
    assert await store.outbox.forget_events(datetime.now(UTC) - timedelta(days=1)) == 0
    assert await store.outbox.forget_events(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert await store.outbox.seen("notion", "evt-1") is False
