"""The outbox: every write to a system of record, keyed by its idempotency key, before it goes upstream.

A command claims its key (``claim``) before any upstream call, records what each step produced as
soon as the step is done (``record_step``), and ends ``done`` with its result (``finish``) or
``failed`` with an error (``fail``). A retry with the same key finds the entry: a finished one is
answered from ``result``; a pending one resumes at the first step not recorded. ``pending()`` lists
what a crash left behind. Runners take a lease (``acquire``/``release``) so that one of them at a time,
across replicas, works on an entry.

``seen(source, event_id)`` is the webhook half: it records a delivery and says whether it was
already there, atomically on SQLite and PostgreSQL alike (``INSERT ... ON CONFLICT DO NOTHING``).

>>> entry = await store.outbox.claim("k-1", "createQuote", {"customer": "58"})  # doctest: +SKIP
>>> await store.outbox.record_step("k-1", "estimate", {"id": "204"})  # doctest: +SKIP
>>> await store.outbox.finish("k-1", {"estimate": "204"})  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, cast

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.errors import IdempotencyConflict
from hub.store.engine import begin_write, insert_for
from hub.store.tables import outbox as table
from hub.store.tables import webhook_events
from hub.store.types import utcnow

__all__ = ["MAX_KEY_LENGTH", "OutboxEntry", "OutboxState", "OutboxStore", "payload_hash"]

OutboxState = Literal["pending", "done", "failed"]
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row. ``steps`` maps a step name to what it produced, in the order recorded."""

    key: str
    kind: str
    payload: dict[str, Any]
    payload_hash: str
    state: OutboxState
    steps: dict[str, dict[str, Any]]
    result: dict[str, Any] | None
    error_code: str | None
    error_message: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime


def payload_hash(kind: str, payload: dict[str, Any]) -> str:
    """SHA-256 of ``kind`` and ``payload`` in canonical JSON (sorted keys; ``Decimal("10.0")`` and
    ``Decimal("10")`` hash alike), so the same request always hashes the same."""
    text = json.dumps(_canonical(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{kind}\x00{text}".encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": format(value.normalize(), "f")}
    if isinstance(value, datetime | date | time):
        return {"$" + type(value).__name__: value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def _entry(row: Row[Any]) -> OutboxEntry:
    return OutboxEntry(
        key=row.idempotency_key, kind=row.kind, payload=row.payload, payload_hash=row.payload_hash,
        state=cast(OutboxState, row.state), steps=dict(row.steps or {}), result=row.result,
        error_code=row.error_code, error_message=row.error_message, attempts=row.attempts,
        created_at=row.created_at, updated_at=row.updated_at)


class OutboxStore:
    """The ``outbox`` and ``webhook_events`` tables; reached as ``store.outbox``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name

    def __repr__(self) -> str:
        return "OutboxStore()"

    async def _locked(self, conn: AsyncConnection, key: str) -> Row[Any] | None:
        query = select(table).where(table.c.idempotency_key == key)
        if self._dialect == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises writers
            query = query.with_for_update()
        return (await conn.execute(query)).one_or_none()

    async def claim(self, key: str, kind: str, payload: dict[str, Any]) -> OutboxEntry:
        """The entry for ``key``: created ``pending`` if new, else the existing one.

        A pending entry counts one more ``attempts``. The same key with another ``kind`` or another
        payload raises :class:`IdempotencyConflict` and changes nothing.
        """
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ValueError(f"an idempotency key is 1 to {MAX_KEY_LENGTH} characters")
        digest = payload_hash(kind, payload)
        now = utcnow()
        insert = insert_for(self._dialect, table).values(
            idempotency_key=key, kind=kind, payload=payload, payload_hash=digest, state="pending",
            steps={}, attempts=0, created_at=now, updated_at=now,
        ).on_conflict_do_nothing(index_elements=[table.c.idempotency_key])
        async with begin_write(self._engine) as conn:
            await conn.execute(insert)
            row = await self._locked(conn, key)
            assert row is not None  # inserted, or there already
            if row.kind != kind or row.payload_hash != digest:
                what = f"a {row.kind} request" if row.kind != kind else f"a {kind} request with other values"
                raise IdempotencyConflict(
                    f"idempotency key {key!r} was already used for {what}; use a new key for a new request")
            if row.state == "pending":
                await conn.execute(update(table).where(table.c.idempotency_key == key)
                                   .values(attempts=table.c.attempts + 1))
                row = await self._locked(conn, key)
                assert row is not None
        return _entry(row)

    async def get(self, key: str) -> OutboxEntry | None:
        """The entry for ``key``, or None."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(table).where(table.c.idempotency_key == key))).one_or_none()
        return None if row is None else _entry(row)

    async def record_step(self, key: str, step: str, result: dict[str, Any]) -> None:
        """Record what ``step`` of pending entry ``key`` produced (replacing an earlier record of it)."""
        async with begin_write(self._engine) as conn:
            row = await self._locked(conn, key)
            if row is None or row.state != "pending":
                raise ValueError(f"outbox entry {key!r} is {'missing' if row is None else row.state}, "
                                 "not pending: no step can be recorded")
            steps = {**(row.steps or {}), step: result}
            await conn.execute(update(table).where(table.c.idempotency_key == key)
                               .values(steps=steps, updated_at=utcnow()))

    async def finish(self, key: str, result: dict[str, Any]) -> None:
        """Mark pending entry ``key`` done with ``result`` (what a retry with the key is answered)."""
        await self._close(key, state="done", result=result)

    async def fail(self, key: str, code: str, message: str) -> None:
        """Mark pending entry ``key`` failed for good; later calls with the key get the same error."""
        await self._close(key, state="failed", error_code=code, error_message=message)

    async def _close(self, key: str, **values: Any) -> None:
        stmt = (update(table).where(table.c.idempotency_key == key, table.c.state == "pending")
                .values(**values, updated_at=utcnow()))
        async with begin_write(self._engine) as conn:
            if (await conn.execute(stmt)).rowcount != 1:
                row = await self._locked(conn, key)
                raise ValueError(f"outbox entry {key!r} is {'missing' if row is None else row.state}, "
                                 "not pending")

    async def pending(self, kind: str | None = None, older_than: timedelta | None = None
                      ) -> list[OutboxEntry]:
        """Pending entries, oldest first; of one ``kind``, and/or not touched for ``older_than``."""
        query = select(table).where(table.c.state == "pending")
        if kind is not None:
            query = query.where(table.c.kind == kind)
        if older_than is not None:
            query = query.where(table.c.updated_at <= utcnow() - older_than)
        async with self._engine.connect() as conn:
            rows = await conn.execute(query.order_by(table.c.created_at, table.c.idempotency_key))
            return [_entry(row) for row in rows]

    async def acquire(self, key: str, owner: str, *, lease: float) -> bool:
        """Take (or renew) the lease on ``key`` for ``lease`` seconds; False while another owner holds it.

        A runner that crashed holds its lease until it runs out, never longer.
        """
        now = utcnow()
        stmt = (
            update(table)
            .where(and_(table.c.idempotency_key == key,
                        or_(table.c.lease_until.is_(None), table.c.lease_until < now,
                            table.c.lease_owner == owner)))
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease))
        )
        async with begin_write(self._engine) as conn:
            return bool((await conn.execute(stmt)).rowcount == 1)

    async def release(self, key: str, owner: str) -> None:
        """Give the lease on ``key`` back, if ``owner`` still holds it."""
        stmt = (update(table).where(table.c.idempotency_key == key, table.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None))
        async with begin_write(self._engine) as conn:
            await conn.execute(stmt)

    # -- webhook deliveries ----------------------------------------------------------------------

    async def seen(self, source: str, event_id: str) -> bool:
        """Record webhook event ``event_id`` of ``source``; True if it had been recorded before.

        Atomic: of two deliveries racing, in one process or across replicas, exactly one gets False.
        """
        if not source or not event_id or len(event_id) > MAX_KEY_LENGTH:
            raise ValueError(f"a webhook event needs a source and an event id of 1 to {MAX_KEY_LENGTH} "
                             "characters")
        stmt = (
            insert_for(self._dialect, webhook_events)
            .values(source=source, event_id=event_id, received_at=utcnow())
            .on_conflict_do_nothing(index_elements=[webhook_events.c.source, webhook_events.c.event_id])
            .returning(webhook_events.c.event_id)
        )
        async with begin_write(self._engine) as conn:
            inserted = (await conn.execute(stmt)).first()
        return inserted is None

    async def forget_events(self, before: datetime) -> int:
        """Drop webhook events received before ``before`` (vendors stop redelivering after days);
        returns how many."""
        stmt = delete(webhook_events).where(webhook_events.c.received_at < before)
        async with begin_write(self._engine) as conn:
            return int((await conn.execute(stmt)).rowcount)
