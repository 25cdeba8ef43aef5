"""The Drive ``File`` resource as the simulator stores it, plus the few formats it renders.

A stored file is the full v3 ``File`` JSON object (what ``fields=*`` would return); the simulator
projects it through ``fields`` on the way out. Binary content and the text of Google Docs live beside
it (``DriveStore.contents`` / ``DriveStore.texts``), never inside the resource.

>>> f = file_resource("1abc", "Notes", GOOGLE_DOC, ["root0"], at=datetime(2026, 1, 5, tzinfo=UTC))
>>> f["webViewLink"]
'https://docs.google.com/document/d/1abc/edit?usp=drivesdk'
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "FILE_FIELDS",
    "FOLDER",
    "GOOGLE_DOC",
    "GOOGLE_SHEET",
    "PDF",
    "drive_time",
    "file_resource",
    "is_google_type",
    "make_id",
    "minimal_pdf",
    "parse_drive_time",
    "set_content_fields",
    "text_from_upload",
]

FOLDER = "application/vnd.google-apps.folder"
GOOGLE_DOC = "application/vnd.google-apps.document"
GOOGLE_SHEET = "application/vnd.google-apps.spreadsheet"
PDF = "application/pdf"

# Every File field the simulator knows; a ``fields`` selection naming anything else is a 400, as on Drive.
FILE_FIELDS = frozenset(
    {
        "kind", "id", "name", "mimeType", "description", "starred", "trashed", "explicitlyTrashed",
        "parents", "properties", "appProperties", "spaces", "version", "webViewLink", "webContentLink",
        "iconLink", "createdTime", "modifiedTime", "modifiedByMeTime", "viewedByMeTime", "owners",
        "lastModifyingUser", "shared", "ownedByMe", "capabilities", "size", "md5Checksum",
        "originalFilename", "fileExtension", "fullFileExtension", "headRevisionId", "driveId",
        "exportLinks", "quotaBytesUsed", "resourceKey", "trashedTime", "sha256Checksum",
    }
)  # fmt: skip

_ICONS = {FOLDER: "folder", GOOGLE_DOC: "document", GOOGLE_SHEET: "spreadsheet", PDF: "pdf"}


def make_id(key: str, *, shared_drive: bool = False) -> str:
    """A deterministic id in Drive's shapes: files ``1`` + 32 url-safe chars, shared drives ``0A...PVA``."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()).decode().rstrip("=")
    if shared_drive:  # shared drive ids look like 0AFx0Yb8aXvdqUk9PVA
        return "0A" + digest[:11] + "Uk9PVA"
    return "1" + digest[:32]


def drive_time(moment: datetime) -> str:
    """Drive's RFC 3339 timestamps: UTC, milliseconds, ``Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_drive_time(text: str) -> datetime:
    """An RFC 3339 time as queries carry it; without an offset Drive reads it as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def is_google_type(mime_type: str) -> bool:
    return mime_type.startswith("application/vnd.google-apps.")


def _web_view_link(file_id: str, mime_type: str) -> str:
    if mime_type == FOLDER:
        return f"https://drive.google.com/drive/folders/{file_id}"
    if mime_type == GOOGLE_DOC:
        return f"https://docs.google.com/document/d/{file_id}/edit?usp=drivesdk"
    if mime_type == GOOGLE_SHEET:
        return f"https://docs.google.com/spreadsheets/d/{file_id}/edit?usp=drivesdk"
    return f"https://drive.google.com/file/d/{file_id}/view?usp=drivesdk"


def file_resource(
    file_id: str,
    name: str,
    mime_type: str,
    parents: list[str],
    *,
    at: datetime,
    drive_id: str | None = None,
    app_properties: dict[str, str] | None = None,
    content: bytes | None = None,
    description: str | None = None,
    owner_email: str | None = None,
) -> dict[str, Any]:
    """A complete ``File`` resource (v3) for a new file created at ``at``."""
    stamp = drive_time(at)
    resource: dict[str, Any] = {
        "kind": "drive#file",
        "id": file_id,
        "name": name,
        "mimeType": mime_type,
        "parents": list(parents),
        "starred": False,
        "trashed": False,
        "explicitlyTrashed": False,
        "spaces": ["drive"],
        "version": "1",
        "createdTime": stamp,
        "modifiedTime": stamp,
        "webViewLink": _web_view_link(file_id, mime_type),
        "iconLink": f"https://drive-thirdparty.googleusercontent.com/16/type/{mime_type}",
        "shared": drive_id is not None,
        "quotaBytesUsed": "0",
    }
    if drive_id is not None:
        resource["driveId"] = drive_id  # shared drive items have no owners, only the drive
    elif owner_email:
        resource["owners"] = [{"kind": "drive#user", "emailAddress": owner_email, "me": True}]
        resource["ownedByMe"] = True
    if app_properties:
        resource["appProperties"] = dict(app_properties)
    if description:
        resource["description"] = description
    if mime_type == GOOGLE_DOC:
        resource["exportLinks"] = {
            PDF: f"https://docs.google.com/feeds/download/documents/export/Export?id={file_id}&exportFormat=pdf",
            "text/plain": f"https://docs.google.com/feeds/download/documents/export/Export?id={file_id}&exportFormat=txt",
        }
    if content is not None:
        set_content_fields(resource, content)
    return resource


def set_content_fields(resource: dict[str, Any], content: bytes) -> None:
    """Size and checksums of a binary file, as Drive reports them (strings)."""
    resource["size"] = str(len(content))
    resource["quotaBytesUsed"] = str(len(content))
    resource["md5Checksum"] = hashlib.md5(content).hexdigest()  # noqa: S324 - Drive's own checksum
    resource["sha256Checksum"] = hashlib.sha256(content).hexdigest()
    resource["webContentLink"] = f"https://drive.google.com/uc?id={resource['id']}&export=download"
    if "." in resource["name"]:
        resource["fileExtension"] = resource["fullFileExtension"] = resource["name"].rsplit(".", 1)[1]
    resource["iconLink"] = f"https://drive-thirdparty.googleusercontent.com/16/type/{resource['mimeType']}"


def text_from_upload(media: bytes, media_type: str) -> str:
    """What a Google Doc holds after importing ``media`` (plain text or HTML)."""
    text = media.decode("utf-8", errors="replace")
    if media_type.startswith("text/html"):
        text = re.sub(r"<br\s*/?>|</p>|</div>|</li>|</h\d>", "\n", text, flags=re.I)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text.replace("\r\n", "\n")


# --- a minimal, valid PDF ------------------------------------------------------------------------------

_LINES_PER_PAGE = 54
_WRAP = 92


def _pdf_escape(line: str) -> str:
    line = line.encode("latin-1", errors="replace").decode("latin-1")
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _wrapped(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines() or [""]:
        raw = raw.expandtabs(4)
        while len(raw) > _WRAP:
            cut = raw.rfind(" ", 0, _WRAP)
            cut = cut if cut > 0 else _WRAP
            lines.append(raw[:cut])
            raw = raw[cut:].lstrip()
        lines.append(raw)
    return lines


def minimal_pdf(text: str, *, title: str | None = None) -> bytes:
    """A small PDF 1.4 document showing ``text`` in Helvetica 10 pt, A4, one page per 54 lines.

    Real enough for a PDF reader and for tests that look for the text: content streams are not
    compressed, so the (escaped) lines appear verbatim in the bytes.
    """
    lines = _wrapped(text)
    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = []  # object n is objects[n - 1]
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{n} 0 R" for n in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for page_lines in pages:
        ops = ["BT", "/F1 10 Tf", "14 TL", "56 790 Td"]
        ops += [f"({_pdf_escape(line)}) '" for line in page_lines]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content_id = len(objects) + 2
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {content_id} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info = ""
    if title:
        objects.append(f"<< /Title ({_pdf_escape(title)}) /Producer (Sales Hub sandbox) >>".encode("latin-1"))
        info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
