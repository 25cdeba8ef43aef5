"""Notion orders and deals and Google Drive files -> unified order, deal and document records.

Payloads are records of the sandbox seed saved as the vendors send them: Notion pages
(``notion_*.json``) decoded here by the Notion connector's own ``decode_properties``, and Drive File
resources (``drive_file_*.json``, only the fields the connector asks for) turned into ``SourceRecord``s by
``GoogleDriveConnector.record``. Numbers are decoded as the HTTP layer decodes them (fractions as Decimal).
Regenerate the golden files with ``UPDATE_GOLDEN=1 pytest tests/mappings`` and review the diff.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.google_drive import DriveFile, GoogleDriveConnector
from connectors.google_drive.connector import DEFAULT_FIELDS
from connectors.notion import decode_properties
from connectors.notion.models import NotionPage
from hub.errors import MappingError
from hub.http import Limit, Upstreams
from hub.sandbox.seed import NOTION_ORDERS_DATA_SOURCE_ID, NOTION_PIPELINE_DATA_SOURCE_ID, build_shop
from hub.sandbox.seed_documents import build_documents
from hub.sandbox.seed_pipeline import PIPELINE_NOTES
from hub.settings import HttpSettings
from mappings import ENTITIES, MappingSet, Money, load_mappings, parse_mapping
from mappings.entities import DOCUMENT_KINDS, ORDER_STATUSES
from tests.mappings.test_engine import PAYLOADS, check_golden

# What each of the seeded Notion order statuses means (the table in mappings/orders.notion.yaml).
ORDER_STATUS_OF = {
    "Not started": "NOT_STARTED",
    "Cutting": "IN_PRODUCTION",
    "Sewing": "IN_PRODUCTION",
    "Fitting": "IN_PRODUCTION",
    "Finishing": "IN_PRODUCTION",
    "Ready": "READY",
    "Delivered": "DELIVERED",
    "Invoiced": "INVOICED",
    "Cancelled": "CANCELLED",
}
DRIVE_FIELDS = DEFAULT_FIELDS.split(",")


@pytest.fixture(scope="module")
def shipped() -> MappingSet:
    return load_mappings()


@pytest.fixture
async def drive() -> AsyncIterator[GoogleDriveConnector]:
    upstreams = Upstreams(HttpSettings())
    client = upstreams.client(
        "google_drive", "https://www.googleapis.com", limits=[Limit(1000, 1.0)],
        **GoogleDriveConnector.client_options(),
    )  # fmt: skip
    yield GoogleDriveConnector(client)
    await upstreams.aclose()


def saved(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(), parse_float=Decimal)


def notion_data(page: dict[str, Any]) -> dict[str, Any]:
    """``SourceRecord.data`` of a Notion page, decoded as the Notion connector decodes it."""
    return decode_properties(NotionPage.model_validate(page).properties)


def drive_data(connector: GoogleDriveConnector, resource: dict[str, Any]) -> dict[str, Any]:
    """``SourceRecord.data`` of a Drive file: what files.list answers for the connector's ``fields``."""
    file = DriveFile.model_validate({k: v for k, v in resource.items() if k in DRIVE_FIELDS})
    return connector.record(file).data


def rich(text: str) -> dict[str, Any]:
    return {"id": "HK%3Dy", "type": "rich_text", "rich_text": [{"type": "text", "plain_text": text}]}


@pytest.mark.parametrize(
    ("entity", "name"),
    [
        ("order", "notion_order_invoiced"),
        ("order", "notion_order_cancelled"),
        ("deal", "notion_deal_won"),
        ("deal", "notion_deal_lost"),
    ],
)
def test_notion_pages_match_golden(shipped: MappingSet, entity: str, name: str) -> None:
    mapped = shipped.get(entity, "notion").apply(notion_data(saved(name)))
    assert mapped.warnings == ()
    check_golden(f"{entity}.notion.{name.rsplit('_', 1)[1]}", mapped)


@pytest.mark.parametrize("name", ["proposal_untagged", "contract_tagged"])
def test_drive_files_match_golden(shipped: MappingSet, drive: GoogleDriveConnector, name: str) -> None:
    mapped = shipped.get("document", "google_drive").apply(drive_data(drive, saved(f"drive_file_{name}")))
    assert mapped.warnings == ()
    check_golden(f"document.google_drive.{name}", mapped)


def test_invoiced_order_values_are_typed(shipped: MappingSet) -> None:
    fields = shipped.get("order", "notion").apply(notion_data(saved("notion_order_invoiced"))).fields
    assert fields["total"] == Money(Decimal("33433.91"), "USD")
    assert fields["amount_paid"] == Money(Decimal("14983.91"), "USD")
    assert fields["due_date"] == date(2026, 4, 29) and type(fields["due_date"]) is date
    assert (fields["status"], fields["stage"], fields["payment_status"]) == (
        "INVOICED",
        "Invoiced",
        "Partially paid",
    )
    won = shipped.get("deal", "notion").apply(notion_data(saved("notion_deal_won"))).fields
    assert won["probability"] == Decimal(100) and isinstance(won["probability"], Decimal)


@pytest.mark.parametrize(("notion", "unified"), ORDER_STATUS_OF.items())
def test_every_order_status(shipped: MappingSet, notion: str, unified: str) -> None:
    page = saved("notion_order_cancelled")
    page["properties"]["Status"]["status"]["name"] = notion
    mapped = shipped.get("order", "notion").apply(notion_data(page))
    assert (mapped.fields["status"], mapped.fields["stage"], mapped.warnings) == (unified, notion, ())


def test_the_status_table_reaches_every_unified_status() -> None:
    assert set(ORDER_STATUS_OF.values()) == set(ORDER_STATUSES)


def test_unknown_or_missing_order_status(shipped: MappingSet) -> None:
    page = saved("notion_order_cancelled")
    page["properties"]["Status"]["status"] = {"id": "x", "name": "Embroidery", "color": "pink"}
    mapped = shipped.get("order", "notion").apply(notion_data(page))
    assert (mapped.fields["status"], mapped.fields["stage"]) == (None, "Embroidery")
    assert mapped.warnings == ("fields.status: map: no mapping for 'Embroidery' and no default",)
    page["properties"]["Status"]["status"] = None
    mapped = shipped.get("order", "notion").apply(notion_data(page))
    assert (mapped.fields["status"], mapped.fields["stage"], mapped.warnings) == (None, None, ())


@pytest.mark.parametrize(
    ("entity", "name"), [("order", "notion_order_invoiced"), ("deal", "notion_deal_won")]
)
def test_hub_key_is_read_when_the_property_exists(shipped: MappingSet, entity: str, name: str) -> None:
    page = saved(name)
    assert page["properties"]["Hub Key"]["rich_text"] == []  # the seed has the property, empty
    assert shipped.get(entity, "notion").apply(notion_data(page)).fields["hub_key"] is None
    without = copy.deepcopy(page)
    del without["properties"]["Hub Key"]  # a workspace without the property
    mapped = shipped.get(entity, "notion").apply(notion_data(without))
    assert (mapped.fields["hub_key"], mapped.warnings) == (None, ())
    page["properties"]["Hub Key"] = rich(" quote:7f3a ")
    mapped = shipped.get(entity, "notion").apply(notion_data(page))
    assert (mapped.fields["hub_key"], mapped.warnings) == ("quote:7f3a", ())


def test_people_are_joined_by_name(shipped: MappingSet) -> None:
    page = saved("notion_order_invoiced")
    makers = page["properties"]["Maker"]["people"]
    makers.append({"object": "user", "id": "u-2", "name": "Priscilla Tan"})
    makers.append({"object": "user", "id": "u-3"})  # a partial user: no name to show
    assert shipped.get("order", "notion").apply(notion_data(page)).fields["maker"] == (
        "Owen Gallagher, Priscilla Tan"
    )
    page["properties"]["Maker"]["people"] = []
    assert shipped.get("order", "notion").apply(notion_data(page)).fields["maker"] is None


def test_a_notion_date_with_a_time_gives_its_day(shipped: MappingSet) -> None:
    page = saved("notion_deal_won")
    page["properties"]["Expected Close"]["date"] = {"start": "2026-05-03T15:30:00.000Z", "end": None}
    fields = shipped.get("deal", "notion").apply(notion_data(page)).fields
    assert fields["expected_close"] == date(2026, 5, 3) and type(fields["expected_close"]) is date


# --- documents --------------------------------------------------------------------------------------


def document(**changes: Any) -> dict[str, Any]:
    resource = saved("drive_file_contract_tagged")
    app = changes.pop("app", None)
    resource["appProperties"] = app or {}
    return resource | changes


@pytest.mark.parametrize(
    ("tag", "name", "kind"),
    [
        ("contract", "Proposal E-1001 - The Old Vic.pdf", "CONTRACT"),  # the tag wins over the name
        ("PROPOSAL", "Scan 0042.pdf", "PROPOSAL"),
        ("Other", "Proposal E-1001 - The Old Vic.pdf", "OTHER"),
        (None, "Proposal E-1001 - The Old Vic.pdf", "PROPOSAL"),
        (None, "contract E-1001 - The Old Vic (signed).pdf", "CONTRACT"),
        (None, "Proposal template", "OTHER"),
        (None, "Contract template", "OTHER"),
        (None, "Measurements - The Old Vic", "OTHER"),
        (None, "Signed proposal.pdf", "OTHER"),  # only a name that starts with the word counts
        (" ", "Contract E-1 - X.pdf", "CONTRACT"),  # a blank tag is no tag
        ("invoice", "Contract E-1 - X.pdf", "CONTRACT"),  # an unknown tag says nothing: the name decides
    ],
)
def test_document_kind(
    shipped: MappingSet, drive: GoogleDriveConnector, tag: str | None, name: str, kind: str
) -> None:
    app = {"hubKind": tag} if tag is not None else None
    mapped = shipped.get("document", "google_drive").apply(drive_data(drive, document(name=name, app=app)))
    assert (mapped.fields["kind"], mapped.warnings) == (kind, ())


@pytest.mark.parametrize(
    ("app", "name", "number"),
    [
        ({"hubEstimate": "1047"}, "Proposal E-1001 - The Old Vic.pdf", "1047"),  # QBO's own numbering
        (None, "Proposal E-1011 - Lyric Opera House.pdf", "E-1011"),
        (None, "Contract E-1011 - E-Motion Dance (signed).pdf", "E-1011"),  # the first one found
        ({"hubEstimate": " "}, "Quote E-7 for Maya.pdf", "E-7"),
        (None, "Proposal e-1011.pdf", None),  # the pattern is case-sensitive
        (None, "FE-1011.pdf", None),  # \b: not inside a word
        (None, "Measurements - The Old Vic", None),
    ],
)
def test_quote_number_from_the_tag_else_the_name(
    shipped: MappingSet,
    drive: GoogleDriveConnector,
    app: dict[str, str] | None,
    name: str,
    number: str | None,
) -> None:
    mapped = shipped.get("document", "google_drive").apply(drive_data(drive, document(name=name, app=app)))
    assert (mapped.fields["quote_number"], mapped.warnings) == (number, ())


def test_modified_at_is_an_aware_utc_datetime(shipped: MappingSet, drive: GoogleDriveConnector) -> None:
    mapping = shipped.get("document", "google_drive")
    data = drive_data(drive, document(modifiedTime="2026-02-09T11:00:00.000+01:00"))
    assert data["modifiedTime"] == datetime(2026, 2, 9, 10, 0, tzinfo=UTC)  # the connector already parsed it
    assert mapping.apply(data).fields["modified_at"] == datetime(2026, 2, 9, 10, 0, tzinfo=UTC)
    # The wire spelling (a cached record's JSON) maps the same way.
    cached = mapping.apply(data | {"modifiedTime": "2026-02-09T11:00:00.000+01:00"}).fields["modified_at"]
    assert cached == datetime(2026, 2, 9, 10, 0, tzinfo=UTC) and cached.tzinfo is UTC
    bad = [mapping.apply(data | {"modifiedTime": v}).warnings for v in ("2026-02-09T10:00:00", "2026-02-09")]
    assert bad == [
        ("fields.modified_at: datetime: datetime has no time zone",),
        ("fields.modified_at: datetime: a date without a time",),
    ]


def test_untagged_folder_and_parentless_file(shipped: MappingSet, drive: GoogleDriveConnector) -> None:
    folder = document(
        name="Proposal Studios", mimeType="application/vnd.google-apps.folder", parents=[], webViewLink=None
    )
    mapped = shipped.get("document", "google_drive").apply(drive_data(drive, folder))
    assert (mapped.fields["kind"], mapped.warnings) == ("OTHER", ())  # a client's folder, not a proposal
    absent = ("parent", "url", "customer_qbo_ref", "hub_quote", "quote_number")
    assert [mapped.fields[name] for name in absent] == [None] * len(absent)
    tagged = document(app={"hubQuote": "UXVvdGU6NDI=", "hubCustomerQboId": "19"})
    fields = shipped.get("document", "google_drive").apply(drive_data(drive, tagged)).fields
    assert (fields["hub_quote"], fields["customer_qbo_ref"]) == ("UXVvdGU6NDI=", "19")


def test_mapped_fields_round_trip_through_json_storage(
    shipped: MappingSet, drive: GoogleDriveConnector
) -> None:
    cases = [
        ("order", shipped.get("order", "notion").apply(notion_data(saved("notion_order_invoiced")))),
        ("deal", shipped.get("deal", "notion").apply(notion_data(saved("notion_deal_won")))),
        (
            "document",
            shipped.get("document", "google_drive").apply(
                drive_data(drive, saved("drive_file_contract_tagged"))
            ),
        ),
    ]
    for entity, mapped in cases:
        schema = ENTITIES[entity]
        stored = json.loads(json.dumps(schema.encode(mapped.fields)))
        assert schema.decode(stored) == mapped.fields, entity


# --- the whole seed ---------------------------------------------------------------------------------


def test_every_seeded_order_and_deal_maps_cleanly(shipped: MappingSet) -> None:
    shop = build_shop()
    orders, deals = shipped.get("order", "notion"), shipped.get("deal", "notion")
    assert orders.collection == NOTION_ORDERS_DATA_SOURCE_ID
    assert deals.collection == NOTION_PIPELINE_DATA_SOURCE_ID
    statuses: Counter[str] = Counter()
    for page in shop.notion_orders():
        mapped = orders.apply(notion_data(copy.deepcopy(page)))
        assert mapped.warnings == (), page["id"]
        fields = mapped.fields
        statuses[fields["status"]] += 1
        assert fields["customer_ref"] and fields["number"].startswith("SO-")
        assert fields["status"] == ORDER_STATUS_OF[fields["stage"]]
        assert (fields["status"] == "INVOICED") == (fields["invoice_number"] is not None)
        assert bool(fields["quote_ref"]) == bool(fields["quote_number"])
        if fields["status"] != "CANCELLED":
            assert isinstance(fields["amount_paid"], Money) and fields["amount_paid"].currency == "USD"
    expected: Counter[str] = Counter()
    for name, count in PIPELINE_NOTES["orders_by_status"].items():
        expected[ORDER_STATUS_OF[name]] += count
    assert statuses == expected
    assert set(statuses) == set(ORDER_STATUSES)  # the seed walks orders through every status
    stages: Counter[str] = Counter()
    for page in shop.notion_pipeline():
        mapped = deals.apply(notion_data(copy.deepcopy(page)))
        assert mapped.warnings == (), page["id"]
        stages[mapped.fields["stage"]] += 1
        assert mapped.fields["owner"] and mapped.fields["customer_ref"]
        assert Decimal(0) <= mapped.fields["probability"] <= Decimal(100)
        assert isinstance(mapped.fields["value"], Money) and isinstance(mapped.fields["expected_close"], date)
    assert dict(stages) == PIPELINE_NOTES["deals_by_stage"]
    assert sum(stages.values()) == PIPELINE_NOTES["counts"]["deals"] == 78


def test_every_seeded_drive_file_maps_cleanly(shipped: MappingSet, drive: GoogleDriveConnector) -> None:
    docs = build_documents()
    mapping = shipped.get("document", "google_drive")
    kinds: Counter[str] = Counter()
    untagged_numbered = 0
    for resource in docs.files.values():
        mapped = mapping.apply(drive_data(drive, resource))
        assert mapped.warnings == (), resource["name"]
        fields = mapped.fields
        kinds[fields["kind"]] += 1
        assert fields["modified_at"].tzinfo is UTC
        app = resource.get("appProperties", {})
        in_name = re.search(r"\bE-\d+\b", resource["name"])
        if "hubEstimate" in app:
            assert fields["quote_number"] == app["hubEstimate"]
        elif in_name:
            untagged_numbered += 1
            assert fields["quote_number"] == in_name.group()
        else:
            assert fields["quote_number"] is None
        if "hubKind" in app:
            assert fields["kind"] == app["hubKind"].upper()
        elif resource["name"].startswith(("Proposal E-", "Contract E-")):
            assert fields["kind"] == resource["name"].split()[0].upper()
        else:
            assert fields["kind"] == "OTHER", resource["name"]
    assert set(kinds) == set(DOCUMENT_KINDS) and kinds["PROPOSAL"] > kinds["CONTRACT"] > 0
    assert untagged_numbered > 0  # every fifth estimate's files carry no appProperties


# --- load-time checks -------------------------------------------------------------------------------

DOCUMENT_HEAD = """\
version: 1
entity: document
source: google_drive
collection: files
fields:
  name: {from: name, transform: strip}
"""
ORDER_HEAD = """\
version: 1
entity: order
source: notion
collection: orders
fields:
  number: {from: Order, transform: text}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            ORDER_HEAD + "  status: {from: Status, transform: {map: {values: {Shipped: SHIPPED}}}}\n",
            "x.yaml: fields.status.transform.map.values.Shipped: 'SHIPPED' is not a valid status "
            "(expected NOT_STARTED or IN_PRODUCTION or READY or DELIVERED or INVOICED or CANCELLED) (line 7)",
        ),
        (
            DOCUMENT_HEAD
            + "  kind: {from: k, transform: {document_kind: {rules: [{match: x, kind: MEMO}]}}}\n",
            "x.yaml: fields.kind.transform.document_kind.rules[0].kind: 'MEMO' is not a valid kind "
            "(expected PROPOSAL or CONTRACT or OTHER) (line 7)",
        ),
        (
            DOCUMENT_HEAD + "  kind: {from: k, transform: {document_kind: {tags: {memo: Memo}}}}\n",
            "x.yaml: fields.kind.transform.document_kind.tags.memo: 'Memo' is not a valid kind "
            "(expected PROPOSAL or CONTRACT or OTHER) (line 7)",
        ),
        (
            DOCUMENT_HEAD
            + "  kind: {from: k, transform: {document_kind: {rules: [{match: '(', kind: OTHER}]}}}\n",
            "x.yaml: fields.kind.transform.document_kind.rules[0].match: not a valid regular expression: "
            "missing ), unterminated subpattern at position 0 (line 7)",
        ),
        (
            DOCUMENT_HEAD
            + "  quote_number: {from: q, transform: {or_find: {in: name, pattern: 'E-\\d+', group: 1}}}\n",
            "x.yaml: fields.quote_number.transform.or_find: group 1 does not exist: "
            "the pattern has 0 capture group(s) (line 7)",
        ),
        (
            DOCUMENT_HEAD + "  quote_number: {from: q, transform: {or_find: {pattern: 'E-\\d+'}}}\n",
            "x.yaml: fields.quote_number.transform.or_find.in: missing required key (line 7)",
        ),
        (
            DOCUMENT_HEAD + "  modified_at: {from: modifiedTime, transform: date}\n",
            "x.yaml: fields.modified_at.transform: transform 'date' produces date, but field 'modified_at' "
            "needs datetime (line 7)",
        ),
        (
            DOCUMENT_HEAD
            + "  kind: {from: k, transform: {document_kind: {tags: {Other: OTHER, other: OTHER}}}}\n",
            "x.yaml: fields.kind.transform.document_kind.tags: "
            "tag 'other' is listed twice (tags ignore case) (line 7)",
        ),
        (
            DOCUMENT_HEAD + "  kind: {from: k, transform: {document_kind: {rules: [{kind: OTHER}]}}}\n",
            "x.yaml: fields.kind.transform.document_kind.rules[0]: a rule needs 'match' (a name pattern), "
            "'where' (a filter) or both (line 7)",
        ),
    ],
    ids=[
        "status-choice",
        "kind-by-name",
        "kind-by-tag",
        "bad-regex",
        "no-such-group",
        "or-find-in",
        "date",
        "duplicate-tag",
        "empty-rule",
    ],
)
def test_invalid_specs(text: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "x.yaml")
    assert str(caught.value) == message
