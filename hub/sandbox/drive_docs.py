"""Content out of the Drive simulator: ``files.export``, ``alt=media`` downloads, and the Docs API.

* ``files.export`` (https://developers.google.com/workspace/drive/api/reference/rest/v3/files/export)
  converts a Google Workspace document: Docs to ``application/pdf`` (a small valid PDF of the doc's
  text), ``text/plain`` or ``text/html``; Sheets to ``application/pdf`` or ``text/csv``. Other files are
  403 ``fileNotExportable``; an unsupported target type is 400 ``badRequest``.
* ``alt=media`` downloads a binary file; Workspace documents are 403 ``fileNotDownloadable``.
* Docs API ``documents.get`` (the text as paragraphs) and ``documents.batchUpdate`` with
  ``replaceAllText`` requests, so "copy the template, replace its placeholders, export to PDF" works as
  it does against Google (https://developers.google.com/workspace/docs/api/how-tos/merge).
"""

from __future__ import annotations

import html
from typing import Any

from hub.sandbox.drive_errors import DriveError
from hub.sandbox.drive_files import FOLDER, GOOGLE_DOC, GOOGLE_SHEET, PDF, is_google_type, minimal_pdf
from hub.sandbox.drive_store import DriveStore

__all__ = ["DocsError", "docs_batch_update", "docs_get", "download", "export"]


def export(store: DriveStore, file_id: str, mime_type: str, *, all_drives: bool) -> tuple[bytes, str]:
    """``files.export``: (bytes, Content-Type)."""
    file = store.get(file_id, all_drives=all_drives)
    if not is_google_type(file["mimeType"]) or file["mimeType"] == FOLDER:
        raise DriveError(403, "fileNotExportable", "Export only supports Docs Editors files.")
    text = store.text_of(file_id)
    if file["mimeType"] == GOOGLE_DOC:
        if mime_type == PDF:
            return minimal_pdf(text, title=file["name"]), PDF
        if mime_type == "text/plain":
            return text.encode("utf-8"), "text/plain; charset=utf-8"
        if mime_type == "text/html":
            paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
            title = f"<head><title>{html.escape(file['name'])}</title></head>"
            page = f"<html>{title}<body>{paragraphs}</body></html>"
            return page.encode("utf-8"), "text/html; charset=utf-8"
    if file["mimeType"] == GOOGLE_SHEET:
        if mime_type == PDF:
            return minimal_pdf(file["name"], title=file["name"]), PDF
        if mime_type == "text/csv":
            return b"", "text/csv"
    raise DriveError(400, "badRequest", "The requested conversion is not supported.", location="mimeType")


def download(store: DriveStore, file_id: str, *, all_drives: bool) -> tuple[bytes, str]:
    """``files.get?alt=media``: (bytes, Content-Type)."""
    file = store.get(file_id, all_drives=all_drives)
    if is_google_type(file["mimeType"]):
        message = "Only files with binary content can be downloaded. Use Export with Docs Editors files."
        raise DriveError(403, "fileNotDownloadable", message, location="alt")
    return store.contents.get(file_id, b""), file["mimeType"]


class DocsError(Exception):
    """A Docs API error (Google's newer shape: code, message, status; no ``errors`` list)."""

    def __init__(self, code: int, message: str, status: str) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def _document(store: DriveStore, document_id: str) -> dict[str, Any]:
    file = store.files.get(document_id)  # the Docs API needs no supportsAllDrives
    if file is None:
        raise DocsError(404, "Requested entity was not found.", "NOT_FOUND")
    if file["mimeType"] != GOOGLE_DOC:
        raise DocsError(400, "This operation is not supported for this document", "FAILED_PRECONDITION")
    return file


def docs_get(store: DriveStore, document_id: str) -> dict[str, Any]:
    """``documents.get``: title, revision and the body as one paragraph per line of text."""
    file = _document(store, document_id)
    content, index = [], 1
    for line in store.text_of(document_id).splitlines(keepends=True):
        end = index + len(line)
        run = {"startIndex": index, "endIndex": end, "textRun": {"content": line}}
        content.append({"startIndex": index, "endIndex": end, "paragraph": {"elements": [run]}})
        index = end
    return {
        "documentId": document_id,
        "title": file["name"],
        "revisionId": f"rev-{file['version']}",
        "body": {"content": content},
    }


def docs_batch_update(store: DriveStore, document_id: str, body: Any) -> dict[str, Any]:
    """``documents.batchUpdate`` with ``replaceAllText`` requests (all applied, or none)."""
    file = _document(store, document_id)
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise DocsError(400, "Invalid requests: must contain at least one request.", "INVALID_ARGUMENT")
    text, replies = store.text_of(document_id), []
    for number, request in enumerate(requests):
        spec = request.get("replaceAllText") if isinstance(request, dict) else None
        contains = spec.get("containsText") if isinstance(spec, dict) else None
        if not isinstance(spec, dict) or not isinstance(contains, dict) or not contains.get("text"):
            message = f"Invalid requests[{number}]: only replaceAllText with containsText.text is simulated."
            raise DocsError(400, message, "INVALID_ARGUMENT")
        needle, replacement = str(contains["text"]), str(spec.get("replaceText", ""))
        if contains.get("matchCase", False):
            count = text.count(needle)
            text = text.replace(needle, replacement)
        else:
            count, text = _replace_casefold(text, needle, replacement)
        replies.append({"replaceAllText": {"occurrencesChanged": count} if count else {}})
    store.texts[document_id] = text
    store.touch(document_id)
    return {
        "documentId": document_id,
        "replies": replies,
        "writeControl": {"requiredRevisionId": f"rev-{file['version']}"},
    }


def _replace_casefold(text: str, needle: str, replacement: str) -> tuple[int, str]:
    lowered, target = text.lower(), needle.lower()
    out, pos, count = [], 0, 0
    while (found := lowered.find(target, pos)) != -1:
        out.append(text[pos:found] + replacement)
        pos, count = found + len(needle), count + 1
    out.append(text[pos:])
    return count, "".join(out)
