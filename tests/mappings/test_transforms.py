"""Each named transform: what it converts, and the exact reason when it cannot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from mappings import TRANSFORMS, Address, Money
from mappings.transforms import Context, Step, TransformError

RECORD = {"CurrencyRef": {"value": "eur"}, "Odd": {"value": 978}}


def run(
    name: str, value: Any, args: dict[str, Any] | None = None, record: dict[str, Any] | None = None
) -> Any:
    spec = TRANSFORMS[name]
    bound = spec.args.model_validate(args or {}) if spec.args else None
    return Step(spec, bound)(value, Context(record=RECORD if record is None else record))


OK = [
    ("text", "  Lyric \n Opera  House ", None, "Lyric Opera House"),
    ("text", "   ", None, None),
    ("text", Decimal("12"), None, "12"),
    ("strip", "  1 ", None, "1"),
    ("strip", " \t", None, None),
    ("lower", "Box@Lyric.ORG", None, "box@lyric.org"),
    ("upper", "usd", None, "USD"),
    ("phone", "+1  312-555-0101", None, "+1 312-555-0101"),
    ("phone", "( 312 )  555 0101", None, "(312) 555 0101"),
    ("phone", "+ 44 20 7928 2651", None, "+44 20 7928 2651"),
    ("phone", "312.555.0101 ext. 12", None, "312.555.0101 ext. 12"),
    ("phone", "  ", None, None),
    ("decimal", "1234.5", None, Decimal("1234.5")),
    ("decimal", 7, {"places": 2}, Decimal("7.00")),
    ("decimal", Decimal("2.345"), {"places": 2}, Decimal("2.35")),  # half-up, not banker's rounding
    ("money", Decimal("18450"), {"currency_from": "CurrencyRef.value"}, Money(Decimal("18450.00"), "EUR")),
    (
        "money",
        0,
        {"currency_from": "Missing.value", "default_currency": "USD"},
        Money(Decimal("0.00"), "USD"),
    ),
    ("money", "850.005", {"currency": "USD"}, Money(Decimal("850.01"), "USD")),
    ("money", Decimal("1500"), {"currency": "JPY", "places": 0}, Money(Decimal("1500"), "JPY")),
    ("map", "Film & TV", {"values": {"Film & TV": "B2B"}}, "B2B"),
    ("map", "film & tv", {"values": {"Film & TV": "B2B"}, "ignore_case": True}, "B2B"),
    ("map", "Museum", {"values": {"Theater": "B2B"}, "default": "B2C"}, "B2C"),
    ("map", None, {"values": {"Theater": "B2B"}, "default": "B2C"}, "B2C"),
    ("map", None, {"values": {"Theater": "B2B"}}, None),
    ("map", Decimal("1"), {"values": {1: "one"}}, "one"),
    ("present", "Acme Ltd.", {"then": "B2B", "else": "B2C"}, "B2B"),
    ("present", "  ", {"then": "B2B", "else": "B2C"}, "B2C"),
    ("present", None, {"then": "B2B", "else": "B2C"}, "B2C"),
    ("present", [], {"then": True, "else": False}, False),
    (
        "qbo_address",
        {
            "Id": "3",
            "Line1": "12 Ocean Dr.",
            "Line2": " ",
            "Line3": "Suite 4",
            "City": "Half Moon Bay",
            "CountrySubDivisionCode": "CA",
            "PostalCode": 94213,
            "Lat": "37.43",
            "Long": "-122.42",
        },
        None,
        Address("12 Ocean Dr.", "Suite 4", "Half Moon Bay", "CA", "94213", None),
    ),
    ("qbo_address", {"Id": "9"}, None, None),
    ("notion_date", {"start": date(2019, 3, 4), "end": None, "time_zone": None}, None, date(2019, 3, 4)),
    ("notion_date", {"start": date(2019, 3, 4), "end": None, "time_zone": None}, {"part": "end"}, None),
    (
        "notion_date",
        {"start": datetime(2026, 1, 5, 9, 30), "end": None, "time_zone": "America/Chicago"},
        None,
        datetime(2026, 1, 5, 15, 30, tzinfo=UTC),
    ),
    ("notion_date", "2026-01-05T09:30:00.000+02:00", None, datetime(2026, 1, 5, 7, 30, tzinfo=UTC)),
    (
        "notion_date",
        datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=-8))),
        None,
        datetime(2026, 1, 5, 17, 30, tzinfo=UTC),
    ),
    ("bool", True, None, True),
    ("bool", " Yes ", None, True),
    ("bool", "off", None, False),
    ("bool", 0, None, False),
    ("bool", "", None, None),
    ("first", ["a", "b"], None, "a"),
    ("first", [], None, None),
    ("join", ["Opera", None, " Period ", "", 3], None, "Opera, Period, 3"),
    ("join", ["a", "b"], {"sep": " / "}, "a / b"),
    ("join", [], None, None),
    ("get", {"name": "Priya", "id": "u1"}, {"path": "name"}, "Priya"),
    ("get", [{"name": "Priya"}, {"name": None}, {"name": "Ravi"}], {"path": "name"}, ["Priya", "Ravi"]),
    ("get", {"a.b": 1}, {"path": {"key": "a.b"}}, 1),
    ("strip", None, None, None),  # absence passes through every transform that does not handle it
    ("money", None, {"currency": "USD"}, None),
]


@pytest.mark.parametrize(("name", "value", "args", "expected"), OK)
def test_transform_converts(name: str, value: Any, args: dict[str, Any] | None, expected: Any) -> None:
    result = run(name, value, args)
    assert result == expected
    assert type(result) is type(expected)


ERRORS = [
    ("text", ["a"], None, "expected a string, got a list"),
    ("text", True, None, "expected a string, got a boolean"),
    ("strip", 12, None, "expected a string, got int"),
    ("lower", {"a": 1}, None, "expected a string, got an object"),
    ("phone", "call Dana", None, "not a phone number (unexpected characters)"),
    ("phone", "44+20", None, "not a phone number (unexpected characters)"),
    ("phone", "12", None, "not a phone number (too few digits)"),
    ("decimal", 1.5, None, "got a float; amounts must be exact (decode JSON numbers as Decimal)"),
    ("decimal", "12,50", None, "not a number"),
    ("decimal", "NaN", None, "not a finite number"),
    ("decimal", False, None, "expected a number, got a boolean"),
    (
        "money",
        85.0,
        {"currency": "USD"},
        "got a float; amounts must be exact (decode JSON numbers as Decimal)",
    ),
    (
        "money",
        Decimal("1"),
        {"currency_from": "Missing.value"},
        "no currency at Missing.value and no default_currency",
    ),
    ("money", Decimal("1"), {"currency_from": "Odd.value"}, "currency is not a 3-letter ISO 4217 code"),
    (
        "money",
        Decimal("1"),
        {"currency_from": "CurrencyRef.value.code"},
        "currency: CurrencyRef.value is a string, not an object",
    ),
    ("map", "Museum", {"values": {"Theater": "B2B"}}, "no mapping for 'Museum' and no default"),
    ("map", ["Opera"], {"values": {"Theater": "B2B"}}, "cannot look up a list"),
    ("qbo_address", "12 Ocean Dr.", None, "expected an address object, got a string"),
    ("qbo_address", {"Line1": ["x"]}, None, "Line1 is a list, expected text"),
    ("notion_date", "yesterday", None, "not an ISO 8601 date"),
    (
        "notion_date",
        {"start": datetime(2026, 1, 5, 9, 30), "time_zone": None},
        None,
        "datetime has no time zone",
    ),
    (
        "notion_date",
        {"start": datetime(2026, 1, 5, 9, 30), "time_zone": "Mars/Olympus"},
        None,
        "unknown time zone",
    ),
    ("notion_date", 20260105, None, "expected a date, got int"),
    ("bool", "maybe", None, "not a yes/no value (a string)"),
    ("bool", 2, None, "not a yes/no value (int)"),
    ("first", "abc", None, "expected a list, got a string"),
    ("join", "abc", None, "expected a list, got a string"),
    ("join", [{"name": "x"}], None, "list items must be text, found an object"),
    ("get", "abc", {"path": "name"}, "expected an object, got a string"),
    ("get", ["abc"], {"path": "name"}, "expected a list of objects, found a string"),
    ("get", {"a": 3}, {"path": "a.b"}, "a is int, not an object"),
]


@pytest.mark.parametrize(("name", "value", "args", "reason"), ERRORS)
def test_transform_rejects_with_reason(
    name: str, value: Any, args: dict[str, Any] | None, reason: str
) -> None:
    with pytest.raises(TransformError) as caught:
        run(name, value, args)
    assert str(caught.value) == reason


def test_registry_has_the_promised_transforms() -> None:
    assert {
        "text",
        "strip",
        "lower",
        "upper",
        "phone",
        "decimal",
        "money",
        "map",
        "qbo_address",
        "notion_date",
        "bool",
        "first",
        "join",
        "present",
        "get",
    } <= set(TRANSFORMS)


def test_money_keeps_exact_cents_for_large_amounts() -> None:
    result = run("money", Decimal("12345678901234567.895"), {"currency": "USD"})
    assert result.amount == Decimal("12345678901234567.90")


def test_money_and_address_json_round_trip() -> None:
    money = Money(Decimal("18450.00"), "USD")
    assert money.to_json() == {"amount": "18450.00", "currency": "USD"}
    assert Money.from_json(money.to_json()) == money
    address = Address(line1="The Cut", city="London", postal_code="SE1 8NB", country="GB")
    assert Address.from_json(address.to_json()) == address
    assert Address.from_json({}).is_empty


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Money(85.0, "USD"), TypeError, "Money.amount must be Decimal, got float"),  # type: ignore[arg-type]
        (lambda: Money(Decimal("1"), "usd"), ValueError, "3-letter ISO 4217"),
        (lambda: Money(Decimal("Infinity"), "USD"), ValueError, "finite"),
        (
            lambda: Money.from_json({"amount": 1.5, "currency": "USD"}),
            TypeError,
            "must be a string, got float",
        ),
        (lambda: Money.from_json({"amount": "x", "currency": "USD"}), ValueError, "not a number"),
        (
            lambda: Money.from_json({"amount": "1", "currency": "USD", "fx": 1}),
            ValueError,
            "unknown Money keys: fx",
        ),
        (lambda: Address(line1=12), TypeError, "Address.line1 must be str or None, got int"),  # type: ignore[arg-type]
        (lambda: Address.from_json({"street": "x"}), ValueError, "unknown Address keys: street"),
    ],
)
def test_value_types_refuse_bad_input(build: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()
