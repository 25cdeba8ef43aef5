"""QuickBooks Online writes: creates and sparse updates with ``requestid`` idempotency and SyncToken locking.

``POST /v3/company/{realmId}/{entity}?requestid=…&minorversion=N`` with the entity JSON creates it, or
updates it when the body carries ``Id`` + ``SyncToken`` (``"sparse": true`` changes only the fields
sent). QBO answers a repeated ``requestid`` with the first answer and changes nothing
(https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features#idempotency), so
``hub.http`` may retry these POSTs. A SyncToken that is no longer current is Fault 5010 (Stale Object
Error): the entity is read again and the same changes re-applied on the fresh token, never a full
overwrite.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from connectors.base import SourceRecord
from connectors.quickbooks.batch import encode_json
from connectors.quickbooks.errors import STALE_OBJECT, fault_error
from connectors.quickbooks.models import Fault
from connectors.quickbooks.query import identifier
from hub.errors import UpstreamBadResponse, UpstreamFatal

if TYPE_CHECKING:
    from hub.http import SourceClient

__all__ = ["QuickBooksWrites", "conflict_request_id"]

# Fields the caller does not choose in a sparse update: they say which version is being changed.
_CONTROL_FIELDS = frozenset({"Id", "SyncToken", "sparse"})


def conflict_request_id(request_id: str, attempt: int) -> str:
    """The ``requestid`` of re-application number ``attempt`` (0 is the caller's own id).

    QBO replays the first answer to a repeated requestid, a 5010 included, so each re-application
    needs a new one; deriving it (rather than drawing a random one) keeps a resumed call idempotent:
    the same attempt of the same logical write carries the same id again.
    """
    if attempt == 0:
        return request_id
    return hashlib.sha256(f"{request_id}\x00conflict\x00{attempt}".encode()).hexdigest()[:32]


def _is_stale(exc: UpstreamFatal) -> bool:
    return (exc.vendor_code or "").lstrip("0") == STALE_OBJECT


def _check_request_id(request_id: str) -> None:
    if not request_id or not request_id.isascii() or not request_id.isprintable() or " " in request_id:
        raise ValueError("a QuickBooks requestid is a non-empty printable ASCII string without spaces")


class QuickBooksWrites:
    """The write half of ``QuickBooksConnector`` (mixed in; uses its client, realm and ``_record``)."""

    _client: SourceClient
    realm_id: str
    minor_version: int

    def _record(self, entity: str, raw: dict[str, Any], fetched_at: datetime) -> SourceRecord:
        raise NotImplementedError  # pragma: no cover - provided by QuickBooksConnector

    def _entity_path(self, entity: str) -> str:
        return f"/v3/company/{self.realm_id}/{identifier(entity).lower()}"

    def _written(self, entity: str, body: Any, endpoint: str) -> SourceRecord:
        fault = Fault.from_body(body)
        if fault is not None:  # QBO may put a Fault in a 200 answer
            raise fault_error(self._client.source, endpoint, fault)
        raw = body.get(entity) if isinstance(body, dict) else None
        if not isinstance(raw, dict):
            raise UpstreamBadResponse(self._client.source, f"{endpoint} answer has no {entity}")
        return self._record(entity, raw, datetime.now(UTC))

    async def _post(self, entity: str, payload: Mapping[str, Any], *, request_id: str,
                    endpoint: str) -> SourceRecord:
        body = await self._client.json(
            "POST", self._entity_path(entity), endpoint=endpoint,
            params={"requestid": request_id, "minorversion": self.minor_version},
            content=encode_json(dict(payload)), headers={"Content-Type": "application/json"},
            idempotency_key=request_id)
        return self._written(entity, body, endpoint)

    async def read(self, entity: str, id: str) -> SourceRecord:
        """``GET /v3/company/{realmId}/{entity}/{id}``: one entity as it is now (``UpstreamNotFound`` if
        QBO answers 610)."""
        endpoint = f"{entity.lower()}.read"
        body = await self._client.json(
            "GET", f"{self._entity_path(entity)}/{quote(id, safe='')}", endpoint=endpoint,
            params={"minorversion": self.minor_version})
        return self._written(entity, body, endpoint)

    async def create(self, entity: str, body: Mapping[str, Any], *, request_id: str) -> SourceRecord:
        """Create one ``entity`` (``Estimate``, ``Invoice``...) from ``body`` and return it as stored.

        ``request_id`` goes out as ``?requestid=``: sending the same create again (a retry here, or a
        resumed outbox entry) returns the first answer and creates nothing new.

        >>> estimate = await qbo.create("Estimate", {"CustomerRef": {"value": "7"}, "Line": [...]},
        ...                             request_id=outbox_key)
        """
        _check_request_id(request_id)
        if "Id" in body or "SyncToken" in body:
            raise ValueError("create() takes a new entity; use sparse_update() to change an existing one")
        return await self._post(entity, body, request_id=request_id, endpoint=f"{entity.lower()}.create")

    async def sparse_update(self, entity: str, id: str, changes: Mapping[str, Any], *, request_id: str,
                            sync_token: str | None = None, max_conflicts: int = 3) -> SourceRecord:
        """Change only the fields in ``changes`` of ``entity`` ``id`` (``"sparse": true``).

        ``sync_token`` is the version the caller's decision was based on; without one the entity is
        read first. When QBO says the token is stale (Fault 5010) the entity is read again and the same
        ``changes`` are re-applied on the fresh token with a new requestid derived from ``request_id``,
        at most ``max_conflicts`` times; after that ``UpstreamFatal`` with ``vendor_code`` ``"5010"``.

        >>> await qbo.sparse_update("Estimate", "101", {"TxnStatus": "Accepted"}, sync_token="2",
        ...                         request_id=outbox_key)
        """
        _check_request_id(request_id)
        if not id:
            raise ValueError("sparse_update() needs the entity's Id")
        if clash := sorted(_CONTROL_FIELDS & set(changes)):
            raise ValueError(f"changes may not set {', '.join(clash)}: sparse_update() manages them")
        if max_conflicts < 0:
            raise ValueError("max_conflicts cannot be negative")
        endpoint = f"{entity.lower()}.update"
        token = sync_token if sync_token is not None else await self._sync_token(entity, id)
        for attempt in range(max_conflicts + 1):
            payload = {"Id": id, "SyncToken": token, "sparse": True, **changes}
            try:
                return await self._post(entity, payload, request_id=conflict_request_id(request_id, attempt),
                                        endpoint=endpoint)
            except UpstreamFatal as exc:
                if not _is_stale(exc) or attempt == max_conflicts:
                    if _is_stale(exc):
                        raise UpstreamFatal(
                            self._client.source,
                            f"{entity} {id} kept changing under us: SyncToken still stale after "
                            f"{max_conflicts} re-reads; the change was not applied",
                            status=exc.status, vendor_code=STALE_OBJECT) from exc
                    raise
            # Someone else changed it since the token we hold: take theirs, re-apply ours on top.
            token = await self._sync_token(entity, id)
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(self, entity: str, id: str, *, request_id: str,
                   send_to: str | None = None) -> SourceRecord:
        """Email ``entity`` ``id`` (an ``Estimate`` or ``Invoice``) to the customer and return it as stored.

        ``POST /v3/company/{realmId}/{entity}/{id}/send[?sendTo=]`` with no body (Intuit documents
        ``Content-Type: application/octet-stream``): QBO sets ``EmailStatus`` to ``EmailSent``, fills
        ``DeliveryInfo`` and, with ``send_to``, replaces ``BillEmail.Address`` first
        (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/estimate#send-an-estimate).
        ``request_id`` goes out as ``?requestid=`` like any write, so a repeat does not email twice.
        """
        _check_request_id(request_id)
        if not id:
            raise ValueError("send() needs the entity's Id")
        endpoint = f"{entity.lower()}.send"
        params: dict[str, Any] = {"requestid": request_id, "minorversion": self.minor_version}
        if send_to:
            params["sendTo"] = send_to
        body = await self._client.json(
            "POST", f"{self._entity_path(entity)}/{quote(id, safe='')}/send", endpoint=endpoint,
            params=params, content=b"", headers={"Content-Type": "application/octet-stream"},
            idempotency_key=request_id)
        return self._written(entity, body, endpoint)

    async def _sync_token(self, entity: str, id: str) -> str:
        record = await self.read(entity, id)
        token = record.data.get("SyncToken")
        if token is None or str(token) == "":
            raise UpstreamBadResponse(self._client.source, f"{entity} {id} was read without a SyncToken")
        return str(token)
