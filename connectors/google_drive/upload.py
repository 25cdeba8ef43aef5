"""The body of a Drive multipart upload: file metadata and its bytes in one ``multipart/related`` request.

Drive's ``uploadType=multipart`` (https://developers.google.com/workspace/drive/api/guides/manage-uploads)
takes exactly two parts — the metadata as ``application/json; charset=UTF-8``, then the media with its
own ``Content-Type`` — for files up to 5 MB; larger ones need a resumable upload::

    --hub-3f2a…
    Content-Type: application/json; charset=UTF-8

    {"name": "Proposal E-1001 - Maya Ortiz.pdf", "parents": ["1Fold"]}
    --hub-3f2a…
    Content-Type: application/pdf

    %PDF-1.4 …
    --hub-3f2a…--
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_MULTIPART_BYTES", "multipart_related"]

MAX_MULTIPART_BYTES = 5 * 1024 * 1024
_CRLF = b"\r\n"


def multipart_related(metadata: Mapping[str, Any], media: bytes, media_type: str) -> tuple[bytes, str]:
    """``(body, Content-Type header)`` for ``POST /upload/drive/v3/files?uploadType=multipart``."""
    if len(media) > MAX_MULTIPART_BYTES:
        raise ValueError(f"a multipart upload carries at most {MAX_MULTIPART_BYTES} bytes; "
                         f"this file has {len(media)}")
    if not media_type or any(c in media_type for c in "\r\n"):
        raise ValueError("media_type must be one MIME type")
    boundary = f"hub-{secrets.token_hex(16)}"
    while boundary.encode() in media:  # 128 random bits: practically never, but a clash corrupts the file
        boundary = f"hub-{secrets.token_hex(16)}"
    delimiter = b"--" + boundary.encode()
    body = b"".join([
        delimiter, _CRLF, b"Content-Type: application/json; charset=UTF-8", _CRLF, _CRLF,
        json.dumps(dict(metadata)).encode(), _CRLF,
        delimiter, _CRLF, f"Content-Type: {media_type}".encode(), _CRLF, _CRLF, media, _CRLF,
        delimiter, b"--", _CRLF,
    ])
    return body, f'multipart/related; boundary="{boundary}"'
