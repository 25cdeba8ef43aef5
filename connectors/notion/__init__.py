"""Notion connector: data source pages as ``SourceRecord``s (API version 2025-09-03 and later)."""

from __future__ import annotations

from connectors.notion.client import NotionConnector, NotionTokenAuth, notion_vendor_errors, query_filter
from connectors.notion.properties import PropertyDecodeError, decode_item, decode_properties, decode_value

__all__ = [
    "NotionConnector",
    "NotionTokenAuth",
    "PropertyDecodeError",
    "decode_item",
    "decode_properties",
    "decode_value",
    "notion_vendor_errors",
    "query_filter",
]
