"""Payments back on a webhook: when QuickBooks says a payment or an invoice changed, the mirror is
refreshed (``SalesService.on_change``) and then the Notion orders' payment status and amount paid are
brought in line at once, instead of waiting for the worker's next run.

Signals that arrive while a run is going are folded into one more run after it, so a burst of
webhooks costs two runs at most.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hub.errors import HubError

if TYPE_CHECKING:
    from hub.runtime import Hub

__all__ = ["PAYMENT_ENTITIES", "ChangesWithPaymentsBack"]

log = logging.getLogger("hub.sync")

PAYMENT_ENTITIES = frozenset({"Payment", "Invoice"})


class ChangesWithPaymentsBack:
    """The hub's ``ChangeSink``: the sales mirror first, then payments back when they can have moved."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._running: asyncio.Task[None] | None = None
        self._again = False

    async def on_change(self, source: str, entity: str, ids: Sequence[str], *, deleted: bool = False) -> None:
        if self.hub.sales is not None:
            await self.hub.sales.on_change(source, entity, ids, deleted=deleted)
        if source == "quickbooks" and entity in PAYMENT_ENTITIES and self.hub.settings.sync.payments_back:
            await self.payments_back()

    async def payments_back(self) -> None:
        if self._running is not None and not self._running.done():
            self._again = True
            await asyncio.shield(self._running)
            return
        self._running = asyncio.ensure_future(self._loop())
        await asyncio.shield(self._running)

    async def _loop(self) -> None:
        from hub.sync import build_payments_sync

        while True:
            self._again = False
            try:
                result = await build_payments_sync(self.hub).run()
                log.info("payments back after a webhook: %s", dict(result.run.counts))
            except HubError as exc:
                log.warning("payments back after a webhook failed: %s", exc)
            if not self._again:
                return
