"""The contract between OAuth auth flows (``hub.http.oauth``) and wherever tokens are persisted."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import SecretStr

__all__ = ["OAuthToken", "TokenStore"]


@dataclass(frozen=True)
class OAuthToken:
    access_token: SecretStr
    refresh_token: SecretStr | None
    expires_at: datetime  # timezone-aware UTC
    refresh_expires_at: datetime | None = None
    version: int = 0  # bumped by the store on every save; tells a waiter someone else refreshed


class TokenStore(Protocol):
    """Persists one credential per ``key`` (``quickbooks:<realmId>``), encrypted at rest."""

    async def load(self, key: str) -> OAuthToken | None: ...

    async def save(self, key: str, token: OAuthToken) -> OAuthToken:
        """Persist and return the token with its new ``version``."""
        ...

    def refresh_lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """Held while refreshing: one refresh at a time per credential, across processes too."""
        ...
