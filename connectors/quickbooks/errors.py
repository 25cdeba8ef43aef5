"""Reading QuickBooks Online ``Fault`` bodies into the hub's error kinds.

Shapes seen on the wire (https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/
error-codes)::

    400  {"Fault": {"Error": [{"Message": "Stale Object Error", "Detail": "…", "code": "5010"}],
                    "type": "ValidationFault"}, "time": "…"}
    401  {"fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                               "detail": "Token expired: …", "code": "3200"}], "type": "AUTHENTICATION"}, …}
    429  {"Fault": {"Error": [{"Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                               "code": "003001"}], "type": "SERVICE"}, …}

Intuit also documents that a 200 may carry a ``Fault`` ("The request succeeded. However, the response
body may contain a Fault element"), so successful bodies are checked too (``fault_error``).
"""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
from pydantic import ValidationError

from connectors.quickbooks.models import Fault
from hub.errors import (
    UpstreamAuthError,
    UpstreamError,
    UpstreamFatal,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRetryable,
)
from hub.http import VendorError

__all__ = ["OBJECT_NOT_FOUND", "STALE_OBJECT", "fault_error", "fault_kind", "quickbooks_vendor_errors"]

STALE_OBJECT = "5010"  # SyncToken conflict: the caller re-reads and re-applies
_AUTH_CODES = frozenset({"3200", "003200", "3201", "3202"})
_THROTTLE_CODES = frozenset({"3001", "003001"})
OBJECT_NOT_FOUND = "610"  # QBO answers a read or write of a missing/inactive object with 400 + 610


def fault_kind(fault: Fault) -> str | None:
    """The hub error kind a fault asks for, when it says more than the HTTP status does."""
    code = (fault.code or "").strip()
    text = " ".join(f"{e.Message or ''} {e.Detail or ''}" for e in fault.Error)
    fault_type = (fault.type or "").lower()
    if code in _THROTTLE_CODES or "ThrottleExceeded" in text:
        return "rate_limited"  # older answers signalled throttling with 403, not 429
    if code in _AUTH_CODES or fault_type in {"authentication", "authenticationfault"}:
        return "auth"
    if code.lstrip("0") == STALE_OBJECT:
        return "fatal"
    if code.lstrip("0") == OBJECT_NOT_FOUND:
        return "not_found"
    return None


def _parse(content: bytes) -> Fault | None:
    try:
        body = json.loads(content, parse_float=Decimal)
        return Fault.from_body(body)
    except (ValueError, ValidationError):
        return None


def quickbooks_vendor_errors(response: httpx.Response) -> VendorError | None:
    """``vendor_errors`` parser for the QBO ``SourceClient``: message, code and kind from a Fault body."""
    fault = _parse(response.content)
    if fault is None:
        return None
    return VendorError(message=fault.summary, code=fault.code, kind=fault_kind(fault))


def fault_error(source: str, endpoint: str, fault: Fault, *, status: int = 200) -> UpstreamError:
    """The error for a Fault that arrived in a successful (2xx) body.

    Without a status to go by, an unrecognised fault type decides: ``SystemFault`` is retryable,
    anything else (``ValidationFault``…) fatal.
    """
    kind = fault_kind(fault)
    if kind is None:
        kind = "retryable" if (fault.type or "").lower() in {"systemfault", "system"} else "fatal"
    message = f"Fault in HTTP {status} answer from {endpoint}: {fault.summary}"
    if len(message) > 300:
        message = message[:299] + "…"
    if kind == "rate_limited":
        return UpstreamRateLimited(source, message, status=status, vendor_code=fault.code)
    cls: type[UpstreamError] = {
        "auth": UpstreamAuthError, "retryable": UpstreamRetryable, "not_found": UpstreamNotFound,
    }.get(kind, UpstreamFatal)
    return cls(source, message, status=status, vendor_code=fault.code)
