"""Paging strategies. Each turns one response into the next request, or ``None`` when done.

A paginator works on a ``PageRequest`` (query params and JSON body) so the same client loop walks
every vendor's scheme.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

__all__ = ["BodyCursorPaginator", "OffsetPaginator", "PageRequest", "PageTokenPaginator", "Paginator"]


@dataclass(frozen=True)
class PageRequest:
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    position: Any = None  # the paginator's own bookkeeping; never sent upstream


class Paginator(Protocol):
    def first(self, request: PageRequest) -> PageRequest: ...

    def next(self, request: PageRequest, body: Any, item_count: int) -> PageRequest | None: ...


@dataclass(frozen=True)
class BodyCursorPaginator:
    """Notion's cursor paging::

        {"object": "list", "results": [...], "next_cursor": "fe2c…", "has_more": true}

    The cursor goes back as ``start_cursor`` in the JSON body (POST endpoints) or the query (GET).
    """

    page_size: int = 100
    where: Literal["json", "params"] = "json"

    def _with(self, request: PageRequest, values: dict[str, Any]) -> PageRequest:
        if self.where == "json":
            return replace(request, json={**(request.json or {}), **values})
        return replace(request, params={**request.params, **values})

    def first(self, request: PageRequest) -> PageRequest:
        return self._with(request, {"page_size": self.page_size})

    def next(self, request: PageRequest, body: Any, item_count: int) -> PageRequest | None:
        if not body.get("has_more") or not body.get("next_cursor"):
            return None
        return self._with(request, {"start_cursor": body["next_cursor"]})


@dataclass(frozen=True)
class PageTokenPaginator:
    """Google's page-token paging::

        {"files": [...], "nextPageToken": "~!!~AI9…"}   ->   ?pageToken=~!!~AI9…
    """

    page_size: int = 100
    size_param: str = "pageSize"

    def first(self, request: PageRequest) -> PageRequest:
        return replace(request, params={**request.params, self.size_param: self.page_size})

    def next(self, request: PageRequest, body: Any, item_count: int) -> PageRequest | None:
        token = body.get("nextPageToken")
        if not token:
            return None
        return replace(request, params={**request.params, "pageToken": token})


@dataclass(frozen=True)
class OffsetPaginator:
    """Offset paging where the position lives inside the request (QuickBooks' query language)::

        SELECT * FROM Customer STARTPOSITION 1 MAXRESULTS 1000  ->  … STARTPOSITION 1001 …

    ``render(request, start, size)`` builds the request for a page; a short page is the last one.
    """

    render: Callable[[PageRequest, int, int], PageRequest]
    page_size: int = 1000
    start: int = 1

    def first(self, request: PageRequest) -> PageRequest:
        return replace(self.render(request, self.start, self.page_size), position=self.start)

    def next(self, request: PageRequest, body: Any, item_count: int) -> PageRequest | None:
        if item_count < self.page_size:
            return None
        position = (request.position or self.start) + self.page_size
        return replace(self.render(request, position, self.page_size), position=position)
