"""Turning an OAuth authorization code into stored, encrypted credentials (``hub auth``, ``hub demo``)."""

from __future__ import annotations

import httpx

from hub.errors import ConfigError
from hub.http import Upstreams
from hub.http.oauth import exchange_authorization_code, token_endpoint_client
from hub.runtime import quickbooks_credential_key
from hub.settings import Settings
from hub.store import Store

__all__ = ["authorise_quickbooks"]


async def authorise_quickbooks(settings: Settings, store: Store, *, code: str, realm_id: str,
                               transports: dict[str, httpx.AsyncBaseTransport] | None = None) -> str:
    """Exchange ``code`` for tokens and persist them; returns the credential key."""
    q = settings.quickbooks
    if not q.client_id or q.client_secret is None:
        raise ConfigError("set HUB_QUICKBOOKS__CLIENT_ID and HUB_QUICKBOOKS__CLIENT_SECRET first")
    if q.realm_id and realm_id != q.realm_id:
        raise ConfigError(f"QuickBooks authorised company {realm_id}, but HUB_QUICKBOOKS__REALM_ID is "
                          f"{q.realm_id}; set it to the company you mean to connect")
    upstreams = Upstreams(settings.http, transports=transports)
    try:
        client = token_endpoint_client(upstreams, "quickbooks", q.token_url)
        token = await exchange_authorization_code(
            client, token_url=q.token_url, client_id=q.client_id, client_secret=q.client_secret,
            code=code, redirect_uri=q.redirect_uri)
    finally:
        await upstreams.aclose()
    key = quickbooks_credential_key(realm_id)
    await store.tokens.save(key, token)
    return key
