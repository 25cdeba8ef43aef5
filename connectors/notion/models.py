"""Pydantic models of the Notion objects the connector reads (API version 2025-09-03 and later).

Only the envelope is typed strictly; unknown keys are kept (``extra="allow"``) because Notion adds
fields without a new version. Property values keep their type-specific payload under the key named
by ``type``, exactly as the API sends it::

    {"id": "%3CLrR", "type": "relation", "relation": [{"id": "…"}], "has_more": true}

Reference: https://developers.notion.com/reference/page and /reference/property-value-object
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from hub.errors import UpstreamBadResponse

__all__ = [
    "NotionError",
    "NotionList",
    "NotionPage",
    "NotionUser",
    "PropertyItemList",
    "PropertyValue",
    "parse_vendor",
]


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class NotionError(_Vendor):
    """The error body every non-2xx answer carries::

        {"object": "error", "status": 429, "code": "rate_limited", "message": "…", "request_id": "…"}

    ``additional_data`` is newer: on 429 it says which limit was hit (``rate_limit_reason``).
    """

    object: Literal["error"]
    status: int | None = None
    code: str
    message: str = ""
    request_id: str | None = None
    additional_data: dict[str, Any] | None = None


class NotionUser(_Vendor):
    """A user as it appears in ``people``, ``created_by`` and ``GET /v1/users/me``.

    References inside pages are often partial (only ``object`` and ``id``).
    """

    object: Literal["user"] = "user"
    id: str
    name: str | None = None
    type: str | None = None  # "person" | "bot"
    person: dict[str, Any] | None = None
    bot: dict[str, Any] | None = None

    @property
    def email(self) -> str | None:
        return (self.person or {}).get("email")

    @property
    def workspace_name(self) -> str | None:
        return (self.bot or {}).get("workspace_name")


class PropertyValue(_Vendor):
    """One page property value; its payload sits under the key named by ``type``."""

    id: str
    type: str
    has_more: bool | None = None  # relations only: more than 25 references exist

    @model_validator(mode="after")
    def _payload_present(self) -> PropertyValue:
        if self.type not in (self.model_extra or {}):
            raise ValueError(f"property value of type {self.type!r} has no {self.type!r} key")
        return self

    @property
    def payload(self) -> Any:
        return (self.model_extra or {})[self.type]


class NotionPage(_Vendor):
    """A page: a row of a data source. ``properties`` is keyed by property name."""

    object: Literal["page"]
    id: str
    created_time: datetime
    last_edited_time: datetime
    # 2026-03-11 drops ``archived`` in favour of ``in_trash``; older versions may send either.
    in_trash: bool = False
    archived: bool = False
    url: str | None = None
    public_url: str | None = None
    parent: dict[str, Any] = {}
    properties: dict[str, PropertyValue]

    @field_validator("created_time", "last_edited_time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def trashed(self) -> bool:
        return self.in_trash or self.archived

    @property
    def data_source_id(self) -> str | None:
        """The parent data source (2025-09-03+ parents are ``{"type": "data_source_id", …}``)."""
        if self.parent.get("type") == "data_source_id":
            return self.parent.get("data_source_id")
        return None


class NotionList(_Vendor):
    """A paginated list: ``{"object": "list", "results": […], "next_cursor": …, "has_more": …}``."""

    object: Literal["list"]
    results: list[dict[str, Any]]
    next_cursor: str | None = None
    has_more: bool = False
    type: str | None = None


class PropertyItemList(NotionList):
    """``GET /v1/pages/{id}/properties/{property_id}`` for relation, people, title, rich_text, rollup.

    ``property_item`` describes the property; for a computed rollup its ``rollup`` holds the final
    value on the last page.
    """

    property_item: dict[str, Any] | None = None


M = TypeVar("M", bound=BaseModel)


def parse_vendor(model: type[M], body: Any, *, source: str, endpoint: str, what: str) -> M:
    """Validate ``body`` as ``model`` or raise ``UpstreamBadResponse`` naming what was wrong.

    The message lists field paths and reasons only, never the values (they may be customer data).
    """
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()[:3])
        raise UpstreamBadResponse(
            source, f"{endpoint} answered with a body that is not a Notion {what} ({problems})") from None
