"""Serve the simulators on loopback and say how to point the hub at them.

``hub demo`` and the benchmarks use this; connectors only ever see the base URLs it hands out.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette

from hub.sandbox.faults import Faults
from hub.sandbox.notion import create_notion_app
from hub.sandbox.odoo import create_odoo_app
from hub.sandbox.quickbooks import create_quickbooks_app
from hub.sandbox.seed import (
    NOTION_SANDBOX_TOKEN,
    QUICKBOOKS_CLIENT_ID,
    QUICKBOOKS_CLIENT_SECRET,
    QUICKBOOKS_REALM_ID,
    build_shop,
)
from hub.sandbox.seed_inventory import ODOO_API_KEY, ODOO_DATABASE, ODOO_LOGIN
from hub.settings import SandboxSettings

__all__ = ["SandboxServers", "free_port", "sandbox_apps", "sandbox_settings"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def sandbox_apps(settings: SandboxSettings | None = None) -> dict[str, Starlette]:
    """One simulator app per source, seeded with the costume shop, fault knobs from settings."""
    settings = settings or SandboxSettings()
    shop = build_shop()
    notion_faults = Faults(**settings.notion.model_dump())
    qbo_faults = Faults(**settings.quickbooks.model_dump())
    return {
        "notion": create_notion_app(
            shop, faults=notion_faults, enforce_rate_limit=settings.enforce_rate_limits
        ),
        "quickbooks": create_quickbooks_app(
            shop.quickbooks_customers, faults=qbo_faults, enforce_rate_limit=settings.enforce_rate_limits
        ),
        # The workshop's dates are relative to today, so the demo always has work in the coming weeks.
        "odoo": create_odoo_app(faults=Faults(**settings.odoo.model_dump())),
    }


def sandbox_settings(urls: dict[str, str]) -> dict[str, Any]:
    """Settings (as keyword arguments for ``Settings``) that point the hub at simulators at ``urls``."""
    qbo = urls["quickbooks"].rstrip("/")
    return {
        "notion": {"base_url": urls["notion"], "token": NOTION_SANDBOX_TOKEN},
        "quickbooks": {
            "base_url": qbo,
            "token_url": f"{qbo}/oauth2/v1/tokens/bearer",
            "authorize_url": f"{qbo}/connect/oauth2",
            "client_id": QUICKBOOKS_CLIENT_ID,
            "client_secret": QUICKBOOKS_CLIENT_SECRET,
            "realm_id": QUICKBOOKS_REALM_ID,
            "environment": "sandbox",
        },
        "odoo": {
            "enabled": True,
            "base_url": urls["odoo"],
            "database": ODOO_DATABASE,
            "api_key": ODOO_API_KEY,
            "login": ODOO_LOGIN,
        },
    }


async def sandbox_authorization_code(
    authorize_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[str, str]:
    """Walk the simulator's consent screen (it approves at once) and return ``(code, realmId)``."""
    params = {
        "client_id": client_id,
        "response_type": "code",
        "scope": scopes,
        "redirect_uri": redirect_uri,
        "state": "sandbox",
    }
    async with httpx.AsyncClient(transport=transport, follow_redirects=False) as client:
        response = await client.get(f"{authorize_url}?{urlencode(params)}")
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return query["code"][0], query["realmId"][0]


@dataclass
class SandboxServers:
    """The simulators served by uvicorn in this event loop, each on its own loopback port."""

    host: str = "127.0.0.1"
    settings: SandboxSettings = field(default_factory=SandboxSettings)
    apps: dict[str, Starlette] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    _servers: list[uvicorn.Server] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self, ports: dict[str, int] | None = None) -> dict[str, str]:
        self.apps = sandbox_apps(self.settings)
        for name, app in self.apps.items():
            port = (ports or {}).get(name) or free_port(self.host)
            server = uvicorn.Server(
                uvicorn.Config(
                    app, host=self.host, port=port, log_level="warning", lifespan="off", access_log=False
                )
            )
            self._servers.append(server)
            self._tasks.append(asyncio.create_task(server.serve()))
            self.urls[name] = f"http://{self.host}:{port}"
        for _ in range(200):
            if all(s.started for s in self._servers):
                break
            await asyncio.sleep(0.02)
        else:
            raise RuntimeError("sandbox simulators did not start")
        return self.urls

    async def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        await asyncio.gather(*self._tasks, return_exceptions=True)
