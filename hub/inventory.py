"""The inventory side of the hub: a snapshot of the inventory source kept fresh, and promises over it.

Freshness: one snapshot serves every estimate for ``freshness.inventory`` seconds (near-live by
default); a caller may ask for a fresher one. Reading a snapshot is single-flight, so a burst of
estimates costs one read of the source.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from connectors.inventory import InventorySnapshot, InventorySource
from hub.promise import OrderLine, OrderPromise, Policy, Recheck, promise, recheck

__all__ = ["InventoryService"]


class InventoryService:
    def __init__(self, source: InventorySource, *, max_age: float, policy: Policy) -> None:
        self.source = source
        self.max_age = max_age
        self.policy = policy
        self._snapshot: InventorySnapshot | None = None
        self._read_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def snapshot(self, max_age: float | None = None) -> InventorySnapshot:
        limit = self.max_age if max_age is None else max_age

        def fresh() -> bool:
            return (
                self._snapshot is not None
                and self._read_at is not None
                and (datetime.now(UTC) - self._read_at).total_seconds() <= limit
            )

        if fresh():
            assert self._snapshot is not None
            return self._snapshot
        async with self._lock:
            if not fresh():
                snapshot = await self.source.snapshot()
                now = datetime.now(UTC)
                if snapshot.fetched_at is None:
                    snapshot = replace(snapshot, fetched_at=now)
                self._snapshot, self._read_at = snapshot, now
            assert self._snapshot is not None
            return self._snapshot

    async def estimate(
        self,
        lines: Sequence[OrderLine],
        *,
        requested_date: date | None = None,
        policy: Policy | None = None,
        max_age: float | None = None,
        now: datetime | None = None,
        snapshot: InventorySnapshot | None = None,
    ) -> OrderPromise:
        """Promise ``lines`` on ``snapshot`` (one the caller already read) or on one within ``max_age``."""
        if snapshot is None:
            snapshot = await self.snapshot(max_age)
        return promise(
            snapshot,
            lines,
            now=now or datetime.now(UTC),
            policy=policy or self.policy,
            requested_date=requested_date,
        )

    async def recheck(
        self, previous: OrderPromise, *, max_age: float | None = None, now: datetime | None = None
    ) -> Recheck:
        snapshot = await self.snapshot(max_age)
        return recheck(previous, snapshot, now=now or datetime.now(UTC))
