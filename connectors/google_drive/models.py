"""Google Drive v3 vendor models: the parts of ``File``, ``Change`` and ``About`` the hub reads.

Shapes from the v3 reference (https://developers.google.com/workspace/drive/api/reference/rest/v3/files,
.../v3/changes, .../v3/about). Drive returns only the fields asked for in ``fields``, so everything
but ``id`` is optional with the API's own defaults (no parents, no properties, not trashed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

__all__ = ["AboutUser", "DriveChange", "DriveFile"]


class _Vendor(BaseModel):
    # Wire names are camelCase (mimeType, webViewLink); Python names snake_case. Unknown fields kept.
    model_config = ConfigDict(extra="allow", populate_by_name=True, alias_generator=to_camel,
                              frozen=True)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:  # Drive always sends "Z"; a zone-less time would be a bad body
        raise ValueError("time has no timezone")
    return value.astimezone(UTC)


class DriveFile(_Vendor):
    """One Drive file or folder.

    >>> DriveFile.model_validate({"id": "1Ab", "name": "Proposal E-1001 - Maya Ortiz.pdf",
    ...     "mimeType": "application/pdf", "modifiedTime": "2026-03-04T10:00:00.000Z"}).modified_time
    datetime.datetime(2026, 3, 4, 10, 0, tzinfo=datetime.timezone.utc)
    """

    id: str = Field(min_length=1)
    name: str = ""
    mime_type: str = ""
    web_view_link: str | None = None
    modified_time: datetime | None = None
    parents: list[str] = Field(default_factory=list)
    app_properties: dict[str, str] = Field(default_factory=dict)
    drive_id: str | None = None
    trashed: bool = False

    @field_validator("modified_time")
    @classmethod
    def _modified_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @property
    def is_folder(self) -> bool:
        return self.mime_type == "application/vnd.google-apps.folder"

    @property
    def is_google_doc(self) -> bool:
        """A Google Docs editor file (exportable to PDF), not an uploaded binary."""
        return self.mime_type.startswith("application/vnd.google-apps.") and not self.is_folder

    def wire(self) -> dict[str, Any]:
        """The file as Drive spells it (camelCase), for fixtures and the record cache."""
        return self.model_dump(by_alias=True, exclude_none=True)


class DriveChange(_Vendor):
    """One entry of ``changes.list``.

    ``removed`` means the file left our view (deleted, or access lost): there is no ``file`` then.
    A trashed file is *not* removed; it arrives with ``file.trashed = true``.
    """

    change_type: str = "file"  # "file" | "drive" (a shared drive itself changed)
    file_id: str | None = None
    removed: bool = False
    time: datetime | None = None
    drive_id: str | None = None
    file: DriveFile | None = None

    @field_validator("time")
    @classmethod
    def _time_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)


class AboutUser(_Vendor):
    """``about.get?fields=user``: who the credentials act as."""

    display_name: str | None = None
    email_address: str | None = None
    permission_id: str | None = None
