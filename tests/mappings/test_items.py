"""QuickBooks items -> unified item records, compared with golden files.

Payloads are items of the sandbox seed (``build_sales(...).items``) saved as JSON and decoded as the HTTP
layer decodes them (fractions as Decimal). The workshop's own products carry the Odoo product code as
their ``Sku``; services and bought-in items have none.
Regenerate the golden files with ``UPDATE_GOLDEN=1 pytest tests/mappings`` and review the diff.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from hub.sandbox.odoo_seed_data import PRODUCTS
from hub.sandbox.seed import build_shop
from hub.sandbox.seed_sales import build_sales
from mappings import ENTITIES, MappingSet, Money, load_mappings
from tests.mappings.test_engine import PAYLOADS, check_golden


@pytest.fixture(scope="module")
def shipped() -> MappingSet:
    return load_mappings()


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"quickbooks_item_{name}.json").read_text(), parse_float=Decimal)


@pytest.mark.parametrize("name", ["gown", "service", "discontinued"])
def test_items_match_golden(shipped: MappingSet, name: str) -> None:
    mapped = shipped.get("item", "quickbooks").apply(payload(name))
    assert mapped.warnings == ()
    check_golden(f"item.quickbooks.{name}", mapped)


def test_a_made_item_carries_its_sku_and_exact_price(shipped: MappingSet) -> None:
    fields = shipped.get("item", "quickbooks").apply(payload("gown")).fields
    assert (fields["sku"], fields["active"], fields["type"]) == ("FIN-VICTORIAN-GOWN", True, "NonInventory")
    assert fields["unit_price"] == Money(Decimal("2400.00"), "USD")
    priced = payload("gown") | {"UnitPrice": Decimal("12.125")}
    assert shipped.get("item", "quickbooks").apply(priced).fields["unit_price"].amount == Decimal("12.125")


def test_a_blank_sku_is_no_sku(shipped: MappingSet) -> None:
    mapping = shipped.get("item", "quickbooks")
    assert mapping.apply(payload("gown") | {"Sku": "   "}).fields["sku"] is None
    assert mapping.apply(payload("gown") | {"Sku": " FIN-TAILCOAT "}).fields["sku"] == "FIN-TAILCOAT"
    assert mapping.apply(payload("service")).fields["sku"] is None


def test_every_seeded_item_maps_and_made_ones_name_an_odoo_product(shipped: MappingSet) -> None:
    mapping = shipped.get("item", "quickbooks")
    odoo_codes = {product[0] for product in PRODUCTS}
    skus = {}
    for item in build_sales(build_shop().quickbooks_customers).items:
        mapped = mapping.apply(item)
        assert mapped.warnings == ()
        if mapped.fields["sku"]:
            skus[mapped.fields["name"]] = mapped.fields["sku"]
        else:
            assert mapped.fields["type"] == "Service" or mapped.fields["name"] not in {
                "Custom Victorian Gown", "Tailcoat", "Chorus Tunic", "Period Corset",
            }  # fmt: skip
    assert skus == {
        "Custom Victorian Gown": "FIN-VICTORIAN-GOWN",
        "Tailcoat": "FIN-TAILCOAT",
        "Chorus Tunic": "FIN-CHORUS-TUNIC",
        "Period Corset": "FIN-CORSET-M",
    }
    assert set(skus.values()) <= odoo_codes


def test_item_fields_round_trip_through_json_storage(shipped: MappingSet) -> None:
    mapped = shipped.get("item", "quickbooks").apply(payload("discontinued"))
    assert mapped.fields["active"] is False
    schema = ENTITIES["item"]
    assert schema.decode(json.loads(json.dumps(schema.encode(mapped.fields)))) == mapped.fields
