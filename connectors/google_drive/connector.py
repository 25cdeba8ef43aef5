"""The Google Drive v3 connector: search, read, copy, create, upload, export, tag and follow changes of files.

Every call is ``https://www.googleapis.com/drive/v3/...`` through the source's ``SourceClient`` (auth,
budget, retries with ``Retry-After``, paging). Shared drives need ``supportsAllDrives=true`` on every
call and ``includeItemsFromAllDrives=true`` on lists, or their files are silently left out
(https://developers.google.com/workspace/drive/api/guides/enable-shareddrives). ``fields`` is a
partial-response mask: ``nextPageToken`` must be named in it or paging silently stops after page one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from connectors.base import PingResult, SourceRecord
from connectors.google_drive import query as dq
from connectors.google_drive.docs import GoogleDocs
from connectors.google_drive.errors import drive_vendor_errors
from connectors.google_drive.models import AboutUser, DriveChange, DriveFile
from connectors.google_drive.upload import multipart_related
from hub.errors import ConfigError, UpstreamBadResponse, UpstreamError
from hub.http import PageTokenPaginator, SourceClient

__all__ = ["CHANGE_FIELDS", "DEFAULT_FIELDS", "IDEMPOTENCY_PROPERTY", "GoogleDriveConnector"]

DEFAULT_FIELDS = "id,name,mimeType,webViewLink,modifiedTime,parents,appProperties,driveId,trashed"
CHANGE_FIELDS = f"changeType,fileId,removed,time,driveId,file({DEFAULT_FIELDS})"
# copy() stamps its idempotency key here, so a retried copy finds the first one instead of duplicating.
IDEMPOTENCY_PROPERTY = "hubIdempotencyKey"
PDF = "application/pdf"
MAX_PAGE_SIZE = 1000  # files.list and changes.list both cap pageSize at 1000
_FILE_ID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$")
_BASE = "/drive/v3"


def _file_path(file_id: str, suffix: str = "") -> str:
    # Ids go into the path; Drive's are URL-safe base64-ish, so anything else is refused, not escaped.
    if not _FILE_ID.match(file_id) or file_id in {".", ".."}:
        raise ValueError(f"not a Drive file id: {file_id!r}")
    return f"{_BASE}/files/{file_id}{suffix}"


def _problems(exc: ValidationError) -> str:
    # Locations and reasons only: pydantic would otherwise quote file names and properties.
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:3])


class GoogleDriveConnector:
    """Drive files for the hub: documents by customer, proposal copies, PDFs and the changes feed.

    >>> drive = GoogleDriveConnector(client, shared_drive_id="0AcostumeShopDrive")
    >>> files = await drive.files_for_customer(customer_folder="1Folder",
    ...                                        app_properties={"hubCustomerQboId": "12"})
    """

    name = "google_drive"

    def __init__(self, client: SourceClient, *, shared_drive_id: str | None = None,
                 page_size: int = 100, docs: GoogleDocs | None = None) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ConfigError(f"google drive page_size must be 1..{MAX_PAGE_SIZE}")
        self._client = client
        self.shared_drive_id = shared_drive_id
        self.page_size = page_size
        self.docs = docs  # the Docs API (another host, same credential) for filling templates

    @staticmethod
    def client_options() -> dict[str, Any]:
        """Keyword arguments for ``Upstreams.client`` when building the Drive ``SourceClient``."""
        return {"headers": {"Accept": "application/json"}, "vendor_errors": drive_vendor_errors}

    @property
    def source(self) -> str:
        return self._client.source

    # -- parameters --------------------------------------------------------------------------------

    def _list_params(self) -> dict[str, str]:
        params = {"supportsAllDrives": "true", "includeItemsFromAllDrives": "true"}
        if self.shared_drive_id:
            # One shared drive is the cheapest corpus; "allDrives" may answer incompleteSearch.
            params |= {"corpora": "drive", "driveId": self.shared_drive_id}
        return params

    def _file(self, raw: Any, endpoint: str) -> DriveFile:
        try:
            return DriveFile.model_validate(raw)
        except ValidationError as exc:
            raise UpstreamBadResponse(self.source, f"{endpoint} file has an unexpected shape: "
                                      f"{_problems(exc)}") from None

    def _files(self, body: Any, endpoint: str) -> list[DriveFile]:
        raw = body["files"]  # absent (or not a list) -> UpstreamBadResponse from paginate
        if not isinstance(raw, list):
            raise TypeError("files is not a list")
        return [self._file(item, endpoint) for item in raw]

    # -- reading -----------------------------------------------------------------------------------

    async def list_files(self, q: str, *, fields: str = DEFAULT_FIELDS,
                         order_by: str | None = None) -> list[DriveFile]:
        """Every file matching ``q`` (build it with ``connectors.google_drive.query``), all pages.

        ``fields`` names the *file* fields; the page mask around it is added here.
        """
        params = {**self._list_params(), "q": q, "fields": f"nextPageToken,files({fields})"}
        if order_by:
            params["orderBy"] = order_by
        endpoint = "files.list"
        found: list[DriveFile] = []
        async for batch in self._client.paginate(
                "GET", f"{_BASE}/files", endpoint=endpoint, params=params,
                paginator=PageTokenPaginator(page_size=self.page_size),
                items=lambda body: self._files(body, endpoint)):
            found.extend(batch)
        return found

    async def files_for_customer(self, *, customer_folder: str | None,
                                 app_properties: Mapping[str, str]) -> list[DriveFile]:
        """A customer's documents in one request: tagged with all of ``app_properties`` *or* directly
        inside ``customer_folder`` (a folder id; the folder convention is the fallback for untagged
        files). Folders and trashed files are left out."""
        if not customer_folder and not app_properties:
            raise ValueError("files_for_customer needs a customer_folder or app_properties")
        either = dq.any_of(dq.app_properties(app_properties) if app_properties else "",
                           dq.in_parents(customer_folder) if customer_folder else "")
        return await self.list_files(dq.all_of(dq.not_trashed(), dq.not_folder(), either),
                                     order_by="modifiedTime desc")

    async def find_folders(self, names: Sequence[str], *, parent: str) -> dict[str, DriveFile]:
        """Folders directly in ``parent`` named exactly as one of ``names`` (one request for all).

        The folder convention ("Clients/<client name>") resolves many customers' folders at once.
        When two folders share a name, the most recently modified wins.
        """
        wanted = list(dict.fromkeys(n for n in names if n))
        if not wanted:
            return {}
        q = dq.all_of(dq.not_trashed(), dq.is_folder(), dq.in_parents(parent),
                      dq.any_of(*(dq.name_is(n) for n in wanted)))
        found: dict[str, DriveFile] = {}
        for folder in await self.list_files(q, order_by="modifiedTime"):
            if folder.name in wanted:
                found[folder.name] = folder
        return found

    async def get(self, file_id: str) -> DriveFile:
        """``files.get`` metadata (not the content); ``UpstreamNotFound`` when it does not exist."""
        endpoint = "files.get"
        body = await self._client.json("GET", _file_path(file_id), endpoint=endpoint,
                                       params={"fields": DEFAULT_FIELDS, "supportsAllDrives": "true"})
        return self._file(body, endpoint)

    async def export_pdf(self, file_id: str) -> bytes:
        """A Google Docs file rendered as PDF (``files.export``; Drive caps exports at 10 MB)."""
        endpoint = "files.export"
        response = await self._client.request("GET", _file_path(file_id, "/export"), endpoint=endpoint,
                                               params={"mimeType": PDF})
        content_type = response.headers.get("Content-Type", "")
        if not (content_type.startswith(PDF) or response.content.startswith(b"%PDF-")):
            raise UpstreamBadResponse(self.source, f"{endpoint} answered with {content_type or 'no type'},"
                                      " not a PDF", status=response.status_code)
        return response.content

    async def download(self, file_id: str) -> bytes:
        """The bytes of an uploaded (non-Google-Docs) file, e.g. a signed contract PDF."""
        response = await self._client.request("GET", _file_path(file_id), endpoint="files.download",
                                               params={"alt": "media", "supportsAllDrives": "true"})
        return response.content

    # -- writing -----------------------------------------------------------------------------------

    async def copy(self, file_id: str, *, name: str, parent: str, app_properties: Mapping[str, str],
                   idempotency_key: str | None = None) -> DriveFile:
        """Copy ``file_id`` (a template) into ``parent`` as ``name``, tagged with ``app_properties``.

        Drive has no idempotency header, so with ``idempotency_key`` the copy carries it as an app
        property and a file already tagged with it is returned instead of copying again (the lookup
        and the copy are two requests; the copy itself is sent once, never retried blindly).
        """
        properties = dict(app_properties)
        if idempotency_key is not None:
            properties[IDEMPOTENCY_PROPERTY] = idempotency_key
            existing = await self.list_files(dq.all_of(
                dq.not_trashed(), dq.app_properties({IDEMPOTENCY_PROPERTY: idempotency_key})))
            if existing:
                return existing[0]
        for key, value in properties.items():
            dq.check_app_property(key, value)
        endpoint = "files.copy"
        body = await self._client.json(
            "POST", _file_path(file_id, "/copy"), endpoint=endpoint, idempotent=False,
            params={"supportsAllDrives": "true", "fields": DEFAULT_FIELDS},
            json={"name": name, "parents": [parent], "appProperties": properties})
        return self._file(body, endpoint)

    async def create_folder(self, name: str, *, parent: str,
                            app_properties: Mapping[str, str] | None = None) -> DriveFile:
        """``files.create`` of a folder (metadata only) in ``parent``; sent once, never retried blindly."""
        metadata = self._new_file(name, parent, dq.FOLDER_MIME_TYPE, app_properties)
        endpoint = "files.create"
        body = await self._client.json(
            "POST", f"{_BASE}/files", endpoint=endpoint, idempotent=False,
            params={"supportsAllDrives": "true", "fields": DEFAULT_FIELDS}, json=metadata)
        return self._file(body, endpoint)

    async def upload(self, name: str, content: bytes, *, mime_type: str, parent: str,
                     app_properties: Mapping[str, str] | None = None) -> DriveFile:
        """A new file with ``content`` in ``parent`` (``uploadType=multipart``, up to 5 MB), sent once."""
        metadata = self._new_file(name, parent, mime_type, app_properties)
        payload, content_type = multipart_related(metadata, content, mime_type)
        endpoint = "files.upload"
        body = await self._client.json(
            "POST", "/upload/drive/v3/files", endpoint=endpoint, idempotent=False,
            params={"uploadType": "multipart", "supportsAllDrives": "true", "fields": DEFAULT_FIELDS},
            content=payload, headers={"Content-Type": content_type})
        return self._file(body, endpoint)

    @staticmethod
    def _new_file(name: str, parent: str, mime_type: str,
                  app_properties: Mapping[str, str] | None) -> dict[str, Any]:
        if not name or not parent:
            raise ValueError("a new Drive file needs a name and a parent")
        metadata: dict[str, Any] = {"name": name, "mimeType": mime_type, "parents": [parent]}
        if app_properties:
            for key, value in app_properties.items():
                dq.check_app_property(key, value)
            metadata["appProperties"] = dict(app_properties)
        return metadata

    async def set_app_properties(self, file_id: str, properties: Mapping[str, str | None]) -> DriveFile:
        """Add or change app properties (``None`` deletes one); others on the file are kept."""
        for key, value in properties.items():
            dq.check_app_property(key, value or "")
        endpoint = "files.update"
        body = await self._client.json(
            "PATCH", _file_path(file_id), endpoint=endpoint, idempotent=True,  # same values, same result
            params={"supportsAllDrives": "true", "fields": DEFAULT_FIELDS},
            json={"appProperties": dict(properties)})
        return self._file(body, endpoint)

    # -- changes -----------------------------------------------------------------------------------

    def _change_params(self) -> dict[str, str]:
        params = {"supportsAllDrives": "true"}
        if self.shared_drive_id:
            params["driveId"] = self.shared_drive_id
        return params

    async def start_page_token(self) -> str:
        """Where the changes feed starts now (``changes.getStartPageToken``); save it, then poll."""
        endpoint = "changes.getStartPageToken"
        body = await self._client.json("GET", f"{_BASE}/changes/startPageToken", endpoint=endpoint,
                                       params=self._change_params())
        token = body.get("startPageToken") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise UpstreamBadResponse(self.source, f"{endpoint} answer has no startPageToken")
        return token

    async def changes(self, page_token: str) -> tuple[list[DriveChange], str]:
        """Every change since ``page_token`` and the token to save for next time.

        Pages carry ``nextPageToken`` until the last, which carries ``newStartPageToken`` instead.
        """
        endpoint = "changes.list"
        params = {**self._change_params(), "pageToken": page_token, "includeItemsFromAllDrives": "true",
                  "includeRemoved": "true", "spaces": "drive",
                  "fields": f"nextPageToken,newStartPageToken,changes({CHANGE_FIELDS})"}
        new_start: list[str] = []

        def items(body: Any) -> list[DriveChange]:
            raw = body["changes"]
            if not isinstance(raw, list):
                raise TypeError("changes is not a list")
            if isinstance(body.get("newStartPageToken"), str):
                new_start.append(body["newStartPageToken"])
            try:
                return [DriveChange.model_validate(change) for change in raw]
            except ValidationError as exc:
                raise UpstreamBadResponse(self.source, f"{endpoint} change has an unexpected shape: "
                                          f"{_problems(exc)}") from None

        found: list[DriveChange] = []
        async for batch in self._client.paginate(
                "GET", f"{_BASE}/changes", endpoint=endpoint, params=params,
                paginator=PageTokenPaginator(page_size=self.page_size), items=items):
            found.extend(batch)
        if not new_start:
            raise UpstreamBadResponse(self.source, f"{endpoint} ended without a newStartPageToken")
        return found, new_start[-1]

    # -- health and records ------------------------------------------------------------------------

    async def ping(self) -> PingResult:
        """``about.get?fields=user``: proves the credentials."""
        endpoint = "about.get"
        try:
            body = await self._client.json("GET", f"{_BASE}/about", endpoint=endpoint,
                                           params={"fields": "user"})
            user = AboutUser.model_validate(body["user"])
        except UpstreamError as exc:
            return PingResult(self.name, ok=False, detail=f"{exc.code}: {exc}")
        except (KeyError, TypeError, ValidationError):
            return PingResult(self.name, ok=False, detail=f"{endpoint} answer has no usable user")
        who = user.email_address or user.display_name or "an unnamed user"
        return PingResult(self.name, ok=True, detail=f"signed in as {who}")

    def record(self, file: DriveFile, *, fetched_at: datetime | None = None) -> SourceRecord:
        """A file as a ``SourceRecord`` (``collection`` "files", ``data`` in Drive's own spelling)."""
        return SourceRecord(source=self.name, collection="files", external_id=file.id, data=file.wire(),
                            fetched_at=fetched_at or datetime.now(UTC), updated_at=file.modified_time,
                            url=file.web_view_link, archived=file.trashed)
