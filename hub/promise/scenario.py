"""Self-contained "what if" scenarios: a snapshot, order lines, policy, requested date and ``now``.

``hub promise --scenario FILE`` and ``run_scenario(path)`` read one file (``.json``, or YAML for any
other suffix) and return the promise as a JSON-ready dict (``OrderPromise.to_json()``), or the re-check
(``Recheck.to_json()``) when the file has ``recheck_of``. A bad file raises ``ScenarioError`` naming the
file, the key path and the reason: ``order.yaml: snapshot.items[2].lead_time_days: expected a decimal
number, got 'two'``.

Scenario file format
--------------------
Top level (unknown keys are errors everywhere)::

    description: "free text"                  # optional
    now: "2026-11-23T09:00:00Z"               # required; ISO 8601 with an offset (Z or +01:00)
    requested_date: "2026-12-04"              # optional; the date the customer asked for
    lines:                                    # required unless recheck_of; at least one
      - {sku: FIN-TAILCOAT, quantity: 2}
    policy:                                   # optional; every key optional (defaults shown)
      packing_days: 1                         # business days from ready to shipped
      transit_business_days: 2                # carrier transit, business days
      security_days: 0                        # extra business days before delivery
      ship_calendar_id: null                  # null: the first work centre's calendar
      lot_splitting: false                    # first lot on what components in stock cover
      allow_partial: true                     # offer partial shipments
      max_data_age_minutes: 60                # older source data lowers confidence
    recheck_of: earlier.yaml                  # optional; see below
    snapshot:                                 # required; the canonical InventorySnapshot
      fetched_at: "2026-11-23T08:55:00Z"      # optional
      source_times: {odoo: "2026-11-23T08:55:00Z"}   # optional; source -> when it was read
      calendars:                              # list; keyed by id
        - id: workshop
          name: Workshop 40h
          timezone: Europe/London             # IANA name
          hours:                              # weekday 0 = Monday; times "HH:MM" (quote them in YAML)
            - {weekday: 0, start: "08:00", end: "12:00"}
            - {weekday: 0, start: "13:00", end: "17:00"}
          holidays:                           # optional; start and end inclusive
            - {start: "2026-12-25", end: "2026-12-26", name: Christmas}
      work_centers:                           # list; keyed by code
        - {code: SEW, name: Sewing Room, calendar_id: workshop, capacity: 4, efficiency: 0.9}
      items:                                  # list; keyed by sku
        - sku: FAB-SILK-DUPIONI
          name: Silk dupioni
          unit: m
          kind: component                     # finished | component
          make_or_buy: buy                    # make | buy
          lead_time_days: 14
          safety_stock: 0                     # optional
      stock:     [{sku, location, on_hand, reserved: 0}]
      supplies:  [{sku, quantity, expected_at, kind: purchase_order|manufacturing_order, reference,
                   confirmed: true}]
      demands:   [{sku, quantity, needed_at, kind: sales_order|manufacturing_order, reference}]
      boms:                                   # list; keyed by sku (the item it makes)
        - sku: FIN-TAILCOAT
          output_quantity: 1
          lines: [{component_sku: FAB-WOOL-CREPE, quantity: 3.5, scrap_percent: 5}]
          operations:                         # optional; run finish-to-start by sequence
            - {sequence: 10, name: Cutting, work_center: CUT, setup_minutes: 30, run_minutes_per_unit: 60}
      loads:     [{work_center, start, end, reference}]

Every snapshot record may also carry ``ref: {source: odoo, reference: "product.product/42"}``.
Quantities, minutes, days and percentages are decimals: write them as numbers or strings ("0.1" is
exact either way; they never become floats). Datetimes need an offset and are stored in UTC; dates are
``YYYY-MM-DD``. Every SKU, work centre and calendar a record names must be defined in the snapshot.

``recheck_of`` names (relative to this file) either another scenario file, whose promise is computed, or
a JSON file holding a stored ``OrderPromise.to_json()``. The earlier promise's lines, policy and
requested date are used (so this file must not give ``lines``, ``policy`` or ``requested_date``), and
the answer is the re-check on this file's snapshot at this file's ``now``: ``slipped`` is true when the
delivery date moved later.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from connectors.inventory import (
    Bom,
    Calendar,
    Demand,
    InventorySnapshot,
    Item,
    Load,
    StockLevel,
    Supply,
    WorkCenter,
)
from hub.errors import ConfigError
from hub.promise.engine import promise, recheck
from hub.promise.model import OrderLine, OrderPromise, Policy, PromiseError

__all__ = ["Scenario", "ScenarioError", "load_scenario", "parse_scenario", "run_scenario"]

_TOP_KEYS = {"description", "now", "requested_date", "lines", "policy", "recheck_of", "snapshot"}
_LISTS: dict[str, tuple[type, str | None]] = {
    "calendars": (Calendar, "id"),
    "work_centers": (WorkCenter, "code"),
    "items": (Item, "sku"),
    "stock": (StockLevel, None),
    "supplies": (Supply, None),
    "demands": (Demand, None),
    "boms": (Bom, "sku"),
    "loads": (Load, None),
}


class ScenarioError(ConfigError):
    """A scenario file cannot be used: ``file: key.path: reason``."""

    code = "SCENARIO_ERROR"

    def __init__(self, file: str, key_path: str, reason: str) -> None:
        self.file, self.key_path, self.reason = file, key_path, reason
        super().__init__(f"{file}: {key_path}: {reason}" if key_path else f"{file}: {reason}")


@dataclass(frozen=True)
class Scenario:
    """One parsed scenario. ``previous`` is set when the file re-checks an earlier promise."""

    snapshot: InventorySnapshot
    lines: tuple[OrderLine, ...]
    now: datetime
    policy: Policy = Policy()
    requested_date: date | None = None
    description: str = ""
    previous: OrderPromise | None = None

    def run(self) -> dict[str, Any]:
        """The promise (or the re-check) as a JSON-ready dict."""
        if self.previous is not None:
            return recheck(self.previous, self.snapshot, now=self.now).to_json()
        return self.order_promise().to_json()

    def order_promise(self) -> OrderPromise:
        """The promise this scenario makes (for a re-check: the new one)."""
        if self.previous is not None:
            return recheck(self.previous, self.snapshot, now=self.now).new
        return promise(self.snapshot, self.lines, now=self.now, policy=self.policy,
                       requested_date=self.requested_date)


def run_scenario(path: str | Path) -> dict[str, Any]:
    """Load the scenario at ``path`` and return its promise (or re-check) as a JSON-ready dict."""
    scenario = load_scenario(path)
    try:
        return scenario.run()
    except PromiseError as exc:
        raise ScenarioError(str(path), "", str(exc)) from exc


def load_scenario(path: str | Path, *, _seen: frozenset[Path] = frozenset()) -> Scenario:
    """Read and validate a scenario file (JSON for ``.json``, otherwise YAML)."""
    path = Path(path)
    data = _read(path)
    previous = None
    if isinstance(data, dict) and data.get("recheck_of") is not None:
        previous = _previous(path, data["recheck_of"], _seen | {path.resolve()})
    return parse_scenario(data, name=str(path), previous=previous)


def parse_scenario(data: Any, *, name: str = "<scenario>", previous: OrderPromise | None = None) -> Scenario:
    """Validate already-parsed scenario data (a dict as read from JSON/YAML)."""
    r = _Reader(name)
    if not isinstance(data, dict):
        raise r.error("", f"expected a mapping at the top level, got {type(data).__name__}")
    r.check_keys(data, _TOP_KEYS, "", required={"now", "snapshot"})
    snapshot = r.snapshot(data["snapshot"], "snapshot")
    now = r.value(datetime, data["now"], "now")
    if previous is not None:
        for key in ("lines", "policy", "requested_date"):
            if key in data:
                raise r.error(key, "comes from the earlier promise with recheck_of; remove it")
        lines: tuple[OrderLine, ...] = previous.request
        policy, requested = previous.policy, previous.requested_date
    else:
        if "lines" not in data:
            raise r.error("lines", "missing")
        lines = r.value(tuple[OrderLine, ...], data["lines"], "lines")
        if not lines:
            raise r.error("lines", "an order needs at least one line")
        policy = r.value(Policy, data.get("policy") or {}, "policy")
        requested = r.value(date | None, data.get("requested_date"), "requested_date")
    for i, line in enumerate(lines):
        if line.quantity <= 0:
            raise r.error(f"lines[{i}].quantity", f"must be positive, got {line.quantity}")
        if line.sku not in snapshot.items:
            raise r.error(f"lines[{i}].sku", f"unknown SKU {line.sku!r} (not in snapshot.items)")
    if policy.ship_calendar_id is not None and policy.ship_calendar_id not in snapshot.calendars:
        raise r.error("policy.ship_calendar_id", f"unknown calendar {policy.ship_calendar_id!r}")
    description = r.value(str, data.get("description") or "", "description")
    return Scenario(snapshot, lines, now, policy, requested, description, previous)


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), "", f"cannot read the file ({exc.strerror or exc})") from exc
    try:
        return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(str(path), "", f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ScenarioError(str(path), "", f"not valid YAML ({where}{getattr(exc, 'problem', exc)})") from exc


def _previous(path: Path, ref: Any, seen: frozenset[Path]) -> OrderPromise:
    if not isinstance(ref, str):
        raise ScenarioError(str(path), "recheck_of", f"expected a file name, got {ref!r}")
    target = (path.parent / ref).resolve()
    if target in seen:
        raise ScenarioError(str(path), "recheck_of", f"{ref} re-checks itself (a cycle)")
    data = _read(target)
    if isinstance(data, dict) and "snapshot" in data:
        return load_scenario(target, _seen=seen).order_promise()
    try:
        return OrderPromise.from_json(data)
    except PromiseError as exc:
        raise ScenarioError(str(target), "", f"not a scenario nor a stored promise: {exc}") from exc


class _Reader:
    """Turns parsed JSON/YAML into the canonical dataclasses, driven by their type hints."""

    def __init__(self, name: str) -> None:
        self.name = name

    def error(self, key_path: str, reason: str) -> ScenarioError:
        return ScenarioError(self.name, key_path, reason)

    def check_keys(self, data: Mapping[str, Any], allowed: set[str], path: str,
                   required: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        for key in data:
            if key not in allowed:
                expected = ", ".join(sorted(allowed))
                raise self.error(_join(path, str(key)), f"unknown key (expected one of {expected})")
        for key in sorted(required - set(data)):
            raise self.error(_join(path, key), "missing")

    def snapshot(self, data: Any, path: str) -> InventorySnapshot:
        if not isinstance(data, dict):
            raise self.error(path, "expected a mapping")
        self.check_keys(data, set(_LISTS) | {"fetched_at", "source_times"}, path)
        parts: dict[str, Any] = {}
        for key, (cls, id_field) in _LISTS.items():
            records = self.value(tuple[cls, ...], data.get(key) or [], _join(path, key))  # type: ignore[valid-type]
            if id_field is None:
                parts[key] = records
                continue
            keyed: dict[str, Any] = {}
            for i, rec in enumerate(records):
                ident = getattr(rec, id_field)
                if ident in keyed:
                    raise self.error(f"{path}.{key}[{i}].{id_field}", f"duplicate {id_field} {ident!r}")
                keyed[ident] = rec
            parts[key] = keyed
        snap = InventorySnapshot(
            fetched_at=self.value(datetime | None, data.get("fetched_at"), _join(path, "fetched_at")),
            source_times=self.value(dict[str, datetime], data.get("source_times") or {},
                                    _join(path, "source_times")),
            **parts,
        )
        self._cross_check(snap, path)
        return snap

    def _cross_check(self, snap: InventorySnapshot, path: str) -> None:
        def need(ok: bool, where: str, what: str) -> None:
            if not ok:
                raise self.error(f"{path}.{where}", what)

        for i, cal in enumerate(snap.calendars.values()):
            try:
                ZoneInfo(cal.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                need(False, f"calendars[{i}].timezone", f"unknown IANA time zone {cal.timezone!r}")
        for i, wc in enumerate(snap.work_centers.values()):
            need(wc.calendar_id in snap.calendars, f"work_centers[{i}].calendar_id",
                 f"unknown calendar {wc.calendar_id!r}")
        for key in ("stock", "supplies", "demands"):
            for i, rec in enumerate(getattr(snap, key)):
                need(rec.sku in snap.items, f"{key}[{i}].sku", f"unknown SKU {rec.sku!r}")
        for i, bom in enumerate(snap.boms.values()):
            need(bom.sku in snap.items, f"boms[{i}].sku", f"unknown SKU {bom.sku!r}")
            for j, bl in enumerate(bom.lines):
                need(bl.component_sku in snap.items, f"boms[{i}].lines[{j}].component_sku",
                     f"unknown SKU {bl.component_sku!r}")
            for j, op in enumerate(bom.operations):
                need(op.work_center in snap.work_centers, f"boms[{i}].operations[{j}].work_center",
                     f"unknown work centre {op.work_center!r}")
        for i, load in enumerate(snap.loads):
            need(load.work_center in snap.work_centers, f"loads[{i}].work_center",
                 f"unknown work centre {load.work_center!r}")

    def value(self, tp: Any, value: Any, path: str) -> Any:  # noqa: C901 - one branch per type shape
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            args = typing.get_args(tp)
            if value is None and type(None) in args:
                return None
            (inner,) = [a for a in args if a is not type(None)]
            return self.value(inner, value, path)
        if origin is Literal:
            if value not in typing.get_args(tp):
                choices = " | ".join(str(a) for a in typing.get_args(tp))
                raise self.error(path, f"expected one of {choices}, got {value!r}")
            return value
        if origin is tuple:
            if not isinstance(value, list):
                raise self.error(path, f"expected a list, got {value!r}")
            (inner,) = typing.get_args(tp)[:1]
            return tuple(self.value(inner, v, f"{path}[{i}]") for i, v in enumerate(value))
        if origin is dict:
            if not isinstance(value, dict):
                raise self.error(path, f"expected a mapping, got {value!r}")
            inner = typing.get_args(tp)[1]
            return {str(k): self.value(inner, v, _join(path, str(k))) for k, v in value.items()}
        if dataclasses.is_dataclass(tp):
            return self._record(tp, value, path)
        return self._scalar(tp, value, path)

    def _record(self, cls: Any, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise self.error(path, f"expected a mapping, got {value!r}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        required = {n for n, f in fields.items()
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
        self.check_keys(value, set(fields), path, required)
        hints = typing.get_type_hints(cls)
        kwargs = {k: self.value(hints[k], v, _join(path, k)) for k, v in value.items()}
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:
            raise self.error(path, str(exc)) from exc

    def _scalar(self, tp: Any, value: Any, path: str) -> Any:
        if tp is Decimal:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise self.error(path, f"expected a decimal number, got {value!r}")
            try:
                result = Decimal(str(value).strip())
            except InvalidOperation:
                raise self.error(path, f"expected a decimal number, got {value!r}") from None
            if not result.is_finite():
                raise self.error(path, f"expected a finite decimal number, got {value!r}")
            return result
        if tp is datetime:
            if isinstance(value, str):
                try:
                    value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
                except ValueError:
                    raise self.error(path, f"expected an ISO 8601 datetime, got {value!r}") from None
            if not isinstance(value, datetime):
                raise self.error(path, f"expected an ISO 8601 datetime, got {value!r}")
            if value.tzinfo is None or value.utcoffset() is None:
                raise self.error(path, f"datetime needs a UTC offset (Z or +01:00), got {value.isoformat()}")
            return value.astimezone(UTC)
        if tp is date:
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value.strip())
                except ValueError:
                    raise self.error(path, f"expected a date YYYY-MM-DD, got {value!r}") from None
            if isinstance(value, date) and not isinstance(value, datetime):
                return value
            raise self.error(path, f"expected a date YYYY-MM-DD, got {value!r}")
        if tp is time:
            if isinstance(value, str):
                try:
                    return time.fromisoformat(value.strip())
                except ValueError:
                    pass
            hint = " (quote it: YAML reads unquoted 13:00 as a number)" if isinstance(value, int) else ""
            raise self.error(path, f"expected a time \"HH:MM\", got {value!r}{hint}")
        if tp is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.error(path, f"expected a whole number, got {value!r}")
            return value
        if tp is bool:
            if not isinstance(value, bool):
                raise self.error(path, f"expected true or false, got {value!r}")
            return value
        if tp is str:
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise self.error(path, f"expected text, got {value!r}")
            return str(value)
        raise self.error(path, f"unsupported type {tp!r}")  # pragma: no cover - a model change


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
