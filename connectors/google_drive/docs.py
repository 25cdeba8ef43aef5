"""Google Docs API v1: fill a document's placeholders with ``documents.batchUpdate`` + ``replaceAllText``.

Docs is another host (``https://docs.googleapis.com``) with its own quota — 60 write requests per minute
per user, 600 per project (https://developers.google.com/workspace/docs/api/limits) — but the same Google
credential, and its errors are Google's JSON shape (``drive_vendor_errors`` reads them; Docs throttles
with 429 ``RESOURCE_EXHAUSTED``). So it gets its own ``SourceClient`` and rate budget, under the Drive
*source* name: one Google integration for health, breaker, metrics and test transports::

    docs = GoogleDocs(upstreams.client("google_drive", "https://docs.googleapis.com",
                                       budget_key=DOCS_BUDGET_KEY, limits=GoogleDocs.limits(), auth=auth,
                                       **GoogleDocs.client_options()))
    await docs.replace_all_text("1DoC", {"{{customer}}": "Maya Ortiz"})

The merge recipe (copy a template, replace its placeholders) is Google's own:
https://developers.google.com/workspace/docs/api/how-tos/merge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors.google_drive.errors import drive_vendor_errors
from hub.errors import UpstreamBadResponse
from hub.http import Limit, SourceClient

__all__ = ["DOCS_BUDGET_KEY", "GoogleDocs"]

DOCS_BUDGET_KEY = "google_docs"
_DOCUMENT_ID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$")


class GoogleDocs:
    """The Docs API calls the hub makes: placeholder replacement in a (copied) Google Doc."""

    def __init__(self, client: SourceClient) -> None:
        self._client = client

    @staticmethod
    def client_options() -> dict[str, Any]:
        """Keyword arguments for ``Upstreams.client`` when building the Docs ``SourceClient``."""
        return {"headers": {"Accept": "application/json"}, "vendor_errors": drive_vendor_errors}

    @staticmethod
    def limits() -> list[Limit]:
        """The Docs write quota per user: 60 a minute (a sliding window, as Google counts it)."""
        return [Limit(60, 60.0)]

    @property
    def source(self) -> str:
        return self._client.source

    async def replace_all_text(self, document_id: str, replacements: Mapping[str, str]) -> dict[str, int]:
        """Replace every occurrence of each key by its value (case-sensitive), in one atomic batch.

        Returns how many occurrences each key replaced (0 when the text no longer has it, e.g. on a
        resumed run after the first one filled the document). Sent once, never retried blindly: a
        replacement may itself contain text another request searches for.
        """
        if not _DOCUMENT_ID.match(document_id) or document_id in {".", ".."}:
            raise ValueError(f"not a Google Docs document id: {document_id!r}")
        if not replacements:
            raise ValueError("replace_all_text needs at least one replacement")
        if any(not needle for needle in replacements):
            raise ValueError("replace_all_text cannot search for empty text")
        needles = list(replacements)
        requests = [{"replaceAllText": {"containsText": {"text": needle, "matchCase": True},
                                        "replaceText": replacements[needle]}} for needle in needles]
        endpoint = "documents.batchUpdate"
        body = await self._client.json("POST", f"/v1/documents/{document_id}:batchUpdate", endpoint=endpoint,
                                       idempotent=False, json={"requests": requests})
        replies = body.get("replies") if isinstance(body, dict) else None
        if not isinstance(replies, list) or len(replies) != len(needles):
            raise UpstreamBadResponse(self.source, f"{endpoint} answer has no reply per request")
        counts: dict[str, int] = {}
        for needle, reply in zip(needles, replies, strict=True):
            # An empty reply ({} or {"replaceAllText": {}}) means nothing matched: proto3 omits zeros.
            found = reply.get("replaceAllText", {}) if isinstance(reply, dict) else None
            changed = found.get("occurrencesChanged", 0) if isinstance(found, dict) else None
            if isinstance(changed, bool) or not isinstance(changed, int):
                raise UpstreamBadResponse(self.source, f"{endpoint} reply has an unexpected shape")
            counts[needle] = changed
        return counts
