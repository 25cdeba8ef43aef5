"""``POST /webhooks/notion``: the subscription handshake and signed change events
(https://developers.notion.com/reference/webhooks, https://developers.notion.com/reference/webhooks-events-delivery).

* Handshake: when a subscription is created Notion POSTs ``{"verification_token": "..."}`` once, unsigned.
  The token is the subscription's secret: the hub never logs it. With no token configured the first one
  received is kept in memory and verifies events until the process stops; the log tells the operator to
  set ``HUB_NOTION__WEBHOOK_VERIFICATION_TOKEN`` so it survives restarts. A configured token is never
  replaced by one arriving over the network.
* Events carry ``X-Notion-Signature: sha256=<hex HMAC-SHA256 of the raw body keyed with the token>``;
  a missing or wrong signature is 401, checked (in constant time) before the body is parsed.
* An event (``id``, ``timestamp``, ``type``, ``entity {id, type}``, ``data {parent {id, type,
  data_source_id?}}``, ``attempt_number``, ...) is a signal to re-read, never content. Page events
  (``page.created``, ``page.properties_updated``, ``page.content_updated``, ``page.moved``,
  ``page.deleted``, ``page.undeleted``, ``page.locked``, ...) signal the page under its data source
  (``data.parent.data_source_id``, else "page"); ``data_source.*`` events signal the whole data source.
  Comments, databases and file uploads are acknowledged and ignored: the hub mirrors none of them.
* Notion retries with the same event id (``attempt_number`` grows) and may deliver out of order; events
  seen before are answered 200 and not signalled again, and order does not matter for a re-read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.http.oauth_types import OAuthToken
from hub.settings import NotionSettings
from hub.webhooks.common import Change, EventLogProvider, SinkProvider, deliver, error, log, read_body

__all__ = ["NotionWebhook", "parse_event", "verify_notion_signature"]

_MAX_TOKEN = 512


def verify_notion_signature(body: bytes, header: str | None, verification_token: str) -> bool:
    """True when ``header`` is ``sha256=`` + the hex HMAC-SHA256 of ``body`` (constant-time compare)."""
    if not header:
        return False
    expected = "sha256=" + hmac.new(verification_token.encode(), body, hashlib.sha256).hexdigest()
    given = header.strip().lower().encode("latin-1", errors="replace")
    return hmac.compare_digest(expected.encode(), given)


def _handshake_token(payload: dict[str, Any]) -> str | None:
    token = payload.get("verification_token")
    if "type" in payload or not isinstance(token, str) or not 0 < len(token) <= _MAX_TOKEN:
        return None
    return token


def _data_source(payload: dict[str, Any]) -> str:
    data = payload.get("data")
    parent = data.get("parent") if isinstance(data, dict) else None
    if isinstance(parent, dict):
        if isinstance(parent.get("data_source_id"), str) and parent["data_source_id"]:
            return str(parent["data_source_id"])
        if parent.get("type") == "data_source" and isinstance(parent.get("id"), str):
            return str(parent["id"])
    return "page"


def parse_event(payload: Any) -> list[Change] | None:
    """The change an event signals ([] for kinds the hub ignores); None when it is not an event.

    >>> parse_event({"id": "e1", "type": "page.deleted", "entity": {"id": "p1", "type": "page"},
    ...              "data": {"parent": {"id": "db", "type": "database", "data_source_id": "ds"}}})
    [Change(key='e1', entity='ds', id='p1', deleted=True)]
    """
    if not isinstance(payload, dict):
        return None
    event_id, kind, entity = payload.get("id"), payload.get("type"), payload.get("entity")
    if not (isinstance(event_id, str) and event_id and isinstance(kind, str) and isinstance(entity, dict)):
        return None
    entity_id = entity.get("id")
    if not isinstance(entity_id, str) or not entity_id:
        return None
    if entity.get("type") == "page":
        return [Change(event_id, _data_source(payload), entity_id, deleted=kind == "page.deleted")]
    if entity.get("type") == "data_source":
        return [Change(event_id, entity_id, None)]
    return []


NOTION_WEBHOOK_CREDENTIAL = "notion:webhook-verification-token"
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)


async def load_received_token(store: Any) -> str | None:
    """The handshake token a hub kept (encrypted in the store), for ``hub webhooks notion-token``."""
    saved = await store.tokens.load(NOTION_WEBHOOK_CREDENTIAL) if store is not None else None
    return saved.access_token.get_secret_value() if saved is not None else None


class NotionWebhook:
    """The endpoint. Without a configured token, the first handshake token is kept encrypted in the
    store (credential ``notion:webhook-verification-token``) so it survives restarts and the operator can
    read it with ``hub webhooks notion-token`` to paste into Notion's verification dialog."""

    def __init__(self, settings: NotionSettings, sink: SinkProvider, events: EventLogProvider) -> None:
        self.settings, self.sink, self.events = settings, sink, events
        self.received_token: str | None = None

    @property
    def verification_token(self) -> str | None:
        configured = self.settings.webhook_verification_token
        return configured.get_secret_value() if configured is not None else self.received_token

    async def _token(self, request: Request) -> str | None:
        if self.verification_token is None:
            self.received_token = await load_received_token(_store(request))
        return self.verification_token

    async def _keep(self, request: Request, token: str) -> None:
        store = _store(request)
        if store is not None:
            await store.tokens.save(
                NOTION_WEBHOOK_CREDENTIAL,
                OAuthToken(access_token=SecretStr(token), refresh_token=None, expires_at=_NEVER),
            )

    def handshake(self, token: str) -> Response:
        if self.settings.webhook_verification_token is not None:
            log.warning(
                "notion webhook: a verification token arrived (not logged) but "
                "HUB_NOTION__WEBHOOK_VERIFICATION_TOKEN is already set and stays in use; if this is a new "
                "subscription, set the variable to its token and restart the hub"
            )
        elif self.received_token is None:
            self.received_token = token
            log.warning(
                "notion webhook: a verification token arrived (not logged) and is kept encrypted in the "
                "store; `hub webhooks notion-token` prints it for Notion's verification dialog"
            )
        elif not hmac.compare_digest(self.received_token.encode(), token.encode()):
            log.warning(
                "notion webhook: another verification token arrived (not logged) and was ignored; the first "
                "one stays in use until HUB_NOTION__WEBHOOK_VERIFICATION_TOKEN is set"
            )
        return JSONResponse({"ok": True})

    async def endpoint(self, request: Request) -> Response:
        """The request handler (a bound method, so Starlette passes it a Request)."""
        body = await read_body(request)
        if body is None:
            return error(413, "payload too large")
        signature = request.headers.get("x-notion-signature")
        if signature is not None:
            token = await self._token(request)
            if token is None or not verify_notion_signature(body, signature, token):
                return error(401, "invalid X-Notion-Signature")
        try:
            payload = json.loads(body)
        except ValueError:
            return error(400, "malformed JSON")
        if isinstance(payload, dict) and (token := _handshake_token(payload)) is not None:
            known = await self._token(request)  # Notion sends the handshake unsigned
            response = self.handshake(token)
            if known is None and self.received_token == token:
                await self._keep(request, token)
            return response
        if signature is None:
            return error(401, "missing X-Notion-Signature")
        changes = parse_event(payload)
        if changes is None:
            return error(400, "not a Notion webhook event")
        if not changes:
            return JSONResponse({"accepted": 0})
        task = BackgroundTask(deliver, "notion", changes, self.sink(request), self.events(request))
        return JSONResponse({"accepted": len(changes)}, background=task)


def _store(request: Request) -> Any:
    hub = getattr(request.app.state, "hub", None)
    store = getattr(hub, "store", None)
    return store if hasattr(getattr(store, "tokens", None), "load") else None
