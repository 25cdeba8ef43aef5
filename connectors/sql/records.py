"""From rows with canonical column names to the canonical inventory records.

``COLUMNS`` says, per entity, which result columns a query returns, which of them it must return, and
the canonical type each is converted to. Databases disagree about types -- SQLite hands back text for
dates and floats for ``NUMERIC``, PostgreSQL gives ``Decimal`` and ``datetime`` -- so every value is
converted here, strictly: a value that cannot be read is an error naming entity, row and column, never
a silent ``None``. Quantities become ``Decimal`` (a float through its 15 significant digits, so
SQLite's ``3.6 - 1.2`` is ``Decimal("2.4")``, never ``2.4000000000000004``); timestamps without a
zone are read in the mapping's time zone, then every datetime is UTC.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.inventory import (
    Bom,
    BomLine,
    Calendar,
    Demand,
    Holiday,
    InventorySnapshot,
    Item,
    Load,
    Operation,
    Ref,
    StockLevel,
    Supply,
    WorkCenter,
    WorkingHours,
)

__all__ = ["COLUMNS", "Column", "RowError", "build_snapshot"]

Row = Mapping[str, Any]


class RowError(ValueError):
    """A value in a result row cannot become its canonical type."""


@dataclass(frozen=True)
class Column:
    kind: str  # text, choice, decimal, integer, boolean, datetime, date, time, timezone
    required: bool = True
    choices: tuple[str, ...] = ()


TEXT, DEC, INT, DT = Column("text"), Column("decimal"), Column("integer"), Column("datetime")
OPT_TEXT, OPT_DEC, OPT_INT = Column("text", False), Column("decimal", False), Column("integer", False)


def _choice(*values: str) -> Column:
    return Column("choice", True, values)


COLUMNS: Mapping[str, Mapping[str, Column]] = {
    "items": {"sku": TEXT, "name": TEXT, "unit": TEXT, "kind": _choice("finished", "component"),
              "make_or_buy": _choice("make", "buy"), "lead_time_days": DEC, "safety_stock": OPT_DEC,
              "ref": OPT_TEXT},
    "stock": {"sku": TEXT, "location": TEXT, "on_hand": DEC, "reserved": OPT_DEC, "ref": OPT_TEXT},
    "supplies": {"sku": TEXT, "quantity": DEC, "expected_at": DT,
                 "kind": _choice("purchase_order", "manufacturing_order"), "reference": TEXT,
                 "confirmed": Column("boolean", False), "ref": OPT_TEXT},
    "demands": {"sku": TEXT, "quantity": DEC, "needed_at": DT,
                "kind": _choice("sales_order", "manufacturing_order"), "reference": TEXT, "ref": OPT_TEXT},
    "boms": {"sku": TEXT, "output_quantity": DEC, "ref": OPT_TEXT},
    "bom_lines": {"sku": TEXT, "component_sku": TEXT, "quantity": DEC, "scrap_percent": OPT_DEC},
    "operations": {"sku": TEXT, "sequence": INT, "name": TEXT, "work_center": TEXT,
                   "run_minutes_per_unit": DEC, "setup_minutes": OPT_DEC},
    "work_centers": {"code": TEXT, "name": TEXT, "calendar_id": TEXT, "capacity": OPT_INT,
                     "efficiency": OPT_DEC, "ref": OPT_TEXT},
    "calendars": {"id": TEXT, "name": TEXT, "timezone": Column("timezone"), "ref": OPT_TEXT},
    "calendar_hours": {"calendar_id": TEXT, "weekday": INT, "start": Column("time"), "end": Column("time")},
    "holidays": {"calendar_id": TEXT, "start": Column("date"), "name": TEXT, "end": Column("date", False)},
    "loads": {"work_center": TEXT, "start": DT, "end": DT, "reference": TEXT, "ref": OPT_TEXT},
}


# -- values ---------------------------------------------------------------------------------------------


def _text(value: Any, tz: tzinfo) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | uuid.UUID) and not isinstance(value, bool):
        return str(value)
    raise RowError(f"expected text, got {_shown(value)}")


def _decimal(value: Any, tz: tzinfo) -> Decimal:
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        if isinstance(value, float):
            # A double holds 15 significant decimal digits exactly; beyond them is binary noise, such
            # as SQLite's REAL arithmetic 3.6 - 1.2 = 2.4000000000000004. Read it as 2.4.
            value = format(value, ".15g")
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise RowError(f"expected a number, got {_shown(value)}") from None
    if not number.is_finite():
        raise RowError(f"expected a finite number, got {_shown(value)}")
    return number


def _integer(value: Any, tz: tzinfo) -> int:
    number = _decimal(value, tz)
    if number != number.to_integral_value():
        raise RowError(f"expected a whole number, got {_shown(value)}")
    return int(number)


_TRUE, _FALSE = {"true", "t", "yes", "y", "1"}, {"false", "f", "no", "n", "0"}


def _boolean(value: Any, tz: tzinfo) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise RowError(f"expected true or false, got {_shown(value)}")


def _datetime(value: Any, tz: tzinfo) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise RowError(f"expected a timestamp, got {_shown(value)}") from None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=tz)
        return moment.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tz).astimezone(UTC)
    raise RowError(f"expected a timestamp, got {_shown(value)}")


def _date(value: Any, tz: tzinfo) -> date:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise RowError(f"expected a date, got {_shown(value)}") from None
    if isinstance(value, datetime):
        return (value.astimezone(tz) if value.tzinfo is not None else value).date()
    if isinstance(value, date):
        return value
    raise RowError(f"expected a date, got {_shown(value)}")


def _time(value: Any, tz: tzinfo) -> time:
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip()).replace(tzinfo=None)
        except ValueError:
            raise RowError(f"expected a time of day, got {_shown(value)}") from None
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, timedelta):  # MySQL TIME, PostgreSQL interval
        if timedelta(0) <= value < timedelta(days=1):
            return (datetime.min + value).time()
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        hours = _decimal(value, tz)  # 8.5 means 08:30, as Odoo stores working hours
        if 0 <= hours < 24:
            return (datetime.min + timedelta(seconds=int(hours * 3600))).time()
    raise RowError(f"expected a time of day, got {_shown(value)}")


def _timezone(value: Any, tz: tzinfo) -> str:
    name = _text(value, tz)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RowError(f"unknown time zone {name!r}") from None
    return name


_CONVERT: Mapping[str, Callable[[Any, tzinfo], Any]] = {
    "text": _text, "choice": _text, "decimal": _decimal, "integer": _integer, "boolean": _boolean,
    "datetime": _datetime, "date": _date, "time": _time, "timezone": _timezone,
}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def convert_row(entity: str, row: Row, tz: tzinfo) -> dict[str, Any]:
    """Every column of ``row`` as its canonical type; a missing optional column is ``None``."""
    out: dict[str, Any] = {}
    for name, column in COLUMNS[entity].items():
        value = row.get(name)
        if value is None:
            if column.required:
                raise RowError(f"{name}: must not be null")
            out[name] = None
            continue
        try:
            converted = _CONVERT[column.kind](value, tz)
        except RowError as exc:
            raise RowError(f"{name}: {exc}") from None
        if column.choices:
            converted = converted.strip().lower()
            if converted not in column.choices:
                raise RowError(f"{name}: expected {' or '.join(column.choices)}, got {_shown(value)}")
        out[name] = converted
    return out


# -- records --------------------------------------------------------------------------------------------


def build_snapshot(rows: Mapping[str, Sequence[Row]], *, source: str, tz: tzinfo,
                   fetched_at: datetime) -> InventorySnapshot:
    """One ``InventorySnapshot`` from each entity's rows; raises ``RowError`` naming entity and row."""
    data: dict[str, list[dict[str, Any]]] = {}
    for entity, entity_rows in rows.items():
        data[entity] = []
        for number, row in enumerate(entity_rows, start=1):
            try:
                data[entity].append(convert_row(entity, row, tz))
            except RowError as exc:
                raise RowError(f"{entity} row {number}: {exc}") from None

    def ref(entity: str, row: dict[str, Any], *natural: str) -> Ref:
        key = row.get("ref") or ":".join(str(row[n]) for n in natural)
        return Ref(source, f"{entity}/{key}")

    items = {
        r["sku"]: Item(r["sku"], r["name"], r["unit"], r["kind"], r["make_or_buy"], r["lead_time_days"],
                       r["safety_stock"] or Decimal(0), ref("items", r, "sku"))
        for r in _unique("items", "sku", data.get("items", []))
    }
    stock = tuple(StockLevel(r["sku"], r["location"], r["on_hand"], r["reserved"] or Decimal(0),
                             ref("stock", r, "sku", "location")) for r in data.get("stock", []))
    supplies = tuple(
        Supply(r["sku"], r["quantity"], r["expected_at"], r["kind"], r["reference"],
               True if r["confirmed"] is None else r["confirmed"], ref("supplies", r, "reference", "sku"))
        for r in data.get("supplies", []))
    demands = tuple(Demand(r["sku"], r["quantity"], r["needed_at"], r["kind"], r["reference"],
                           ref("demands", r, "reference", "sku")) for r in data.get("demands", []))
    work_centers = {
        r["code"]: WorkCenter(r["code"], r["name"], r["calendar_id"],
                              1 if r["capacity"] is None else r["capacity"],
                              Decimal(1) if r["efficiency"] is None else r["efficiency"],
                              ref("work_centers", r, "code"))
        for r in _unique("work_centers", "code", data.get("work_centers", []))
    }
    loads = tuple(Load(r["work_center"], r["start"], r["end"], r["reference"],
                       ref("loads", r, "reference", "work_center")) for r in data.get("loads", []))
    return InventorySnapshot(
        items=items, stock=stock, supplies=supplies, demands=demands, boms=_boms(data, ref),
        work_centers=work_centers, calendars=_calendars(data, ref), loads=loads,
        fetched_at=fetched_at, source_times={source: fetched_at},
    )


def _boms(data: Mapping[str, list[dict[str, Any]]], ref: Callable[..., Ref]) -> dict[str, Bom]:
    headers = {h["sku"]: h for h in _unique("boms", "sku", data.get("boms", []))}
    lines: dict[str, list[BomLine]] = defaultdict(list)
    for r in data.get("bom_lines", []):
        lines[r["sku"]].append(BomLine(r["component_sku"], r["quantity"], r["scrap_percent"] or Decimal(0)))
    operations: dict[str, list[Operation]] = defaultdict(list)
    for r in data.get("operations", []):
        operations[r["sku"]].append(Operation(r["sequence"], r["name"], r["work_center"],
                                              r["setup_minutes"] or Decimal(0), r["run_minutes_per_unit"]))
    boms: dict[str, Bom] = {}
    for sku in sorted(headers.keys() | lines.keys() | operations.keys()):
        header = headers.get(sku)
        # Without a header row a BOM is for one unit of its product: quantities per piece.
        output = header["output_quantity"] if header else Decimal(1)
        boms[sku] = Bom(sku, output, tuple(lines[sku]),
                        tuple(sorted(operations[sku], key=lambda o: o.sequence)),
                        ref("boms", header or {"sku": sku}, "sku"))
    return boms


def _calendars(data: Mapping[str, list[dict[str, Any]]], ref: Callable[..., Ref]) -> dict[str, Calendar]:
    headers = _unique("calendars", "id", data.get("calendars", []))
    known = {h["id"] for h in headers}
    hours: dict[str, list[WorkingHours]] = defaultdict(list)
    for number, r in enumerate(data.get("calendar_hours", []), start=1):
        _known_calendar("calendar_hours", number, r["calendar_id"], known)
        if not 0 <= r["weekday"] <= 6:
            raise RowError(f"calendar_hours row {number}: weekday: expected 0 (Monday) to 6, "
                           f"got {r['weekday']}")
        if r["end"] <= r["start"]:
            raise RowError(f"calendar_hours row {number}: end: must be after start {r['start']:%H:%M}")
        hours[r["calendar_id"]].append(WorkingHours(r["weekday"], r["start"], r["end"]))
    holidays: dict[str, list[Holiday]] = defaultdict(list)
    for number, r in enumerate(data.get("holidays", []), start=1):
        _known_calendar("holidays", number, r["calendar_id"], known)
        end = r["end"] or r["start"]
        if end < r["start"]:
            raise RowError(f"holidays row {number}: end: must not be before start {r['start']}")
        holidays[r["calendar_id"]].append(Holiday(r["start"], end, r["name"]))
    return {
        h["id"]: Calendar(
            h["id"], h["name"], h["timezone"],
            tuple(sorted(hours[h["id"]], key=lambda w: (w.weekday, w.start))),
            tuple(sorted(holidays[h["id"]], key=lambda d: d.start)),
            ref("calendars", h, "id"),
        )
        for h in headers
    }


def _unique(entity: str, key: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[Any] = set()
    for row in rows:
        if row[key] in seen:
            raise RowError(f"{entity}: {key} {row[key]!r} appears in more than one row")
        seen.add(row[key])
    return rows


def _known_calendar(entity: str, number: int, calendar_id: str, known: set[str]) -> None:
    if calendar_id not in known:
        raise RowError(f"{entity} row {number}: calendar_id: {calendar_id!r} is not in calendars")
