"""The running hub: settings, store, HTTP layer, connectors, mappings and the customer directory,
wired once at start-up. A bad mapping or missing setting stops start-up here, never a query."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from connectors.base import RecordSource, SourceRecord
from connectors.google_drive import GoogleDriveConnector
from connectors.inventory import InventorySource
from connectors.notion import NotionConnector
from connectors.odoo import OdooConnector
from connectors.quickbooks import QuickBooksConnector
from connectors.sql import SqlInventoryConnector
from hub.commands import QuoteCommands
from hub.customers import CustomerDirectory
from hub.drive import build_drive, build_proposals
from hub.errors import ConfigError
from hub.http import Limit, Upstreams
from hub.http.oauth import OAuth2RefreshAuth
from hub.inventory import InventoryService
from hub.promise import Policy
from hub.proposals import ProposalMaker
from hub.sales import SalesService
from hub.sales.delivery import estimate_sales
from hub.sales.writes import SalesWrites
from hub.settings import QuickBooksSettings, Settings
from hub.signals import ChangeSink
from hub.store import Store
from mappings import MappingSet, load_inventory_sql, load_mappings
from mappings.sync_spec import load_sync_spec

__all__ = ["Hub", "quickbooks_credential_key"]

log = logging.getLogger("hub")


def quickbooks_credential_key(realm_id: str) -> str:
    """The store key of one QuickBooks company's OAuth credential."""
    return f"quickbooks:{realm_id}"


def _quickbooks_app_url(settings: QuickBooksSettings) -> str:
    return (
        "https://app.sandbox.qbo.intuit.com"
        if settings.environment == "sandbox"
        else "https://app.qbo.intuit.com"
    )


def build_sources(settings: Settings, upstreams: Upstreams, store: Store) -> dict[str, RecordSource]:
    sources: dict[str, RecordSource] = {}
    if settings.notion.enabled:
        n = settings.notion
        if n.token is None:
            raise ConfigError(
                "notion: HUB_NOTION__TOKEN is not set (an internal integration secret); "
                "set it, or disable Notion with HUB_NOTION__ENABLED=false"
            )
        client = upstreams.client(
            "notion",
            n.base_url,
            limits=[Limit(n.rate_per_second, 1.0, n.rate_burst)],
            **NotionConnector.client_options(n.token, n.version),
        )
        sources["notion"] = NotionConnector(client)
    if settings.quickbooks.enabled:
        q = settings.quickbooks
        missing = [
            name
            for name, value in (
                ("HUB_QUICKBOOKS__CLIENT_ID", q.client_id),
                ("HUB_QUICKBOOKS__CLIENT_SECRET", q.client_secret),
                ("HUB_QUICKBOOKS__REALM_ID", q.realm_id),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                f"quickbooks: {', '.join(missing)} not set; set them, or disable QuickBooks "
                "with HUB_QUICKBOOKS__ENABLED=false"
            )
        assert q.client_secret is not None and q.realm_id is not None and q.client_id is not None
        auth = OAuth2RefreshAuth(
            "quickbooks",
            store.tokens,
            quickbooks_credential_key(q.realm_id),
            token_url=q.token_url,
            client_id=q.client_id,
            client_secret=q.client_secret,
        )
        client = upstreams.client(
            "quickbooks",
            q.api_base_url,
            # Margins for the trip to Intuit: its windows count arrivals, ours count sends.
            limits=[Limit(q.rate_per_second, 1.0, margin=0.05), Limit(q.rate_per_minute, 60.0, margin=0.25)],
            budget_key=f"quickbooks:{q.realm_id}",
            auth=auth,
            **QuickBooksConnector.client_options(),
        )
        sources["quickbooks"] = QuickBooksConnector(
            client, realm_id=q.realm_id, minor_version=q.minor_version, app_base_url=_quickbooks_app_url(q)
        )
    if not sources:
        raise ConfigError("no source is enabled; enable Notion and/or QuickBooks")
    return sources


async def build_inventory(settings: Settings, upstreams: Upstreams) -> InventorySource | None:
    """The one inventory source (Odoo or the shop's own SQL database), validated before serving."""
    odoo, sql = settings.odoo, settings.sql_inventory
    if odoo.enabled and sql.enabled:
        raise ConfigError(
            "enable one inventory source: HUB_ODOO__ENABLED or HUB_SQL_INVENTORY__ENABLED, not both"
        )
    if odoo.enabled:
        if not odoo.database or odoo.api_key is None:
            raise ConfigError("odoo: HUB_ODOO__DATABASE and HUB_ODOO__API_KEY must be set")
        client = upstreams.client(
            "odoo",
            odoo.base_url,
            limits=[Limit(odoo.rate_per_second, 1.0)],
            **OdooConnector.client_options(odoo.api_key, database=odoo.database),
        )
        return OdooConnector(
            client,
            database=odoo.database,
            api_key=odoo.api_key,
            login=odoo.login,
            protocol=odoo.protocol,
            default_lead_time_days=odoo.default_lead_time_days,
        )
    if sql.enabled:
        if sql.url is None or sql.mapping is None:
            raise ConfigError(
                "sql inventory: HUB_SQL_INVENTORY__URL and HUB_SQL_INVENTORY__MAPPING must be set"
            )
        connector = SqlInventoryConnector(sql.url.get_secret_value(), load_inventory_sql(sql.mapping))
        try:
            await connector.validate()  # a bad query stops start-up naming file, entity and reason
        except Exception:
            await connector.aclose()
            raise
        return connector
    return None


def build_sales(
    settings: Settings, store: Store, mappings: MappingSet, sources: Mapping[str, object]
) -> SalesService:
    return SalesService(
        store=store,
        mappings=mappings,
        sources=sources,
        orders_data_source_id=settings.notion.orders_data_source_id,
        pipeline_data_source_id=settings.notion.pipeline_data_source_id,
        clients_folder_id=settings.google_drive.clients_folder_id,
        sales_max_age=settings.freshness.sales,
        documents_max_age=settings.freshness.documents,
    )


def build_writes(
    store: Store,
    sources: Mapping[str, RecordSource],
    directory: CustomerDirectory,
    sales: SalesService,
    proposals: ProposalMaker | None,
    inventory: InventoryService | None = None,
) -> SalesWrites | None:
    """Quote and order commands, when QuickBooks (the system of record for quotes) is enabled."""
    qbo = sources.get("quickbooks")
    if not isinstance(qbo, QuickBooksConnector):
        return None
    notion = sources.get("notion")
    notion = notion if isinstance(notion, NotionConnector) else None
    orders, deals = sales.collection("order"), sales.collection("deal")

    def commands(proposal: object) -> QuoteCommands:
        return QuoteCommands(
            store.outbox,
            qbo,
            notion,
            orders[2] if orders else None,
            deals[2] if deals else None,
            proposal,  # type: ignore[arg-type]
        )

    async def delivery_text(estimate: SourceRecord) -> str | None:
        """The proposal's delivery line: the promise engine's date for what the workshop makes."""
        if inventory is None:
            return None
        await sales.ensure_fresh()  # the items (SKUs) the lines refer to
        [quote] = await sales.absorb([estimate])
        found = await estimate_sales(quote, await sales.index(), inventory)
        if found is None:
            return None
        when = found.promise.delivery_date
        text = f"Delivery by {when:%B} {when.day}, {when.year}"
        if found.lines.skipped:
            text += " (made-to-order items; services and bought-in items as agreed)"
        return text

    return SalesWrites(
        store=store,
        sales=sales,
        make_commands=commands,
        proposals=proposals,
        delivery_text=delivery_text,
        notion_customers=directory.collection("notion") if notion is not None else None,
    )


def promise_policy(settings: Settings) -> Policy:
    p = settings.promise
    return Policy(
        packing_days=p.packing_days,
        transit_business_days=p.transit_business_days,
        security_days=p.security_days,
        lot_splitting=p.lot_splitting,
    )


@dataclass
class Hub:
    settings: Settings
    store: Store
    upstreams: Upstreams
    mappings: MappingSet
    sources: dict[str, RecordSource]
    directory: CustomerDirectory
    inventory: InventoryService | None = None
    sales: SalesService | None = None
    drive: GoogleDriveConnector | None = None
    proposals: ProposalMaker | None = None
    writes: SalesWrites | None = None
    _changes: ChangeSink | None = field(default=None, repr=False)

    @property
    def changes(self) -> ChangeSink | None:
        """Where webhooks send change signals: the sales mirror, then payments back to Notion."""
        if self.sales is None:
            return None
        if self._changes is None:
            from hub.sync.on_change import ChangesWithPaymentsBack

            self._changes = ChangesWithPaymentsBack(self)
        return self._changes

    @classmethod
    async def start(
        cls, settings: Settings, *, transports: dict[str, httpx.AsyncBaseTransport] | None = None
    ) -> Hub:
        mappings = load_mappings(settings.mappings_dir)
        load_sync_spec(settings.mappings_dir)  # a bad sync file stops start-up too, not the first run
        store = await Store.open(settings.database_url, secret_key=settings.secret_key)
        upstreams = Upstreams(settings.http, transports=transports)
        try:
            sources = build_sources(settings, upstreams, store)
            directory = CustomerDirectory(
                store=store,
                mappings=mappings,
                sources=sources,
                customers_max_age=settings.freshness.customers,
                balances_max_age=settings.freshness.balances,
            )
            inventory_source = await build_inventory(settings, upstreams)
            drive = build_drive(settings, upstreams, store)
            proposals = build_proposals(settings, drive)
        except Exception:
            await upstreams.aclose()
            await store.close()
            raise
        inventory = (
            InventoryService(
                inventory_source, max_age=settings.freshness.inventory, policy=promise_policy(settings)
            )
            if inventory_source
            else None
        )
        sales_sources: dict[str, object] = {**sources, **({"google_drive": drive} if drive else {})}
        sales = build_sales(settings, store, mappings, sales_sources)
        writes = build_writes(store, sources, directory, sales, proposals, inventory)
        return cls(
            settings,
            store,
            upstreams,
            mappings,
            sources,
            directory,
            inventory,
            sales,
            drive,
            proposals,
            writes,
        )

    async def resume_pending_writes(self) -> None:
        """Finish the writes a previous process left half-done (crash between outbox and upstream)."""
        if self.writes is None:
            return
        for key, outcome in (await self.writes.commands.resume_pending()).items():
            if isinstance(outcome, Exception):
                log.warning("resuming write %s failed: %s", key, outcome)
            else:
                await self.writes.absorb(outcome)
                log.info("resumed write %s (%s)", key, outcome.kind)

    async def close(self) -> None:
        if self.inventory is not None and isinstance(self.inventory.source, SqlInventoryConnector):
            await self.inventory.source.aclose()
        await self.upstreams.aclose()
        await self.store.close()
