"""Scenario files: every worked example loads and round-trips; bad files name file, key path and reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import hub.promise
from hub.errors import ConfigError
from hub.promise import OrderPromise, Recheck, ScenarioError, load_scenario, run_scenario

SCENARIOS = Path(__file__).parent / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))

PUBLIC_API = [
    "Allocation", "AtpLedger", "AtpProfile", "Booking", "CapacityBoard", "Confidence", "Constraint",
    "LinePromise", "Lot", "OrderLine", "OrderPromise", "Policy", "PromiseError", "Recheck", "Scenario",
    "ScenarioError", "ScheduledOperation", "ShipmentOption", "WorkingCalendar", "available_to_promise",
    "load_scenario", "operation_minutes", "parse_scenario", "promise", "recheck", "run_scenario",
    "ship_calendar",
]


def test_public_surface_is_pinned() -> None:
    assert sorted(hub.promise.__all__) == sorted(PUBLIC_API)
    for name in PUBLIC_API:
        assert getattr(hub.promise, name) is not None


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_scenario_runs_and_round_trips_through_json(path: Path) -> None:
    out = run_scenario(path)
    json.dumps(out)  # JSON-ready: no Decimal, date or datetime objects left
    cls = Recheck if "slipped" in out else OrderPromise
    assert cls.from_json(out).to_json() == out
    assert run_scenario(path) == out  # deterministic


def test_the_same_scenario_as_json_gives_the_same_promise(tmp_path: Path) -> None:
    data = yaml.safe_load((SCENARIOS / "loaded_work_center.yaml").read_text())
    as_json = tmp_path / "loaded.json"
    as_json.write_text(json.dumps(data))
    assert run_scenario(as_json) == run_scenario(SCENARIOS / "loaded_work_center.yaml")


def test_recheck_of_a_stored_promise_json(tmp_path: Path) -> None:
    stored = tmp_path / "promise.json"
    stored.write_text(json.dumps(run_scenario(SCENARIOS / "po_shortfall.yaml")))
    data = yaml.safe_load((SCENARIOS / "po_slipped.yaml").read_text())
    data["recheck_of"] = "promise.json"
    (tmp_path / "slipped.yaml").write_text(yaml.safe_dump(data))
    out = run_scenario(tmp_path / "slipped.yaml")
    assert (out["slipped"], out["slip_business_days"]) == (True, 3)


def test_load_scenario_exposes_the_parts() -> None:
    sc = load_scenario(SCENARIOS / "lot_split_on.yaml")
    assert sc.policy.lot_splitting is True
    assert [(line.sku, str(line.quantity)) for line in sc.lines] == [("FIN-CHORUS-TUNIC", "10")]
    assert sc.now.isoformat() == "2026-11-02T08:00:00+00:00"
    assert set(sc.snapshot.items) == {"FIN-CHORUS-TUNIC", "FAB-COTTON-MUSLIN"}
    assert "lot splitting" in sc.description


def _base() -> dict[str, Any]:
    return yaml.safe_load((SCENARIOS / "po_shortfall.yaml").read_text())


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        data = data[int(key)] if isinstance(data, list) else data[key]
    last = keys[-1]
    if value is _DELETE:
        del data[last]
    elif isinstance(data, list):
        data[int(last)] = value
    else:
        data[last] = value


_DELETE = object()

BAD = [
    ("now", _DELETE, "now: missing"),
    ("now", "2026-11-02T09:00:00", "now: datetime needs a UTC offset (Z or +01:00), got 2026-11-02T09:00:00"),
    ("now", "next tuesday", "now: expected an ISO 8601 datetime, got 'next tuesday'"),
    ("lines", [], "lines: an order needs at least one line"),
    ("lines.0.quantity", "two", "lines[0].quantity: expected a decimal number, got 'two'"),
    ("lines.0.quantity", 0, "lines[0].quantity: must be positive, got 0"),
    ("lines.0.sku", "FIN-NOPE", "lines[0].sku: unknown SKU 'FIN-NOPE' (not in snapshot.items)"),
    ("lines.0.colour", "red", "lines[0].colour: unknown key (expected one of quantity, sku)"),
    ("requested_date", "soon", "requested_date: expected a date YYYY-MM-DD, got 'soon'"),
    ("policy", {"packing_days": "one"}, "policy.packing_days: expected a whole number, got 'one'"),
    ("policy", {"ship_calendar_id": "nope"}, "policy.ship_calendar_id: unknown calendar 'nope'"),
    ("colour", "red", "colour: unknown key (expected one of description, lines, now, policy, recheck_of, "
                      "requested_date, snapshot)"),
    ("snapshot.items.0.lead_time_days", "two", "snapshot.items[0].lead_time_days: expected a decimal number, "
                                               "got 'two'"),
    ("snapshot.items.0.make_or_buy", "borrow", "snapshot.items[0].make_or_buy: expected one of make | buy, "
                                               "got 'borrow'"),
    ("snapshot.items.1.sku", "FIN-CHORUS-TUNIC", "snapshot.items[1].sku: duplicate sku 'FIN-CHORUS-TUNIC'"),
    ("snapshot.items.0.name", _DELETE, "snapshot.items[0].name: missing"),
    ("snapshot.calendars.0.hours.1.start", 780,
     'snapshot.calendars[0].hours[1].start: expected a time "HH:MM", got 780 (quote it: YAML reads '
     "unquoted 13:00 as a number)"),
    ("snapshot.calendars.0.timezone", ["UTC"], "snapshot.calendars[0].timezone: expected text, got ['UTC']"),
    ("snapshot.calendars.0.timezone", "Mars/Olympus",
     "snapshot.calendars[0].timezone: unknown IANA time zone 'Mars/Olympus'"),
    ("snapshot.work_centers.0.calendar_id", "night",
     "snapshot.work_centers[0].calendar_id: unknown calendar 'night'"),
    ("snapshot.boms.0.lines.0.component_sku", "FAB-NOPE",
     "snapshot.boms[0].lines[0].component_sku: unknown SKU 'FAB-NOPE'"),
    ("snapshot.boms.0.operations.1.work_center", "PRESS",
     "snapshot.boms[0].operations[1].work_center: unknown work centre 'PRESS'"),
    ("snapshot.supplies.0.expected_at", "2026-11-05",
     "snapshot.supplies[0].expected_at: datetime needs a UTC offset (Z or +01:00), got 2026-11-05T00:00:00"),
    ("snapshot.stock", {"sku": "x"}, "snapshot.stock: expected a list, got {'sku': 'x'}"),
    ("snapshot", [], "snapshot: expected a mapping"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD, ids=[b[0] + ":" + b[2][-24:] for b in BAD])
def test_bad_scenarios_name_the_key_path(tmp_path: Path, path: str, value: Any, message: str) -> None:
    data = _base()
    _set(data, path, value)
    file = tmp_path / "order.yaml"
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as err:
        run_scenario(file)
    assert str(err.value) == f"{file}: {message}"
    assert isinstance(err.value, ConfigError)


def test_recheck_must_not_restate_the_order(tmp_path: Path) -> None:
    data = yaml.safe_load((SCENARIOS / "po_slipped.yaml").read_text())
    data["recheck_of"] = str(SCENARIOS / "po_shortfall.yaml")
    data["lines"] = [{"sku": "FIN-CHORUS-TUNIC", "quantity": 1}]
    file = tmp_path / "again.yaml"
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match="lines: comes from the earlier promise with recheck_of"):
        run_scenario(file)


def test_recheck_cycle_is_refused(tmp_path: Path) -> None:
    data = _base()
    data["recheck_of"] = "loop.yaml"
    del data["lines"]
    (tmp_path / "loop.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match="re-checks itself"):
        run_scenario(tmp_path / "loop.yaml")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("missing.yaml", None, "cannot read the file"),
    ("broken.yaml", "now: [unclosed\n", "not valid YAML (line 2: "),
    ("broken.json", "{\"now\": }", "not valid JSON (line 1: Expecting value)"),
    ("list.yaml", "- 1\n- 2\n", "expected a mapping at the top level, got list"),
])
def test_unreadable_files(tmp_path: Path, name: str, text: str | None, message: str) -> None:
    file = tmp_path / name
    if text is not None:
        file.write_text(text)
    with pytest.raises(ScenarioError) as err:
        run_scenario(file)
    assert str(err.value).startswith(f"{file}: ") and message in str(err.value)


def test_engine_errors_are_reported_against_the_file(tmp_path: Path) -> None:
    data = _base()
    data["snapshot"]["calendars"][0]["hours"] = []  # valid shape, but no working time at all
    file = tmp_path / "closed.yaml"
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as err:
        run_scenario(file)
    assert str(err.value) == f"{file}: calendar 'workshop' has no working hours"
