"""The invoice sync against the seeded simulators, behind a running hub (``tests.conftest.start_hub``).

``Shop`` reaches the simulators as a person in the shop would change them (Notion pages PATCHed through
the Notion API) and counts what QuickBooks holds by reading the simulator's own tables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.runtime import Hub
from hub.sandbox.runner import sandbox_settings
from hub.sandbox.seed import NOTION_ORDERS_DATA_SOURCE_ID, NOTION_SANDBOX_TOKEN
from hub.settings import SandboxSettings
from hub.sync import marker
from tests.conftest import VENDOR_URLS, HubUnderTest, start_hub

# The seed's two delivered orders: Lyric Opera House's season builds (no quote), billed on the default item.
DELIVERED = {"SO-1001": Decimal("3087.00"), "SO-1002": Decimal("3224.00")}
LYRIC_QBO = "54"


def plain(page: dict[str, Any], name: str) -> Any:
    prop = page["properties"][name]
    inner = prop[prop["type"]]
    if prop["type"] in ("title", "rich_text"):
        return "".join(t["plain_text"] for t in inner) or None
    if prop["type"] in ("select", "status"):
        return inner and inner["name"]
    if prop["type"] == "relation":
        return [r["id"] for r in inner]
    return inner


class Shop:
    """The simulators behind ``h``: Notion orders by title, QuickBooks invoices by order."""

    def __init__(self, h: HubUnderTest) -> None:
        self.h = h

    @property
    def hub(self) -> Hub:
        return self.h.app.state.hub  # type: ignore[no-any-return]

    @property
    def qbo(self) -> Any:
        return self.h.sims["quickbooks"].state

    @property
    def invoices(self) -> dict[str, dict[str, Any]]:
        return self.qbo.tables["Invoice"]  # type: ignore[no-any-return]

    def orders(self) -> dict[str, dict[str, Any]]:
        pages = self.h.sims["notion"].state.shop.pages_in(NOTION_ORDERS_DATA_SOURCE_ID)
        return {plain(p, "Order"): p for p in pages}

    def order(self, title: str) -> dict[str, Any]:
        return self.orders()[title]

    def invoices_of(self, title: str) -> list[dict[str, Any]]:
        """The QuickBooks invoices the sync made for order ``title`` (found by their marker)."""
        mark = marker(self.order(title)["id"])
        return [i for i in self.invoices.values() if mark in str(i.get("PrivateNote") or "")]

    async def patch(self, title: str, properties: dict[str, Any]) -> None:
        """PATCH order ``title`` through the Notion API (``properties`` in Notion's request shape)."""
        headers = {"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}", "Notion-Version": "2025-09-03"}
        transport = httpx.ASGITransport(app=self.h.sims["notion"])
        async with httpx.AsyncClient(
            transport=transport, base_url="https://api.notion.com", headers=headers
        ) as http:
            page_id = self.order(title)["id"]
            response = await http.patch(f"/v1/pages/{page_id}", json={"properties": properties})
            assert response.status_code == 200, response.text

    async def deliver(self, *titles: str, **extra: Any) -> None:
        """Set orders to Delivered (and any other ``extra`` properties, Notion request shape)."""
        for title in titles:
            await self.patch(title, {"Status": {"status": {"name": "Delivered"}}, **extra})


async def shop_hub(tmp_path: Path, **overrides: Any) -> AsyncIterator[Shop]:
    """A hub over fresh simulators; rate limits off (the sandbox's and the hub's Notion budget of 3/s),
    since these tests count what is written, not how fast."""
    sandbox = overrides.pop("sandbox", SandboxSettings(enforce_rate_limits=False))
    notion = {**sandbox_settings(VENDOR_URLS)["notion"], "rate_per_second": 1000.0, "rate_burst": 1000}
    overrides.setdefault("notion", notion)
    async for h in start_hub(tmp_path, sandbox=sandbox, **overrides):
        yield Shop(h)


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    async for s in shop_hub(tmp_path):
        yield s
