"""What both webhook endpoints share: the protocols they signal through, de-duplication, small replies.

A vendor webhook is a *signal to re-read*: it names records that changed, never their new content, and
may arrive twice (retries) or late (reordering). So an endpoint verifies the signature, answers at once,
and afterwards (a background task) drops events it has seen before and tells the
:class:`hub.signals.ChangeSink` which records to refresh: "quickbooks" + the QBO entity name + Ids, or
"notion" + the data source id ("page" when unknown) + page ids, where no ids means the whole data
source changed (its schema, say). Older events arriving after newer ones are harmless: the sink re-reads the
current state either way.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.signals import ChangeSink

__all__ = [
    "MAX_BODY_BYTES",
    "Change",
    "ChangeSink",
    "EventLog",
    "EventLogProvider",
    "MemoryEventLog",
    "SinkProvider",
    "deliver",
    "error",
    "read_body",
]

log = logging.getLogger("hub.webhooks")

# Intuit notes that 2 MB is a common server limit and it imposes none itself
# (https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications);
# change notifications carry ids only, so 1 MiB is far more than any real delivery needs.
MAX_BODY_BYTES = 1 << 20
# Event keys longer than this are stored as their SHA-256 (a store column has a size).
_MAX_KEY = 128


@runtime_checkable
class EventLog(Protocol):
    """Webhook events already processed (``store.outbox.seen`` in the running hub)."""

    async def seen(self, source: str, event_id: str) -> bool:
        """Record ``event_id`` of ``source``; True if it was recorded before."""
        ...


# How an endpoint finds them for a request (the running hub's, or a test's).
SinkProvider = Callable[[Request], ChangeSink | None]
EventLogProvider = Callable[[Request], EventLog]


class MemoryEventLog:
    """An in-process :class:`EventLog` remembering the last ``capacity`` events (the fallback when the
    store offers none; it forgets on restart and is not shared between replicas).

    >>> import asyncio
    >>> log = MemoryEventLog(capacity=2)
    >>> [asyncio.run(log.seen("notion", e)) for e in ("a", "a", "b", "c", "a")]
    [False, True, False, False, False]
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    async def seen(self, source: str, event_id: str) -> bool:
        key = (source, event_id)
        if key in self._seen:
            self._seen.move_to_end(key)
            return True
        self._seen[key] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return False


@dataclass(frozen=True)
class Change:
    """One event of a delivery: ``key`` identifies the event for de-duplication."""

    key: str
    entity: str
    id: str | None  # None: the whole entity (a Notion data source) changed
    deleted: bool = False


def error(status: int, message: str) -> JSONResponse:
    """A short JSON error that never echoes the request (nor what a signature should have been)."""
    return JSONResponse({"error": message}, status_code=status)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The raw body (signatures cover the exact bytes), or None when it is larger than ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _key(key: str) -> str:
    return key if len(key) <= _MAX_KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


async def deliver(source: str, changes: Sequence[Change], sink: ChangeSink | None, events: EventLog) -> int:
    """Drop events seen before, then signal the rest, one call per (entity, deleted); returns how many.

    Runs after the response was sent, so it logs failures instead of raising (nobody would see them).
    """
    if sink is None:
        log.info("%s webhook: %d change(s) not signalled: the hub has no change sink", source, len(changes))
        return 0
    groups: dict[tuple[str, bool], list[str]] = {}
    fresh = 0
    try:
        for change in changes:
            if await events.seen(source, _key(change.key)):
                continue
            fresh += 1
            ids = groups.setdefault((change.entity, change.deleted), [])
            if change.id is not None and change.id not in ids:
                ids.append(change.id)
        for (entity, deleted), ids in groups.items():
            await sink.on_change(source, entity, ids, deleted=deleted)
    except Exception:  # after the response: log and let the next event or the incremental sync catch up
        log.exception("%s webhook: signalling %d change(s) failed", source, len(changes))
        return 0
    if fresh < len(changes):
        log.info("%s webhook: %d replayed event(s) ignored", source, len(changes) - fresh)
    return fresh
