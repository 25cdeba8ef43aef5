"""Drive API errors in Google's shape, raised by the simulator's store and handlers.

``{"error": {"code", "message", "errors": [{"message", "domain", "reason", "location", "locationType"}],
"status"}}`` as in https://developers.google.com/workspace/drive/api/guides/handle-errors; rate limits
use domain ``usageLimits`` (reasons ``userRateLimitExceeded`` / ``rateLimitExceeded``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DriveError", "invalid", "not_found"]

_STATUS = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
}  # fmt: skip


class DriveError(Exception):
    """A Drive API error: HTTP code, ``reason``, message and (for parameter errors) its location."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        location: str | None = None,
        location_type: str = "parameter",
        domain: str = "global",
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.location, self.location_type, self.domain = location, location_type, domain

    def body(self) -> dict[str, Any]:
        item: dict[str, str] = {"message": self.message, "domain": self.domain, "reason": self.reason}
        if self.location:
            item["location"], item["locationType"] = self.location, self.location_type
        status = _STATUS.get(self.code, "UNKNOWN")
        return {"error": {"code": self.code, "message": self.message, "errors": [item], "status": status}}


def not_found(file_id: str) -> DriveError:
    return DriveError(404, "notFound", f"File not found: {file_id}.", location="fileId")


def invalid(location: str, message: str = "Invalid Value") -> DriveError:
    return DriveError(400, "invalid", message, location=location)
