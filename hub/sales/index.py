"""The in-memory index over the mirrored sales records: every cross-record join is a dict lookup.

Built from the store after a refresh that changed something, then shared by every request until the
next change, so a nested query (customers -> quotes -> order -> invoices -> payments) reads nothing
upstream and runs no SQL per level.

Joins, each as the systems themselves link records:

* QuickBooks documents to a customer by ``CustomerRef`` (``customer_ref``); Notion orders and deals by
  the first "Client" relation (the Notion client page id).
* quote -> deal / order: the Notion page's "Quote ID" (the QuickBooks Estimate Id).
* order -> invoices: the invoice whose DocNumber the order names ("QuickBooks Invoice"), and invoices
  copied from the order's estimate (``LinkedTxn``).
* invoice -> payments: the invoice's ``LinkedTxn`` payments; payment -> invoices likewise.
* documents -> customer: ``appProperties.hubCustomerQboId``, else the folder convention (a folder named
  as the Notion client, inside the clients folder); documents -> quote: the estimate's DocNumber.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from hub.sales.records import KINDS, SalesRecord

__all__ = ["FOLDER_MIME", "SalesIndex"]

FOLDER_MIME = "application/vnd.google-apps.folder"


def _norm(name: str | None) -> str:
    return " ".join((name or "").casefold().split())


class SalesIndex:
    def __init__(self, records: Iterable[SalesRecord], *, clients_folder_id: str | None = None) -> None:
        self.by_id: dict[str, dict[str, SalesRecord]] = {kind: {} for kind in KINDS}
        self._by_customer: dict[tuple[str, str], list[SalesRecord]] = defaultdict(list)
        self._by_quote_ref: dict[tuple[str, str], list[SalesRecord]] = defaultdict(list)
        self._by_number: dict[tuple[str, str], list[SalesRecord]] = defaultdict(list)
        self._documents_by_quote: dict[str, list[SalesRecord]] = defaultdict(list)
        self._documents_by_folder: dict[str, list[SalesRecord]] = defaultdict(list)
        self._client_folders: dict[str, list[str]] = defaultdict(list)  # normalised name -> folder ids
        for record in records:
            if record.archived:
                continue
            self.by_id[record.kind][record.external_id] = record
            if record.kind == "document":
                self._add_document(record, clients_folder_id)
                continue
            if customer := record.get("customer_ref"):
                self._by_customer[(record.kind, customer)].append(record)
            if quote := record.get("quote_ref"):
                self._by_quote_ref[(record.kind, quote)].append(record)
            if number := record.get("number"):
                self._by_number[(record.kind, number)].append(record)
            if record.kind == "order" and (invoice := record.get("invoice_number")):
                self._by_number[("order-invoice", invoice)].append(record)

    def _add_document(self, record: SalesRecord, clients_folder_id: str | None) -> None:
        if record.get("mime_type") == FOLDER_MIME:
            if clients_folder_id is None or record.get("parent") == clients_folder_id:
                self._client_folders[_norm(record.get("name"))].append(record.external_id)
            return
        if customer := record.get("customer_qbo_ref"):
            self._by_customer[("document", customer)].append(record)
        if parent := record.get("parent"):
            self._documents_by_folder[parent].append(record)
        if number := record.get("quote_number"):
            self._documents_by_quote[number].append(record)

    # -- lookups -------------------------------------------------------------------------------

    def get(self, kind: str, external_id: str) -> SalesRecord | None:
        return self.by_id[kind].get(external_id)

    def all(self, kind: str) -> list[SalesRecord]:
        return list(self.by_id[kind].values())

    def for_customer(self, kind: str, refs: Sequence[str]) -> list[SalesRecord]:
        """Records of ``kind`` whose customer is one of ``refs`` (QuickBooks customer ids for money
        documents, Notion client page ids for orders and deals)."""
        seen: dict[str, SalesRecord] = {}
        for ref in refs:
            for record in self._by_customer.get((kind, ref), ()):
                seen[record.external_id] = record
        return list(seen.values())

    def documents_for_customer(self, qbo_refs: Sequence[str], names: Sequence[str]) -> list[SalesRecord]:
        """Tagged with one of the customer's QuickBooks ids, or inside a client folder so named."""
        found = {r.external_id: r for r in self.for_customer("document", qbo_refs)}
        for name in names:
            for folder in self._client_folders.get(_norm(name), ()):
                for record in self._documents_by_folder.get(folder, ()):
                    found.setdefault(record.external_id, record)
        return list(found.values())

    def documents_for_quote(self, number: str | None) -> list[SalesRecord]:
        return list(self._documents_by_quote.get(number, ())) if number else []

    def by_quote(self, kind: str, estimate_id: str) -> list[SalesRecord]:
        """Deals, orders or invoices that name this QuickBooks estimate."""
        return list(self._by_quote_ref.get((kind, estimate_id), ()))

    def by_number(self, kind: str, number: str | None) -> list[SalesRecord]:
        return list(self._by_number.get((kind, number), ())) if number else []

    def invoices_of_order(self, order: SalesRecord) -> list[SalesRecord]:
        found = {r.external_id: r for r in self.by_number("invoice", order.get("invoice_number"))}
        if quote := order.get("quote_ref"):
            for invoice in self.by_quote("invoice", quote):
                found.setdefault(invoice.external_id, invoice)
        return list(found.values())

    def orders_of_invoice(self, invoice: SalesRecord) -> list[SalesRecord]:
        found = {r.external_id: r for r in self.by_number("order-invoice", invoice.get("number"))}
        if not found and (quote := invoice.get("quote_ref")):
            found = {r.external_id: r for r in self.by_quote("order", quote)}
        return list(found.values())
