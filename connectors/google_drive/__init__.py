"""Google Drive v3 connector: files by customer, proposal copies, PDF export and the changes feed.

Build its client with ``upstreams.client("google_drive", "https://www.googleapis.com", ...,
auth=ServiceAccountAuth(...) or user_credentials_auth(...), **GoogleDriveConnector.client_options())``.
"""

from __future__ import annotations

from connectors.google_drive.auth import (
    DRIVE_READONLY_SCOPE,
    DRIVE_SCOPE,
    GOOGLE_TOKEN_URL,
    JWT_BEARER_GRANT,
    ServiceAccountAuth,
    build_assertion,
    user_credentials_auth,
)
from connectors.google_drive.connector import (
    CHANGE_FIELDS,
    DEFAULT_FIELDS,
    IDEMPOTENCY_PROPERTY,
    GoogleDriveConnector,
)
from connectors.google_drive.errors import RATE_LIMIT_REASONS, drive_vendor_errors
from connectors.google_drive.models import AboutUser, DriveChange, DriveFile

__all__ = [
    "CHANGE_FIELDS",
    "DEFAULT_FIELDS",
    "DRIVE_READONLY_SCOPE",
    "DRIVE_SCOPE",
    "GOOGLE_TOKEN_URL",
    "IDEMPOTENCY_PROPERTY",
    "JWT_BEARER_GRANT",
    "RATE_LIMIT_REASONS",
    "AboutUser",
    "DriveChange",
    "DriveFile",
    "GoogleDriveConnector",
    "ServiceAccountAuth",
    "build_assertion",
    "drive_vendor_errors",
    "user_credentials_auth",
]
