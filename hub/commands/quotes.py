"""Quote and order write workflows across QuickBooks (the money) and Notion (pipeline and orders).

Each command takes an idempotency ``key`` first, checks its input (``CommandValidationError`` naming
the parameter) before anything is written, and runs as outbox steps (``hub.commands.runner``):

    create_quote         estimate: QBO Estimate create -> deal: Pipeline page -> proposal (if asked)
    update_quote         estimate: sparse update (Line / ExpirationDate) -> deal: Value (if lines changed)
    send_quote           estimate: QBO estimate send -> deal: Stage "Proposal sent" (never backwards)
    accept_quote         estimate: TxnStatus "Accepted" -> deal_lookup -> order: Orders page (one per
                         estimate) -> deal: Stage "Won", Probability 100
    decline_quote        estimate: TxnStatus "Rejected" (+ reason in PrivateMemo) -> deal: "Lost", 0
    update_order_status  order: Status, checked against the Orders data source's options

A new deal starts at "Qualified" (probability 25), or at "Proposal sent" (50) when a proposal is
generated with it: the proposal is what the salesperson hands over, so the deal is at that stage.
Without Notion (``notion=None``) only the QuickBooks steps run. The same key again returns the first
result (``replayed=True``) without any upstream call; the same key with other values is
``IdempotencyConflict``.

>>> quotes = QuoteCommands(store.outbox, qbo, notion, orders_ds, pipeline_ds)  # doctest: +SKIP
>>> result = await quotes.create_quote("k-1", customer_qbo_id="58",
...     lines=[("3", None, Decimal("12"), Decimal("145.00"))])  # doctest: +SKIP
>>> result.records["estimate"].data["DocNumber"], result.records["deal"].external_id  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.notion import NotionConnector
from connectors.quickbooks import QuickBooksConnector
from hub.commands.errors import CommandValidationError
from hub.commands.quote_steps import ProposalMaker, QuotePlans
from hub.commands.runner import CommandResult, CommandRunner
from hub.commands.sales_pages import SalesPages
from hub.commands.validate import (
    QuoteLine,
    check_date,
    check_email,
    check_id,
    check_key,
    check_lines,
    check_text,
    line_payload,
)
from hub.errors import ConfigError, HubError
from hub.store.outbox import OutboxStore

__all__ = ["KINDS", "QuoteCommands"]

log = logging.getLogger("hub.commands")

KINDS = ("createQuote", "updateQuote", "sendQuote", "acceptQuote", "declineQuote", "updateOrderStatus")
_NOTION_ID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def _notion_id(field: str, value: Any, *, optional: bool = False) -> str | None:
    checked = check_id(field, value, optional=optional)
    if checked is not None and not _NOTION_ID.match(checked):
        raise CommandValidationError(field, f"{checked[:40]!r} is not a Notion page id")
    return checked


def _utc_today() -> date:
    return datetime.now(UTC).date()


class QuoteCommands:
    """The quote and order commands; every method returns a :class:`CommandResult` whose ``records``
    (``"estimate"``, ``"deal"``, ``"order"``) the read model can upsert into its mirror.

    ``proposal(step_key, estimate)`` generates the proposal document when ``with_proposal`` is asked;
    ``step_key`` is ``"<key>#proposal"``, stable across retries, for the generator's own de-duplication.
    Its answer is ``result.details["proposal"]``.
    """

    def __init__(self, outbox: OutboxStore, quickbooks: QuickBooksConnector,
                 notion: NotionConnector | None = None, orders_data_source_id: str | None = None,
                 pipeline_data_source_id: str | None = None,
                 proposal: ProposalMaker | None = None, *, lease: float = 120.0,
                 today: Callable[[], date] = _utc_today) -> None:
        pages = None
        if notion is not None:
            if not orders_data_source_id or not pipeline_data_source_id:
                raise ConfigError("notion: quote and order writes need HUB_NOTION__ORDERS_DATA_SOURCE_ID and "
                                  "HUB_NOTION__PIPELINE_DATA_SOURCE_ID")
            pages = SalesPages(notion, orders=orders_data_source_id, pipeline=pipeline_data_source_id)
        self.outbox = outbox
        self.pages = pages
        self.proposal = proposal
        self.today = today
        self._plans = QuotePlans(quickbooks, pages, proposal, today)
        self._runner = CommandRunner(outbox, lease=lease)

    def _valid_until(self, value: Any) -> date | None:
        # a day of slack: "today" in UTC can be tomorrow for a shop in the Americas
        return check_date("valid_until", value, not_before=self.today() - timedelta(days=1))

    async def _run(self, key: str, kind: str, payload: dict[str, Any]) -> CommandResult:
        return await self._runner.run(key, kind, payload, self._plans.steps(kind, payload))

    async def create_quote(self, key: str, *, customer_qbo_id: str,
                           lines: Sequence[QuoteLine | tuple[Any, ...]],
                           customer_notion_id: str | None = None, valid_until: date | None = None,
                           deal_name: str | None = None, with_proposal: bool = False) -> CommandResult:
        """Create a QuickBooks Estimate, its Notion Pipeline deal and, with ``with_proposal``, the proposal.

        ``lines`` are ``(item_ref, description, quantity, unit_price)``; ``customer_notion_id`` (the
        Notion client page) becomes the deal's Client; ``valid_until`` its ExpirationDate and Expected
        Close. An unknown customer or item is a ``CommandValidationError`` naming it.
        """
        if not isinstance(with_proposal, bool):
            raise CommandValidationError("with_proposal", "must be true or false")
        if with_proposal and self.proposal is None:
            raise CommandValidationError("with_proposal", "proposal generation is not configured")
        payload = {
            "customer_qbo_id": check_id("customer_qbo_id", customer_qbo_id, digits=True),
            "customer_notion_id": _notion_id("customer_notion_id", customer_notion_id, optional=True),
            "lines": line_payload(check_lines(lines)),
            "valid_until": self._valid_until(valid_until),
            "deal_name": check_text("deal_name", deal_name, limit=2000),
            "with_proposal": with_proposal,
        }
        return await self._run(check_key(key), "createQuote", payload)

    async def update_quote(self, key: str, *, estimate_id: str,
                           lines: Sequence[QuoteLine | tuple[Any, ...]] | None = None,
                           valid_until: date | None = None) -> CommandResult:
        """Change an estimate's lines (replacing them all) and/or its ``valid_until``; with new lines the
        deal's Value follows. Only the changed fields are sent; a concurrent change is kept (SyncToken)."""
        if lines is None and valid_until is None:
            raise CommandValidationError("lines", "give lines and/or valid_until to change")
        payload = {
            "estimate_id": check_id("estimate_id", estimate_id, digits=True),
            "lines": None if lines is None else line_payload(check_lines(lines)),
            "valid_until": self._valid_until(valid_until),
        }
        return await self._run(check_key(key), "updateQuote", payload)

    async def send_quote(self, key: str, *, estimate_id: str, email: str | None = None) -> CommandResult:
        """Email the estimate from QuickBooks (to ``email``, else its billing email); the deal moves to
        "Proposal sent" unless it is further along."""
        payload = {"estimate_id": check_id("estimate_id", estimate_id, digits=True),
                   "email": check_email("email", email)}
        return await self._run(check_key(key), "sendQuote", payload)

    async def accept_quote(self, key: str, *, estimate_id: str, customer_notion_id: str | None = None,
                           due_date: date | None = None, accepted_by: str | None = None,
                           order_number: str | None = None) -> CommandResult:
        """Mark the estimate Accepted, create its Notion order (Client from ``customer_notion_id`` or the
        deal; title ``order_number`` or ``SO-<quote number>``) and win the deal.

        An estimate has at most one order: accepting it again, with any key, returns that order
        (``details["order_created"]`` is False then).
        """
        payload = {
            "estimate_id": check_id("estimate_id", estimate_id, digits=True),
            "customer_notion_id": _notion_id("customer_notion_id", customer_notion_id, optional=True),
            "due_date": check_date("due_date", due_date),
            "accepted_by": check_text("accepted_by", accepted_by, limit=100),
            "order_number": check_text("order_number", order_number, limit=200),
        }
        return await self._run(check_key(key), "acceptQuote", payload)

    async def decline_quote(self, key: str, *, estimate_id: str, reason: str | None = None) -> CommandResult:
        """Mark the estimate Rejected (``reason`` appended to its private memo) and lose the deal.
        An invoiced estimate cannot be declined."""
        payload = {"estimate_id": check_id("estimate_id", estimate_id, digits=True),
                   "reason": check_text("reason", reason, limit=1000)}
        return await self._run(check_key(key), "declineQuote", payload)

    async def update_order_status(self, key: str, *, order_page_id: str, status: str) -> CommandResult:
        """Set an Orders page's Status to ``status``, one of the data source's status options."""
        if self.pages is None:
            raise ConfigError("notion is not configured: orders cannot be updated")
        page_id = _notion_id("order_page_id", order_page_id)
        check_text("status", status, limit=100, optional=False)
        allowed = (await self.pages.options(self.pages.orders)).get("Status") or []
        if status not in allowed:
            raise CommandValidationError("status", f"{status!r} is not an order status; use one of: "
                                                   f"{', '.join(allowed)}")
        payload = {"order_page_id": page_id, "status": status}
        return await self._run(check_key(key), "updateOrderStatus", payload)

    async def resume_pending(self, *, older_than: timedelta = timedelta(seconds=10)
                             ) -> dict[str, CommandResult | HubError]:
        """Finish every pending command a crash or an upstream failure left behind (call at start-up,
        and now and then: a key whose runner died stays leased for up to ``lease`` seconds).

        Entries touched less than ``older_than`` ago are left alone: they may still be running, and
        Notion's search can lag a fresh page by a few seconds. Returns each key's result, or the error
        that stopped it again (retryable ones stay pending; another runner's key is ``CommandInProgress``).
        """
        outcomes: dict[str, CommandResult | HubError] = {}
        for entry in await self.outbox.pending(older_than=older_than):
            if entry.kind not in KINDS:
                continue  # another module's command
            try:
                outcomes[entry.key] = await self._run(entry.key, entry.kind, entry.payload)
            except HubError as exc:
                log.warning("resuming %s %s stopped: %s: %s", entry.kind, entry.key, exc.code, exc)
                outcomes[entry.key] = exc
        return outcomes
