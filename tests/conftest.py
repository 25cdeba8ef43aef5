"""Shared fixtures: the sandboxed shop behind a running hub, reached through its HTTP endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.app import create_app
from hub.authorise import authorise_quickbooks
from hub.sandbox.runner import sandbox_apps, sandbox_authorization_code, sandbox_settings, webhook_senders
from hub.settings import SandboxSettings, Settings
from hub.store import Store

# The connectors get the vendors' real hosts; only the transport underneath is the simulator.
VENDOR_URLS = {
    "notion": "https://api.notion.com",
    "quickbooks": "https://sandbox-quickbooks.api.intuit.com",
    "odoo": "https://costume-shop.odoo.com",
    "google_drive": "https://www.googleapis.com",
}


@dataclass
class HubUnderTest:
    client: httpx.AsyncClient
    app: Starlette
    sims: dict[str, Starlette]
    settings: Settings
    senders: tuple[Any, ...] = ()

    async def webhooks_delivered(self) -> None:
        """Wait until every webhook the simulators sent so far was answered (and acted on)."""
        for sender in self.senders:
            await sender.drain()

    @property
    def metrics(self):  # noqa: ANN201
        return self.app.state.hub.upstreams.metrics

    def upstream(self, source: str | None = None) -> int:
        return self.metrics.count(source)

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        return response.json()


def hub_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = sandbox_settings(VENDOR_URLS)
    values["database_url"] = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    values["http"] = {"backoff_base": 0.0, "max_retry_wait": 2.0, "max_attempts": 3}
    values.update(overrides)
    return Settings(**values)


async def start_hub(tmp_path: Path, *, authorise: bool = True, sandbox: SandboxSettings | None = None,
                    webhooks: bool = False, **overrides: Any) -> AsyncIterator[HubUnderTest]:
    """A hub over fresh simulators; with ``webhooks`` the simulators deliver signed webhooks to it."""
    senders = webhook_senders("http://hub.test") if webhooks else None
    sims = sandbox_apps(sandbox or SandboxSettings(), webhooks=senders)
    transports: dict[str, httpx.AsyncBaseTransport] = {n: httpx.ASGITransport(app=a) for n, a in sims.items()}
    settings = hub_settings(tmp_path, **overrides)
    if authorise:
        q = settings.quickbooks
        code, realm = await sandbox_authorization_code(
            q.authorize_url, client_id=q.client_id or "", redirect_uri=q.redirect_uri, scopes=q.scopes,
            transport=transports["quickbooks"])
        store = await Store.open(settings.database_url, secret_key=settings.secret_key)
        try:
            await authorise_quickbooks(settings, store, code=code, realm_id=realm, transports=transports)
        finally:
            await store.close()
    app = create_app(settings, transports=transports)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        for sender in senders or ():
            sender.transport = transport
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield HubUnderTest(client, app, sims, settings, senders or ())
        for sender in senders or ():
            await sender.aclose()


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[HubUnderTest]:
    async for h in start_hub(tmp_path):
        yield h
