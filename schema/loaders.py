"""Per-request DataLoaders: every cross-source lookup in one request is batched through these.

``customer`` batches entity ids into one store read; ``live`` batches QuickBooks ids into one
``Id IN (...)`` query per tick (only for records older than the balances policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from hub.customers import MergedCustomer, merge
from hub.errors import UpstreamError
from hub.store import EntityRow, IdentityLink, RecordRow

if TYPE_CHECKING:
    from hub.runtime import Hub

__all__ = ["CustomerView", "Loaders"]


@dataclass(frozen=True)
class CustomerView:
    entity: EntityRow
    links: list[IdentityLink]
    records: dict[tuple[str, str], RecordRow]
    merged: MergedCustomer


class Loaders:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.max_age: float | None = None  # a client asking for fresher data than the policy
        self.customer: DataLoader[str, CustomerView | None] = DataLoader(self._load_customers)
        self._live: dict[str, DataLoader[str, RecordRow | None]] = {}

    def live(self, source: str) -> DataLoader[str, RecordRow | None]:
        if source not in self._live:

            async def load(ids: list[str]) -> Sequence[RecordRow | None | BaseException]:
                directory = self.hub.directory
                max_age = directory.balances_max_age if self.max_age is None else self.max_age
                try:
                    rows = await directory.records(source, ids, max_age=max_age)
                except UpstreamError as exc:
                    return [exc] * len(ids)
                return [rows.get(i) for i in ids]

            self._live[source] = DataLoader(load)
        return self._live[source]

    async def _load_customers(self, ids: list[str]) -> list[CustomerView | None]:
        directory = self.hub.directory
        entities = await self.hub.store.get_entities(ids)
        live_ids = list({e.id for e in entities.values()})
        links = await self.hub.store.links_for(live_ids)
        wanted: dict[str, list[str]] = {}
        for entity_links in links.values():
            for link in entity_links:
                if link.source in directory.sources:
                    wanted.setdefault(link.source, []).append(link.external_id)
        records: dict[tuple[str, str], RecordRow] = {}
        for source, external_ids in wanted.items():
            for ext, row in (await directory.records(source, external_ids)).items():
                records[(source, ext)] = row
        views: list[CustomerView | None] = []
        for asked in ids:
            entity = entities.get(asked)
            if entity is None:
                views.append(None)
                continue
            entity_links = links.get(entity.id, [])
            own = {
                (x.source, x.external_id): records[(x.source, x.external_id)]
                for x in entity_links
                if (x.source, x.external_id) in records
            }
            views.append(
                CustomerView(entity, entity_links, own, merge(list(own.values()), directory.precedence))
            )
        return views
