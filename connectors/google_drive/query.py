"""Building Drive ``q`` search strings safely.

Drive's query language (https://developers.google.com/workspace/drive/api/guides/search-files and
.../ref-search-terms) puts string values in single quotes; inside them ``'`` is written ``\\'`` and a
backslash ``\\\\``. Backslashes are escaped first, or the backslash added for a quote would be
doubled again. Every caller-supplied value goes through ``quote``; field names are checked against
the search terms Drive documents, so no free text reaches the query unquoted::

    >>> all_of(not_trashed(), any_of(app_properties({"hubKind": "proposal"}), in_parents("1Fold")))
    "trashed = false and ((appProperties has { key='hubKind' and value='proposal' }) or ('1Fold' in parents))"
    >>> quote("O'Brien \\\\ Sons")
    "'O\\\\'Brien \\\\\\\\ Sons'"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

__all__ = [
    "FOLDER_MIME_TYPE",
    "all_of",
    "any_of",
    "app_properties",
    "check_app_property",
    "compare",
    "in_parents",
    "is_folder",
    "name_is",
    "not_folder",
    "not_trashed",
    "quote",
    "timestamp",
]

FOLDER_MIME_TYPE = "application/vnd.google-apps.folder"

# Search terms that compare to a string or date value (ref-search-terms); anything else is refused.
_FIELDS = frozenset({"name", "fullText", "mimeType", "modifiedTime", "viewedByMeTime", "createdTime",
                     "sharedWithMe", "visibility", "shortcutDetails.targetId"})
_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "contains"})
# "The maximum size of a property, key + value, is 124 bytes" (Drive: add custom file properties,
# https://developers.google.com/workspace/drive/api/guides/properties).
MAX_PROPERTY_BYTES = 124


def quote(value: str) -> str:
    """A string literal for ``q``: ``Valentine's Day`` -> ``'Valentine\\'s Day'``."""
    if not isinstance(value, str):
        raise TypeError(f"query values are strings, not {type(value).__name__}")
    if "\x00" in value:
        raise ValueError("query values cannot contain NUL characters")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def timestamp(moment: datetime) -> str:
    """A quoted RFC 3339 time in UTC (Drive reads zone-less times as UTC; we always send one)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("query times must be timezone-aware")
    return quote(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")


def compare(field: str, operator: str, value: str | datetime) -> str:
    """``name = 'Proposal'``, ``modifiedTime > '2026-01-01T00:00:00.000Z'``, ``name contains 'E-1001'``."""
    if field not in _FIELDS:
        raise ValueError(f"not a Drive search term we compare: {field!r}")
    if operator not in _OPERATORS:
        raise ValueError(f"not a Drive query operator: {operator!r}")
    rendered = timestamp(value) if isinstance(value, datetime) else quote(value)
    return f"{field} {operator} {rendered}"


def name_is(name: str) -> str:
    return compare("name", "=", name)


def in_parents(folder_id: str) -> str:
    """Files directly inside the folder (not in its subfolders)."""
    return f"{quote(folder_id)} in parents"


def not_trashed() -> str:
    return "trashed = false"


def is_folder() -> str:
    return compare("mimeType", "=", FOLDER_MIME_TYPE)


def not_folder() -> str:
    return compare("mimeType", "!=", FOLDER_MIME_TYPE)


def check_app_property(key: str, value: str) -> None:
    """Refuse a property Drive would reject: empty key, or key + value over 124 bytes (UTF-8)."""
    if not key:
        raise ValueError("appProperties keys cannot be empty")
    size = len(key.encode()) + len(value.encode())
    if size > MAX_PROPERTY_BYTES:
        raise ValueError(f"appProperties {key!r}: key + value is {size} bytes, Drive allows "
                         f"{MAX_PROPERTY_BYTES}")


def app_properties(properties: Mapping[str, str]) -> str:
    """Files carrying every one of these private app properties (ANDed)."""
    if not properties:
        raise ValueError("app_properties needs at least one key")
    terms = []
    for key, value in properties.items():
        check_app_property(key, value)
        terms.append(f"appProperties has {{ key={quote(key)} and value={quote(value)} }}")
    return all_of(*terms)


def _join(operator: str, terms: Iterable[str]) -> str:
    parts = [t for t in terms if t]
    if not parts:
        raise ValueError(f"'{operator}' needs at least one term")
    if len(parts) == 1:
        return parts[0]
    return f" {operator} ".join(f"({p})" if " or " in p or " and " in p else p for p in parts)


def all_of(*terms: str) -> str:
    """Terms joined by ``and``; compound terms are parenthesised so precedence never surprises."""
    return _join("and", terms)


def any_of(*terms: str) -> str:
    """Terms joined by ``or``; every term parenthesised when there is more than one."""
    parts = [t for t in terms if t]
    if len(parts) <= 1:
        return _join("or", parts)
    return " or ".join(f"({p})" for p in parts)
