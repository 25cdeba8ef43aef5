"""Vendor webhooks into the hub: ``POST /webhooks/quickbooks`` and ``POST /webhooks/notion``.

Each verifies the vendor's signature, answers at once, and afterwards tells the hub's change sink which
records to re-read (events seen before are dropped). ``webhook_routes(settings)`` gives the routes.
"""

from __future__ import annotations

from hub.webhooks.common import Change, ChangeSink, EventLog, MemoryEventLog
from hub.webhooks.notion import NotionWebhook, verify_notion_signature
from hub.webhooks.quickbooks import QuickBooksWebhook, verify_intuit_signature
from hub.webhooks.routes import hub_change_sink, hub_event_log, webhook_routes

__all__ = [
    "Change",
    "ChangeSink",
    "EventLog",
    "MemoryEventLog",
    "NotionWebhook",
    "QuickBooksWebhook",
    "hub_change_sink",
    "hub_event_log",
    "verify_intuit_signature",
    "verify_notion_signature",
    "webhook_routes",
]
