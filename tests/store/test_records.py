"""The record mirror and sync cursors."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Text, cast, select

from hub.store import RecordRow, Store, SyncCursor
from hub.store.tables import records

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))

QBO_CUSTOMER = {
    "Id": "58",
    "DisplayName": "Lyric Opera House",
    "Balance": Decimal("1250.10"),
    "Tiny": Decimal("0.000000000000000000001"),
    "Huge": Decimal("12345678901234567890.12345678901234567890"),
    "Exp": Decimal("1E+3"),
    "Active": True,
    "Count": 3,
    "Ratio": 0.5,
    "MetaData": {"LastUpdatedTime": datetime(2025, 2, 1, 9, 30, 15, 123456, tzinfo=PARIS)},
    "Since": date(2019, 9, 1),
    "Opens": time(19, 30),
    "Lines": [{"Amount": Decimal("10.00")}, [Decimal("-0.01"), None, "x"]],
    "Naive": datetime(2025, 1, 2, 3, 4, 5),
    # Values that look like the store's own tags must not be decoded into something else.
    "LooksTagged": {"$decimal": "1.5"},
    "LooksLiteral": {"$literal": {"a": 1}},
    "Unicode": "Zoë \u2014 ☃",
}


def _row(external_id: str = "58", **overrides: object) -> RecordRow:
    values: dict[str, object] = {
        "source": "quickbooks",
        "collection": "Customer",
        "external_id": external_id,
        "entity_type": "customer",
        "data": QBO_CUSTOMER,
        "fields": {
            "name": "Lyric Opera House",
            "open_balance": {"amount": Decimal("1250.10"), "currency": "USD"},
        },
        "url": f"https://app.sandbox.qbo.intuit.com/app/customerdetail?nameId={external_id}",
        "updated_at": datetime(2025, 2, 1, 9, 30, tzinfo=PARIS),
        "fetched_at": T0,
    }
    values.update(overrides)
    return RecordRow(**values)  # type: ignore[arg-type]


async def test_records_round_trip_losslessly(store: Store) -> None:
    row = _row()
    await store.upsert_records([row])

    got = (await store.get_records("quickbooks", "Customer", ["58"]))["58"]

    assert got == row
    data = got.data
    assert isinstance(data["Balance"], Decimal) and str(data["Balance"]) == "1250.10"
    assert str(data["Huge"]) == "12345678901234567890.12345678901234567890"
    assert str(data["Exp"]) == "1E+3"
    assert data["MetaData"]["LastUpdatedTime"].utcoffset() == timedelta(hours=1)
    assert type(data["Since"]) is date
    assert data["Naive"].tzinfo is None  # stored as the vendor gave it, not reinterpreted
    assert data["LooksTagged"] == {"$decimal": "1.5"}
    assert type(data["Ratio"]) is float and type(data["Count"]) is int and data["Active"] is True
    assert isinstance(got.fields, dict) and got.fields["open_balance"]["amount"] == Decimal("1250.10")


async def test_timestamps_come_back_aware_utc(store: Store) -> None:
    await store.upsert_records([_row()])
    got = (await store.get_records("quickbooks", "Customer", ["58"]))["58"]

    assert got.updated_at == datetime(2025, 2, 1, 8, 30, tzinfo=UTC)
    assert got.updated_at is not None and got.updated_at.tzinfo is UTC
    assert got.fetched_at.tzinfo is UTC


async def test_money_is_stored_as_text_never_as_a_float(store: Store) -> None:
    await store.upsert_records([_row(data={"Balance": Decimal("0.10")})])
    async with store.engine.connect() as conn:
        raw = (await conn.execute(select(cast(records.c.data, Text)))).scalar_one()
    assert json.loads(raw) == {"Balance": {"$decimal": "0.10"}}


async def test_naive_timestamps_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        await store.upsert_records([_row(fetched_at=datetime(2025, 1, 1))])


async def test_unsupported_values_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="cannot store a value of type set"):
        await store.upsert_records([_row(data={"Tags": {"a"}})])


async def test_upsert_replaces_and_a_later_fetch_wins(store: Store) -> None:
    await store.upsert_records([_row(data={"v": 1}, fetched_at=T0)])
    await store.upsert_records([_row(data={"v": 2}, fetched_at=T0 + timedelta(minutes=1), archived=True)])
    # A slow sync that fetched before the webhook must not undo it.
    await store.upsert_records([_row(data={"v": 0}, fetched_at=T0 + timedelta(seconds=30))])

    got = (await store.get_records("quickbooks", "Customer", ["58"]))["58"]
    assert got.data == {"v": 2}
    assert got.archived is True
    assert got.fetched_at == T0 + timedelta(minutes=1)


async def test_get_records_returns_only_what_exists_in_that_collection(store: Store) -> None:
    await store.upsert_records([_row("1"), _row("2"), _row("3", collection="Invoice")])

    got = await store.get_records("quickbooks", "Customer", ["2", "1", "3", "missing", "1"])

    assert sorted(got) == ["1", "2"]
    assert await store.get_records("quickbooks", "Customer", []) == {}


async def test_get_records_batches_large_id_lists(store: Store) -> None:
    await store.upsert_records([_row(str(i), data={"i": i}) for i in range(1200)])

    got = await store.get_records("quickbooks", "Customer", [str(i) for i in range(1200)])

    assert len(got) == 1200 and got["1199"].data == {"i": 1199}


async def test_list_records_lists_one_collection_including_archived(store: Store) -> None:
    await store.upsert_records(
        [_row("b"), _row("a", archived=True), _row("c", source="notion"), _row("d", collection="Invoice")]
    )

    listed = await store.list_records("quickbooks", "Customer")

    assert [(r.external_id, r.archived) for r in listed] == [("a", True), ("b", False)]
    assert await store.list_records("quickbooks", "Nothing") == []


async def test_cursors(store: Store) -> None:
    assert await store.get_cursor("notion", "clients") is None

    await store.set_cursor("notion", "clients", "2025-03-01T12:00:00.000Z", T0)
    await store.set_cursor("quickbooks", "Customer", None, T0)
    later = datetime(2025, 3, 1, 14, 0, tzinfo=PARIS)
    await store.set_cursor("notion", "clients", "2025-03-01T13:00:00.000Z", later)

    got = await store.get_cursor("notion", "clients")
    assert got == SyncCursor("notion", "clients", "2025-03-01T13:00:00.000Z", later)
    assert got is not None and got.synced_at.tzinfo is UTC
    assert await store.get_cursor("quickbooks", "Customer") == SyncCursor("quickbooks", "Customer", None, T0)
