"""Addressing a value inside a decoded record.

Three spellings, all accepted wherever a mapping file names a value (``from:``, ``currency_from:``,
``get:``):

* ``PrimaryEmailAddr.Address`` -- a string is a dotted path into nested objects. It is always split
  at every dot, so an empty segment (``"Client No."``, ``"a..b"``) is a load-time error.
* ``{key: "Client No."}`` -- one top-level key taken literally, dots and spaces included.
* ``{path: [Meta.Data, Created]}`` -- nested keys, each segment taken literally.

Inside a list field's ``each`` a path reads the current item. A leading ``^`` reaches the record around
it instead (``^CurrencyRef.value`` from a QuickBooks line reads the estimate's currency), ``^^`` two
levels out; the object spellings take ``up: 1`` for the same. Only rules inside ``each`` have a record
around them, which the mapping's validation checks.

A list field's ``from`` may also fan out: ``Line[].LinkedTxn`` walks every item of ``Line`` and joins
what each holds at ``LinkedTxn`` into one list (``ListPath``).

>>> KeyPath.parse("PrimaryEmailAddr.Address").resolve({"PrimaryEmailAddr": {"Address": "a@b.c"}})
'a@b.c'
>>> KeyPath.parse({"key": "Client No."}).resolve({"Client No.": "CL-7"})
'CL-7'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["KeyPath", "ListPath", "PathSyntaxError", "PathTypeError"]


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
    """Literal key segments walked from the record's top level, or from ``up`` records around it."""

    segments: tuple[str, ...]
    up: int = 0

    def __str__(self) -> str:
        return "^" * self.up + ".".join(self.segments)

    @classmethod
    def parse(cls, raw: Any) -> KeyPath:
        """Parse one of the three spellings above; raises ``PathSyntaxError``."""
        if isinstance(raw, str):
            up = len(raw) - len(raw.lstrip("^"))
            text = raw[up:]
            if not text:
                raise PathSyntaxError("empty path")
            segments = tuple(text.split("."))
            if any(not s for s in segments):
                raise PathSyntaxError(
                    f"empty segment in path {raw!r}; write {{key: {raw!r}}} for a key that contains a dot"
                )
            if any(s.startswith("^") for s in segments):
                raise PathSyntaxError(f"'^' goes only at the start of a path (in {raw!r})")
            return cls(segments, up)
        if isinstance(raw, Mapping) and "up" in raw:
            up = raw["up"]
            if isinstance(up, bool) or not isinstance(up, int) or up < 1:
                raise PathSyntaxError("must be a whole number of levels, 1 or more", ("up",))
            inner = cls.parse({k: v for k, v in raw.items() if k != "up"})
            return cls(inner.segments, up)
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

    def resolve(self, data: Mapping[str, Any], around: tuple[Mapping[str, Any], ...] = ()) -> Any:
        """The value at this path, or ``None`` when any key is missing or null.

        ``around`` lists the records enclosing ``data``, nearest first; ``up`` picks one of them.
        Raises ``PathTypeError`` when an intermediate value exists but is not an object, and when the
        first segment is missing while the whole dotted string is a key (a likely ``{key: ...}`` slip).
        """
        if self.up:
            if self.up > len(around):
                raise PathTypeError(f"{self} reaches above the outermost record")
            data = around[self.up - 1]
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


@dataclass(frozen=True)
class ListPath:
    """A list field's ``from``: ``KeyPath`` parts joined by ``[]``, each fanning out over a list.

    >>> ListPath.parse("Line[].LinkedTxn").resolve({"Line": [{"LinkedTxn": [1, 2]}, {"LinkedTxn": [3]}]})
    [1, 2, 3]
    """

    parts: tuple[KeyPath, ...]

    def __str__(self) -> str:
        return "[].".join(map(str, self.parts))

    @property
    def up(self) -> int:
        return self.parts[0].up

    @classmethod
    def parse(cls, raw: Any) -> ListPath:
        """A ``KeyPath`` spelling; in a dotted string, a segment ending in ``[]`` fans out."""
        if not isinstance(raw, str):
            return cls((KeyPath.parse(raw),))
        text = raw[:-2] if raw.endswith("[]") else raw  # "Line[]" is just "Line": the value is a list
        pieces = text.split("[].")
        if any(not piece or "[]" in piece for piece in pieces):
            raise PathSyntaxError(f"'[]' ends a segment and is followed by '.' and a key (in {raw!r})")
        parts = tuple(KeyPath.parse(piece) for piece in pieces)
        if any(part.up for part in parts[1:]):
            raise PathSyntaxError(f"'^' goes only at the start of a path (in {raw!r})")
        return cls(parts)

    def resolve(self, data: Mapping[str, Any], around: tuple[Mapping[str, Any], ...] = ()) -> Any:
        """The value at the first part; then, per later part, every item's value joined into one list.

        A list found at a later part is spliced in, any other value appended; missing values are
        skipped. ``None`` when the first part is missing.
        """
        value = self.parts[0].resolve(data, around)
        walked = str(self.parts[0])
        for part in self.parts[1:]:
            if value is None:
                return None
            if not isinstance(value, list | tuple):
                raise PathTypeError(f"{walked} is {_type_name(value)}, not a list")
            joined: list[Any] = []
            for n, item in enumerate(value):
                if item is None:
                    continue
                if not isinstance(item, Mapping):
                    raise PathTypeError(f"{walked}[{n}] is {_type_name(item)}, not an object")
                found = part.resolve(item)
                if isinstance(found, list | tuple):
                    joined.extend(found)
                elif found is not None:
                    joined.append(found)
            value, walked = joined, f"{walked}[].{part}"
        return value


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
