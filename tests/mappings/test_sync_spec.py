"""Tables of valid and invalid ``sync.invoices.yaml`` files, with the exact message each invalid one gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import MappingError
from mappings import load_mappings
from mappings.sync_spec import SYNC_FILE, InvoiceSyncSpec, ItemRef, load_sync_spec, parse_sync_spec

FILE = "sync.invoices.yaml"


def test_the_shipped_file_loads_and_is_not_an_entity_mapping() -> None:
    spec = load_sync_spec()
    assert spec.statuses == ("Delivered", "Ready to invoice") and spec.invoiced_status == "Invoiced"
    assert spec.items.default == ItemRef(name="Costume design fee")
    assert spec.items.overrides["Rush"] == ItemRef(name="Rush fee")
    assert spec.terms is not None and (spec.terms.id, spec.due_days, spec.tax_code) == ("3", 30, "NON")
    assert all(not m.file.startswith("sync.") for m in load_mappings())


def test_defaults() -> None:
    spec = parse_sync_spec("version: 1\n", FILE)
    assert spec == InvoiceSyncSpec(version=1)
    assert spec.statuses == ("Delivered",) and spec.items.default is None and spec.due_days is None
    assert (
        spec.properties.invoice_link == "Invoice Link"
        and spec.payment_statuses.partially_paid == "Partially paid"
    )


def test_a_shops_own_file_wins_and_the_shipped_one_fills_in(tmp_path: Path) -> None:
    assert load_sync_spec(tmp_path).statuses == ("Delivered", "Ready to invoice")  # none there: shipped
    (tmp_path / SYNC_FILE).write_text(
        "version: 1\nstatuses: [Ready to invoice]\nitems: {default: {id: '15'}}\n"
    )
    spec = load_sync_spec(tmp_path)
    assert spec.statuses == ("Ready to invoice",) and spec.items.default == ItemRef(id="15")


VALID = [
    pytest.param("version: 1\nproperties: {invoice_link: null}\n", id="no-link"),
    pytest.param(
        "version: 1\nitems: {overrides: {Rush: {id: '14'}, Gown: Custom Victorian Gown}}\n",
        id="overrides-by-id-and-name",
    ),
    pytest.param("version: 1\nterms: null\ndue_days: 0\ntax_code: TAX\n", id="terms-off"),
    pytest.param("version: 1\nstatuses: [Yes, Ready]\n", id="yaml-1.2-booleans-stay-names"),
]


@pytest.mark.parametrize("text", VALID)
def test_valid_files(text: str) -> None:
    assert parse_sync_spec(text, FILE).version == 1


INVALID = [
    ("version: 2\n", "version: unsupported version 2 (supported: 1) (line 1)"),
    ("statuses: [Delivered]\n", "version: missing required key"),
    ("- version: 1\n", "expected a mapping with version and statuses"),
    ("version: 1\nversion: 1\n", "version: duplicate key (first at line 1, again at line 2)"),
    ("version: 1\nstatus: [Delivered]\n", "status: unknown key (line 2)"),
    ("version: 1\nstatuses: []\n", "statuses: must not be empty (line 2)"),
    (
        "version: 1\nstatuses: Delivered\n",
        "statuses: expected a list of status names, e.g. [Delivered] (line 2)",
    ),
    (
        "version: 1\nstatuses: [Delivered, Delivered]\n",
        "statuses[1]: 'Delivered' is given twice: each status once (line 2)",
    ),
    ("version: 1\nstatuses: [Delivered, 3]\n", "statuses[1]: expected a string, got an integer (line 2)"),
    ("version: 1\nstatuses: [' Delivered']\n", "statuses[0]: has leading or trailing spaces (line 2)"),
    (
        "version: 1\nstatuses: [Delivered]\ninvoiced_status: Delivered\n",
        "invoiced_status: 'Delivered' is also one of statuses: "
        "invoiced orders would be invoiced again (line 3)",
    ),
    (
        "version: 1\nproperties: {invoice_number: Status}\n",
        "properties.status: 'Status' is given twice: each property once (line 2)",
    ),
    ("version: 1\nproperties: {invoice_link: ''}\n", "properties.invoice_link: must not be empty (line 2)"),
    ("version: 1\nproperties: {invoice_url: Link}\n", "properties.invoice_url: unknown key (line 2)"),
    (
        "version: 1\npayment_statuses: {paid: Paid, unpaid: Paid}\n",
        "payment_statuses.unpaid: 'Paid' is given twice: each option once (line 2)",
    ),
    (
        "version: 1\nitems: {overrides: {Rush: {id: '14', name: Rush fee}}}\n",
        "items.overrides.Rush: give the item's id or its name, not both or neither (line 2)",
    ),
    (
        "version: 1\nitems: {overrides: {Rush: {}}}\n",
        "items.overrides.Rush: give the item's id or its name, not both or neither (line 2)",
    ),
    ("version: 1\nitems: {overrides: {Rush: {sku: R}}}\n", "items.overrides.Rush.sku: unknown key (line 2)"),
    (
        "version: 1\nitems: {overrides: {'': Rush fee}}\n",
        'items.overrides[""]: a product name must be non-empty text (line 2)',
    ),
    ("version: 1\nitems: {default: 15}\n", "items.default: expected an item name or {id: ...} (line 2)"),
    (
        "version: 1\nitems: {default: {id: 15}}\n",
        "items.default.id: expected a string, got an integer (line 2)",
    ),
    ("version: 1\nterms: {id: 3}\n", "terms.id: expected a string, got an integer (line 2)"),
    ("version: 1\nterms: {name: Net 30}\n", "terms.id: missing required key (line 2)"),
    ("version: 1\ndue_days: -1\n", "due_days: input should be greater than or equal to 0 (line 2)"),
    ("version: 1\ndue_days: 400\n", "due_days: input should be less than or equal to 365 (line 2)"),
    ("version: 1\ndue_days: '30'\n", "due_days: expected an integer, got a string (line 2)"),
    ("version: 1\ntax_code: ''\n", "tax_code: must not be empty (line 2)"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_files_name_file_path_and_reason(text: str, message: str) -> None:
    with pytest.raises(MappingError) as info:
        parse_sync_spec(text, FILE)
    assert str(info.value) == f"{FILE}: {message}"
