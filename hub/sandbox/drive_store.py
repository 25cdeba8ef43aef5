"""The Drive simulator's state and operations, free of HTTP: files, shared drives, contents, changes.

Every operation either returns plain data or raises ``DriveError`` (``drive_errors``), which the HTTP
side renders in Drive's error shape.

Visibility follows Drive's shared-drive rules: an item of a shared drive is invisible (404) to
``files.get``/``copy``/``update`` without ``supportsAllDrives=true``, and absent from
``files.list``/``changes.list`` without ``includeItemsFromAllDrives=true``.

The changes log starts with one change per seeded file (ids 1..N), so ``changes.list`` from token
"1" replays the history and ``getStartPageToken`` is N+1. Each write appends a change; a page of
changes holds each file once, at its latest change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.sandbox.drive_errors import DriveError, invalid, not_found
from hub.sandbox.drive_files import (
    FOLDER,
    GOOGLE_DOC,
    drive_time,
    file_resource,
    is_google_type,
    make_id,
    set_content_fields,
    text_from_upload,
)
from hub.sandbox.drive_query import QueryError, compile_query, order_files
from hub.sandbox.seed_documents import DRIVE_MY_DRIVE_ROOT_ID, Documents

__all__ = ["Change", "DriveStore"]

_WRITABLE = {
    "name",
    "description",
    "starred",
    "trashed",
    "appProperties",
    "properties",
    "mimeType",
    "modifiedTime",
}


@dataclass
class Change:
    """One entry of the changes log (the file itself is read when the change is listed)."""

    id: int
    file_id: str
    time: str
    removed: bool
    drive_id: str | None


class DriveStore:
    """Files by id (the full ``File`` resources, mutable), contents, Docs text, shared drives, changes."""

    def __init__(self, documents: Documents, clock: Callable[[], float] = time.time) -> None:
        self.files = documents.files
        self.contents = documents.contents
        self.texts = documents.texts
        self.drives = {d["id"]: d for d in documents.drives}
        self.my_drive_root = DRIVE_MY_DRIVE_ROOT_ID
        self.clock = clock
        self.changes: list[Change] = []
        self._serial = 0
        for file in self.files.values():
            self.changes.append(
                Change(len(self.changes) + 1, file["id"], file["modifiedTime"], False, file.get("driveId"))
            )

    # --- reading ----------------------------------------------------------------------------------

    def now(self) -> str:
        return drive_time(datetime.fromtimestamp(self.clock(), UTC))

    def get(self, file_id: str, *, all_drives: bool) -> dict[str, Any]:
        """The stored file; 404 if unknown, or in a shared drive and the caller lacks supportsAllDrives."""
        file_id = self.my_drive_root if file_id == "root" else file_id
        file = self.files.get(file_id)
        if file is None or (file.get("driveId") and not all_drives):
            raise not_found(file_id)
        return file

    def text_of(self, file_id: str) -> str:
        return self.texts.get(file_id, "")

    def list_files(
        self,
        q: str | None,
        *,
        corpora: str,
        drive_id: str | None,
        include_all: bool,
        order_by: str | None,
    ) -> list[dict[str, Any]]:
        """Every file matching ``q`` in the chosen corpus, ordered (seed order when no ``orderBy``)."""
        if drive_id and corpora != "drive":
            raise DriveError(
                400,
                "badRequest",
                "The driveId parameter must be specified if and only if corpora is set to drive.",
            )
        if corpora == "drive":
            if not drive_id:
                raise invalid("driveId", "The driveId parameter is required when corpora is drive.")
            if drive_id not in self.drives:
                raise DriveError(404, "notFound", f"Shared drive not found: {drive_id}", location="driveId")
        if corpora in {"drive", "allDrives"} and not include_all:
            message = (
                f"The includeItemsFromAllDrives parameter must be set to true when corpora is {corpora}."
            )
            raise DriveError(400, "badRequest", message, location="includeItemsFromAllDrives")
        if corpora not in {"user", "domain", "drive", "allDrives"}:
            raise invalid("corpora")
        try:
            match = (
                compile_query(q.replace("'root' in parents", f"'{self.my_drive_root}' in parents"))
                if q
                else None
            )
        except QueryError as exc:
            raise invalid("q") from exc
        found = []
        for file in self.files.values():
            shared = file.get("driveId")
            if corpora == "drive" and shared != drive_id:
                continue
            if shared and not include_all:
                continue
            if match is None or match(file, self.text_of(file["id"])):
                found.append(file)
        try:
            return order_files(found, order_by)
        except QueryError as exc:
            raise invalid("orderBy", str(exc)) from exc

    # --- writing ----------------------------------------------------------------------------------

    def record(self, file_id: str, *, removed: bool = False, drive_id: str | None = None) -> None:
        """Append a change for ``file_id`` to the log (the simulator's writes call this)."""
        if not removed:
            drive_id = self.files[file_id].get("driveId")
        self.changes.append(Change(len(self.changes) + 1, file_id, self.now(), removed, drive_id))

    def touch(self, file_id: str) -> dict[str, Any]:
        """The file was modified now: new ``modifiedTime`` and ``version``, and a change."""
        file = self.files[file_id]
        file["modifiedTime"] = self.now()
        file["version"] = str(int(file.get("version", "1")) + 1)
        self.record(file_id)
        return file

    def _parents(self, parents: list[str], all_drives: bool) -> tuple[list[str], str | None]:
        """Resolve the parents of a new file: each must be a visible folder or a drive root."""
        resolved, drive_id = [], None
        for parent in parents or [self.my_drive_root]:
            parent = self.my_drive_root if parent == "root" else parent
            if parent == self.my_drive_root:
                resolved.append(parent)
                continue
            if parent in self.drives:
                if not all_drives:
                    raise not_found(parent)
                resolved.append(parent)
                drive_id = parent
                continue
            folder = self.get(parent, all_drives=all_drives)
            if folder["mimeType"] != FOLDER:
                raise DriveError(
                    400, "badRequest", f"The parent {parent} is not a folder.", location="parents"
                )
            resolved.append(parent)
            drive_id = folder.get("driveId")
        if len(resolved) > 1:
            raise DriveError(403, "cannotAddParent", "Increasing the number of parents is not allowed.")
        return resolved, drive_id

    def _new_id(self, name: str) -> str:
        self._serial += 1
        return make_id(f"created:{self._serial}:{name}")

    def _apply_metadata(self, file: dict[str, Any], body: dict[str, Any]) -> None:
        for key in body:  # refuse before changing anything
            if key not in _WRITABLE:
                message = f"The resource body includes fields which are not directly writable: {key}"
                if key == "parents":
                    message = (
                        "The parents field is not directly writable in update requests. "
                        "Use the addParents and removeParents parameters instead."
                    )
                raise DriveError(403, "fieldNotWritable", message)
        for key, value in body.items():
            if key in {"appProperties", "properties"}:
                merged = {**file.get(key, {}), **(value or {})}
                file[key] = {k: str(v) for k, v in merged.items() if v is not None}
                if not file[key]:
                    del file[key]
            elif key == "trashed":
                file["trashed"] = file["explicitlyTrashed"] = bool(value)
                if value:
                    file["trashedTime"] = self.now()
                else:
                    file.pop("trashedTime", None)
            elif key == "mimeType":
                continue  # Drive ignores a changed mimeType on update
            else:
                file[key] = value

    def create(
        self, body: dict[str, Any], *, all_drives: bool, media: bytes | None = None, media_type: str = ""
    ) -> dict[str, Any]:
        """``files.create``: metadata only, or with content (``uploadType=multipart`` / ``media``)."""
        name = str(body.get("name") or "Untitled")
        mime_type = str(
            body.get("mimeType") or (media_type.split(";")[0] if media else "") or "application/octet-stream"
        )
        parents, drive_id = self._parents(list(body.get("parents") or []), all_drives)
        file_id = self._new_id(name)
        file = file_resource(
            file_id, name, mime_type, parents, at=datetime.fromtimestamp(self.clock(), UTC), drive_id=drive_id
        )
        if drive_id is None:
            file["owners"] = [{"kind": "drive#user", "me": True}]
        self._apply_metadata(
            file, {k: v for k, v in body.items() if k not in {"name", "mimeType", "parents"}}
        )
        if mime_type == GOOGLE_DOC:
            self.texts[file_id] = text_from_upload(media, media_type) if media is not None else ""
        elif media is not None and not is_google_type(mime_type):
            self.contents[file_id] = media
            set_content_fields(file, media)
        self.files[file_id] = file
        self.record(file_id)
        return file

    def copy(self, file_id: str, body: dict[str, Any], *, all_drives: bool) -> dict[str, Any]:
        """``files.copy``: a new file with the source's content; body fields override its metadata."""
        source = self.get(file_id, all_drives=all_drives)
        if source["mimeType"] == FOLDER:
            raise DriveError(403, "cannotCopyFile", "This file cannot be copied by the user.")
        meta = {
            "name": f"Copy of {source['name']}",
            "mimeType": source["mimeType"],
            "parents": source["parents"],
        }
        if source.get("appProperties"):
            meta["appProperties"] = dict(source["appProperties"])
        if "appProperties" in body:
            meta["appProperties"] = {**meta.get("appProperties", {}), **(body["appProperties"] or {})}
        meta.update({k: v for k, v in body.items() if k != "appProperties"})
        content = self.contents.get(file_id)
        copied = self.create(meta, all_drives=all_drives, media=content, media_type=source["mimeType"])
        if source["mimeType"] == GOOGLE_DOC:
            self.texts[copied["id"]] = self.text_of(file_id)
        return copied

    def update(
        self,
        file_id: str,
        body: dict[str, Any],
        *,
        all_drives: bool,
        add_parents: list[str] | None = None,
        remove_parents: list[str] | None = None,
        media: bytes | None = None,
        media_type: str = "",
    ) -> dict[str, Any]:
        """``files.update``: metadata patch (``appProperties`` merge, null removes), moves, new content."""
        file = self.get(file_id, all_drives=all_drives)
        parents = list(file["parents"])
        if add_parents or remove_parents:  # validate the move before changing anything
            parents = [p for p in parents if p not in (remove_parents or [])]
            added, drive_id = self._parents(add_parents or [], all_drives) if add_parents else ([], None)
            if add_parents and drive_id != file.get("driveId"):
                raise DriveError(400, "badRequest", "Moving items between drives is not simulated.")
            parents += [p for p in added if p not in parents]
            if len(parents) != 1:
                raise DriveError(403, "cannotAddParent", "An item must have exactly one parent.")
        self._apply_metadata(file, body)
        file["parents"] = parents
        if media is not None:
            if file["mimeType"] == GOOGLE_DOC:
                self.texts[file_id] = text_from_upload(media, media_type)
            else:
                self.contents[file_id] = media
                set_content_fields(file, media)
        return self.touch(file_id)

    def delete(self, file_id: str, *, all_drives: bool) -> None:
        """``files.delete``: gone for good (children of a deleted folder go too)."""
        file = self.get(file_id, all_drives=all_drives)
        for child in [f["id"] for f in self.files.values() if file_id in f.get("parents", [])]:
            self.delete(child, all_drives=True)
        del self.files[file_id]
        self.contents.pop(file_id, None)
        self.texts.pop(file_id, None)
        self.record(file_id, removed=True, drive_id=file.get("driveId"))

    # --- changes ----------------------------------------------------------------------------------

    def start_page_token(self) -> str:
        return str(len(self.changes) + 1)

    def list_changes(
        self, token: str, *, page_size: int, include_all: bool, drive_id: str | None, include_removed: bool
    ) -> tuple[list[tuple[Change, dict[str, Any] | None]], str | None, str | None]:
        """One page of changes since ``token``: (change, file or None), nextPageToken, newStartPageToken."""
        if not token.isdigit() or not 1 <= int(token) <= len(self.changes) + 1:
            raise invalid("pageToken")
        latest: dict[str, Change] = {}
        for change in self.changes[int(token) - 1 :]:
            if drive_id is not None and change.drive_id != drive_id:
                continue
            if change.drive_id and not include_all:
                continue
            latest.pop(change.file_id, None)  # keep insertion order = order of latest change
            latest[change.file_id] = change
        entries = [c for c in latest.values() if include_removed or not c.removed]
        page = entries[:page_size]
        out = [(c, None if c.removed else self.files.get(c.file_id)) for c in page]
        if len(entries) > page_size:
            return out, str(page[-1].id + 1), None
        return out, None, self.start_page_token()
