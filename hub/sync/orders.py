"""The Notion Orders pages the sync writes back to: invoice number, link and status; payment status and
amount paid. Property names come from the sync file; the data source's schema is checked once per run,
before anything is written, so a missing property stops the run with a ``ConfigError`` saying which.

Updates are PATCHes that set absolute values (``connectors.notion.writes``): repeating one after a crash
leaves the page as once, so they need no idempotency key of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.base import SourceRecord
from connectors.notion import NotionConnector
from connectors.notion.encode import PropertyEncodeError, encode_properties
from hub.errors import ConfigError
from mappings.sync_spec import InvoiceSyncSpec

__all__ = ["OrderPages"]

log = logging.getLogger("hub.sync")

_TEXT = ("rich_text", "title")


class OrderPages:
    """Writes to the Orders data source ``data_source_id`` through ``notion``."""

    def __init__(self, notion: NotionConnector, data_source_id: str, spec: InvoiceSyncSpec) -> None:
        self.notion = notion
        self.data_source_id = data_source_id
        self.spec = spec
        self._types: dict[str, str] | None = None

    def _fail(self, what: str) -> ConfigError:
        return ConfigError(f"notion Orders data source {self.data_source_id}: {what} "
                           f"(property names are set in {self.spec.file})")

    async def check(self, *, payments: bool = False) -> None:
        """Read the data source's schema and check the properties this run writes exist with a usable
        type (and the status/select options it sets); ``ConfigError`` otherwise."""
        types = await self.notion.property_types(self.data_source_id)
        p = self.spec.properties
        if payments:
            need = {p.payment_status: ("select", "status"), p.amount_paid: ("number",)}
        else:
            need = {p.invoice_number: _TEXT, p.status: ("status", "select")}
            if p.invoice_link is not None:
                need[p.invoice_link] = ("url", *_TEXT)
        for name, kinds in need.items():
            if name not in types:
                raise self._fail(f"has no property {name!r}; add a {kinds[0]} property")
            if types[name] not in kinds:
                raise self._fail(f"property {name!r} is {types[name]}, not {' or '.join(kinds)}")
        options = await self.notion.property_options(self.data_source_id)
        if payments:
            s = self.spec.payment_statuses
            wanted, prop = [s.paid, s.partially_paid, s.unpaid], p.payment_status
        else:
            wanted, prop = [self.spec.invoiced_status], p.status
            absent = [s for s in self.spec.statuses if s not in options.get(p.status, [])]
            if absent:
                log.debug("order statuses %s are not options of %r here: no order can be in them",
                         ", ".join(map(repr, absent)), p.status)
        if types[prop] == "status":  # a select accepts new options on write; a status does not
            missing = [w for w in wanted if w not in options.get(prop, [])]
            if missing:
                raise self._fail(f"property {prop!r} has no option {missing[0]!r}")
        self._types = types

    def invoice_values(self, number: str | None, url: str | None) -> dict[str, Any]:
        """What an invoiced order is set to: invoice number, link and the invoiced status."""
        p = self.spec.properties
        values: dict[str, Any] = {p.invoice_number: number or "", p.status: self.spec.invoiced_status}
        if p.invoice_link is not None:
            values[p.invoice_link] = url
        return values

    def payment_values(self, status: str, paid: Decimal) -> dict[str, Any]:
        p = self.spec.properties
        return {p.payment_status: status, p.amount_paid: paid}

    async def update(self, page_id: str, values: Mapping[str, Any]) -> SourceRecord:
        """Set ``values`` (property name -> plain value) on order ``page_id``; returns the page."""
        if self._types is None:
            raise RuntimeError("OrderPages.check() must run before update()")
        try:
            properties = encode_properties(self._types, values)
        except PropertyEncodeError as exc:
            raise self._fail(str(exc)) from None
        return await self.notion.update_page(page_id, properties)
