"""Upstream request counters, exported in Prometheus text format at ``GET /metrics``.

Each hub instance owns its registry so two apps in one process (tests, benchmarks) never mix counts.
"""

from __future__ import annotations

from collections import Counter as _Tally

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "UpstreamMetrics"]


class UpstreamMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "hub_upstream_requests", "Requests sent to upstream sources.",
            ["source", "endpoint", "status"], registry=self.registry)
        self.latency = Histogram(
            "hub_upstream_request_seconds", "Upstream request latency.", ["source", "endpoint"],
            registry=self.registry, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self._tally: _Tally[tuple[str, str]] = _Tally()

    def observe(self, source: str, endpoint: str, status: str, seconds: float) -> None:
        self.requests.labels(source=source, endpoint=endpoint, status=status).inc()
        self.latency.labels(source=source, endpoint=endpoint).observe(seconds)
        self._tally[(source, endpoint)] += 1

    def count(self, source: str | None = None, endpoint: str | None = None) -> int:
        """Requests sent so far, optionally for one source and endpoint (what tests assert on)."""
        return sum(n for (s, e), n in self._tally.items()
                   if (source is None or s == source) and (endpoint is None or e == endpoint))

    def by_endpoint(self) -> dict[str, int]:
        return {f"{s}:{e}": n for (s, e), n in sorted(self._tally.items())}

    def render(self) -> bytes:
        return generate_latest(self.registry)
