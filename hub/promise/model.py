"""What a delivery promise asks for and what it answers, with a JSON round trip.

Every output is a frozen dataclass; datetimes are timezone-aware UTC, calendar dates are ``date``,
quantities ``Decimal``. ``OrderPromise.to_json()`` / ``OrderPromise.from_json()`` round-trip a promise
(Decimal as strings, dates and datetimes ISO 8601) so it can be stored and re-checked later.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

from hub.errors import HubError

__all__ = [
    "Allocation",
    "AllocationSource",
    "Confidence",
    "ConfidenceLevel",
    "Constraint",
    "ConstraintKind",
    "LinePromise",
    "Lot",
    "OrderLine",
    "OrderPromise",
    "Policy",
    "PromiseError",
    "Recheck",
    "ScheduledOperation",
    "ShipmentOption",
]

ConstraintKind = Literal["stock", "component", "work_center", "holiday", "lead_time", "none"]
ConfidenceLevel = Literal["HIGH", "MEDIUM", "LOW"]
AllocationSource = Literal["stock", "supply", "purchase", "make"]

_RANK = {"LOW": 0, "MEDIUM": 1, "HIGH": 2}


class PromiseError(HubError):
    """The question cannot be answered as asked: an unknown SKU, a BOM cycle, a routing on a missing
    work centre, a naive ``now``... The message names the record."""

    code = "PROMISE_ERROR"


class _Json:
    """Mixin: ``to_json()`` to plain JSON types and ``from_json()`` back, driven by the type hints."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: Decimal as strings, dates/datetimes ISO 8601, tuples as lists."""
        return _encode(self)  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls: type[_T], data: Any) -> _T:
        """Rebuild from ``to_json()`` output; raises ``PromiseError`` naming the bad key."""
        return _decode(cls, data, cls.__name__)  # type: ignore[no-any-return]


_T = TypeVar("_T", bound=_Json)


@dataclass(frozen=True)
class OrderLine(_Json):
    """One line of the order: ``OrderLine("FIN-TAILCOAT", Decimal(2))``."""

    sku: str
    quantity: Decimal


@dataclass(frozen=True)
class Policy(_Json):
    """How dates are turned into a promise."""

    packing_days: int = 1  # business days from ready to shipped
    transit_business_days: int = 2  # carrier transit (Mon-Fri, skipping ship-calendar holidays)
    security_days: int = 0  # extra business days of margin added before delivery
    ship_calendar_id: str | None = None  # None: the first work centre's calendar
    lot_splitting: bool = False  # a first lot on what components in stock cover (sized to finish earliest)
    allow_partial: bool = True  # offer partial shipments
    max_data_age_minutes: int = 60  # older source data lowers confidence to MEDIUM


@dataclass(frozen=True)
class Constraint(_Json):
    """Why the date is what it is: ``Constraint("work_center", "Sewing Room busy until ...")``."""

    kind: ConstraintKind
    description: str
    sku: str | None = None
    work_center: str | None = None
    until: datetime | None = None
    supply_reference: str | None = None


@dataclass(frozen=True)
class Confidence(_Json):
    """HIGH, MEDIUM or LOW, with the reasons that lowered (or support) it."""

    level: ConfidenceLevel
    reasons: tuple[str, ...] = ()

    @staticmethod
    def weakest(levels: typing.Iterable[str]) -> ConfidenceLevel:
        """The lowest of ``levels`` (HIGH when empty)."""
        worst: ConfidenceLevel = "HIGH"
        for level in levels:
            if _RANK[level] < _RANK[worst]:
                worst = typing.cast(ConfidenceLevel, level)
        return worst


@dataclass(frozen=True)
class ScheduledOperation(_Json):
    """One routing operation booked on a work centre lane (``end`` may be days later: it pauses
    outside working hours)."""

    sku: str
    operation: str
    work_center: str
    lane: int
    start: datetime
    end: datetime
    quantity: Decimal


@dataclass(frozen=True)
class Lot(_Json):
    """A part of a line that is ready at one time (stock now, a first lot, the rest...)."""

    quantity: Decimal
    ready_at: datetime


@dataclass(frozen=True)
class Allocation(_Json):
    """Material the promise takes: from stock, from a dated supply, a new purchase, or made."""

    sku: str
    quantity: Decimal
    source: AllocationSource
    reference: str | None
    available_at: datetime


@dataclass(frozen=True)
class LinePromise(_Json):
    sku: str
    quantity: Decimal
    from_stock: Decimal
    to_produce: Decimal  # the shortfall: made, awaited from supply or bought
    ready_at: datetime
    ship_date: date
    delivery_date: date
    constraint: Constraint
    confidence: Confidence
    naive_delivery_date: date
    operations: tuple[ScheduledOperation, ...] = ()
    lots: tuple[Lot, ...] = ()
    allocations: tuple[Allocation, ...] = ()


@dataclass(frozen=True)
class ShipmentOption(_Json):
    """One shipment of a partial-shipment plan: what leaves on ``ship_date``."""

    ship_date: date
    delivery_date: date
    lines: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class OrderPromise(_Json):
    now: datetime
    lines: tuple[LinePromise, ...]
    ship_complete_date: date
    delivery_date: date
    partial_shipments: tuple[ShipmentOption, ...]
    requested_date: date | None
    can_meet: bool | None
    slack_business_days: int | None  # negative when late
    constraint: Constraint
    confidence: Confidence
    naive_delivery_date: date
    policy: Policy
    request: tuple[OrderLine, ...]


@dataclass(frozen=True)
class Recheck(_Json):
    previous_delivery: date
    delivery: date
    slipped: bool
    slip_business_days: int  # positive: later than promised
    new: OrderPromise
    reasons: tuple[str, ...]


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def _decode(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _decode(inner, value, path)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise PromiseError(f"{path}: expected one of {list(typing.get_args(tp))}, got {value!r}")
        return value
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list | tuple):
            raise PromiseError(f"{path}: expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise PromiseError(f"{path}: expected {len(args)} items, got {len(value)}")
        return tuple(_decode(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True)))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise PromiseError(f"{path}: expected an object, got {value!r}")
        hints = typing.get_type_hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in value:
                kwargs[f.name] = _decode(hints[f.name], value[f.name], f"{path}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise PromiseError(f"{path}.{f.name}: missing")
        return tp(**kwargs)
    try:
        if tp is Decimal:
            return Decimal(str(value))
        if tp is datetime:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise PromiseError(f"{path}: datetime needs a UTC offset, got {value!r}")
            return parsed
        if tp is date:
            return date.fromisoformat(value)
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise PromiseError(f"{path}: cannot read {value!r} as {tp.__name__}") from exc
    if tp in (int, str, bool) and not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise PromiseError(f"{path}: expected {tp.__name__}, got {value!r}")
    return value
