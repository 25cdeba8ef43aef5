"""hub.proposals end to end against the Drive simulator, through the connector that ``build_drive`` wires:
a proposal for a seeded estimate in its client's folder, filled and exported; retries and resumes after a
crash at any step leave exactly one Doc and one PDF; a missing client folder is created once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from starlette.applications import Starlette

from connectors.google_drive import GoogleDriveConnector
from hub.drive import build_drive, build_proposals
from hub.errors import IdempotencyConflict
from hub.http import Upstreams
from hub.proposals import (
    GOOGLE_DOC,
    PDF,
    ProposalInput,
    ProposalLine,
    ProposalMaker,
    format_money,
    format_quantity,
    placeholders,
    quote_tag,
)
from hub.sandbox.drive import create_drive_app
from hub.sandbox.drive_files import FOLDER
from hub.sandbox.seed import EXPECTED_LINKS, build_shop
from hub.sandbox.seed_documents import (
    DRIVE_CLIENTS_FOLDER_ID,
    DRIVE_SERVICE_ACCOUNT_EMAIL,
    PROPOSAL_PLACEHOLDERS,
    build_documents,
)
from hub.sandbox.seed_sales import build_sales
from hub.store import Store
from tests.conftest import hub_settings


class Crash(Exception):
    """The hub process dying mid-request (not an HTTP failure the client could classify)."""


class CrashingTransport(httpx.AsyncBaseTransport):
    """The Drive simulator, except that the process "dies" once at a chosen request: before it reaches
    Drive (``before``) or after Drive carried it out but before the answer arrives (``after``)."""

    def __init__(self, app: Starlette) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.before: str | None = None
        self.after: str | None = None
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.sent.append(request)
        if self.before and path.endswith(self.before):
            self.before = None
            raise Crash(f"before {path}")
        response = await self.inner.handle_async_request(request)
        if self.after and path.endswith(self.after):
            self.after = None
            await response.aread()
            raise Crash(f"after {path}")
        return response


@dataclass
class Env:
    app: Starlette
    transport: CrashingTransport
    upstreams: Upstreams
    drive: GoogleDriveConnector
    maker: ProposalMaker

    def count(self, endpoint: str | None = None) -> int:
        return self.upstreams.metrics.count("google_drive", endpoint)

    def files(self, **properties: str) -> list[dict[str, Any]]:
        """Untrashed simulator files carrying all these appProperties."""
        return [f for f in self.app.state.files.values() if not f.get("trashed")
                and all(f.get("appProperties", {}).get(k) == v for k, v in properties.items())]

    async def text(self, file_id: str) -> str:
        """A Google Doc's text as Drive exports it (text/plain)."""
        token = self.app.state.tokens.issue(DRIVE_SERVICE_ACCOUNT_EMAIL)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                     base_url="https://www.googleapis.com") as client:
            response = await client.get(f"/drive/v3/files/{file_id}/export",
                                        params={"mimeType": "text/plain"},
                                        headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    app = create_drive_app(build_documents())
    transport = CrashingTransport(app)
    settings = hub_settings(tmp_path)
    upstreams = Upstreams(settings.http, transports={"google_drive": transport})
    store = cast(Store, SimpleNamespace(tokens=None))  # a service account needs no stored credential
    drive = build_drive(settings, upstreams, store)
    assert drive is not None
    maker = build_proposals(settings, drive)
    assert maker is not None
    yield Env(app, transport, upstreams, drive, maker)
    await upstreams.aclose()


def seeded_quote() -> ProposalInput:
    """A seeded estimate (with tax) of a QuickBooks customer that has a Notion client and a folder."""
    shop = build_shop()
    titles = {page["id"]: "".join(p["plain_text"] for p in page["properties"]["Client"]["title"])
              for page in shop.notion_clients()}
    client_of = {qbo_id: page_id for page_id, qbo_id in EXPECTED_LINKS.items()}
    eligible = [e for e in build_sales(shop.quickbooks_customers).estimates
                if e["CustomerRef"]["value"] in client_of]
    estimate = next((e for e in eligible if Decimal(e["TxnTaxDetail"]["TotalTax"]) > 0), eligible[0])
    lines = [ProposalLine(product=line["SalesItemLineDetail"]["ItemRef"]["name"],
                          description=line.get("Description"),
                          quantity=Decimal(line["SalesItemLineDetail"]["Qty"]),
                          unit_price=Decimal(line["SalesItemLineDetail"]["UnitPrice"]),
                          amount=Decimal(line["Amount"]))
             for line in estimate["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    tax, total = Decimal(estimate["TxnTaxDetail"]["TotalTax"]), Decimal(estimate["TotalAmt"])
    return ProposalInput(
        customer_name=titles[client_of[estimate["CustomerRef"]["value"]]],
        customer_qbo_id=estimate["CustomerRef"]["value"], quote_number=estimate["DocNumber"],
        estimate_id=estimate["Id"], lines=lines, subtotal=total - tax, tax=tax, total=total,
        valid_until=date.fromisoformat(estimate["ExpirationDate"]),
        issued=date.fromisoformat(estimate["TxnDate"]), delivery="June 12, 2026 (fabric arrives June 2)")


def client_folder(env: Env, name: str) -> list[dict[str, Any]]:
    return [f for f in env.app.state.files.values() if f["name"] == name and f["mimeType"] == FOLDER
            and DRIVE_CLIENTS_FOLDER_ID in f["parents"] and not f.get("trashed")]


# -- formatting ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("1250.5", "USD", "$1,250.50"),
    ("1250.50", "USD", "$1,250.50"),
    ("0", "USD", "$0.00"),
    ("1234567.891", "USD", "$1,234,567.891"),  # never rounded away
    ("-5", "USD", "-$5.00"),
    ("-0.00", "USD", "$0.00"),
    ("12.5", "EUR", "€12.50"),
    ("100", "JPY", "¥100"),
    ("9.5", "CHF", "9.50 CHF"),
    ("1E+3", "USD", "$1,000.00"),
])
def test_money_is_formatted_exactly_from_decimal(amount: str, currency: str, expected: str) -> None:
    assert format_money(Decimal(amount), currency) == expected


def test_money_refuses_floats_and_quantities_drop_trailing_zeros() -> None:
    with pytest.raises(TypeError):
        format_money(12.5, "USD")  # type: ignore[arg-type]
    assert [format_quantity(Decimal(q)) for q in ("2", "1.50", "100", "0.25")] == ["2", "1.5", "100", "0.25"]
    with pytest.raises(TypeError):
        replace(seeded_quote(), total=12.5)  # type: ignore[arg-type]


def test_every_template_placeholder_is_filled() -> None:
    values = placeholders(seeded_quote())
    assert set(values) == set(PROPOSAL_PLACEHOLDERS)
    assert all(value and "{{" not in value for value in values.values())


# -- end to end ---------------------------------------------------------------------------------------

async def test_proposal_for_a_seeded_estimate_lands_filled_in_the_client_folder(env: Env) -> None:
    quote = seeded_quote()
    folders = client_folder(env, quote.customer_name)
    assert len(folders) == 1  # the seed has the client's folder
    before = len(env.app.state.files)

    made = await env.maker.generate("quote-key-1", quote)

    name = f"Proposal {quote.quote_number} - {quote.customer_name}"
    tags = {"hubQuote": "quote-key-1", "hubEstimate": quote.quote_number, "hubEstimateId": quote.estimate_id,
            "hubCustomerQboId": quote.customer_qbo_id, "hubKind": "proposal"}
    assert made.created == ("document", "fill", "pdf")
    assert (made.document.name, made.document.mime_type) == (name, GOOGLE_DOC)
    assert (made.pdf.name, made.pdf.mime_type) == (f"{name}.pdf", PDF)
    assert made.document.parents == made.pdf.parents == [folders[0]["id"]] == [made.folder_id]
    assert made.document.app_properties == tags
    assert made.pdf.app_properties == {**tags, "hubFormat": "pdf"}
    assert len(env.app.state.files) == before + 2

    text = await env.text(made.document.id)
    assert "{{" not in text
    assert f"PROPOSAL {quote.quote_number}" in text
    assert f"Prepared for: {quote.customer_name}" in text
    assert f"Subtotal: {format_money(quote.subtotal, 'USD')}\nTax: {format_money(quote.tax, 'USD')}\n" in text
    assert f"Total: {format_money(quote.total, 'USD')}" in text
    valid = quote.valid_until
    assert valid is not None and f"valid until {valid:%B} {valid.day}, {valid.year}." in text
    assert "Estimated delivery: June 12, 2026 (fabric arrives June 2)" in text
    for line in quote.lines:
        assert (f"- {line.product} ({line.description}): {format_quantity(line.quantity)} x "
                f"{format_money(line.unit_price, 'USD')} = {format_money(line.amount, 'USD')}") in text

    pdf = await env.drive.download(made.pdf.id)
    assert pdf.startswith(b"%PDF-") and f"Total: {format_money(quote.total, 'USD')}".encode() in pdf

    doc_record, pdf_record = made.records
    assert (doc_record.source, doc_record.collection, doc_record.external_id) == (
        "google_drive", "files", made.document.id)
    assert pdf_record.external_id == made.pdf.id and pdf_record.url == made.pdf.web_view_link
    assert made.to_json()["pdf_id"] == made.pdf.id
    # As Google documents them: case-sensitive replaceAllText; a multipart upload into the shared drive.
    [fill] = [r for r in env.transport.sent if r.url.path.endswith(":batchUpdate")]
    assert fill.url.path == f"/v1/documents/{made.document.id}:batchUpdate"
    requests = json.loads(fill.content)["requests"]
    assert {r["replaceAllText"]["containsText"]["text"] for r in requests} == set(PROPOSAL_PLACEHOLDERS)
    assert all(r["replaceAllText"]["containsText"]["matchCase"] is True for r in requests)
    [upload] = [r for r in env.transport.sent if r.url.path == "/upload/drive/v3/files"]
    assert upload.headers["Content-Type"].startswith("multipart/related; boundary=")
    assert upload.url.params["uploadType"] == "multipart" and upload.url.params["supportsAllDrives"] == "true"
    # lookup, folder, copy, fill, export, upload: one request each (plus the service account's token)
    assert {e: env.count(e) for e in ("files.list", "files.copy", "documents.batchUpdate", "files.export",
                                      "files.upload", "files.create")} == {
        "files.list": 2, "files.copy": 1, "documents.batchUpdate": 1, "files.export": 1, "files.upload": 1,
        "files.create": 0}


async def test_generating_again_with_the_same_key_creates_nothing(env: Env) -> None:
    quote = seeded_quote()
    first = await env.maker.generate("quote-key-2", quote)
    files, requests = len(env.app.state.files), env.count()

    again = await env.maker.generate("quote-key-2", quote)

    assert len(env.app.state.files) == files
    assert again.created == ()
    assert (again.document.id, again.pdf.id, again.folder_id) == (first.document.id, first.pdf.id,
                                                                  first.folder_id)
    assert env.count() - requests == 1  # the lookup alone


async def test_a_crash_after_the_copy_resumes_to_one_doc_and_one_pdf(env: Env) -> None:
    quote = seeded_quote()
    env.transport.before = ":batchUpdate"
    with pytest.raises(Crash):
        await env.maker.generate("quote-key-3", quote)
    [doc] = env.files(hubQuote="quote-key-3")
    assert "{{customer}}" in await env.text(doc["id"])  # copied, never filled

    resumed = await env.maker.generate("quote-key-3", quote)

    assert resumed.created == ("fill", "pdf")
    assert resumed.document.id == doc["id"]
    assert sorted(f["mimeType"] for f in env.files(hubQuote="quote-key-3")) == [PDF, GOOGLE_DOC]
    assert "{{" not in await env.text(doc["id"])


async def test_a_crash_between_fill_and_upload_refills_nothing_and_uploads_once(env: Env) -> None:
    quote = seeded_quote()
    env.transport.before = "/upload/drive/v3/files"
    with pytest.raises(Crash):
        await env.maker.generate("quote-key-4", quote)
    [doc] = env.files(hubQuote="quote-key-4")
    filled = await env.text(doc["id"])

    resumed = await env.maker.generate("quote-key-4", quote)

    assert resumed.created == ("fill", "pdf")  # the fill finds no placeholder left and changes nothing
    assert await env.text(doc["id"]) == filled
    assert len(env.files(hubQuote="quote-key-4", hubFormat="pdf")) == 1


async def test_a_pdf_that_reached_drive_before_the_crash_is_found_not_uploaded_again(env: Env) -> None:
    quote = seeded_quote()
    env.transport.after = "/upload/drive/v3/files"  # Drive made the PDF; the answer never arrived
    with pytest.raises(Crash):
        await env.maker.generate("quote-key-5", quote)

    resumed = await env.maker.generate("quote-key-5", quote)

    assert resumed.created == ()
    assert sorted(f["mimeType"] for f in env.files(hubQuote="quote-key-5")) == [PDF, GOOGLE_DOC]


async def test_a_missing_client_folder_is_created_once(env: Env) -> None:
    newcomer = "Hub Test Newcomers (no folder yet)"
    quote = replace(seeded_quote(), customer_name=newcomer, customer_qbo_id="9001")
    assert client_folder(env, newcomer) == []

    first = await env.maker.generate("quote-key-6", quote)
    env.transport.before = ":batchUpdate"
    other = replace(quote, quote_number="E-9002", estimate_id="9002")
    with pytest.raises(Crash):  # a second quote of the same client, crashing after its copy
        await env.maker.generate("quote-key-7", other)
    second = await env.maker.generate("quote-key-7", other)

    [folder] = client_folder(env, newcomer)
    assert first.created == ("folder", "document", "fill", "pdf")
    assert second.created == ("fill", "pdf")
    assert first.folder_id == second.folder_id == folder["id"]
    assert folder.get("driveId") == env.app.state.files[DRIVE_CLIENTS_FOLDER_ID]["driveId"]
    assert env.count("files.create") == 1


async def test_a_key_reused_for_another_quote_is_a_conflict(env: Env) -> None:
    quote = seeded_quote()
    await env.maker.generate("quote-key-8", quote)
    files = len(env.app.state.files)
    with pytest.raises(IdempotencyConflict):
        await env.maker.generate("quote-key-8", replace(quote, quote_number="E-9999"))
    assert len(env.app.state.files) == files


async def test_a_key_too_long_for_an_app_property_is_tagged_by_its_digest(env: Env) -> None:
    # Drive allows 124 bytes for an appProperty's name and value; idempotency keys may have 200.
    first = await env.maker.generate("k" * 150, seeded_quote())
    tag = first.document.app_properties["hubQuote"]
    assert tag == quote_tag("k" * 150) != quote_tag("k" * 151) and tag.startswith("sha256:")
    again = await env.maker.generate("k" * 150, seeded_quote())
    assert again.created == () and again.document.id == first.document.id


async def test_upload_keeps_binary_content_byte_for_byte(env: Env) -> None:
    content = b"%PDF-1.4\r\n--not-a-boundary\r\n\x00\xff\r\n\r\nend"
    uploaded = await env.drive.upload("odd.pdf", content, mime_type=PDF, parent=DRIVE_CLIENTS_FOLDER_ID,
                                      app_properties={"hubKind": "other"})
    assert await env.drive.download(uploaded.id) == content
    assert uploaded.app_properties == {"hubKind": "other"} and uploaded.parents == [DRIVE_CLIENTS_FOLDER_ID]
