"""The webhook routes the hub app mounts, and how they find the running hub's change sink and event log.

>>> from hub.settings import Settings
>>> [route.path for route in webhook_routes(Settings())]
['/webhooks/quickbooks', '/webhooks/notion']
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.routing import Route

from hub.settings import Settings
from hub.webhooks.common import ChangeSink, EventLog, MemoryEventLog
from hub.webhooks.notion import NotionWebhook
from hub.webhooks.quickbooks import QuickBooksWebhook

__all__ = ["hub_change_sink", "hub_event_log", "webhook_routes"]


def hub_change_sink(request: Request) -> ChangeSink | None:
    """``request.app.state.hub.changes``, or None while the hub has none (events are then not signalled)."""
    sink = getattr(getattr(request.app.state, "hub", None), "changes", None)
    return sink if callable(getattr(sink, "on_change", None)) else None


def hub_event_log(request: Request) -> EventLog | None:
    """``request.app.state.hub.store.outbox`` when it can tell seen events (``seen``), else None."""
    store = getattr(getattr(request.app.state, "hub", None), "store", None)
    outbox = getattr(store, "outbox", None)
    return outbox if callable(getattr(outbox, "seen", None)) else None


def webhook_routes(
    settings: Settings,
    sink_provider: Callable[[Request], ChangeSink | None] = hub_change_sink,
    event_log_provider: Callable[[Request], EventLog | None] = hub_event_log,
) -> list[Route]:
    """``POST /webhooks/quickbooks`` and ``POST /webhooks/notion``.

    The providers are asked per request; when the event log provider has none, a bounded in-memory log
    (one per call of this function) de-duplicates instead.
    """
    fallback = MemoryEventLog()

    def events(request: Request) -> EventLog:
        return event_log_provider(request) or fallback

    quickbooks = QuickBooksWebhook(settings.quickbooks, sink_provider, events)
    notion = NotionWebhook(settings.notion, sink_provider, events)
    return [
        Route("/webhooks/quickbooks", quickbooks.endpoint, methods=["POST"]),
        Route("/webhooks/notion", notion.endpoint, methods=["POST"]),
    ]
