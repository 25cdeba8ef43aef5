"""Delivery promises a workshop can keep: ATP, capable-to-promise on finite capacity, and why.

Pure and deterministic: every function takes ``now`` and an ``InventorySnapshot`` and does no I/O
(except ``load_scenario``/``run_scenario``, which read the scenario file they are given).

>>> from hub.promise import promise, OrderLine  # doctest: +SKIP
>>> promise(snapshot, [OrderLine("FIN-TAILCOAT", Decimal(2))], now=now).delivery_date  # doctest: +SKIP
"""

from __future__ import annotations

from hub.promise.atp import AtpLedger, AtpProfile, available_to_promise
from hub.promise.calendar import WorkingCalendar
from hub.promise.capacity import Booking, CapacityBoard, operation_minutes
from hub.promise.engine import promise, recheck, ship_calendar
from hub.promise.model import (
    Allocation,
    Confidence,
    Constraint,
    LinePromise,
    Lot,
    OrderLine,
    OrderPromise,
    Policy,
    PromiseError,
    Recheck,
    ScheduledOperation,
    ShipmentOption,
)
from hub.promise.scenario import Scenario, ScenarioError, load_scenario, parse_scenario, run_scenario

__all__ = [
    "Allocation",
    "AtpLedger",
    "AtpProfile",
    "Booking",
    "CapacityBoard",
    "Confidence",
    "Constraint",
    "LinePromise",
    "Lot",
    "OrderLine",
    "OrderPromise",
    "Policy",
    "PromiseError",
    "Recheck",
    "Scenario",
    "ScenarioError",
    "ScheduledOperation",
    "ShipmentOption",
    "WorkingCalendar",
    "available_to_promise",
    "load_scenario",
    "operation_minutes",
    "parse_scenario",
    "promise",
    "recheck",
    "run_scenario",
    "ship_calendar",
]
