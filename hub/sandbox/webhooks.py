"""Webhooks the simulators send when their data changes, signed as the vendors sign them.

* :class:`QuickBooksWebhookSender`: after a write through the QuickBooks simulator's API, one notification
  naming every record it created, updated or deleted (side effects included, e.g. the estimate an invoice
  closed), signed with ``intuit-signature`` = base64 HMAC-SHA256 of the body under the verifier token; in
  the classic ``eventNotifications`` format or, with ``cloud_events=True``, as a CloudEvents array
  (https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications,
  https://blogs.intuit.com/2025/11/12/upcoming-change-to-webhooks-payload-structure/). Like Intuit it gives
  the receiver 3 seconds to answer.
* :class:`NotionWebhookSender`: ``page.created``, ``page.properties_updated``, ``page.deleted`` and
  ``page.undeleted`` events signed with ``X-Notion-Signature: sha256=<hex HMAC-SHA256>`` under the
  subscription's verification token, and :meth:`NotionWebhookSender.verify`, the unsigned
  ``{"verification_token": ...}`` handshake (https://developers.notion.com/reference/webhooks).

Delivery runs in background tasks on an ``httpx.AsyncClient`` (inject ``transport``, e.g.
``httpx.ASGITransport(app=hub_app)``); ``await sender.drain()`` waits for every delivery so far, and
``sender.deliveries`` records each answer. Failed deliveries are recorded, not retried (Intuit and Notion
retry with backoff; a test asserts on ``deliveries`` instead of waiting).

>>> from hub.sandbox.quickbooks import create_quickbooks_app
>>> sender = QuickBooksWebhookSender("http://127.0.0.1:8000/webhooks/quickbooks", cloud_events=True)
>>> app = create_quickbooks_app(webhooks=sender)  # every write through its API is now notified
>>> app.state.api.webhooks is sender
True
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

__all__ = [
    "SANDBOX_NOTION_VERIFICATION_TOKEN",
    "SANDBOX_QUICKBOOKS_VERIFIER_TOKEN",
    "Delivery",
    "EntityChange",
    "NotionWebhookSender",
    "QuickBooksWebhookSender",
    "WebhookSender",
]

# Fixed secrets for the demo, so sandbox settings can give the hub the same ones.
SANDBOX_QUICKBOOKS_VERIFIER_TOKEN = "sandbox-quickbooks-webhook-verifier-token"
SANDBOX_NOTION_VERIFICATION_TOKEN = "secret_sandboxNotionWebhookVerificationToken0000000"

T = TypeVar("T")


def _utc(moment: datetime | str) -> str:
    """``2025-09-08T20:52:31.657Z``, as both vendors write event times (a time without offset is UTC)."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            moment = datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Delivery:
    """One POST and its answer: ``status`` None when there was none (connection error, timeout)."""

    url: str
    body: bytes
    status: int | None = None
    error: str | None = None

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


class WebhookSender:
    """POSTs webhook bodies to ``url`` in background tasks; ``drain()`` waits for them."""

    def __init__(self, url: str, *, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 10.0):
        self.url, self.transport, self.timeout = url, transport, timeout
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[Delivery]] = set()
        self._client: httpx.AsyncClient | None = None

    async def post(self, body: bytes, headers: dict[str, str]) -> Delivery:
        """Deliver now and return the outcome (what the background tasks run)."""
        if self._client is None:  # made on first use, inside the event loop that delivers
            self._client = httpx.AsyncClient(transport=self.transport, timeout=self.timeout)
        delivery = Delivery(self.url, body)
        self.deliveries.append(delivery)
        try:
            response = await self._client.post(
                self.url, content=body, headers={"content-type": "application/json", **headers}
            )
            delivery.status = response.status_code
        except Exception as exc:  # the receiver's failure is a failed delivery, not the simulator's
            delivery.error = f"{type(exc).__name__}: {exc}"
        return delivery

    def send(self, body: bytes, headers: dict[str, str]) -> None:
        """Deliver in the background (call from inside the running event loop)."""
        task = asyncio.get_running_loop().create_task(self.post(body, headers))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every delivery started so far (and any they started) has finished."""
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def aclose(self) -> None:
        await self.drain()
        if self._client is not None:
            await self._client.aclose()
            self._client = None


@dataclass(frozen=True)
class EntityChange:
    """A record the simulated company changed: ``operation`` is Create, Update or Delete."""

    entity: str
    id: str
    operation: str
    last_updated: str  # the record's LastUpdatedTime (or the delete's), any ISO 8601 offset


_CLOUD_OPERATIONS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Merge": "merged",
                     "Void": "voided", "Emailed": "emailed"}  # fmt: skip


class QuickBooksWebhookSender(WebhookSender):
    """Intuit's webhooks from the QuickBooks simulator (pass it to ``create_quickbooks_app(webhooks=)``)."""

    def __init__(
        self,
        url: str,
        verifier_token: str = SANDBOX_QUICKBOOKS_VERIFIER_TOKEN,
        *,
        cloud_events: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 3.0,  # Intuit counts an answer after 3 seconds as a failed delivery
    ) -> None:
        super().__init__(url, transport=transport, timeout=timeout)
        self.verifier_token, self.cloud_events = verifier_token, cloud_events

    def sign(self, body: bytes) -> str:
        """The ``intuit-signature`` value of ``body``."""
        digest = hmac.new(self.verifier_token.encode(), body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def body(self, realm_id: str, changes: Sequence[EntityChange]) -> bytes:
        """The notification for ``changes``, in the configured format."""
        if self.cloud_events:
            digest = hashlib.sha256(f"sandbox-app:{realm_id}".encode()).digest()
            source = "intuit." + base64.b64encode(digest).decode()
            events = [
                {
                    "specversion": "1.0",
                    "id": f"{uuid.uuid4()}-{c.entity}-{c.id}",
                    "source": source,
                    "type": f"qbo.{c.entity.lower()}.{_CLOUD_OPERATIONS[c.operation]}.v1",
                    "datacontenttype": "application/json",
                    "time": _utc(c.last_updated),
                    "intuitentityid": c.id,
                    "intuitaccountid": realm_id,
                    "data": {},
                }
                for c in changes
            ]
            return json.dumps(events).encode()
        entities = [
            {"name": c.entity, "id": c.id, "operation": c.operation,
             "lastUpdated": _utc(c.last_updated)}
            for c in changes
        ]  # fmt: skip
        notification = {"realmId": realm_id, "dataChangeEvent": {"entities": entities}}
        return json.dumps({"eventNotifications": [notification]}).encode()

    def notify(self, realm_id: str, changes: Sequence[EntityChange]) -> None:
        """Send one signed notification for ``changes`` (nothing when there are none)."""
        if changes:
            body = self.body(realm_id, changes)
            self.send(body, {"intuit-signature": self.sign(body)})

    def around(self, company: Any, write: Callable[[], T]) -> T:
        """Run ``write`` against the simulated ``company`` and notify what it changed.

        Records are compared by ``SyncToken`` and ``MetaData.LastUpdatedTime`` before and after, so every
        write path (single, batch, side effects on linked records) is covered without hooks inside it.
        """
        before = _versions(company.tables)
        result = write()
        after = _versions(company.tables)
        now = company.now().isoformat(timespec="seconds")
        changes: list[EntityChange] = []
        for (entity, record_id), version in after.items():
            previous = before.get((entity, record_id))
            if previous != version:
                operation = "Create" if previous is None else "Update"
                changes.append(EntityChange(entity, record_id, operation, version[1] or now))
        changes += [
            EntityChange(entity, record_id, "Delete", company.deleted.get(entity, {}).get(record_id, now))
            for (entity, record_id) in before.keys() - after.keys()
        ]
        self.notify(company.realm_id, changes)
        return result


def _versions(tables: dict[str, dict[str, dict[str, Any]]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(entity, Id) -> (SyncToken, LastUpdatedTime): what changes whenever QBO changes a record."""
    versions: dict[tuple[str, str], tuple[str, str]] = {}
    for entity, records in tables.items():
        for record_id, record in records.items():
            stamp = (record.get("MetaData") or {}).get("LastUpdatedTime", "")
            versions[(entity, record_id)] = (str(record.get("SyncToken", "")), str(stamp))
    return versions


# Properties Notion computes: their change is not an edit of the page.
_COMPUTED = frozenset({"created_time", "created_by", "last_edited_time", "last_edited_by"})


class NotionWebhookSender(WebhookSender):
    """Notion's webhooks from the Notion simulator (pass it to ``create_notion_app(webhooks=)``).

    ``verification_token`` is the subscription's secret (a fresh one by default); the ids name the
    simulated workspace, subscription and integration in every event.
    """

    def __init__(
        self,
        url: str,
        verification_token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        api_version: str = "2025-09-03",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(url, transport=transport, timeout=timeout)
        self.verification_token = verification_token or "secret_" + secrets.token_urlsafe(32)
        self.api_version, self.now = api_version, now
        self.workspace_id = "7b1c6d7e-0c4a-4d8e-9f3b-2a6e5c1d0f11"
        self.workspace_name = "Stitch & Spotlight Costume Works"
        self.subscription_id = "1c9e2f4a-3b5d-4e6f-8a7b-9c0d1e2f3a4b"
        self.integration_id = "2d0f3a5b-4c6e-4f70-9b8c-0d1e2f3a4b5c"

    def sign(self, body: bytes) -> str:
        """The ``X-Notion-Signature`` value of ``body``."""
        return "sha256=" + hmac.new(self.verification_token.encode(), body, hashlib.sha256).hexdigest()

    async def verify(self) -> Delivery:
        """The subscription handshake: POST ``{"verification_token": ...}``, unsigned, and wait for it."""
        return await self.post(json.dumps({"verification_token": self.verification_token}).encode(), {})

    def event(self, kind: str, page: dict[str, Any], data: dict[str, Any] | None = None) -> dict[str, Any]:
        """An event about ``page`` (a simulator page object) as Notion shapes it."""
        parent = page.get("parent", {})
        author = [{"id": page.get("last_edited_by", {}).get("id", ""), "type": "bot"}]  # API edits: the bot
        return {
            "id": str(uuid.uuid4()),
            "timestamp": _utc(self.now()),
            "workspace_id": self.workspace_id,
            "workspace_name": self.workspace_name,
            "subscription_id": self.subscription_id,
            "integration_id": self.integration_id,
            "authors": author,
            "accessible_by": author,
            "attempt_number": 1,
            "api_version": self.api_version,
            "type": kind,
            "entity": {"id": page["id"], "type": "page"},
            "data": {
                "parent": {
                    "id": parent.get("database_id", ""),
                    "type": "database",
                    "data_source_id": parent.get("data_source_id", ""),
                },
                **(data or {}),
            },
        }

    def emit(self, event: dict[str, Any]) -> None:
        """Send ``event`` signed, in the background."""
        body = json.dumps(event).encode()
        self.send(body, {"X-Notion-Signature": self.sign(body)})

    def page_changed(self, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
        """Send the event for a page the simulator created (``before`` None) or updated."""
        if before is None:
            self.emit(self.event("page.created", after))
            return
        if after.get("in_trash") != before.get("in_trash"):
            self.emit(self.event("page.deleted" if after.get("in_trash") else "page.undeleted", after))
        old, new = before.get("properties", {}), after.get("properties", {})
        updated = [
            value["id"]
            for name, value in new.items()
            if value.get("type") not in _COMPUTED and old.get(name) != value
        ]
        if updated:
            self.emit(self.event("page.properties_updated", after, {"updated_properties": updated}))
