"""``POST /webhooks/quickbooks``: Intuit's change notifications, in the classic and the CloudEvents format.

* Signature: ``intuit-signature`` is the base64 HMAC-SHA256 of the raw body keyed with the app's verifier
  token (https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications).
  It is checked before the body is parsed; both formats are signed the same way.
* Classic: ``{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [{"name", "id",
  "operation", "lastUpdated"}]}}]}`` (operations Create, Update, Delete, Merge, Void, Emailed; a merge may
  name the merged-away record in ``deletedId``). It has no event id, so an event is identified by
  (realm, entity, id, operation, lastUpdated).
* CloudEvents (Intuit's new format, mandatory for every app in 2026:
  https://blogs.intuit.com/2025/11/12/upcoming-change-to-webhooks-payload-structure/): a JSON *array* of
  ``{"specversion": "1.0", "id", "source", "type": "qbo.<entity>.<operation>.v1", "time",
  "intuitentityid", "intuitaccountid", "data"?}``; the entity is lower case (``qbo.salesreceipt.updated.v1``),
  ``data`` may be absent, and a merge carries ``data.deletedid``
  (https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/data-objects). Identified by
  ``source`` + ``id`` as the CloudEvents spec requires of producers.
* Intuit wants a 200 within 3 seconds and retries otherwise (10 s, 20 s, 30 s, 5 min, ... then every 6 h;
  https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/best-practices), so the endpoint
  answers first and de-duplicates and signals in a background task after the response.

Notifications for companies other than ``settings.quickbooks.realm_id`` are acknowledged and ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.settings import QuickBooksSettings
from hub.webhooks.common import Change, EventLogProvider, SinkProvider, deliver, error, log, read_body

__all__ = ["QuickBooksWebhook", "parse_notification", "verify_intuit_signature"]

_CLOUD_TYPE = re.compile(r"^qbo\.([a-z0-9]+)\.([a-z]+)\.v\d+$")
# CloudEvents spell entities in lower case; the hub (and the classic format) use QBO's entity names.
_ENTITY_NAMES = {
    name.lower(): name
    for name in (
        "Account", "Bill", "BillPayment", "Budget", "Class", "CreditMemo", "Currency", "Customer",
        "Department", "Deposit", "Employee", "Estimate", "Invoice", "Item", "JournalCode", "JournalEntry",
        "Payment", "PaymentMethod", "Preferences", "Purchase", "PurchaseOrder", "RefundReceipt",
        "SalesReceipt", "TaxAgency", "Term", "TimeActivity", "Transfer", "Vendor", "VendorCredit",
    )
}  # fmt: skip


def verify_intuit_signature(body: bytes, header: str | None, verifier_token: str) -> bool:
    """True when ``header`` is the base64 HMAC-SHA256 of ``body`` under ``verifier_token`` (constant time)."""
    if not header:
        return False
    try:
        given = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, given)


def _text(value: Any) -> str:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _classic(notifications: list[Any], realm_id: str | None) -> list[Change]:
    changes: list[Change] = []
    for note in notifications:
        if not isinstance(note, dict) or realm_id is None or _text(note.get("realmId")) != realm_id:
            continue
        event = note.get("dataChangeEvent")
        entities = event.get("entities") if isinstance(event, dict) else None
        for item in entities if isinstance(entities, list) else []:
            if not isinstance(item, dict):
                continue
            name, entity_id, operation = (_text(item.get(k)) for k in ("name", "id", "operation"))
            if not name or not entity_id:
                continue
            key = "|".join(("qbo", realm_id, name, entity_id, operation, _text(item.get("lastUpdated"))))
            changes.append(Change(key, name, entity_id, deleted=operation == "Delete"))
            if merged := _text(item.get("deletedId")):
                changes.append(Change(key + "|merged", name, merged, deleted=True))
    return changes


def _cloud(events: list[Any], realm_id: str | None) -> list[Change]:
    changes: list[Change] = []
    for event in events:
        if not isinstance(event, dict) or _text(event.get("specversion")) != "1.0":
            continue
        match = _CLOUD_TYPE.match(_text(event.get("type")).lower())
        event_id, entity_id = _text(event.get("id")), _text(event.get("intuitentityid"))
        if match is None or not event_id or not entity_id:
            continue
        if realm_id is None or _text(event.get("intuitaccountid")) != realm_id:
            continue
        entity = _ENTITY_NAMES.get(match[1], match[1][:1].upper() + match[1][1:])
        key = "|".join(("ce", _text(event.get("source")), event_id))
        changes.append(Change(key, entity, entity_id, deleted=match[2] == "deleted"))
        data = event.get("data")
        if isinstance(data, dict) and (merged := _text(data.get("deletedid"))):
            changes.append(Change(key + "|merged", entity, merged, deleted=True))
    return changes


def parse_notification(payload: Any, realm_id: str | None) -> list[Change] | None:
    """The changes a notification names for ``realm_id``; None when it is neither format.

    >>> parse_notification([{"specversion": "1.0", "id": "e1", "source": "intuit.x",
    ...     "type": "qbo.estimate.updated.v1", "intuitentityid": "7", "intuitaccountid": "42"}], "42")
    [Change(key='ce|intuit.x|e1', entity='Estimate', id='7', deleted=False)]
    """
    if isinstance(payload, list):
        return _cloud(payload, realm_id)
    if isinstance(payload, dict) and "specversion" in payload:  # one event in structured mode
        return _cloud([payload], realm_id)
    if isinstance(payload, dict) and isinstance(payload.get("eventNotifications"), list):
        return _classic(payload["eventNotifications"], realm_id)
    return None


class QuickBooksWebhook:
    """The endpoint: verify, parse, answer; de-duplicate and signal after the response."""

    def __init__(self, settings: QuickBooksSettings, sink: SinkProvider, events: EventLogProvider) -> None:
        self.settings, self.sink, self.events = settings, sink, events

    async def endpoint(self, request: Request) -> Response:
        """The request handler (a bound method, so Starlette passes it a Request)."""
        token = self.settings.webhook_verifier_token
        if token is None:
            return error(503, "QuickBooks webhooks are not configured")
        body = await read_body(request)
        if body is None:
            return error(413, "payload too large")
        signature = request.headers.get("intuit-signature")
        if not verify_intuit_signature(body, signature, token.get_secret_value()):
            return error(401, "missing or invalid intuit-signature")
        try:
            payload = json.loads(body)
        except ValueError:
            return error(400, "malformed JSON")
        changes = parse_notification(payload, self.settings.realm_id)
        if changes is None:
            return error(400, "not a QuickBooks webhook notification")
        if not changes:
            log.debug("quickbooks webhook: nothing for this company")
            return JSONResponse({"accepted": 0})
        task = BackgroundTask(deliver, "quickbooks", changes, self.sink(request), self.events(request))
        return JSONResponse({"accepted": len(changes)}, background=task)
