"""Serve the simulators on loopback and say how to point the hub at them.

``hub demo`` and the benchmarks use this; connectors only ever see the base URLs it hands out.
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette

from hub.sandbox.drive import create_drive_app
from hub.sandbox.faults import Faults
from hub.sandbox.notion import create_notion_app
from hub.sandbox.odoo import create_odoo_app
from hub.sandbox.quickbooks import create_quickbooks_app
from hub.sandbox.seed import (
    NOTION_ORDERS_DATA_SOURCE_ID,
    NOTION_PIPELINE_DATA_SOURCE_ID,
    NOTION_SANDBOX_TOKEN,
    QUICKBOOKS_CLIENT_ID,
    QUICKBOOKS_CLIENT_SECRET,
    QUICKBOOKS_REALM_ID,
    build_shop,
)
from hub.sandbox.seed_documents import (
    DRIVE_CLIENTS_FOLDER_ID,
    DRIVE_SHARED_DRIVE_ID,
    DRIVE_TEMPLATE_ID,
    build_documents,
    service_account_info,
)
from hub.sandbox.seed_inventory import ODOO_API_KEY, ODOO_DATABASE, ODOO_LOGIN
from hub.sandbox.webhooks import (
    SANDBOX_NOTION_VERIFICATION_TOKEN,
    SANDBOX_QUICKBOOKS_VERIFIER_TOKEN,
    NotionWebhookSender,
    QuickBooksWebhookSender,
)
from hub.settings import SandboxSettings

__all__ = ["SandboxServers", "free_port", "sandbox_apps", "sandbox_settings", "webhook_senders"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def webhook_senders(
    hub_url: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[QuickBooksWebhookSender, NotionWebhookSender]:
    """Senders that deliver the simulators' webhooks to the hub at ``hub_url``, signed with the
    tokens ``sandbox_settings`` gives the hub."""
    base = hub_url.rstrip("/")
    return (
        QuickBooksWebhookSender(
            f"{base}/webhooks/quickbooks", SANDBOX_QUICKBOOKS_VERIFIER_TOKEN, transport=transport
        ),
        NotionWebhookSender(
            f"{base}/webhooks/notion", SANDBOX_NOTION_VERIFICATION_TOKEN, transport=transport
        ),
    )


def sandbox_apps(
    settings: SandboxSettings | None = None,
    *,
    webhooks: tuple[QuickBooksWebhookSender, NotionWebhookSender] | None = None,
) -> dict[str, Starlette]:
    """One simulator app per source, seeded with the costume shop, fault knobs from settings; with
    ``webhooks`` (see ``webhook_senders``) QuickBooks and Notion send signed webhooks on every write."""
    settings = settings or SandboxSettings()
    qbo_hooks, notion_hooks = webhooks or (None, None)
    shop = build_shop()
    notion_faults = Faults(**settings.notion.model_dump())
    qbo_faults = Faults(**settings.quickbooks.model_dump())
    return {
        "notion": create_notion_app(
            shop, faults=notion_faults, enforce_rate_limit=settings.enforce_rate_limits, webhooks=notion_hooks
        ),
        "quickbooks": create_quickbooks_app(
            shop.quickbooks_customers,
            faults=qbo_faults,
            enforce_rate_limit=settings.enforce_rate_limits,
            webhooks=qbo_hooks,
        ),
        # The workshop's dates are relative to today, so the demo always has work in the coming weeks.
        "odoo": create_odoo_app(faults=Faults(**settings.odoo.model_dump())),
        # Drive also answers the Docs API (/v1/documents) and Google's token endpoint (/token).
        "google_drive": create_drive_app(
            build_documents(shop),
            faults=Faults(**settings.drive.model_dump()),
            enforce_rate_limit=settings.enforce_rate_limits,
        ),
    }


def sandbox_settings(urls: dict[str, str]) -> dict[str, Any]:
    """Settings (as keyword arguments for ``Settings``) that point the hub at simulators at ``urls``.

    Google Drive is configured only when ``urls`` has it, as "google_drive" (the app's name) or "drive"
    (the name of ``hub sandbox --drive-port``).
    """
    qbo = urls["quickbooks"].rstrip("/")
    values: dict[str, Any] = {
        "notion": {
            "base_url": urls["notion"],
            "token": NOTION_SANDBOX_TOKEN,
            "webhook_verification_token": SANDBOX_NOTION_VERIFICATION_TOKEN,
            "orders_data_source_id": NOTION_ORDERS_DATA_SOURCE_ID,
            "pipeline_data_source_id": NOTION_PIPELINE_DATA_SOURCE_ID,
        },
        "quickbooks": {
            "base_url": qbo,
            "token_url": f"{qbo}/oauth2/v1/tokens/bearer",
            "authorize_url": f"{qbo}/connect/oauth2",
            "client_id": QUICKBOOKS_CLIENT_ID,
            "client_secret": QUICKBOOKS_CLIENT_SECRET,
            "realm_id": QUICKBOOKS_REALM_ID,
            "environment": "sandbox",
            "webhook_verifier_token": SANDBOX_QUICKBOOKS_VERIFIER_TOKEN,
        },
        "odoo": {
            "enabled": True,
            "base_url": urls["odoo"],
            "database": ODOO_DATABASE,
            "api_key": ODOO_API_KEY,
            "login": ODOO_LOGIN,
        },
    }
    drive = urls.get("google_drive") or urls.get("drive")
    if drive:
        drive = drive.rstrip("/")
        values["google_drive"] = {
            "enabled": True,
            "base_url": drive,
            "docs_base_url": drive,  # the simulator serves the Docs API's /v1/documents too
            "token_url": f"{drive}/token",
            "service_account_json": json.dumps(service_account_info()),
            "shared_drive_id": DRIVE_SHARED_DRIVE_ID,
            "clients_folder_id": DRIVE_CLIENTS_FOLDER_ID,
            "proposal_template_id": DRIVE_TEMPLATE_ID,
        }
    return values


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
    _senders: tuple[QuickBooksWebhookSender, NotionWebhookSender] | None = None

    async def start(
        self, ports: dict[str, int] | None = None, *, hub_url: str | None = None
    ) -> dict[str, str]:
        """Serve every simulator; with ``hub_url`` they send their webhooks to that hub."""
        self._senders = webhook_senders(hub_url) if hub_url else None
        self.apps = sandbox_apps(self.settings, webhooks=self._senders)
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
        for sender in self._senders or ():
            await sender.aclose()
