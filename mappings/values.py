"""Unified value types that mappings produce: ``Money`` and ``Address``.

Both are frozen, compare by value and round-trip through plain JSON (``to_json``/``from_json``) so the
store can cache them and the GraphQL edge can expose them. Money amounts are ``Decimal`` and travel as
strings, never as floats.

>>> Money(Decimal("85.00"), "USD").to_json()
{'amount': '85.00', 'currency': 'USD'}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["VALUE_TYPES", "Address", "Money", "value_to_json"]

_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Money:
    """An exact amount in one ISO 4217 currency.

    >>> Money.from_json({"amount": "12.50", "currency": "USD"})
    Money(amount=Decimal('12.50'), currency='USD')
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        # A float here means someone decoded JSON lossily upstream; fail loudly rather than round silently.
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money.amount must be Decimal, got {type(self.amount).__name__}")
        if not self.amount.is_finite():
            raise ValueError("Money.amount must be a finite number")
        if not isinstance(self.currency, str) or not _CURRENCY.fullmatch(self.currency):
            raise ValueError(f"Money.currency must be a 3-letter ISO 4217 code, got {self.currency!r}")

    def to_json(self) -> dict[str, str]:
        """``{"amount": "85.00", "currency": "USD"}``; the amount keeps its exponent (trailing zeros)."""
        return {"amount": str(self.amount), "currency": self.currency}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Money:
        """Inverse of ``to_json``; accepts a string or int amount, rejects floats."""
        if not isinstance(data, Mapping):
            raise TypeError(f"Money JSON must be an object, got {type(data).__name__}")
        unknown = set(data) - {"amount", "currency"}
        if unknown:
            raise ValueError(f"unknown Money keys: {', '.join(sorted(unknown))}")
        raw = data.get("amount")
        if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
            raise TypeError(f"Money amount must be a string, got {type(raw).__name__}")
        try:
            amount = Decimal(raw)
        except InvalidOperation as exc:
            raise ValueError(f"Money amount is not a number: {raw!r}") from exc
        return cls(amount=amount, currency=data.get("currency"))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Address:
    """A postal address. ``region`` is a state/province code; ``country`` as the source spells it."""

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"Address.{f.name} must be str or None, got {type(value).__name__}")

    @property
    def is_empty(self) -> bool:
        """True when every part is missing."""
        return all(getattr(self, f.name) is None for f in fields(self))

    def to_json(self) -> dict[str, str | None]:
        """All six keys, missing parts as ``None``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Address:
        """Inverse of ``to_json``; missing keys are ``None``, unknown keys are an error."""
        if not isinstance(data, Mapping):
            raise TypeError(f"Address JSON must be an object, got {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown Address keys: {', '.join(sorted(map(str, unknown)))}")
        return cls(**{name: data.get(name) for name in names})


# The unified value types that are not plain JSON; each has ``to_json``/``from_json``.
VALUE_TYPES: tuple[type[Money] | type[Address], ...] = (Money, Address)


def value_to_json(value: Any) -> Any:
    """``value.to_json()`` for a ``Money`` or ``Address``; any other value unchanged."""
    return value.to_json() if isinstance(value, VALUE_TYPES) else value
