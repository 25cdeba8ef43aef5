"""hub.http.oauth: refresh ahead of expiry and on 401, rotation persisted before use, single flight.

Upstreams are respx routes; every assertion counts requests or reads what was sent. A fake clock
decides expiry, so nothing waits.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from pydantic import SecretStr

from hub.errors import UpstreamAuthError, UpstreamBadResponse, UpstreamRetryable
from hub.http import Limit, SourceClient, Upstreams
from hub.http.oauth import (
    TOKEN_ENDPOINT,
    MemoryTokenStore,
    OAuth2RefreshAuth,
    build_authorize_url,
    exchange_authorization_code,
    new_state,
    token_endpoint_client,
)
from hub.http.oauth_types import OAuthToken
from hub.settings import HttpSettings

API = "https://api.example.test"
TOKEN_URL = "https://auth.example.test/oauth2/v1/tokens/bearer"
KEY = "quickbooks:4620816365"
CLIENT_ID = "ABtestClientId0001"
CLIENT_SECRET = "client-secret-value-42"
T0 = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_token(access: str = "access-0", refresh: str | None = "refresh-0", *,
               expires_at: datetime = T0 + timedelta(hours=1)) -> OAuthToken:
    return OAuthToken(access_token=SecretStr(access), refresh_token=SecretStr(refresh) if refresh else None,
                      expires_at=expires_at)


def form_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def bearer(request: httpx.Request) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


@dataclass
class TokenServer:
    """Rotates on every refresh: refresh-N -> access-(N+1), refresh-(N+1)."""

    sent_refresh_tokens: list[str] = field(default_factory=list)
    delay: float = 0.0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        form = form_of(request)
        self.sent_refresh_tokens.append(form["refresh_token"])
        if self.delay:
            await asyncio.sleep(self.delay)  # keep the refresh in flight while others queue up
        n = len(self.sent_refresh_tokens)
        return httpx.Response(200, json={
            "token_type": "bearer", "access_token": f"access-{n}", "expires_in": 3600,
            "refresh_token": f"refresh-{n}", "x_refresh_token_expires_in": 8726400})


@dataclass
class Env:
    client: SourceClient
    upstreams: Upstreams
    store: MemoryTokenStore
    auth: OAuth2RefreshAuth
    clock: FakeClock

    async def get(self) -> httpx.Response:
        return await self.client.request("GET", "/v1/things", endpoint="things.list")


async def make_env(token: OAuthToken | None = None, *, max_attempts: int = 1,
                   store: MemoryTokenStore | None = None) -> Env:
    store = store or MemoryTokenStore()
    if token is not None:
        await store.save(KEY, token)
    clock = FakeClock()
    auth = OAuth2RefreshAuth("quickbooks", store, KEY, token_url=TOKEN_URL, client_id=CLIENT_ID,
                             client_secret=SecretStr(CLIENT_SECRET), clock=clock)
    upstreams = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=1.0, max_attempts=max_attempts))
    client = upstreams.client("quickbooks", API, limits=[Limit(1000, 1.0)], auth=auth)
    return Env(client, upstreams, store, auth, clock)


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    e = await make_env(make_token())
    yield e
    await e.upstreams.aclose()


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


async def test_missing_credential_is_an_auth_error_and_sends_nothing(mock: respx.MockRouter) -> None:
    api = mock.get(f"{API}/v1/things").respond(200, json={})
    e = await make_env(None)
    with pytest.raises(UpstreamAuthError, match="not authorised: run `hub auth quickbooks`"):
        await e.get()
    assert api.call_count == 0
    await e.upstreams.aclose()


async def test_valid_token_is_sent_as_bearer_without_refresh(env: Env, mock: respx.MockRouter) -> None:
    api = mock.get(f"{API}/v1/things").respond(200, json={})
    tokens = mock.post(TOKEN_URL).mock(side_effect=TokenServer())
    await env.get()
    await env.get()
    assert [bearer(c.request) for c in api.calls] == ["access-0", "access-0"]
    assert tokens.call_count == 0


async def test_expiring_token_is_refreshed_before_the_request(env: Env, mock: respx.MockRouter) -> None:
    api = mock.get(f"{API}/v1/things").respond(200, json={})
    server = TokenServer()
    tokens = mock.post(TOKEN_URL).mock(side_effect=server)
    env.clock.now = T0 + timedelta(minutes=59, seconds=30)  # inside the 60 s skew
    await env.get()
    assert tokens.call_count == 1 and api.call_count == 1
    assert bearer(api.calls[0].request) == "access-1"
    sent = tokens.calls[0].request
    assert form_of(sent) == {"grant_type": "refresh_token", "refresh_token": "refresh-0"}
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(
        f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert env.upstreams.metrics.count("quickbooks", TOKEN_ENDPOINT) == 1


async def test_401_refreshes_once_and_replays_with_the_new_token(env: Env, mock: respx.MockRouter) -> None:
    api = mock.get(f"{API}/v1/things").mock(side_effect=[httpx.Response(401), httpx.Response(200, json={})])
    tokens = mock.post(TOKEN_URL).mock(side_effect=TokenServer())
    response = await env.get()
    assert response.status_code == 200
    assert tokens.call_count == 1
    assert [bearer(c.request) for c in api.calls] == ["access-0", "access-1"]


async def test_second_401_is_an_auth_error_after_one_refresh(env: Env, mock: respx.MockRouter) -> None:
    api = mock.get(f"{API}/v1/things").respond(401)
    tokens = mock.post(TOKEN_URL).mock(side_effect=TokenServer())
    with pytest.raises(UpstreamAuthError):
        await env.get()
    assert api.call_count == 2 and tokens.call_count == 1


async def test_rotated_refresh_token_is_stored_and_the_old_one_never_sent_again(
        env: Env, mock: respx.MockRouter) -> None:
    mock.get(f"{API}/v1/things").respond(200, json={})
    server = TokenServer()
    mock.post(TOKEN_URL).mock(side_effect=server)
    for hour in (1, 2, 3):  # three expiries, three refreshes
        env.clock.now = T0 + timedelta(hours=hour)
        await env.get()
    stored = await env.store.load(KEY)
    assert stored is not None and stored.refresh_token is not None
    assert stored.refresh_token.get_secret_value() == "refresh-3"
    assert stored.refresh_expires_at == T0 + timedelta(hours=3, seconds=8726400)
    assert server.sent_refresh_tokens == ["refresh-0", "refresh-1", "refresh-2"]  # each used once


async def test_new_token_is_persisted_before_it_is_used(mock: respx.MockRouter) -> None:
    events: list[str] = []

    class RecordingStore(MemoryTokenStore):
        async def save(self, key: str, token: OAuthToken) -> OAuthToken:
            events.append(f"save {token.refresh_token.get_secret_value() if token.refresh_token else None}")
            return await super().save(key, token)

    def api_answer(request: httpx.Request) -> httpx.Response:
        events.append(f"api {bearer(request)}")
        return httpx.Response(200, json={})

    mock.get(f"{API}/v1/things").mock(side_effect=api_answer)
    mock.post(TOKEN_URL).mock(side_effect=TokenServer())
    e = await make_env(store=RecordingStore())
    await e.store.save(KEY, make_token(expires_at=T0))
    events.clear()
    await e.get()
    assert events == ["save refresh-1", "api access-1"]
    await e.upstreams.aclose()


async def test_a_failed_save_means_the_new_token_is_never_used(mock: respx.MockRouter) -> None:
    class BrokenStore(MemoryTokenStore):
        fail = False

        async def save(self, key: str, token: OAuthToken) -> OAuthToken:
            if self.fail:
                raise OSError("disk full")
            return await super().save(key, token)

    api = mock.get(f"{API}/v1/things").respond(200, json={})
    mock.post(TOKEN_URL).mock(side_effect=TokenServer())
    store = BrokenStore()
    e = await make_env(make_token(expires_at=T0), store=store)
    store.fail = True
    with pytest.raises(OSError):
        await e.get()
    assert api.call_count == 0
    await e.upstreams.aclose()


async def test_concurrent_requests_with_an_expired_token_refresh_once(mock: respx.MockRouter) -> None:
    api = mock.get(f"{API}/v1/things").respond(200, json={})
    tokens = mock.post(TOKEN_URL).mock(side_effect=TokenServer(delay=0.01))
    e = await make_env(make_token(expires_at=T0 - timedelta(minutes=5)))
    await asyncio.gather(*(e.get() for _ in range(5)))
    assert tokens.call_count == 1
    assert {bearer(c.request) for c in api.calls} == {"access-1"}
    assert api.call_count == 5
    await e.upstreams.aclose()


async def test_concurrent_401s_refresh_once(env: Env, mock: respx.MockRouter) -> None:
    def api_answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401 if bearer(request) == "access-0" else 200, json={})

    mock.get(f"{API}/v1/things").mock(side_effect=api_answer)
    tokens = mock.post(TOKEN_URL).mock(side_effect=TokenServer(delay=0.01))
    responses = await asyncio.gather(*(env.get() for _ in range(4)))
    assert {r.status_code for r in responses} == {200}
    assert tokens.call_count == 1


async def test_token_refreshed_elsewhere_is_used_without_refreshing(env: Env, mock: respx.MockRouter) -> None:
    api = mock.get(f"{API}/v1/things").respond(200, json={})
    tokens = mock.post(TOKEN_URL).mock(side_effect=TokenServer())
    await env.get()  # caches access-0
    # Another worker refreshed and saved while this one still holds access-0.
    await env.store.save(KEY, make_token("access-other", "refresh-other", expires_at=T0 + timedelta(hours=2)))
    env.clock.now = T0 + timedelta(minutes=59, seconds=30)
    await env.get()
    assert tokens.call_count == 0
    assert bearer(api.calls[-1].request) == "access-other"


async def test_invalid_grant_is_an_auth_error_without_secrets(env: Env, mock: respx.MockRouter) -> None:
    mock.get(f"{API}/v1/things").respond(200, json={})
    mock.post(TOKEN_URL).respond(400, json={"error": "invalid_grant",
                                            "error_description": "refresh-0 is not valid"})
    env.clock.now = T0 + timedelta(hours=2)
    with pytest.raises(UpstreamAuthError) as caught:
        await env.get()
    message = str(caught.value)
    assert "refresh token expired or revoked; run `hub auth quickbooks`" in message
    for secret in ("refresh-0", "access-0", CLIENT_SECRET):
        assert secret not in message and secret not in repr(caught.value)
    assert caught.value.vendor_code == "invalid_grant"
    assert CLIENT_SECRET not in repr(env.auth)


async def test_a_later_request_can_refresh_after_a_failed_one(env: Env, mock: respx.MockRouter) -> None:
    mock.get(f"{API}/v1/things").respond(200, json={})
    fresh = {"token_type": "bearer", "access_token": "access-1", "expires_in": 3600, "refresh_token": "r-1"}
    mock.post(TOKEN_URL).mock(side_effect=[httpx.ConnectTimeout("slow"), httpx.Response(200, json=fresh)])
    env.clock.now = T0 + timedelta(hours=2)
    with pytest.raises(UpstreamRetryable):
        await env.get()
    await asyncio.wait_for(env.get(), 1.0)  # the lock was released when the first flow was closed


@pytest.mark.parametrize("status", [500, 503])
async def test_token_endpoint_5xx_is_retryable(env: Env, mock: respx.MockRouter, status: int) -> None:
    mock.get(f"{API}/v1/things").respond(200, json={})
    mock.post(TOKEN_URL).respond(status, text="upstream trouble")
    env.clock.now = T0 + timedelta(hours=2)
    with pytest.raises(UpstreamRetryable, match=f"HTTP {status}"):
        await env.get()


async def test_token_endpoint_5xx_then_success_is_retried_by_the_client(mock: respx.MockRouter) -> None:
    api = mock.get(f"{API}/v1/things").respond(200, json={})
    server = TokenServer()

    async def flaky(request: httpx.Request) -> httpx.Response:
        if not server.sent_refresh_tokens and not getattr(flaky, "failed", False):
            flaky.failed = True  # type: ignore[attr-defined]
            return httpx.Response(503)
        return await server(request)

    mock.post(TOKEN_URL).mock(side_effect=flaky)
    e = await make_env(make_token(expires_at=T0), max_attempts=2)
    await e.get()
    assert api.call_count == 1 and bearer(api.calls[0].request) == "access-1"
    assert server.sent_refresh_tokens == ["refresh-0"]
    await e.upstreams.aclose()


@pytest.mark.parametrize("answer", [
    httpx.Response(200, text="<html>maintenance</html>"),
    httpx.Response(200, json={"token_type": "bearer", "expires_in": 3600}),
    httpx.Response(200, json={"access_token": "a", "expires_in": "soon"}),
    httpx.Response(200, json={"access_token": "a", "expires_in": 3600, "token_type": "mac"}),
], ids=["not-json", "no-access-token", "bad-expiry", "not-bearer"])
async def test_malformed_token_answer_is_a_bad_response(env: Env, mock: respx.MockRouter,
                                                        answer: httpx.Response) -> None:
    api = mock.get(f"{API}/v1/things").respond(200, json={})
    mock.post(TOKEN_URL).mock(return_value=answer)
    env.clock.now = T0 + timedelta(hours=2)
    with pytest.raises(UpstreamBadResponse) as caught:
        await env.get()
    assert "access" not in str(caught.value).replace("access_token", "")
    assert api.call_count == 0


async def test_no_refresh_token_means_reauthorise(mock: respx.MockRouter) -> None:
    tokens = mock.post(TOKEN_URL).mock(side_effect=TokenServer())
    e = await make_env(make_token(refresh=None, expires_at=T0))
    with pytest.raises(UpstreamAuthError, match="hub auth quickbooks"):
        await e.get()
    assert tokens.call_count == 0
    await e.upstreams.aclose()


async def test_answer_without_refresh_token_keeps_the_old_one(env: Env, mock: respx.MockRouter) -> None:
    mock.get(f"{API}/v1/things").respond(200, json={})
    mock.post(TOKEN_URL).respond(200, json={"access_token": "access-9", "expires_in": 3600,
                                            "token_type": "Bearer"})
    env.clock.now = T0 + timedelta(hours=2)
    await env.get()
    stored = await env.store.load(KEY)
    assert stored is not None and stored.refresh_token is not None
    assert stored.refresh_token.get_secret_value() == "refresh-0"
    assert stored.access_token.get_secret_value() == "access-9"


async def test_memory_store_bumps_versions_and_locks_per_key() -> None:
    store = MemoryTokenStore()
    first = await store.save("a", make_token())
    second = await store.save("a", make_token("access-1"))
    assert (first.version, second.version) == (1, 2)
    assert (await store.save("b", make_token())).version == 1
    lock: AbstractAsyncContextManager[None] = store.refresh_lock("a")
    assert store.refresh_lock("a") is lock and store.refresh_lock("b") is not lock


def test_authorize_url_carries_the_documented_parameters() -> None:
    state = new_state()
    url = build_authorize_url("https://appcenter.intuit.com/connect/oauth2", client_id=CLIENT_ID,
                              redirect_uri="http://127.0.0.1:8000/auth/quickbooks/callback",
                              scopes="com.intuit.quickbooks.accounting", state=state)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://appcenter.intuit.com/connect/oauth2"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "client_id": CLIENT_ID, "response_type": "code", "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": "http://127.0.0.1:8000/auth/quickbooks/callback", "state": state}
    assert len(state) >= 32 and new_state() != state


async def test_exchange_authorization_code(mock: respx.MockRouter) -> None:
    route = mock.post(TOKEN_URL).respond(200, json={
        "token_type": "bearer", "access_token": "access-new", "expires_in": 3600,
        "refresh_token": "refresh-new", "x_refresh_token_expires_in": 8726400})
    upstreams = Upstreams(HttpSettings())
    client = token_endpoint_client(upstreams, "quickbooks", TOKEN_URL)
    token = await exchange_authorization_code(
        client, token_url=TOKEN_URL, client_id=CLIENT_ID, client_secret=SecretStr(CLIENT_SECRET),
        code="AB11code", redirect_uri="http://127.0.0.1:8000/cb", clock=FakeClock())
    await upstreams.aclose()
    assert token.access_token.get_secret_value() == "access-new"
    assert token.refresh_token is not None and token.refresh_token.get_secret_value() == "refresh-new"
    assert token.expires_at == T0 + timedelta(hours=1)
    sent = route.calls[0].request
    assert form_of(sent) == {"grant_type": "authorization_code", "code": "AB11code",
                             "redirect_uri": "http://127.0.0.1:8000/cb"}
    assert sent.headers["Authorization"].startswith("Basic ")
    assert upstreams.metrics.count("quickbooks", TOKEN_ENDPOINT) == 1


async def test_exchange_with_a_used_code_is_an_auth_error_sent_once(mock: respx.MockRouter) -> None:
    route = mock.post(TOKEN_URL).respond(400, json={"error": "invalid_grant"})
    upstreams = Upstreams(HttpSettings(backoff_base=0.0))
    client = token_endpoint_client(upstreams, "quickbooks", TOKEN_URL)
    with pytest.raises(UpstreamAuthError, match="authorization code rejected") as caught:
        await exchange_authorization_code(client, token_url=TOKEN_URL, client_id=CLIENT_ID,
                                          client_secret=CLIENT_SECRET, code="AB11used", redirect_uri="x")
    await upstreams.aclose()
    assert route.call_count == 1
    assert "AB11used" not in str(caught.value) and CLIENT_SECRET not in str(caught.value)
