"""Helpers for the webhook tests: a sink that records signals, the vendors' signatures."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Sequence

from hub.sandbox.seed import QUICKBOOKS_REALM_ID

QBO_TOKEN = "intuit-verifier-token-for-tests"
NOTION_TOKEN = "secret_notionVerificationTokenForTests"
REALM = QUICKBOOKS_REALM_ID
OTHER_REALM = "1234567890"


class RecordingSink:
    """A ChangeSink that records each signal; ``await sink.signalled()`` waits for the next one."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[str], bool]] = []
        self._event = asyncio.Event()

    async def on_change(self, source: str, entity: str, ids: Sequence[str], *, deleted: bool = False) -> None:
        self.calls.append((source, entity, list(ids), deleted))
        self._event.set()

    async def signalled(self) -> list[tuple[str, str, list[str], bool]]:
        """Wait until a signal arrived since the last call (a guard timeout, never a timing assertion)."""
        await asyncio.wait_for(self._event.wait(), timeout=10)
        self._event.clear()
        return self.calls


def intuit_signature(body: bytes, token: str = QBO_TOKEN) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def notion_signature(body: bytes, token: str = NOTION_TOKEN) -> str:
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()
