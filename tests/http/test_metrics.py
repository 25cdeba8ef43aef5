"""hub.http.metrics: counts per source and endpoint, Prometheus text, one registry per instance."""

from __future__ import annotations

from collections.abc import Generator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.errors import UpstreamNotFound
from hub.http import Limit, UpstreamMetrics, Upstreams
from hub.settings import HttpSettings

BASE = "https://api.example.test"


def samples(metrics: UpstreamMetrics, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """``{sorted labels: value}`` of one sample name in the rendered text."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_count_per_source_and_endpoint() -> None:
    metrics = UpstreamMetrics()
    metrics.observe("notion", "data_source.query", "200", 0.05)
    metrics.observe("notion", "data_source.query", "429", 0.01)
    metrics.observe("notion", "pages.get", "200", 0.02)
    metrics.observe("quickbooks", "query", "200", 0.3)
    assert metrics.count() == 4
    assert metrics.count("notion") == 3
    assert metrics.count("notion", "data_source.query") == 2
    assert metrics.count(endpoint="query") == 1
    assert metrics.count("drive") == 0
    assert metrics.by_endpoint() == {
        "notion:data_source.query": 2, "notion:pages.get": 1, "quickbooks:query": 1}


def test_render_is_prometheus_text_with_labels() -> None:
    metrics = UpstreamMetrics()
    metrics.observe("notion", "data_source.query", "200", 0.05)
    metrics.observe("notion", "data_source.query", "200", 0.07)
    metrics.observe("notion", "data_source.query", "503", 0.5)
    text = metrics.render().decode()
    # prometheus_client writes labels in sorted order, whatever order they were declared in.
    line = 'hub_upstream_requests_total{endpoint="data_source.query",source="notion",status="200"} 2.0'
    assert line in text.splitlines()
    assert samples(metrics, "hub_upstream_requests_total") == {
        (("endpoint", "data_source.query"), ("source", "notion"), ("status", "200")): 2.0,
        (("endpoint", "data_source.query"), ("source", "notion"), ("status", "503")): 1.0,
    }
    assert samples(metrics, "hub_upstream_request_seconds_count") == {
        (("endpoint", "data_source.query"), ("source", "notion")): 3.0}
    assert samples(metrics, "hub_upstream_request_seconds_sum")[
        (("endpoint", "data_source.query"), ("source", "notion"))] == pytest.approx(0.62)


def test_instances_do_not_share_counts() -> None:
    first, second = UpstreamMetrics(), UpstreamMetrics()
    first.observe("notion", "pages.get", "200", 0.01)
    assert first.count() == 1
    assert second.count() == 0
    assert samples(second, "hub_upstream_requests_total") == {}
    assert "hub_upstream_requests_total" in second.render().decode()  # declared, just empty


async def test_client_counts_every_attempt_by_endpoint_and_status() -> None:
    answers = iter([503, 200, 404])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json={})

    upstreams = Upstreams(HttpSettings(backoff_base=0.0), transports={"notion": httpx.MockTransport(handler)})
    notion = upstreams.client("notion", BASE, limits=[Limit(100)])
    try:
        await notion.request("GET", "/v1/pages/p1", endpoint="pages.get")
        with pytest.raises(UpstreamNotFound):
            await notion.request("GET", "/v1/users/u1", endpoint="users.get")
    finally:
        await upstreams.aclose()
    assert upstreams.metrics.count("notion", "pages.get") == 2
    assert upstreams.metrics.count("notion", "users.get") == 1
    statuses = {dict(labels)["status"]: value
                for labels, value in samples(upstreams.metrics, "hub_upstream_requests_total").items()
                if dict(labels)["endpoint"] == "pages.get"}
    assert statuses == {"503": 1.0, "200": 1.0}


async def test_requests_sent_by_an_auth_flow_are_counted_too() -> None:
    class FetchTokenFirst(httpx.Auth):
        requires_response_body = True

        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
            token = yield httpx.Request("POST", f"{BASE}/oauth2/v1/tokens/bearer")
            request.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            yield request

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/bearer"):
            return httpx.Response(200, json={"access_token": "at-1"})
        assert request.headers["Authorization"] == "Bearer at-1"
        return httpx.Response(200, json={})

    upstreams = Upstreams(HttpSettings(), transports={"quickbooks": httpx.MockTransport(handler)})
    books = upstreams.client("quickbooks", BASE, limits=[Limit(10)], auth=FetchTokenFirst())
    try:
        await books.request("GET", "/v3/company/1/companyinfo/1", endpoint="companyinfo.get")
    finally:
        await upstreams.aclose()
    assert upstreams.metrics.by_endpoint() == {"quickbooks:companyinfo.get": 1, "quickbooks:other": 1}


async def test_two_hubs_in_one_process_keep_separate_counts() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    first = Upstreams(HttpSettings(), transports={"notion": transport})
    second = Upstreams(HttpSettings(), transports={"notion": transport})
    try:
        await first.client("notion", BASE, limits=[Limit(10)]).request("GET", "/v1/x", endpoint="x")
    finally:
        await first.aclose()
        await second.aclose()
    assert first.metrics.count("notion") == 1
    assert second.metrics.count("notion") == 0
