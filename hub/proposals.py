"""Proposal generation in Google Drive: template → filled Google Doc in the client's folder → PDF beside it.

Every step can be repeated without creating anything twice, so a retried or resumed ``generate`` (after
a crash at any point) ends with exactly one Doc and one PDF per key:

1. one ``files.list`` finds what an earlier run made: files tagged ``hubQuote=<key>``, ``hubKind=proposal``
   (the Doc is the Google Doc; the PDF carries ``hubFormat=pdf``). Both there → done.
2. the client's folder ``<clients folder>/<client name>`` is found by name, or created (no Doc yet only);
3. the template is copied there as "Proposal <number> - <client>", tagged (no Doc yet only);
4. ``replaceAllText`` fills the placeholders — on a resumed run the placeholders are gone already and it
   changes nothing — then the Doc is exported to PDF and uploaded beside it, tagged the same.

The lookup relies on Drive search seeing a file once it is created; Drive search is near-immediate for
``appProperties`` of files the caller created, and the outbox retries later, not in the same breath.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.base import SourceRecord
from connectors.google_drive import DriveFile, GoogleDriveConnector
from connectors.google_drive import query as dq
from hub.errors import ConfigError, IdempotencyConflict

__all__ = [
    "GOOGLE_DOC",
    "PDF",
    "PROPOSAL_KIND",
    "GeneratedProposal",
    "ProposalInput",
    "ProposalLine",
    "ProposalMaker",
    "format_money",
    "format_quantity",
    "placeholders",
]

GOOGLE_DOC = "application/vnd.google-apps.document"
PDF = "application/pdf"
PROPOSAL_KIND = "proposal"
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "JPY": "¥"}
_NO_MINOR_UNIT = frozenset({"JPY", "KRW", "CLP", "ISK", "VND"})


def format_money(amount: Decimal, currency: str) -> str:
    """``$1,250.50``: grouped, at least the currency's minor digits, never rounded (``$12.345`` stays).

    >>> format_money(Decimal("1250.5"), "USD"), format_money(Decimal("-8"), "CHF")
    ('$1,250.50', '-8.00 CHF')
    """
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise TypeError("money amounts are finite Decimals")
    exponent = amount.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    places = max(0 if currency in _NO_MINOR_UNIT else 2, -exponent)
    digits = f"{abs(amount):,.{places}f}"
    sign = "-" if amount < 0 and digits.strip("0.,") else ""
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}"


def format_quantity(quantity: Decimal) -> str:
    """``2``, ``1.5``, ``100`` (no exponent, no trailing zeros)."""
    return f"{quantity.normalize():f}"


def _long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


@dataclass(frozen=True)
class ProposalLine:
    """One line of the quote as the proposal shows it."""

    product: str
    description: str | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ProposalInput:
    """What a proposal says: the quote (a QuickBooks Estimate) and its client.

    ``customer_name`` is the client's Notion title, which is also its Drive folder's name.
    """

    customer_name: str
    customer_qbo_id: str
    quote_number: str  # the Estimate's DocNumber, "E-1001"
    estimate_id: str  # the Estimate's Id
    lines: Sequence[ProposalLine]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    currency: str = "USD"
    valid_until: date | None = None
    delivery: str | None = None  # the delivery estimate's text, when known
    issued: date | None = None  # the quote's date; today (UTC) when not given

    def __post_init__(self) -> None:
        for name in ("customer_name", "customer_qbo_id", "quote_number", "estimate_id"):
            if not getattr(self, name):
                raise ValueError(f"a proposal needs {name}")
        amounts = [self.subtotal, self.tax, self.total]
        amounts += [v for line in self.lines for v in (line.quantity, line.unit_price, line.amount)]
        if not all(isinstance(v, Decimal) and v.is_finite() for v in amounts):
            raise TypeError("proposal quantities and amounts are finite Decimals")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency: {self.currency!r}")


def placeholders(quote: ProposalInput) -> dict[str, str]:
    """The template's placeholders and what replaces them (``PROPOSAL_PLACEHOLDERS`` of the sandbox)."""
    money = quote.currency
    lines = []
    for line in quote.lines:
        about = f" ({line.description})" if line.description and line.description != line.product else ""
        lines.append(f"- {line.product}{about}: {format_quantity(line.quantity)} x "
                     f"{format_money(line.unit_price, money)} = {format_money(line.amount, money)}")
    return {
        "{{estimate}}": quote.quote_number,
        "{{date}}": _long_date(quote.issued or datetime.now(UTC).date()),
        "{{customer}}": quote.customer_name,
        "{{lines}}": "\n".join(lines) or "-",
        "{{subtotal}}": format_money(quote.subtotal, money),
        "{{tax}}": format_money(quote.tax, money),
        "{{total}}": format_money(quote.total, money),
        "{{valid_until}}": _long_date(quote.valid_until) if quote.valid_until else "to be agreed",
        "{{delivery}}": quote.delivery or "to be confirmed",
    }


@dataclass(frozen=True)
class GeneratedProposal:
    """The filled Doc and its PDF; ``created`` names the steps this call performed upstream
    (``folder``, ``document``, ``fill``, ``pdf``) — empty when an earlier run had done everything."""

    document: DriveFile
    pdf: DriveFile
    folder_id: str
    records: tuple[SourceRecord, SourceRecord]  # (document, pdf) as the mirror stores Drive files
    created: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """What the outbox keeps of this step."""
        return {"folder_id": self.folder_id, "document_id": self.document.id,
                "document_url": self.document.web_view_link, "pdf_id": self.pdf.id,
                "pdf_url": self.pdf.web_view_link}


def quote_tag(key: str) -> str:
    """The ``hubQuote`` tag of ``key``: the key itself, or its digest when Drive's 124-byte limit on an
    appProperty (name + value) would refuse it (idempotency keys may have up to 200 characters)."""
    if len("hubQuote") + len(key.encode()) <= 124:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:48]


class ProposalMaker:
    """Generates a quote's proposal from a Drive template, idempotently per key.

    >>> maker = ProposalMaker(drive, template_id="1TeMpLaTe", clients_folder_id="1CliEnTs")
    >>> proposal = await maker.generate("quote:E-1001", ProposalInput(...))
    """

    def __init__(self, drive: GoogleDriveConnector, *, template_id: str, clients_folder_id: str) -> None:
        if drive.docs is None:
            raise ConfigError("proposal generation needs the Google Docs API client on the Drive connector")
        if not template_id or not clients_folder_id:
            raise ConfigError("proposal generation needs a template id and the clients folder id")
        self.drive = drive
        self.docs = drive.docs
        self.template_id = template_id
        self.clients_folder_id = clients_folder_id

    @staticmethod
    def name(quote: ProposalInput) -> str:
        return f"Proposal {quote.quote_number} - {quote.customer_name}"

    @staticmethod
    def properties(key: str, quote: ProposalInput) -> dict[str, str]:
        """The Doc's ``appProperties`` (the PDF adds ``hubFormat=pdf``); ValueError if one is too long."""
        properties = {"hubQuote": quote_tag(key), "hubEstimate": quote.quote_number,
                      "hubEstimateId": quote.estimate_id, "hubCustomerQboId": quote.customer_qbo_id,
                      "hubKind": PROPOSAL_KIND}
        for name, value in properties.items():
            dq.check_app_property(name, value)
        return properties

    async def generate(self, key: str, quote: ProposalInput) -> GeneratedProposal:
        """The proposal for ``quote`` under idempotency ``key``: made now, finished, or found as made."""
        properties = self.properties(key, quote)
        document, pdf = await self._existing(key, quote)
        created: list[str] = []
        if document is None:
            folder_id = await self._folder(quote, created)
            document = await self.drive.copy(self.template_id, name=self.name(quote), parent=folder_id,
                                             app_properties=properties)
            created.append("document")
        else:
            folder_id = document.parents[0] if document.parents else await self._folder(quote, created)
        if pdf is None:
            await self.docs.replace_all_text(document.id, placeholders(quote))
            created.append("fill")
            content = await self.drive.export_pdf(document.id)
            pdf = await self.drive.upload(f"{self.name(quote)}.pdf", content, mime_type=PDF, parent=folder_id,
                                          app_properties={**properties, "hubFormat": "pdf"})
            created.append("pdf")
        records = (self.drive.record(document), self.drive.record(pdf))
        return GeneratedProposal(document, pdf, folder_id, records, tuple(created))

    async def _existing(self, key: str, quote: ProposalInput) -> tuple[DriveFile | None, DriveFile | None]:
        found = await self.drive.list_files(
            dq.all_of(dq.not_trashed(),
                      dq.app_properties({"hubQuote": quote_tag(key), "hubKind": PROPOSAL_KIND})),
            order_by="createdTime")  # should a race ever make two, the first one made wins
        for file in found:
            tagged = (file.app_properties.get("hubEstimate"), file.app_properties.get("hubCustomerQboId"))
            if tagged != (quote.quote_number, quote.customer_qbo_id):
                raise IdempotencyConflict(f"idempotency key {key!r} already made the proposal of another "
                                          "quote; use a new key")
        document = next((f for f in found if f.mime_type == GOOGLE_DOC), None)
        pdf = next((f for f in found if f.app_properties.get("hubFormat") == "pdf"), None)
        return document, pdf

    async def _folder(self, quote: ProposalInput, created: list[str]) -> str:
        """The client's folder by the convention "<clients folder>/<client name>", created if missing."""
        folders = await self.drive.find_folders([quote.customer_name], parent=self.clients_folder_id)
        if quote.customer_name in folders:
            return folders[quote.customer_name].id
        folder = await self.drive.create_folder(quote.customer_name, parent=self.clients_folder_id)
        created.append("folder")
        return folder.id
