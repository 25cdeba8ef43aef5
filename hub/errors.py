"""One error tree for the whole hub.

    HubError
    ├── ConfigError                 settings or wiring are wrong; fix the configuration
    ├── MappingError                a mapping file is invalid; names file, key path and reason
    ├── IdempotencyConflict         an idempotency key was reused for a different request
    └── UpstreamError               something went wrong talking to a source (carries ``source``)
        ├── UpstreamRetryable       try again later (5xx, timeouts, connection errors)
        │   ├── UpstreamRateLimited the source said slow down; ``retry_after`` seconds
        │   └── CircuitOpen         we stopped calling a failing source for a cooldown
        ├── UpstreamAuthError       credentials are missing, expired or revoked; re-authorise
        ├── UpstreamNotFound        the record does not exist upstream
        └── UpstreamFatal           the request itself is wrong or the answer is unusable; do not retry
            └── UpstreamBadResponse the source answered with a body we cannot read

Every upstream error has a stable ``code`` that the GraphQL edge exposes in
``errors[].extensions.code``. Messages never contain secrets, upstream URLs or raw upstream bodies.
"""

from __future__ import annotations

__all__ = [
    "CircuitOpen",
    "ConfigError",
    "HubError",
    "IdempotencyConflict",
    "MappingError",
    "UpstreamAuthError",
    "UpstreamBadResponse",
    "UpstreamError",
    "UpstreamFatal",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamRetryable",
]


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    code = "HUB_ERROR"


class ConfigError(HubError):
    """Settings, credentials or wiring are wrong; the fix is in configuration."""

    code = "CONFIG_ERROR"


class MappingError(HubError):
    """A mapping file is invalid.

    >>> str(MappingError("customers.notion.yaml", "fields.email.transform", "unknown transform 'lowr'"))
    "customers.notion.yaml: fields.email.transform: unknown transform 'lowr'"
    """

    code = "MAPPING_ERROR"

    def __init__(self, file: str, key_path: str, reason: str) -> None:
        self.file = file
        self.key_path = key_path
        self.reason = reason
        super().__init__(f"{file}: {key_path}: {reason}" if key_path else f"{file}: {reason}")


class IdempotencyConflict(HubError):
    """An idempotency key already names a different request (other kind or payload); use a new key."""

    code = "IDEMPOTENCY_CONFLICT"


class UpstreamError(HubError):
    """A source failed. ``source`` names it (``notion``, ``quickbooks``...); ``status`` is the HTTP status."""

    code = "UPSTREAM_ERROR"

    def __init__(self, source: str, message: str, *, status: int | None = None,
                 vendor_code: str | None = None) -> None:
        self.source = source
        self.status = status
        self.vendor_code = vendor_code
        super().__init__(f"{source}: {message}")


class UpstreamRetryable(UpstreamError):
    """Transient: the same request may succeed later."""

    code = "UPSTREAM_UNAVAILABLE"


class UpstreamRateLimited(UpstreamRetryable):
    """The source is throttling us; wait ``retry_after`` seconds."""

    code = "RATE_LIMITED"

    def __init__(self, source: str, message: str, *, retry_after: float | None = None,
                 status: int | None = 429, vendor_code: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(source, message, status=status, vendor_code=vendor_code)


class CircuitOpen(UpstreamRetryable):
    """The source failed repeatedly; calls fail fast until the cooldown ends."""


class UpstreamAuthError(UpstreamError):
    """Credentials are missing, expired or revoked: re-run ``hub auth <source>``."""

    code = "AUTH_EXPIRED"


class UpstreamNotFound(UpstreamError):
    """The requested record does not exist at the source."""

    code = "NOT_FOUND"


class UpstreamFatal(UpstreamError):
    """The request is wrong or the answer unusable; retrying will not help."""

    code = "UPSTREAM_ERROR"


class UpstreamBadResponse(UpstreamFatal):
    """The source answered with a body we could not parse or that does not have the documented shape."""

    code = "UPSTREAM_BAD_RESPONSE"
