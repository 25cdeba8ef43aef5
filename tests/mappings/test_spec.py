"""Tables of valid and invalid mapping files, with the exact message each invalid one gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError, MappingError
from mappings import load_mappings, parse_mapping

BASE = """\
version: 1
entity: customer
source: notion
collection: clients
fields:
  name: {from: Client, transform: text}
"""


def with_fields(extra: str) -> str:
    return BASE + extra


VALID = [
    pytest.param(BASE, ["name"], id="minimal"),
    pytest.param(
        with_fields("  email: {from: Email, transform: [strip, lower]}\n"),
        ["name", "email"],
        id="transform-list",
    ),
    pytest.param(
        with_fields("  company: {from: {key: Client No.}}\n"), ["name", "company"], id="key-with-dot"
    ),
    pytest.param(
        with_fields("  company: {from: {path: [Meta.Data, Company]}}\n"),
        ["name", "company"],
        id="literal-path",
    ),
    pytest.param(
        with_fields("  phone: {from: [Phone, Mobile.Number, {key: Tel.}], transform: phone}\n"),
        ["name", "phone"],
        id="first-of-list",
    ),
    pytest.param(with_fields("  segment: {value: B2C}\n"), ["name", "segment"], id="constant"),
    pytest.param(
        with_fields("  segment: {from: Type, transform: {map: {values: {Yes: B2B, No: B2C}}}}\n"),
        ["name", "segment"],
        id="yes-no-stay-strings",
    ),
    pytest.param(
        with_fields("  open_balance: {from: Due, transform: [{decimal: 2}, {money: {currency: EUR}}]}\n"),
        ["name", "open_balance"],
        id="money-fixed-currency",
    ),
    pytest.param(
        with_fields("  company: {from: Tags, transform: {join: ' / '}, description: all tags}\n"),
        ["name", "company"],
        id="shorthand-args",
    ),
    pytest.param(BASE + "description: test\nlinks:\n  quickbooks: {from: QBO}\n", ["name"], id="links"),
]


@pytest.mark.parametrize(("text", "fields"), VALID)
def test_valid_files_load(text: str, fields: list[str]) -> None:
    mapping = parse_mapping(text, "ok.yaml")
    assert (mapping.entity, mapping.source, mapping.collection, mapping.file) == (
        "customer",
        "notion",
        "clients",
        "ok.yaml",
    )
    assert list(mapping.field_names) == fields


def test_yaml_yes_no_keys_match_the_strings() -> None:
    text = with_fields("  segment: {from: Type, transform: {map: {values: {Yes: B2B, No: B2C}}}}\n")
    mapping = parse_mapping(text, "ok.yaml")
    assert mapping.apply({"Client": "A", "Type": "No"}).fields["segment"] == "B2C"


INVALID = [
    pytest.param(
        BASE + "colection: x\n", "t.yaml: colection: unknown key (line 7)", id="unknown-top-level-key"
    ),
    pytest.param(
        with_fields("  email: {from: Email, transform: [strip, lowr]}\n"),
        "t.yaml: fields.email.transform[1]: unknown transform 'lowr' (did you mean 'lower'?) (line 7)",
        id="unknown-transform",
    ),
    pytest.param(
        with_fields("  open_balance: {from: B, transform: {money: {currency: usd}}}\n"),
        "t.yaml: fields.open_balance.transform.money.currency: "
        "must be a 3-letter ISO 4217 code such as USD (line 7)",
        id="bad-transform-arg",
    ),
    pytest.param(
        with_fields("  open_balance: {from: B, transform: {money: {currency: USD, rounding: up}}}\n"),
        "t.yaml: fields.open_balance.transform.money.rounding: unknown key (line 7)",
        id="unknown-transform-arg",
    ),
    pytest.param(
        with_fields("  open_balance: {from: B, transform: money}\n"),
        "t.yaml: fields.open_balance.transform: "
        "needs 'currency', 'currency_from' or 'default_currency' (line 7)",
        id="missing-transform-args",
    ),
    pytest.param(
        with_fields("  email: {from: Email, transform: {strip: {chars: ' '}}}\n"),
        "t.yaml: fields.email.transform.strip: transform 'strip' takes no arguments (line 7)",
        id="args-to-argless-transform",
    ),
    pytest.param(
        with_fields("  company: {from: Tags, transform: [{join: 3}]}\n"),
        "t.yaml: fields.company.transform[0].join.sep: expected a string, got an integer (line 7)",
        id="wrong-arg-type",
    ),
    pytest.param(
        BASE.replace("name:", "nmae:"),
        "t.yaml: fields.nmae: not a customer field (did you mean 'name'?) (line 6)",
        id="unknown-field",
    ),
    pytest.param(
        BASE.replace("  name: {from: Client, transform: text}\n", "  email: {from: Email}\n"),
        "t.yaml: fields: missing required customer field 'name' (line 5)",
        id="missing-required-field",
    ),
    pytest.param(
        with_fields(
            "  segment:\n    from: Type\n    transform:\n      map:\n"
            "        values: {Theater: B2B, Private: Retail}\n"
        ),
        "t.yaml: fields.segment.transform.map.values.Private: "
        "'Retail' is not a valid segment (expected B2B or B2C) (line 11)",
        id="segment-outside-choices",
    ),
    pytest.param(
        with_fields("  segment: {from: Company, transform: {present: {then: B2B, else: retail}}}\n"),
        "t.yaml: fields.segment.transform.present.else: "
        "'retail' is not a valid segment (expected B2B or B2C) (line 7)",
        id="segment-present-else",
    ),
    pytest.param(
        with_fields("  segment: {value: Retail}\n"),
        "t.yaml: fields.segment.value: 'Retail' is not a valid segment (expected B2B or B2C) (line 7)",
        id="segment-constant",
    ),
    pytest.param(
        BASE.replace("version: 1", "version: 2"),
        "t.yaml: version: unsupported version 2 (supported: 1) (line 1)",
        id="wrong-version",
    ),
    pytest.param(BASE.replace("version: 1\n", ""), "t.yaml: version: missing required key", id="no-version"),
    pytest.param(
        BASE.replace("collection: clients\n", ""),
        "t.yaml: collection: missing required key",
        id="no-collection",
    ),
    pytest.param(
        BASE.replace("entity: customer", "entity: custmer"),
        "t.yaml: entity: unknown entity 'custmer' (did you mean 'customer'?) (line 2)",
        id="unknown-entity",
    ),
    pytest.param(
        with_fields("  email: {from: Email, transform: [strip\n"),
        "t.yaml: invalid YAML at line 8, column 1: expected ',' or ']', but got '<stream end>'",
        id="yaml-unclosed-list",
    ),
    pytest.param(
        with_fields("  email: from: Email\n"),
        "t.yaml: invalid YAML at line 7, column 14: mapping values are not allowed here",
        id="yaml-syntax",
    ),
    pytest.param(
        with_fields("  name: {from: Other}\n"),
        "t.yaml: fields.name: duplicate key (first at line 6, again at line 7)",
        id="duplicate-key",
    ),
    pytest.param(
        with_fields("  segment: {from: Type, transform: {map: {Theater: B2B}, default: B2B}}\n"),
        "t.yaml: fields.segment.transform: a step is one transform, 'name' or {name: arguments} "
        "(got keys: default, map) (line 7)",
        id="step-with-two-keys",
    ),
    pytest.param(
        with_fields("  company: {from: Client No.}\n"),
        "t.yaml: fields.company.from: empty segment in path 'Client No.'; "
        "write {key: 'Client No.'} for a key that contains a dot (line 7)",
        id="dot-in-key",
    ),
    pytest.param(
        with_fields("  email: {from: {key: a, path: [b]}}\n"),
        "t.yaml: fields.email.from: a path object has exactly one key, 'key' or 'path' "
        "(got: key, path) (line 7)",
        id="bad-path-object",
    ),
    pytest.param(
        with_fields("  email: {from: []}\n"),
        "t.yaml: fields.email.from: an empty list names nothing to read (line 7)",
        id="empty-from",
    ),
    pytest.param(
        with_fields("  open_balance: {from: Balance, transform: decimal}\n"),
        "t.yaml: fields.open_balance.transform: "
        "transform 'decimal' produces Decimal, but field 'open_balance' needs Money (line 7)",
        id="transform-output-type",
    ),
    pytest.param(
        with_fields("  billing_address: {from: BillAddr}\n"),
        "t.yaml: fields.billing_address: needs a transform that produces Address, "
        "such as 'qbo_address' (line 7)",
        id="address-without-transform",
    ),
    pytest.param(
        with_fields("  segment: {from: Type, value: B2B}\n"),
        "t.yaml: fields.segment: give either 'from' or 'value', not both (line 7)",
        id="from-and-value",
    ),
    pytest.param(
        with_fields("  email: {form: Email}\n"),
        "t.yaml: fields.email.form: unknown key (line 7)",
        id="rule-typo",
    ),
    pytest.param(
        BASE + "links:\n  notion: {from: Id}\n",
        "t.yaml: links.notion: a record cannot link to its own source (line 8)",
        id="self-link",
    ),
    pytest.param(
        BASE + "links:\n  Quick Books: {from: Id}\n",
        "t.yaml: links[\"Quick Books\"]: a link is named after a source, such as 'quickbooks' (line 8)",
        id="bad-link-name",
    ),
    pytest.param(
        with_fields("  segment: {from: T, transform: {map: {values: {a: 1.5}}}}\n"),
        "t.yaml: fields.segment.transform.map.values.a: "
        "must be text, a whole number, true/false or null (line 7)",
        id="map-float-value",
    ),
    pytest.param(
        with_fields("  company: {from: Since, transform: [{notion_date: middle}, text]}\n"),
        "t.yaml: fields.company.transform[0].notion_date.part: must be 'start' or 'end' (line 7)",
        id="literal-arg",
    ),
    pytest.param(
        BASE.replace("version: 1", "version: true"),
        "t.yaml: version: expected an integer, got a boolean (line 1)",
        id="bool-version",
    ),
    pytest.param(
        BASE.replace("fields:\n  name: {from: Client, transform: text}\n", "fields: [name]\n"),
        "t.yaml: fields: expected a mapping, got a list (line 5)",
        id="fields-not-a-mapping",
    ),
    pytest.param(
        "- a\n- b\n",
        "t.yaml: expected a mapping with version, entity, source, collection and fields",
        id="root-list",
    ),
    pytest.param("# nothing yet\n", "t.yaml: the file is empty", id="empty-file"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_files_are_rejected_with_file_path_and_reason(text: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "t.yaml")
    assert str(caught.value) == message
    assert caught.value.file == "t.yaml"


def test_shipped_files_load_and_validate() -> None:
    mappings = load_mappings()
    assert [(m.entity, m.source, m.file) for m in mappings] == [
        ("customer", "notion", "customers.notion.yaml"),
        ("customer", "quickbooks", "customers.quickbooks.yaml"),
        ("deal", "notion", "deals.notion.yaml"),
        ("document", "google_drive", "documents.google_drive.yaml"),
        ("invoice", "quickbooks", "invoices.quickbooks.yaml"),
        ("item", "quickbooks", "items.quickbooks.yaml"),
        ("order", "notion", "orders.notion.yaml"),
        ("payment", "quickbooks", "payments.quickbooks.yaml"),
        ("quote", "quickbooks", "quotes.quickbooks.yaml"),
    ]
    assert mappings.get("customer", "notion").collection == "2a4f7c1e-5b3d-4e8a-9c61-0d7e3b9f4a21"
    assert mappings.get("customer", "quickbooks").collection == "Customer"
    assert set(mappings.get("customer", "quickbooks").field_names) == {
        "name",
        "company",
        "email",
        "phone",
        "segment",
        "billing_address",
        "open_balance",
    }
    assert [m.source for m in mappings.for_entity("customer")] == ["notion", "quickbooks"]
    assert mappings.for_entity("shipment") == []
    assert [m.file for m in mappings.find("quickbooks", "Customer")] == ["customers.quickbooks.yaml"]


def test_duplicate_entity_source_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE)
    (tmp_path / "b.yaml").write_text(BASE.replace("collection: clients", "collection: other"))
    with pytest.raises(MappingError) as caught:
        load_mappings(tmp_path)
    assert str(caught.value) == "b.yaml: source: a customer mapping for 'notion' is already defined in a.yaml"


def test_load_reports_the_bad_file_by_basename(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(BASE)
    (tmp_path / "bad.yaml").write_text(BASE.replace("source: notion", "source: Notion API"))
    (tmp_path / "notes.txt").write_text("not a mapping")
    with pytest.raises(MappingError, match=r"^bad\.yaml: source: must be a lower-case source name"):
        load_mappings(tmp_path)


def test_missing_mapping_is_a_config_error() -> None:
    with pytest.raises(
        ConfigError,
        match=r"no mapping for entity 'customer' from source 'drive' \(have: "
        r"customer/notion, customer/quickbooks, deal/notion, document/google_drive, invoice/quickbooks, "
        r"item/quickbooks, order/notion, payment/quickbooks, quote/quickbooks\)",
    ):
        load_mappings().get("customer", "drive")


def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_mappings(tmp_path / "nope")
