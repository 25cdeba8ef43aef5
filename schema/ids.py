"""Opaque global ids (Relay ``Node``) and list cursors."""

from __future__ import annotations

import base64
import binascii

__all__ = ["decode_cursor", "encode_cursor", "from_global_id", "to_global_id"]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def to_global_id(type_name: str, entity_id: str) -> str:
    return _b64(f"{type_name}:{entity_id}")


def from_global_id(global_id: str) -> tuple[str, str]:
    """``(type_name, id)``; raises ``ValueError`` with a clear message for a malformed id."""
    try:
        type_name, _, entity_id = _unb64(global_id).partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError(f"malformed id {global_id!r}") from None
    if not type_name or not entity_id:
        raise ValueError(f"malformed id {global_id!r}")
    return type_name, entity_id


def encode_cursor(sort_key: str, entity_id: str) -> str:
    return _b64(f"c1\x1f{sort_key}\x1f{entity_id}")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        version, sort_key, entity_id = _unb64(cursor).split("\x1f")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError(f"malformed cursor {cursor!r}") from None
    if version != "c1":
        raise ValueError(f"malformed cursor {cursor!r}")
    return sort_key, entity_id
