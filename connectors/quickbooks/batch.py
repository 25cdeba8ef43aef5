"""The QuickBooks Online batch endpoint: building requests, idempotency keys, reading answers.

``POST /v3/company/{realmId}/batch`` carries up to 30 operations
(https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch; the older guide
page still says 10)::

    {"BatchItemRequest": [{"bId": "q1", "Query": "SELECT * FROM Estimate WHERE Id IN ('101')"},
                          {"bId": "c1", "operation": "create", "Estimate": {...}}]}
 -> {"BatchItemResponse": [{"bId": "q1", "QueryResponse": {"Estimate": [...]}},
                           {"bId": "c1", "Fault": {"Error": [...], "type": "ValidationFault"}}], "time": "…"}

Each item answers or faults on its own: a per-item ``Fault`` becomes that item's ``BatchResult.error``,
never an exception for the whole batch. Answers are matched to requests by ``bId``, not by position.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from connectors.base import SourceRecord
from connectors.quickbooks.query import identifier
from hub.errors import UpstreamError

__all__ = [
    "MAX_BATCH_ITEMS",
    "BatchItem",
    "BatchOperation",
    "BatchResult",
    "batch_body",
    "batch_request_id",
    "chunk_items",
    "encode_json",
]

MAX_BATCH_ITEMS = 30
_BID_MAX = 36  # bIds echo back in the answer; keep them short and printable
BatchOperation = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class BatchItem:
    """One operation of a batch: a query, or a create/update/delete of one entity.

    >>> BatchItem.query_of("q1", "SELECT * FROM Invoice WHERE Id IN ('101', '102')")
    >>> BatchItem.write("u1", "Estimate", "update", {"Id": "101", "SyncToken": "2", "sparse": True,
    ...                                              "TxnStatus": "Accepted"})
    """

    bid: str
    query: str | None = None
    entity: str | None = None
    operation: BatchOperation | None = None
    body: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not self.bid or len(self.bid) > _BID_MAX or not self.bid.isprintable():
            raise ValueError(f"a batch bId is 1..{_BID_MAX} printable characters, got {self.bid!r}")
        if (self.query is None) == (self.operation is None):
            raise ValueError(f"batch item {self.bid!r} needs either a query or an operation, not both")
        if self.operation is not None:
            if self.operation not in ("create", "update", "delete"):
                raise ValueError(f"batch item {self.bid!r}: unknown operation {self.operation!r}")
            if self.entity is None or self.body is None:
                raise ValueError(f"batch item {self.bid!r}: a write needs an entity and a body")
            identifier(self.entity)
            if self.operation != "create" and "Id" not in self.body:
                raise ValueError(f"batch item {self.bid!r}: {self.operation} needs the entity's Id")

    @classmethod
    def query_of(cls, bid: str, statement: str) -> BatchItem:
        """A ``Query`` item; ``statement`` is a ``SELECT`` built with ``connectors.quickbooks.query``."""
        return cls(bid=bid, query=statement)

    @classmethod
    def write(cls, bid: str, entity: str, operation: BatchOperation, body: Mapping[str, Any]) -> BatchItem:
        """A create, update (full or ``"sparse": true``) or delete of one ``entity``."""
        return cls(bid=bid, entity=entity, operation=operation, body=body)

    @property
    def is_write(self) -> bool:
        return self.operation is not None

    def payload(self) -> dict[str, Any]:
        """This item as one ``BatchItemRequest`` element."""
        if self.query is not None:
            return {"bId": self.bid, "Query": self.query}
        assert self.entity is not None and self.body is not None  # checked in __post_init__
        return {"bId": self.bid, "operation": self.operation, self.entity: dict(self.body)}


@dataclass(frozen=True)
class BatchResult:
    """The answer to one ``BatchItem``.

    ``records``: a query's rows, or the one entity a write returned (a delete's stub as
    ``archived=True`` with ``extra["deleted"]``). ``error``: the item's ``Fault`` as a hub error
    (``UpstreamFatal`` with ``vendor_code`` ``"5010"`` for a stale SyncToken, ``UpstreamNotFound`` for
    610, ...); ``records`` is then empty. ``raw`` is the ``BatchItemResponse`` element as received.
    """

    bid: str
    entity: str | None
    records: list[SourceRecord] = field(default_factory=list)
    error: UpstreamError | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def chunk_items(items: Sequence[BatchItem], size: int = MAX_BATCH_ITEMS) -> list[list[BatchItem]]:
    """``items`` in requests of at most ``size``; bIds must be distinct across all of them."""
    if not 1 <= size <= MAX_BATCH_ITEMS:
        raise ValueError(f"a batch holds 1..{MAX_BATCH_ITEMS} items")
    seen: set[str] = set()
    for item in items:
        if item.bid in seen:
            raise ValueError(f"duplicate batch bId {item.bid!r}: answers are matched by bId")
        seen.add(item.bid)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def batch_body(items: Sequence[BatchItem]) -> dict[str, Any]:
    return {"BatchItemRequest": [item.payload() for item in items]}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Exactly what a JSON number would carry; a float would fail to round-trip more digits
        # than money ever has, and that is refused below rather than rounded silently.
        as_float = float(value)
        if not value.is_finite() or Decimal(repr(as_float)) != value:
            raise ValueError(f"{value} cannot be sent as a JSON number without losing digits")
        return as_float
    raise TypeError(f"cannot send {type(value).__name__} to QuickBooks")


def encode_json(payload: Any) -> bytes:
    """JSON for a request body; ``Decimal`` amounts go out as numbers (httpx's encoder refuses them)."""
    return json.dumps(payload, default=_plain, separators=(",", ":"), ensure_ascii=False).encode()


def batch_request_id(items: Sequence[BatchItem], scope: str = "") -> str:
    """A ``requestid`` derived from the items themselves, so a retry of the same batch reuses it.

    Two intentionally identical writes would share the key and QBO would apply only the first; a
    caller that means to repeat one passes a distinct ``scope`` (e.g. the outbox idempotency key).
    """
    canonical = json.dumps([scope, batch_body(items)], sort_keys=True, separators=(",", ":"),
                           default=lambda v: str(v) if isinstance(v, Decimal) else _plain(v))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]  # well inside Intuit's requestid limit
