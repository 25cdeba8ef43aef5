"""The hub's one HTTP layer: every upstream request goes through a ``SourceClient`` from ``Upstreams``."""

from __future__ import annotations

from hub.http.breaker import CircuitBreaker
from hub.http.budget import Limit, RateBudget
from hub.http.client import (
    ENDPOINT_EXTENSION,
    SourceClient,
    SourceHealth,
    Upstreams,
    VendorError,
    classify,
    parse_retry_after,
)
from hub.http.metrics import UpstreamMetrics
from hub.http.paging import BodyCursorPaginator, OffsetPaginator, PageRequest, PageTokenPaginator, Paginator

__all__ = [
    "ENDPOINT_EXTENSION",
    "BodyCursorPaginator",
    "CircuitBreaker",
    "Limit",
    "OffsetPaginator",
    "PageRequest",
    "PageTokenPaginator",
    "Paginator",
    "RateBudget",
    "SourceClient",
    "SourceHealth",
    "UpstreamMetrics",
    "Upstreams",
    "VendorError",
    "classify",
    "parse_retry_after",
]
