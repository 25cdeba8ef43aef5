"""Errors of write commands, beside the upstream ones of ``hub.errors``.

    HubError
    ├── CommandValidationError   the input (or the record it names) cannot be written; ``field`` says where
    ├── CommandFailed            this idempotency key already failed for good; same ``code`` and message
    └── CommandInProgress        another runner is working on this key right now; retry shortly

``hub.errors.IdempotencyConflict`` (the key was used for a different request) comes from the outbox.
"""

from __future__ import annotations

from hub.errors import HubError

__all__ = ["CommandFailed", "CommandInProgress", "CommandValidationError"]


class CommandValidationError(HubError):
    """The request cannot be carried out as given: ``field`` (the parameter name) and why.

    >>> str(CommandValidationError("lines[0].quantity", "must be greater than 0"))
    'lines[0].quantity: must be greater than 0'
    """

    code = "VALIDATION"

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class CommandFailed(HubError):
    """A command with this idempotency key failed for good earlier; ``code`` is that failure's code."""

    code = "COMMAND_FAILED"

    def __init__(self, key: str, code: str, message: str) -> None:
        self.key = key
        self.code = code  # the stored failure's code, so a retry reports what the first call did
        super().__init__(message)


class CommandInProgress(HubError):
    """Another request with the same idempotency key is running; retry when it is done."""

    code = "IN_PROGRESS"

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"a request with idempotency key {key!r} is still running; retry shortly")
