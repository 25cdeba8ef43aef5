"""The quote commands against the seeded simulators, with connectors built as the hub builds them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from connectors.notion import NotionConnector
from connectors.quickbooks import QuickBooksConnector
from hub.authorise import authorise_quickbooks
from hub.commands import QuoteCommands
from hub.http import Upstreams
from hub.runtime import build_sources
from hub.sandbox.runner import sandbox_apps, sandbox_authorization_code, sandbox_settings
from hub.sandbox.seed import (
    EXPECTED_LINKS,
    NOTION_CLIENTS_DATA_SOURCE_ID,
    NOTION_ORDERS_DATA_SOURCE_ID,
    NOTION_PIPELINE_DATA_SOURCE_ID,
)
from hub.settings import SandboxSettings
from hub.store import Store
from tests.conftest import VENDOR_URLS, hub_settings

# A customer known to both systems: (Notion client page id, QuickBooks customer id).
CLIENT_PAGE, CUSTOMER = next(iter(EXPECTED_LINKS.items()))


@dataclass
class Sales:
    store: Store
    upstreams: Upstreams
    qbo: QuickBooksConnector
    notion: NotionConnector
    sims: dict[str, Starlette]
    quotes: QuoteCommands

    def upstream(self, source: str | None = None, endpoint: str | None = None) -> int:
        return self.upstreams.metrics.count(source, endpoint)

    @property
    def estimates(self) -> dict[str, dict[str, Any]]:
        return self.sims["quickbooks"].state.tables["Estimate"]

    def pages(self, data_source_id: str) -> list[dict[str, Any]]:
        return list(self.sims["notion"].state.shop.pages_in(data_source_id))

    def deals(self) -> list[dict[str, Any]]:
        return self.pages(NOTION_PIPELINE_DATA_SOURCE_ID)

    def orders(self) -> list[dict[str, Any]]:
        return self.pages(NOTION_ORDERS_DATA_SOURCE_ID)

    def page(self, page_id: str) -> dict[str, Any]:
        return self.sims["notion"].state.shop.notion_pages[page_id]

    def commands(self, **kwargs: Any) -> QuoteCommands:
        """Another ``QuoteCommands`` on the same store and connectors (e.g. with a proposal maker)."""
        notion = kwargs.pop("notion", self.notion)
        return QuoteCommands(self.store.outbox, self.qbo, notion, NOTION_ORDERS_DATA_SOURCE_ID,
                             NOTION_PIPELINE_DATA_SOURCE_ID, **kwargs)


def text(page: dict[str, Any], name: str) -> Any:
    """A simulator page's property as a plain value (text, option name, number, ids)."""
    prop = page["properties"][name]
    inner = prop[prop["type"]]
    if prop["type"] in ("title", "rich_text"):
        return "".join(t["plain_text"] for t in inner) or None
    if prop["type"] in ("select", "status"):
        return inner and inner["name"]
    if prop["type"] == "relation":
        return [r["id"] for r in inner]
    return inner


@pytest.fixture
async def sales(tmp_path: Path) -> AsyncIterator[Sales]:
    sims = sandbox_apps(SandboxSettings(enforce_rate_limits=False))
    transports: dict[str, httpx.AsyncBaseTransport] = {n: httpx.ASGITransport(app=a) for n, a in sims.items()}
    base = sandbox_settings(VENDOR_URLS)
    settings = hub_settings(
        tmp_path,
        notion={**base["notion"], "rate_per_second": 1000, "rate_burst": 1000,
                "orders_data_source_id": NOTION_ORDERS_DATA_SOURCE_ID,
                "pipeline_data_source_id": NOTION_PIPELINE_DATA_SOURCE_ID},
        quickbooks={**base["quickbooks"], "rate_per_second": 1000, "rate_per_minute": 100000},
    )
    q = settings.quickbooks
    code, realm = await sandbox_authorization_code(
        q.authorize_url, client_id=q.client_id or "", redirect_uri=q.redirect_uri, scopes=q.scopes,
        transport=transports["quickbooks"])
    store = await Store.open(settings.database_url, secret_key=settings.secret_key)
    await authorise_quickbooks(settings, store, code=code, realm_id=realm, transports=transports)
    upstreams = Upstreams(settings.http, transports=transports)
    sources = build_sources(settings, upstreams, store)
    qbo, notion = sources["quickbooks"], sources["notion"]
    assert isinstance(qbo, QuickBooksConnector) and isinstance(notion, NotionConnector)
    quotes = QuoteCommands(store.outbox, qbo, notion, NOTION_ORDERS_DATA_SOURCE_ID,
                           NOTION_PIPELINE_DATA_SOURCE_ID)
    try:
        yield Sales(store, upstreams, qbo, notion, sims, quotes)
    finally:
        await upstreams.aclose()
        await store.close()


__all__ = ["CLIENT_PAGE", "CUSTOMER", "NOTION_CLIENTS_DATA_SOURCE_ID", "Sales", "text"]
