"""The seeded shop: counts, overlap categories, the same-name trap, determinism and API shapes."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.sandbox import seed
from hub.sandbox.seed import (
    EXPECTED_LINKS,
    EXPECTED_MERGED_CUSTOMERS,
    EXPECTED_RULES,
    NOTION_CLIENTS_DATA_SOURCE_ID,
    NOTION_ORDERS_DATA_SOURCE_ID,
    TRAP_NAME,
    Shop,
    build_shop,
    notion_page_id,
)
from hub.sandbox.seed_pipeline import PIPELINE_NOTES

LEGAL_SUFFIXES = {"ltd", "limited", "inc", "incorporated", "llc", "llp", "co", "corp", "corporation", "plc"}


@pytest.fixture(scope="module")
def shop() -> Shop:
    return build_shop()


def text(page: dict[str, Any], name: str) -> str | None:
    value = page["properties"][name]
    inner = value[value["type"]]
    if isinstance(inner, list):
        return "".join(item["plain_text"] for item in inner) or None
    return inner


def kind(page: dict[str, Any]) -> str:
    return page["properties"]["Type"]["select"]["name"]


def qbo_email(customer: dict[str, Any]) -> str | None:
    return customer.get("PrimaryEmailAddr", {}).get("Address")


def norm_company(name: str | None) -> str | None:
    """The normalisation the seed's name pairs are drawn for (article, legal suffix, '&', punctuation)."""
    if not name:
        return None
    words = re.sub(r"[^a-z0-9 ]", " ", name.lower().replace("&", " and ")).split()
    if words[:1] == ["the"]:
        words = words[1:]
    while words and words[-1] in LEGAL_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def resolve(shop: Shop) -> tuple[dict[str, str], dict[str, str]]:
    """A reference identity resolver: explicit link, then email, then company name (businesses only)."""
    customers = {c["Id"]: c for c in shop.quickbooks_customers}
    by_email = {(qbo_email(c) or "").lower(): c["Id"] for c in customers.values() if qbo_email(c)}
    by_name = {norm_company(c["CompanyName"]): c["Id"] for c in customers.values() if c.get("CompanyName")}
    links: dict[str, str] = {}
    rules: dict[str, str] = {}
    for page in shop.notion_clients():
        email = (text(page, "Email") or "").lower()
        company = norm_company(text(page, "Company"))
        if text(page, "QuickBooks ID"):
            links[page["id"]], rules[page["id"]] = text(page, "QuickBooks ID") or "", "explicit"
        elif email in by_email:
            links[page["id"]], rules[page["id"]] = by_email[email], "email"
        elif kind(page) != "Private" and company in by_name:
            links[page["id"]], rules[page["id"]] = by_name[company], "name"
    return links, rules


def test_counts_match_the_contract(shop: Shop) -> None:
    assert len(shop.notion_clients()) == 64
    assert len(shop.quickbooks_customers) == 54
    assert len(shop.notion_orders()) == PIPELINE_NOTES["counts"]["orders"] == 78
    assert [c["Id"] for c in sorted(shop.quickbooks_customers, key=lambda c: int(c["Id"]))] == [
        str(i) for i in range(1, 55)
    ]
    assert Counter(EXPECTED_RULES.values()) == {"explicit": 16, "email": 16, "name": 12}
    assert EXPECTED_MERGED_CUSTOMERS == 64 + 54 - len(EXPECTED_LINKS) == 74


def test_expected_links_are_exactly_what_a_correct_resolver_finds(shop: Shop) -> None:
    links, rules = resolve(shop)
    assert links == EXPECTED_LINKS
    assert rules == EXPECTED_RULES
    assert len(set(EXPECTED_LINKS.values())) == len(EXPECTED_LINKS)  # one-to-one


def test_each_overlap_category_is_drawn_as_described(shop: Shop) -> None:
    pages = {p["id"]: p for p in shop.notion_clients()}
    customers = {c["Id"]: c for c in shop.quickbooks_customers}
    for page_id, qbo_id in EXPECTED_LINKS.items():
        page, customer = pages[page_id], customers[qbo_id]
        rule = EXPECTED_RULES[page_id]
        email, other = text(page, "Email"), qbo_email(customer)
        if rule == "explicit":
            assert text(page, "QuickBooks ID") == qbo_id
        else:
            assert text(page, "QuickBooks ID") is None
        if rule == "email":
            assert email and other and email.lower() == other.lower()
        if rule == "name":
            assert kind(page) != "Private"
            assert text(page, "Company") != customer["CompanyName"]  # spelled differently...
            assert norm_company(text(page, "Company")) == norm_company(
                customer["CompanyName"]
            )  # ...same firm
            assert other is None or other.lower() != (email or "").lower()
    # some email pairs differ only by letter case, some explicit pairs have different emails
    email_pairs = [(text(pages[p], "Email"), qbo_email(customers[q])) for p, q in EXPECTED_LINKS.items()]
    assert any(a != b and a and b and a.lower() == b.lower() for a, b in email_pairs)
    explicit = [p for p, r in EXPECTED_RULES.items() if r == "explicit"]
    assert any(text(pages[p], "Email") != qbo_email(customers[EXPECTED_LINKS[p]]) for p in explicit)
    linked_explicitly = [p for p in pages.values() if text(p, "QuickBooks ID")]
    assert len(linked_explicitly) == 16


def test_the_same_name_trap_is_two_people(shop: Shop) -> None:
    notion = [p for p in shop.notion_clients() if text(p, "Client") == TRAP_NAME]
    qbo = [c for c in shop.quickbooks_customers if c["DisplayName"] == TRAP_NAME]
    assert len(notion) == 1 and len(qbo) == 1
    assert kind(notion[0]) == "Private" and "CompanyName" not in qbo[0]
    assert (text(notion[0], "Email") or "").lower() != (qbo_email(qbo[0]) or "").lower()
    assert text(notion[0], "Phone") != qbo[0]["PrimaryPhone"]["FreeFormNumber"]
    assert notion[0]["id"] not in EXPECTED_LINKS
    assert qbo[0]["Id"] not in EXPECTED_LINKS.values()


def test_build_is_deterministic_and_independent() -> None:
    first, second = build_shop(), build_shop()
    assert first == second
    first.notion_clients()[0]["properties"]["VIP"]["checkbox"] = "changed"
    assert first != second
    copy = second.copy()
    copy.quickbooks_customers[0]["DisplayName"] = "x"
    assert second.quickbooks_customers[0]["DisplayName"] != "x"


def test_the_shop_covers_every_kind_of_client(shop: Shop) -> None:
    kinds = Counter(kind(p) for p in shop.notion_clients())
    assert set(kinds) == {"Theater", "Film & TV", "Event", "Private"}
    statuses = Counter(p["properties"]["Status"]["status"]["name"] for p in shop.notion_clients())
    assert statuses["Lead"] >= 15 and statuses["Active"] > 0 and statuses["Dormant"] > 0
    for page in shop.notion_clients():
        assert (text(page, "Company") is None) == (kind(page) == "Private")


def test_balances_are_decimal_usd_some_open_some_zero(shop: Shop) -> None:
    balances = [c["Balance"] for c in shop.quickbooks_customers]
    assert all(isinstance(b, Decimal) and b.as_tuple().exponent == -2 for b in balances)
    assert any(b == 0 for b in balances) and any(b > 0 for b in balances)
    assert {c["CurrencyRef"]["value"] for c in shop.quickbooks_customers} == {"USD"}


def test_timestamps_are_fixed_2026_values(shop: Shop) -> None:
    for page in shop.notion_pages.values():
        for stamp in (page["created_time"], page["last_edited_time"]):
            assert re.fullmatch(r"2026-\d\d-\d\dT\d\d:\d\d:00\.000Z", stamp)
        assert page["created_time"] <= page["last_edited_time"]
        assert (
            page["properties"].get("Last Edited", {"last_edited_time": page["last_edited_time"]})[
                "last_edited_time"
            ]
            == page["last_edited_time"]
        )
    for customer in shop.quickbooks_customers:
        created = datetime.fromisoformat(customer["MetaData"]["CreateTime"])
        updated = datetime.fromisoformat(customer["MetaData"]["LastUpdatedTime"])
        assert created.year == 2026 and created.utcoffset() is not None and created <= updated


def test_pages_follow_the_data_source_schema(shop: Shop) -> None:
    for ds_id, pages in (
        (NOTION_CLIENTS_DATA_SOURCE_ID, shop.notion_clients()),
        (NOTION_ORDERS_DATA_SOURCE_ID, shop.notion_orders()),
    ):
        schema = shop.notion_data_sources[ds_id]["properties"]
        assert shop.notion_data_sources[ds_id]["object"] == "data_source"
        for page in pages:
            assert page["object"] == "page"
            assert page["parent"] == {
                "type": "data_source_id",
                "data_source_id": ds_id,
                "database_id": shop.notion_data_sources[ds_id]["parent"]["database_id"],
            }
            assert {n: (v["id"], v["type"]) for n, v in page["properties"].items()} == {
                n: (p["id"], p["type"]) for n, p in schema.items()
            }
    numbers = sorted(p["properties"]["Client No."]["unique_id"]["number"] for p in shop.notion_clients())
    assert numbers == list(range(1, 65))


def test_orders_relation_is_two_way_and_one_client_has_more_than_25(shop: Shop) -> None:
    clients = {p["id"]: p for p in shop.notion_clients()}
    for order in shop.notion_orders():
        (client,) = order["properties"]["Client"]["relation"]
        assert {"id": order["id"]} in clients[client["id"]]["properties"]["Orders"]["relation"]
    for page in clients.values():
        related = page["properties"]["Orders"]["relation"]
        assert page["properties"]["Order Count"]["rollup"]["number"] == len(related)
    lyric = clients[notion_page_id("lyric")]
    assert len(lyric["properties"]["Orders"]["relation"]) > 25
    assert (
        sum(len(p["properties"]["Orders"]["relation"]) for p in clients.values())
        == PIPELINE_NOTES["counts"]["orders"]
    )


def test_contract_constants() -> None:
    assert seed.NOTION_CLIENTS_DATA_SOURCE_ID == "2a4f7c1e-5b3d-4e8a-9c61-0d7e3b9f4a21"
    assert seed.NOTION_CLIENTS_DATABASE_ID == "1b3e6d0c-4a2c-4d79-8b50-9c6d2a8e3f10"
    assert seed.NOTION_ORDERS_DATA_SOURCE_ID == "3c5a8d2f-6c4e-4f9b-8d72-1e8f4c0a5b32"
    assert seed.NOTION_SANDBOX_TOKEN == "ntn_sandbox_costume_shop_token"
    assert seed.QUICKBOOKS_REALM_ID == "9341455130166501"
    assert seed.QUICKBOOKS_CLIENT_ID == "ABsandboxCostumeShopClientId0001"
    assert seed.QUICKBOOKS_CLIENT_SECRET == "sandbox-client-secret"
