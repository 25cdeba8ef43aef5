"""Reading QuickBooks Online change data capture answers.

``GET /v3/company/{realmId}/cdc?entities=Estimate,Invoice&changedSince=2026-10-20T00:00:00+00:00``
(https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture)::

    {"CDCResponse": [{"QueryResponse": [
        {"Estimate": [{...full estimate...}], "startPosition": 1, "maxResults": 1},
        {"Invoice": [{"status": "Deleted", "domain": "QBO", "Id": "120",
                      "MetaData": {"LastUpdatedTime": "2026-11-02T12:05:00-08:00"}}], ...}]}],
     "time": "…"}

One group per entity asked (``{}`` when nothing changed); deleted objects are stubs with
``"status": "Deleted"``. QBO looks back at most 30 days and answers at most 1,000 objects, unpaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["CDC_LOOKBACK_DAYS", "CDC_MAX_OBJECTS", "cdc_rows", "is_deleted"]

CDC_LOOKBACK_DAYS = 30
CDC_MAX_OBJECTS = 1000


def is_deleted(raw: dict[str, Any]) -> bool:
    """A deleted object's stub (CDC, or a batch delete's answer)."""
    return str(raw.get("status", "")).lower() == "deleted"


def cdc_rows(body: Any, names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The objects of each entity in ``names`` (every name a key), from a CDC answer body.

    Raises ``ValueError`` when the body does not have the documented shape. Entity keys match
    case-insensitively; ``startPosition``/``maxResults`` and unasked entities are skipped.
    """
    try:
        groups = body["CDCResponse"][0]["QueryResponse"]
    except (KeyError, IndexError, TypeError):
        raise ValueError("answer has no CDCResponse[0].QueryResponse") from None
    if not isinstance(groups, list):
        raise ValueError("CDCResponse[0].QueryResponse is not a list")
    wanted = {name.lower(): name for name in names}
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for group in groups:
        if not isinstance(group, dict):
            raise ValueError("a CDC group is not an object")
        for key, rows in group.items():
            name = wanted.get(key.lower())
            if name is None:
                continue
            if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
                raise ValueError(f"CDC {key} is not a list of objects")
            out[name].extend(rows)
    return out
