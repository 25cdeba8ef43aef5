"""Addressing a value inside a decoded record.

Three spellings, all accepted wherever a mapping file names a value (``from:``, ``currency_from:``,
``get:``):

* ``PrimaryEmailAddr.Address`` -- a string is a dotted path into nested objects. It is always split
  at every dot, so an empty segment (``"Client No."``, ``"a..b"``) is a load-time error.
* ``{key: "Client No."}`` -- one top-level key taken literally, dots and spaces included.
* ``{path: [Meta.Data, Created]}`` -- nested keys, each segment taken literally.

>>> KeyPath.parse("PrimaryEmailAddr.Address").resolve({"PrimaryEmailAddr": {"Address": "a@b.c"}})
'a@b.c'
>>> KeyPath.parse({"key": "Client No."}).resolve({"Client No.": "CL-7"})
'CL-7'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["KeyPath", "PathSyntaxError", "PathTypeError"]


class PathSyntaxError(ValueError):
    """A path in a mapping file is malformed; ``loc`` points inside the offending value."""

    def __init__(self, reason: str, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.loc = loc


class PathTypeError(ValueError):
    """A record's shape does not allow walking the path (an intermediate value is not an object)."""


@dataclass(frozen=True)
class KeyPath:
    """Literal key segments walked from the record's top level."""

    segments: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.segments)

    @classmethod
    def parse(cls, raw: Any) -> KeyPath:
        """Parse one of the three spellings above; raises ``PathSyntaxError``."""
        if isinstance(raw, str):
            if not raw:
                raise PathSyntaxError("empty path")
            segments = tuple(raw.split("."))
            if any(not s for s in segments):
                raise PathSyntaxError(
                    f"empty segment in path {raw!r}; write {{key: {raw!r}}} for a key that contains a dot"
                )
            return cls(segments)
        if isinstance(raw, Mapping):
            if set(raw) == {"key"}:
                key = raw["key"]
                if not isinstance(key, str) or not key:
                    raise PathSyntaxError("must be a non-empty string", ("key",))
                return cls((key,))
            if set(raw) == {"path"}:
                parts = raw["path"]
                if not isinstance(parts, list) or not parts:
                    raise PathSyntaxError("must be a non-empty list of keys", ("path",))
                for i, part in enumerate(parts):
                    if not isinstance(part, str) or not part:
                        raise PathSyntaxError("must be a non-empty string", ("path", i))
                return cls(tuple(parts))
            keys = ", ".join(sorted(map(str, raw))) or "none"
            raise PathSyntaxError(f"a path object has exactly one key, 'key' or 'path' (got: {keys})")
        raise PathSyntaxError(
            f"a path is a dotted string, {{key: ...}} or {{path: [...]}}, not {_type_name(raw)}"
        )

    def resolve(self, data: Mapping[str, Any]) -> Any:
        """The value at this path, or ``None`` when any key is missing or null.

        Raises ``PathTypeError`` when an intermediate value exists but is not an object, and when the
        first segment is missing while the whole dotted string is a key (a likely ``{key: ...}`` slip).
        """
        current: Any = data
        for depth, segment in enumerate(self.segments):
            if current is None:
                return None
            if not isinstance(current, Mapping):
                walked = ".".join(self.segments[:depth])
                raise PathTypeError(f"{walked} is {_type_name(current)}, not an object")
            if depth == 0 and len(self.segments) > 1 and segment not in current and str(self) in current:
                raise PathTypeError(f"{str(self)!r} is a single key with a dot; write {{key: {str(self)!r}}}")
            current = current.get(segment)
        return current


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
