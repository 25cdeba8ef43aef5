"""Per-request access to the sales read model: one freshness check and one index per request, the
customer behind a source record, and per-level batched reads of records the mirror lacks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from graphql import GraphQLError
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from hub.errors import UpstreamError
from hub.sales import SalesIndex, SalesRecord
from schema.errors import hub_error

if TYPE_CHECKING:
    from hub.runtime import Hub
    from schema.loaders import CustomerView

__all__ = ["SalesContext", "sales_of"]


class SalesContext:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._index: asyncio.Future[SalesIndex] | None = None
        self._links: dict[tuple[str, str], str] | None = None
        self._links_lock = asyncio.Lock()
        self._missing: dict[str, DataLoader[str, SalesRecord | None]] = {}

    @property
    def enabled(self) -> bool:
        return self.hub.sales is not None

    async def index(self, info: Info) -> SalesIndex:
        """The sales index, refreshed once per request under the freshness policy (or the request's
        ``maxAge``); a source that fails to refresh adds one error and its mirrored data still serves."""
        service = self.hub.sales
        if service is None:
            raise GraphQLError("no sales source is configured", extensions={"code": "NOT_CONFIGURED"})
        if self._index is None:
            self._index = asyncio.get_running_loop().create_future()
            try:
                errors = await service.ensure_fresh(info.context.loaders.max_age)
                for error in errors:
                    info.context.partial_errors.append(hub_error(error, path=list(info.path.as_list())))
                self._index.set_result(await service.index())
            except BaseException as exc:
                self._index.set_exception(exc)
                raise
        return await asyncio.shield(self._index)

    async def entity_of(self, info: Info, source: str, external_id: str | None) -> str | None:
        """The hub customer id a source customer record belongs to (customers refreshed first, once
        per request, so a list of quotes asked for before any customer still finds them)."""
        if not external_id:
            return None
        async with self._links_lock:
            if self._links is None:
                for error in await self.hub.directory.ensure_fresh(info.context.loaders.max_age):
                    info.context.partial_errors.append(hub_error(error, path=list(info.path.as_list())))
                links = await self.hub.store.load_links()
                self._links = {(x.source, x.external_id): x.entity_id for x in links}
        return self._links.get((source, external_id))

    def missing(self, kind: str) -> DataLoader[str, SalesRecord | None]:
        """Records the mirror does not hold yet, read upstream in one batched call per level."""
        if kind not in self._missing:

            async def load(ids: list[str]) -> Sequence[SalesRecord | None | BaseException]:
                assert self.hub.sales is not None
                try:
                    found = await self.hub.sales.fetch(kind, ids)
                except UpstreamError as exc:
                    return [exc] * len(ids)
                return [found.get(i) for i in ids]

            self._missing[kind] = DataLoader(load)
        return self._missing[kind]

    async def records(self, info: Info, kind: str, ids: Sequence[str]) -> list[SalesRecord]:
        """Records by id: from the index, the rest from upstream in one batch (errors become field
        errors on the asking field; what was found is still returned)."""
        index = await self.index(info)
        found = {i: r for i in ids if (r := index.get(kind, i)) is not None}
        lacking = [i for i in ids if i not in found]
        if lacking:
            results = await self.missing(kind).load_many(lacking)
            for i, result in zip(lacking, results, strict=True):
                if isinstance(result, UpstreamError):
                    info.context.partial_errors.append(hub_error(result, path=list(info.path.as_list())))
                elif result is not None and not result.archived:
                    found[i] = result
        return [found[i] for i in ids if i in found]


def sales_of(info: Info) -> SalesContext:
    context = info.context
    if getattr(context, "sales", None) is None:
        context.sales = SalesContext(context.hub)
    return context.sales  # type: ignore[no-any-return]


def customer_refs(view: CustomerView) -> tuple[list[str], list[str], list[str]]:
    """A customer's QuickBooks ids, Notion client page ids, and the names its Notion records carry
    (the folder convention names client folders after them)."""
    qbo = [x.external_id for x in view.links if x.source == "quickbooks"]
    notion = [x.external_id for x in view.links if x.source == "notion"]
    names = []
    for (source, _), row in view.records.items():
        name = (row.fields or {}).get("name")
        if name and source == "notion":
            names.append(name)
    return qbo, notion, names or [view.entity.display_name]
