"""The Drive v3 endpoints of the simulator: parameters in, ``DriveStore`` calls, partial responses out.

Paths as on ``www.googleapis.com``: ``/drive/v3/files`` (list, create), ``/drive/v3/files/{id}`` (get,
``alt=media``, update, delete), ``/drive/v3/files/{id}/copy``, ``/drive/v3/files/{id}/export``,
``/upload/drive/v3/files`` (+ ``/{id}``) with ``uploadType=multipart`` or ``media``,
``/drive/v3/drives`` (+ ``/{id}``), ``/drive/v3/changes/startPageToken``, ``/drive/v3/changes``,
``/drive/v3/about``; and the Docs API's ``/v1/documents/{id}`` and ``/v1/documents/{id}:batchUpdate``.
Handlers raise ``DriveError``; ``drive.py`` renders it. Defaults as documented: ``files.list``
``pageSize`` 100 (1..1000), ``drives.list`` 10 (1..100), ``changes.list`` 100 (1..1000); without
``fields`` a file is ``kind,id,name,mimeType``; ``about.get`` requires ``fields``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.sandbox.drive_docs import docs_batch_update, docs_get, download, export
from hub.sandbox.drive_errors import DriveError, invalid
from hub.sandbox.drive_fields import FieldsError, FieldTree, Schema, check_fields, parse_fields, project
from hub.sandbox.drive_files import FILE_FIELDS, GOOGLE_DOC, PDF
from hub.sandbox.drive_oauth import AccessGrant
from hub.sandbox.drive_store import DriveStore

__all__ = ["DriveApi"]

_FILE: Schema = dict.fromkeys(FILE_FIELDS)
_FILE_LIST: Schema = {"kind": None, "nextPageToken": None, "incompleteSearch": None, "files": _FILE}
_CHANGE: Schema = {
    **dict.fromkeys(("kind", "changeType", "time", "removed", "fileId", "driveId", "type", "drive")),
    "file": _FILE,
}
_CHANGE_LIST: Schema = {"kind": None, "nextPageToken": None, "newStartPageToken": None, "changes": _CHANGE}
_DRIVE: Schema = dict.fromkeys(
    ("kind", "id", "name", "createdTime", "hidden", "capabilities", "restrictions")
)
_DRIVE_LIST: Schema = {"kind": None, "nextPageToken": None, "drives": _DRIVE}
_ABOUT: Schema = dict.fromkeys(
    ("kind", "user", "storageQuota", "exportFormats", "importFormats", "maxUploadSize", "canCreateDrives")
)
_DEFAULT_FILE: FieldTree = {"kind": None, "id": None, "name": None, "mimeType": None}
_DEFAULT_LIST: FieldTree = {
    "kind": None,
    "nextPageToken": None,
    "incompleteSearch": None,
    "files": _DEFAULT_FILE,
}
_DEFAULT_CHANGES: FieldTree = {
    "kind": None,
    "nextPageToken": None,
    "newStartPageToken": None,
    "changes": {
        **dict.fromkeys(("kind", "changeType", "time", "removed", "fileId", "driveId")),
        "file": _DEFAULT_FILE,
    },
}


def _flag(request: Request, *names: str) -> bool:
    for name in names:
        value = request.query_params.get(name)
        if value is not None:
            if value.lower() not in {"true", "false"}:
                raise invalid(name)
            if value.lower() == "true":
                return True
    return False


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise invalid(name, f"Invalid value '{raw}'. Values must be within the range: [{low}, {high}]")
    return int(raw)


def _fields(
    request: Request, schema: Schema, default: FieldTree | None, *, required: bool = False
) -> FieldTree:
    raw = request.query_params.get("fields")
    if raw is None or not raw.strip():
        if required or default is None:
            raise DriveError(
                400, "required", "The 'fields' parameter is required for this method.", location="fields"
            )
        return default
    try:
        tree = parse_fields(raw)
        check_fields(tree, schema)
    except FieldsError as exc:
        raise DriveError(400, "invalidParameter", str(exc), location="fields") from exc
    return tree


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise DriveError(400, "parseError", "Parse Error") from exc
    if not isinstance(body, dict):
        raise DriveError(400, "parseError", "Parse Error")
    return body


def _multipart(content_type: str, raw: bytes) -> tuple[dict[str, Any], bytes, str]:
    """A ``multipart/related`` upload: (metadata JSON, media bytes, media Content-Type)."""
    boundary = next(
        (
            p.split("=", 1)[1].strip().strip('"')
            for p in content_type.split(";")
            if p.strip().startswith("boundary=")
        ),
        None,
    )
    if not boundary:
        raise DriveError(400, "badContent", "Missing multipart boundary.")
    parts = []
    for chunk in raw.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        head, sep, body = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, _, body = chunk.partition(b"\n\n")
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in head.decode("latin-1").splitlines())
        }
        body = body[:-2] if body.endswith(b"\r\n") else body.removesuffix(b"\n")
        parts.append((headers.get("content-type", "application/octet-stream"), body))
    if len(parts) != 2:
        raise DriveError(400, "badContent", "A multipart upload has exactly two parts: metadata and media.")
    try:
        metadata = json.loads(parts[0][1] or b"{}")
    except ValueError as exc:
        raise DriveError(400, "parseError", "Parse Error") from exc
    return metadata, parts[1][1], parts[1][0]


class DriveApi:
    """Endpoint handlers over one ``DriveStore``; every handler gets the caller's ``AccessGrant``."""

    def __init__(self, store: DriveStore) -> None:
        self.store = store

    def _page_key(self, *parts: object) -> str:
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    async def list_files(self, request: Request, grant: AccessGrant) -> Response:
        q = request.query_params
        tree = _fields(request, _FILE_LIST, _DEFAULT_LIST)
        size = _int(request, "pageSize", 100, 1, 1000)
        include_all = _flag(request, "includeItemsFromAllDrives", "includeTeamDriveItems")
        corpora, drive_id = q.get("corpora", "user"), q.get("driveId") or q.get("teamDriveId")
        files = self.store.list_files(
            q.get("q"), corpora=corpora, drive_id=drive_id, include_all=include_all, order_by=q.get("orderBy")
        )
        key = self._page_key(q.get("q"), corpora, drive_id, include_all, q.get("orderBy"))
        offset = 0
        if token := q.get("pageToken"):
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode() + b"=="))
                offset = int(state["o"])
                if state["k"] != key or offset < 0:
                    raise ValueError(token)
            except (ValueError, KeyError, TypeError) as exc:
                raise invalid("pageToken") from exc
        body: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False}
        if offset + size < len(files):
            state = json.dumps({"o": offset + size, "k": key}).encode()
            body["nextPageToken"] = base64.urlsafe_b64encode(state).decode().rstrip("=")
        body["files"] = files[offset : offset + size]
        return JSONResponse(project(body, tree))

    async def get_file(self, request: Request, grant: AccessGrant) -> Response:
        file_id, all_drives = (
            request.path_params["file_id"],
            _flag(request, "supportsAllDrives", "supportsTeamDrives"),
        )
        if request.query_params.get("alt") == "media":
            content, media_type = download(self.store, file_id, all_drives=all_drives)
            return Response(content, media_type=media_type)
        tree = _fields(request, _FILE, _DEFAULT_FILE)
        return JSONResponse(project(self.store.get(file_id, all_drives=all_drives), tree))

    async def create_file(self, request: Request, grant: AccessGrant) -> Response:
        tree = _fields(request, _FILE, _DEFAULT_FILE)
        all_drives = _flag(request, "supportsAllDrives", "supportsTeamDrives")
        metadata, media, media_type = await self._upload(request)
        file = self.store.create(metadata, all_drives=all_drives, media=media, media_type=media_type)
        return JSONResponse(project(file, tree))

    async def _upload(self, request: Request) -> tuple[dict[str, Any], bytes | None, str]:
        if not request.url.path.startswith("/upload/"):
            return await _json_body(request), None, ""
        kind = request.query_params.get("uploadType", "")
        content_type = request.headers.get("content-type", "application/octet-stream")
        if kind == "multipart":
            return _multipart(content_type, await request.body())
        if kind == "media":
            return {}, await request.body(), content_type
        raise DriveError(
            400, "badRequest", f"uploadType {kind or '(missing)'} is not simulated.", location="uploadType"
        )

    async def update_file(self, request: Request, grant: AccessGrant) -> Response:
        tree = _fields(request, _FILE, _DEFAULT_FILE)
        q = request.query_params
        metadata, media, media_type = await self._upload(request)
        file = self.store.update(
            request.path_params["file_id"],
            metadata,
            all_drives=_flag(request, "supportsAllDrives", "supportsTeamDrives"),
            add_parents=[p for p in q.get("addParents", "").split(",") if p],
            remove_parents=[p for p in q.get("removeParents", "").split(",") if p],
            media=media,
            media_type=media_type,
        )
        return JSONResponse(project(file, tree))

    async def delete_file(self, request: Request, grant: AccessGrant) -> Response:
        all_drives = _flag(request, "supportsAllDrives", "supportsTeamDrives")
        self.store.delete(request.path_params["file_id"], all_drives=all_drives)
        return Response(status_code=204)

    async def copy_file(self, request: Request, grant: AccessGrant) -> Response:
        tree = _fields(request, _FILE, _DEFAULT_FILE)
        all_drives = _flag(request, "supportsAllDrives", "supportsTeamDrives")
        body = await _json_body(request)
        return JSONResponse(
            project(self.store.copy(request.path_params["file_id"], body, all_drives=all_drives), tree)
        )

    async def export_file(self, request: Request, grant: AccessGrant) -> Response:
        mime_type = request.query_params.get("mimeType")
        if not mime_type:
            raise DriveError(400, "required", "Required parameter: mimeType", location="mimeType")
        # files.export takes only mimeType (https://developers.google.com/drive/api/reference/rest/v3/files/export):
        # it reaches shared-drive files without supportsAllDrives.
        content, media_type = export(self.store, request.path_params["file_id"], mime_type, all_drives=True)
        return Response(content, media_type=media_type)

    async def list_drives(self, request: Request, grant: AccessGrant) -> Response:
        default: FieldTree = {
            "kind": None,
            "nextPageToken": None,
            "drives": dict.fromkeys(("kind", "id", "name")),
        }
        tree = _fields(request, _DRIVE_LIST, default)
        size = _int(request, "pageSize", 10, 1, 100)
        drives = list(self.store.drives.values())
        offset = int(token) if (token := request.query_params.get("pageToken", "")).isdigit() else 0
        body: dict[str, Any] = {"kind": "drive#driveList", "drives": drives[offset : offset + size]}
        if offset + size < len(drives):
            body["nextPageToken"] = str(offset + size)
        return JSONResponse(project(body, tree))

    async def get_drive(self, request: Request, grant: AccessGrant) -> Response:
        drive = self.store.drives.get(request.path_params["drive_id"])
        if drive is None:
            drive_id = request.path_params["drive_id"]
            raise DriveError(404, "notFound", f"Shared drive not found: {drive_id}", location="driveId")
        return JSONResponse(project(drive, _fields(request, _DRIVE, dict.fromkeys(("kind", "id", "name")))))

    async def about(self, request: Request, grant: AccessGrant) -> Response:
        tree = _fields(request, _ABOUT, None, required=True)
        usage = sum(len(c) for c in self.store.contents.values())
        body = {
            "kind": "drive#about",
            "user": {
                "kind": "drive#user",
                "displayName": grant.principal.split("@")[0],
                "emailAddress": grant.principal,
                "me": True,
                "permissionId": str(int(hashlib.sha256(grant.principal.encode()).hexdigest()[:15], 16)),
            },
            "storageQuota": {"limit": "16106127360", "usage": str(usage), "usageInDrive": str(usage)},
            "exportFormats": {GOOGLE_DOC: [PDF, "text/plain", "text/html"]},
            "importFormats": {"text/plain": [GOOGLE_DOC], "text/html": [GOOGLE_DOC]},
            "maxUploadSize": "5242880000000",
            "canCreateDrives": True,
        }
        return JSONResponse(project(body, tree))

    async def start_page_token(self, request: Request, grant: AccessGrant) -> Response:
        return JSONResponse({"kind": "drive#startPageToken", "startPageToken": self.store.start_page_token()})

    async def list_changes(self, request: Request, grant: AccessGrant) -> Response:
        tree = _fields(request, _CHANGE_LIST, _DEFAULT_CHANGES)
        token = request.query_params.get("pageToken")
        if not token:
            raise DriveError(400, "required", "Required parameter: pageToken", location="pageToken")
        include_removed = request.query_params.get("includeRemoved", "true").lower() != "false"
        entries, next_token, new_start = self.store.list_changes(
            token,
            page_size=_int(request, "pageSize", 100, 1, 1000),
            include_all=_flag(request, "includeItemsFromAllDrives", "includeTeamDriveItems"),
            drive_id=request.query_params.get("driveId"),
            include_removed=include_removed,
        )
        changes = []
        for change, file in entries:
            item: dict[str, Any] = {
                "kind": "drive#change", "changeType": "file", "type": "file", "time": change.time,
                "removed": change.removed, "fileId": change.file_id,
            }  # fmt: skip
            if change.drive_id:
                item["driveId"] = change.drive_id
            if file is not None:
                item["file"] = file
            changes.append(item)
        body: dict[str, Any] = {"kind": "drive#changeList"}
        if next_token:
            body["nextPageToken"] = next_token
        if new_start:
            body["newStartPageToken"] = new_start
        body["changes"] = changes
        return JSONResponse(project(body, tree))

    async def docs_get(self, request: Request, grant: AccessGrant) -> Response:
        return JSONResponse(docs_get(self.store, request.path_params["document_id"]))

    async def docs_batch_update(self, request: Request, grant: AccessGrant) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = None
        return JSONResponse(docs_batch_update(self.store, request.path_params["document_id"], body))
