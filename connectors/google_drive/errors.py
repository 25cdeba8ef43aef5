"""Reading Google API error bodies into the hub's error kinds.

Drive answers errors in Google's JSON shape (https://developers.google.com/workspace/drive/api/guides/
handle-errors)::

    {"error": {"code": 403, "message": "User Rate Limit Exceeded. …",
               "errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded", "message": "…"}],
               "status": "PERMISSION_DENIED"}}

Newer answers also carry ``details`` with a ``google.rpc.ErrorInfo`` (``"reason": "RATE_LIMIT_EXCEEDED"``).
The status alone misleads: Drive throttles with **403** ``userRateLimitExceeded``/``rateLimitExceeded``
as well as 429 (https://developers.google.com/workspace/drive/api/guides/limits), so the reason decides.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from hub.http import VendorError

__all__ = ["RATE_LIMIT_REASONS", "drive_vendor_errors", "error_reasons"]

RATE_LIMIT_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
# A token without the scope the call needs: the fix is re-authorising (or configuring) with it.
_AUTH_REASONS = frozenset({"authError", "insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                           "ACCESS_TOKEN_EXPIRED", "CREDENTIALS_MISSING"})
_RETRYABLE_REASONS = frozenset({"backendError", "internalError"})
_URL = re.compile(r"https?://\S+")


def _error_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def error_reasons(error: dict[str, Any]) -> list[str]:
    """Every ``reason`` in ``errors[]`` and ``details[]`` (ErrorInfo), in order."""
    reasons: list[str] = []
    for key in ("errors", "details"):
        items = error.get(key)
        if isinstance(items, list):
            reasons += [i["reason"] for i in items
                        if isinstance(i, dict) and isinstance(i.get("reason"), str)]
    return reasons


def drive_vendor_errors(response: httpx.Response) -> VendorError | None:
    """``vendor_errors`` parser for the Drive ``SourceClient``.

    The message is the first reason plus Google's message with URLs removed (quota messages link the
    Cloud console with the project number); ``classify`` clips it.
    """
    error = _error_object(response)
    if error is None:
        return None
    reasons = error_reasons(error)
    status = error.get("status")
    reason = reasons[0] if reasons else (status if isinstance(status, str) else None)
    kind: str | None = None
    if any(r in RATE_LIMIT_REASONS for r in reasons):
        kind, reason = "rate_limited", next(r for r in reasons if r in RATE_LIMIT_REASONS)
    elif any(r in _AUTH_REASONS for r in reasons):
        kind = "auth"
    elif response.status_code >= 500 or any(r in _RETRYABLE_REASONS for r in reasons):
        kind = "retryable"
    raw = error.get("message")
    text = " ".join(_URL.sub("", raw).split()) if isinstance(raw, str) else ""
    message = f"{reason}: {text}" if reason and text else (reason or text or "error")
    return VendorError(message=message, code=reason, kind=kind)
