"""Saved payload -> unified record, compared with golden files.

Regenerate the golden files after an intended change with ``UPDATE_GOLDEN=1 pytest tests/mappings``
and review the diff.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mappings import Address, EntityMapping, Mapped, MappingSet, Money, load_mappings, parse_mapping
from tests.mappings.payloads import notion

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
PAYLOADS = HERE / "payloads"


@pytest.fixture(scope="module")
def shipped() -> MappingSet:
    return load_mappings()


def qbo_payload(name: str) -> dict[str, Any]:
    # As the HTTP layer decodes it: numbers with fractions become Decimal, never float.
    return json.loads((PAYLOADS / f"quickbooks_customer_{name}.json").read_text(), parse_float=Decimal)


def check_golden(name: str, mapped: Mapped) -> None:
    path = GOLDEN / f"{name}.json"
    actual = json.dumps(mapped.to_json(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text(), f"{path.name} differs; rerun with UPDATE_GOLDEN=1 if intended"


@pytest.mark.parametrize(
    ("golden", "record"),
    [
        ("customer.notion.lyric", notion.LYRIC),
        ("customer.notion.maya", notion.MAYA),
        ("customer.notion.lead", notion.LEAD),
        ("customer.notion.untitled", notion.UNTITLED),
    ],
)
def test_notion_records_match_golden(shipped: MappingSet, golden: str, record: dict[str, Any]) -> None:
    check_golden(golden, shipped.get("customer", "notion").apply(record))


@pytest.mark.parametrize("name", ["lyric", "maya", "broken"])
def test_quickbooks_records_match_golden(shipped: MappingSet, name: str) -> None:
    check_golden(
        f"customer.quickbooks.{name}", shipped.get("customer", "quickbooks").apply(qbo_payload(name))
    )


def test_quickbooks_values_are_typed_not_just_serialised(shipped: MappingSet) -> None:
    mapped = shipped.get("customer", "quickbooks").apply(qbo_payload("lyric"))
    balance = mapped.fields["open_balance"]
    assert balance == Money(Decimal("18450.00"), "USD")
    assert isinstance(balance.amount, Decimal) and balance.amount.as_tuple().exponent == -2
    assert mapped.fields["billing_address"] == Address(
        line1="137 Wacker Drive",
        line2="Stage Door, Attn: Wardrobe",
        city="Chicago",
        region="IL",
        postal_code="60606",
        country="USA",
    )
    assert mapped.warnings == ()


def test_float_balance_is_rejected_with_a_warning_not_an_exception(shipped: MappingSet) -> None:
    payload = json.loads((PAYLOADS / "quickbooks_customer_lyric.json").read_text())  # floats!
    mapped = shipped.get("customer", "quickbooks").apply(payload)
    assert mapped.fields["open_balance"] is None
    assert mapped.fields["name"] == "Lyric Opera House"
    assert mapped.warnings == (
        "fields.open_balance: money: got a float; amounts must be exact (decode JSON numbers as Decimal)",
    )


def test_notion_link_to_quickbooks_is_stripped_and_absent_links_are_omitted(shipped: MappingSet) -> None:
    mapping = shipped.get("customer", "notion")
    assert mapping.apply(notion.LYRIC).links == {"quickbooks": "1"}
    assert mapping.apply(notion.LEAD).links == {}


def test_only_mapped_fields_are_reported(shipped: MappingSet) -> None:
    assert set(shipped.get("customer", "notion").apply(notion.MAYA).fields) == {
        "name",
        "company",
        "email",
        "phone",
        "segment",
    }
    assert shipped.get("customer", "notion").field_names == ("name", "company", "email", "phone", "segment")


def test_a_listing_survives_bad_records(shipped: MappingSet) -> None:
    mapping = shipped.get("customer", "quickbooks")
    records = [qbo_payload("lyric"), qbo_payload("broken"), {}, {"DisplayName": 42, "Balance": "n/a"}]
    results = [mapping.apply(r) for r in records]
    assert [r.fields["name"] for r in results] == ["Lyric Opera House", "Old Vic Theatre", None, "42"]
    assert results[2].warnings == ("fields.name: required field is empty",)
    assert results[3].warnings == ("fields.open_balance: money: not a number",)


def test_apply_rejects_a_non_mapping_record(shipped: MappingSet) -> None:
    with pytest.raises(TypeError, match="needs a mapping"):
        shipped.get("customer", "notion").apply(["not", "a", "record"])  # type: ignore[arg-type]


def small_mapping(fields: str, source: str = "test") -> EntityMapping:
    head = f"version: 1\nentity: customer\nsource: {source}\ncollection: c\n"
    text = f"{head}fields:\n  name: {{value: X}}\n{fields}"
    return parse_mapping(text, "small.yaml")


def test_first_non_empty_source_wins() -> None:
    mapping = small_mapping("  email: {from: [Work.Email, {key: Home.Email}, Other], transform: lower}\n")
    assert (
        mapping.apply({"Work": {"Email": "  "}, "Home.Email": "A@B.C", "Other": "x@y.z"}).fields["email"]
        == "a@b.c"
    )
    assert mapping.apply({"Work": {"Email": None}, "Other": "X@Y.Z"}).fields["email"] == "x@y.z"
    assert mapping.apply({}).fields["email"] is None


def test_dotted_key_slip_is_reported() -> None:
    mapping = small_mapping("  company: {from: Client.Name}\n")
    mapped = mapping.apply({"Client.Name": "Lyric"})
    assert mapped.fields["company"] is None
    assert mapped.warnings == (
        "fields.company: 'Client.Name' is a single key with a dot; write {key: 'Client.Name'}",
    )


def test_path_through_a_non_object_is_a_warning() -> None:
    mapped = small_mapping("  email: {from: Contact.Email}\n").apply({"Contact": ["a@b.c"]})
    assert mapped.warnings == ("fields.email: Contact is a list, not an object",)


def test_raw_value_of_the_wrong_type_is_a_warning() -> None:
    mapped = small_mapping("  company: {from: Tags}\n").apply({"Tags": ["Opera"]})
    assert mapped.fields["company"] is None
    assert mapped.warnings == ("fields.company: expected str, got list",)


def test_choice_field_rejects_unknown_raw_values() -> None:
    mapping = small_mapping("  segment: {from: Segment}\n")
    assert mapping.apply({"Segment": "B2C"}).fields["segment"] == "B2C"
    mapped = mapping.apply({"Segment": "Wholesale"})
    assert mapped.fields["segment"] is None
    assert mapped.warnings == ("fields.segment: 'Wholesale' is not one of B2B, B2C",)


def test_map_without_default_warns_on_unknown_option() -> None:
    mapping = small_mapping("  segment: {from: Type, transform: {map: {values: {Theater: B2B}}}}\n")
    mapped = mapping.apply({"Type": "Museum"})
    assert mapped.fields["segment"] is None
    assert mapped.warnings == ("fields.segment: map: no mapping for 'Museum' and no default",)
    assert mapping.apply({"Type": None}).warnings == ()


def test_constant_values_and_people_lookup() -> None:
    mapping = small_mapping(
        "  segment: {value: B2B}\n  company: {from: Account Manager, transform: [{get: name}, join]}\n"
    )
    mapped = mapping.apply(notion.LYRIC)
    assert mapped.fields == {"name": "X", "segment": "B2B", "company": "Priya Raman"}
