"""Item filters: which objects of a list a rule keeps (``where:`` on a list field, the ``where`` transform).

A filter is an object of ``path: expected`` pairs, all of which must hold; ``expected`` is one scalar or
a list of scalars meaning "any of these"; ``null`` matches a missing value. Paths are read inside each
item (dotted, as everywhere; ``^`` cannot be used, an item has no record around it here).

>>> keep = Filter.parse({"DetailType": "SalesItemLineDetail", "SalesItemLineDetail.Qty": [1, 2]})
>>> keep.matches({"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"Qty": 2}})
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mappings.paths import KeyPath, PathSyntaxError, PathTypeError

__all__ = ["Filter"]

Scalar = str | int | bool | None


def _same(value: Any, expected: Scalar) -> bool:
    # True == 1 in Python; a filter on a flag must not match a count, nor the other way round.
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value is expected
    if isinstance(value, float):
        return False
    return bool(value == expected) if isinstance(value, str | int | Decimal | type(None)) else False


@dataclass(frozen=True)
class Filter:
    """``(path, allowed values)`` pairs; an item matches when every path holds one of its values."""

    conditions: tuple[tuple[KeyPath, tuple[Scalar, ...]], ...]

    @classmethod
    def parse(cls, raw: Any) -> Filter:
        """Parse a filter as written; ``PathSyntaxError`` with ``loc`` inside ``raw`` when malformed."""
        if not isinstance(raw, Mapping) or not raw:
            raise PathSyntaxError("a filter is a non-empty object of {path: value} or {path: [values]}")
        conditions = []
        for key, expected in raw.items():
            if not isinstance(key, str):
                raise PathSyntaxError("a filter key is a path (text)", (str(key),))
            try:
                path = KeyPath.parse(key)
            except PathSyntaxError as exc:
                raise PathSyntaxError(exc.reason, (key, *exc.loc)) from None
            if path.up:
                raise PathSyntaxError("a filter reads inside each item; '^' cannot be used here", (key,))
            values = expected if isinstance(expected, list) else [expected]
            if not values:
                raise PathSyntaxError("an empty list matches nothing", (key,))
            for n, value in enumerate(values):
                if value is not None and not isinstance(value, str | int | bool):
                    where = (key, n) if isinstance(expected, list) else (key,)
                    raise PathSyntaxError("must be text, a whole number, true/false or null", where)
            conditions.append((path, tuple(values)))
        return cls(tuple(conditions))

    def matches(self, item: Any) -> bool:
        """Whether ``item`` (an object) passes; anything that is not an object never does."""
        if not isinstance(item, Mapping):
            return False
        for path, allowed in self.conditions:
            try:
                value = path.resolve(item)
            except PathTypeError:
                return False
            if not any(_same(value, expected) for expected in allowed):
                return False
        return True
