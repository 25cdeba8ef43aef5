"""OAuth 2.0 for upstream sources: a refreshing ``httpx.Auth``, an in-memory token store, and the
authorization-code helpers behind ``hub auth <source>``.

The refresh is single-flight per credential: an ``asyncio.Lock`` in this process plus the store's
``refresh_lock`` across processes. Whoever holds both re-reads the token first, because another
worker may already have refreshed it; a refresh token is used at most once. Vendors such as Intuit
rotate the refresh token on refresh ("always store the latest refresh token",
https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0),
so the new one is saved *before* the new access token is used for anything: a crash after the
refresh can lose an access token, never the only valid refresh token.

>>> auth = OAuth2RefreshAuth("quickbooks", store, "quickbooks:9341", token_url=TOKEN_URL,
...                          client_id="AB...", client_secret=SecretStr("..."))
>>> qbo = upstreams.client("quickbooks", base_url, limits=[Limit(10, 1.0)], auth=auth)
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError

from hub.errors import (
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRetryable,
)
from hub.http.budget import Limit
from hub.http.client import ENDPOINT_EXTENSION, SourceClient, Upstreams, VendorError, parse_retry_after
from hub.http.oauth_types import OAuthToken, TokenStore

__all__ = [
    "TOKEN_ENDPOINT",
    "MemoryTokenStore",
    "OAuth2RefreshAuth",
    "TokenResponse",
    "build_authorize_url",
    "exchange_authorization_code",
    "new_state",
    "oauth_vendor_errors",
    "token_endpoint_client",
]

TOKEN_ENDPOINT = "oauth.token"  # the metrics label of every token request
_OAUTH_ERROR = re.compile(r"^[a-z_]{1,64}$")  # RFC 6749 §5.2 codes; anything else is not echoed

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TokenResponse(BaseModel):
    """A successful token endpoint answer (RFC 6749 §5.1), plus Intuit's refresh-token lifetime::

        {"token_type": "bearer", "access_token": "eyJ…", "expires_in": 3600,
         "refresh_token": "AB11…", "x_refresh_token_expires_in": 8726400}
    """

    model_config = ConfigDict(extra="ignore")
    access_token: SecretStr = Field(min_length=1)
    token_type: str = "bearer"
    expires_in: int = Field(ge=0)
    refresh_token: SecretStr | None = None
    refresh_expires_in: int | None = Field(
        None, ge=0, validation_alias=AliasChoices("x_refresh_token_expires_in", "refresh_token_expires_in"))

    def to_token(self, *, now: datetime, previous: OAuthToken | None = None) -> OAuthToken:
        """The token to store. A response without ``refresh_token`` keeps the previous one (RFC 6749 §6)."""
        refresh = self.refresh_token or (previous.refresh_token if previous else None)
        if self.refresh_expires_in is not None:
            refresh_expires: datetime | None = now + timedelta(seconds=self.refresh_expires_in)
        else:
            refresh_expires = previous.refresh_expires_at if previous else None
        return OAuthToken(access_token=self.access_token, refresh_token=refresh,
                          expires_at=now + timedelta(seconds=self.expires_in),
                          refresh_expires_at=refresh_expires,
                          version=previous.version if previous else 0)


def _oauth_error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) and _OAUTH_ERROR.match(code) else None


def oauth_vendor_errors(response: httpx.Response) -> VendorError | None:
    """Reads RFC 6749 §5.2 error bodies (``{"error": "invalid_grant"}``) for a token endpoint client.

    Only the error code is kept: descriptions are free text and could echo what we sent.
    """
    code = _oauth_error_code(response)
    if code is None:
        return None
    auth_codes = {"invalid_grant", "invalid_client", "unauthorized_client"}
    return VendorError(message=code, code=code, kind="auth" if code in auth_codes else None)


def _token_error(source: str, response: httpx.Response) -> UpstreamError:
    """What a failed token request means for the caller; never echoes the body."""
    status = response.status_code
    code = _oauth_error_code(response)
    if code == "invalid_grant":
        return UpstreamAuthError(source, f"refresh token expired or revoked; run `hub auth {source}`",
                                 status=status, vendor_code=code)
    if status == 429:
        return UpstreamRateLimited(source, "token endpoint is throttling refreshes", status=status,
                                   retry_after=parse_retry_after(response.headers.get("Retry-After")))
    if status >= 500 or status == 408:
        return UpstreamRetryable(source, f"token endpoint failed (HTTP {status})", status=status)
    reason = f" ({code})" if code else ""
    return UpstreamAuthError(
        source, f"token endpoint refused the refresh (HTTP {status}){reason}; check the client id and "
        f"secret, or run `hub auth {source}`", status=status, vendor_code=code)


def _parse_token(source: str, response: httpx.Response, *, now: datetime,
                 previous: OAuthToken | None) -> OAuthToken:
    try:
        body = response.json()
    except ValueError:
        raise UpstreamBadResponse(source, f"{TOKEN_ENDPOINT} answered with a body that is not JSON",
                                  status=response.status_code) from None
    try:
        parsed = TokenResponse.model_validate(body)
    except ValidationError as exc:
        # Only field locations: the input values are tokens.
        fields = ", ".join(sorted({".".join(map(str, e["loc"])) or "body" for e in exc.errors()}))
        raise UpstreamBadResponse(source, f"{TOKEN_ENDPOINT} answer is missing or has invalid: {fields}",
                                  status=response.status_code) from None
    if parsed.token_type.lower() != "bearer":
        raise UpstreamBadResponse(source, f"{TOKEN_ENDPOINT} issued an unsupported token type",
                                  status=response.status_code)
    return parsed.to_token(now=now, previous=previous)


def _client_auth_header(client_id: str, client_secret: SecretStr) -> str:
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded
    # (a no-op for Intuit's alphanumeric ids, but a secret with ':' or '+' would otherwise break).
    raw = f"{quote_plus(client_id)}:{quote_plus(client_secret.get_secret_value())}"
    return "Basic " + base64.b64encode(raw.encode()).decode("ascii")


def _token_request(token_url: str, client_id: str, client_secret: SecretStr,
                   form: dict[str, str]) -> httpx.Request:
    headers = {"Accept": "application/json", "Authorization": _client_auth_header(client_id, client_secret)}
    return httpx.Request("POST", token_url, data=form, headers=headers,
                         extensions={ENDPOINT_EXTENSION: TOKEN_ENDPOINT})


class OAuth2RefreshAuth(httpx.Auth):
    """Bearer auth that refreshes ahead of expiry and once on a 401, then replays the request.

    A second 401 is returned as is (``classify`` turns it into ``UpstreamAuthError``). Token endpoint
    failures raise: ``invalid_grant`` → ``UpstreamAuthError``, 5xx → ``UpstreamRetryable``, an
    unreadable answer → ``UpstreamBadResponse``.
    """

    requires_request_body = True  # a replay must be able to send the body again

    def __init__(self, source: str, store: TokenStore, key: str, *, token_url: str, client_id: str,
                 client_secret: SecretStr | str, skew: float = 60.0, clock: Clock = _utcnow) -> None:
        self.source = source
        self.store = store
        self.key = key
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = (client_secret if isinstance(client_secret, SecretStr)
                               else SecretStr(client_secret))
        self.skew = timedelta(seconds=skew)
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: OAuthToken | None = None  # cached; the store is re-read before any refresh

    def __repr__(self) -> str:
        return f"OAuth2RefreshAuth(source={self.source!r}, key={self.key!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("OAuth2RefreshAuth refreshes with async locks; use an httpx.AsyncClient")

    def _not_authorised(self) -> UpstreamAuthError:
        return UpstreamAuthError(self.source, f"not authorised: run `hub auth {self.source}`")

    def _expiring(self, token: OAuthToken) -> bool:
        return token.expires_at - self.skew <= self._clock()

    async def _current(self) -> OAuthToken:
        if self._token is None:
            self._token = await self.store.load(self.key)
        if self._token is None:
            raise self._not_authorised()
        return self._token

    def _locked(self) -> AbstractAsyncContextManager[None]:
        return _BothLocks(self._lock, self.store.refresh_lock(self.key))

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        token = await self._current()
        stale = self._expiring(token)  # refresh before sending rather than spend a request on a 401
        replayed = False
        while True:
            if stale:
                async with self._locked():
                    latest = await self.store.load(self.key)
                    if latest is None:
                        self._token = None
                        raise self._not_authorised()
                    if latest.version == token.version or self._expiring(latest):
                        if latest.refresh_token is None:
                            raise UpstreamAuthError(
                                self.source, f"access token expired and no refresh token is stored; "
                                f"run `hub auth {self.source}`")
                        response = yield _token_request(
                            self.token_url, self.client_id, self._client_secret,
                            {"grant_type": "refresh_token",
                             "refresh_token": latest.refresh_token.get_secret_value()})
                        await response.aread()
                        if response.status_code != 200:
                            raise _token_error(self.source, response)
                        rotated = _parse_token(self.source, response, now=self._clock(), previous=latest)
                        latest = await self.store.save(self.key, rotated)  # persisted before first use
                    # else: another request or process refreshed while we waited; use theirs.
                    self._token = token = latest
            request.headers["Authorization"] = f"Bearer {token.access_token.get_secret_value()}"
            response = yield request
            if response.status_code != 401 or replayed:
                return
            replayed, stale = True, True


class _BothLocks:
    """The in-process lock first (cheap queueing), then the store's cross-process lock."""

    def __init__(self, local: asyncio.Lock, shared: AbstractAsyncContextManager[None]) -> None:
        self._local = local
        self._shared = shared

    async def __aenter__(self) -> None:
        await self._local.acquire()
        try:
            await self._shared.__aenter__()
        except BaseException:
            self._local.release()
            raise

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await self._shared.__aexit__(*exc)
        finally:
            self._local.release()


class MemoryTokenStore:
    """A ``TokenStore`` in this process's memory: for tests and single-process use (not encrypted)."""

    def __init__(self, tokens: dict[str, OAuthToken] | None = None) -> None:
        self._tokens: dict[str, OAuthToken] = dict(tokens or {})
        self._locks: dict[str, asyncio.Lock] = {}
        self.saves = 0

    async def load(self, key: str) -> OAuthToken | None:
        return self._tokens.get(key)

    async def save(self, key: str, token: OAuthToken) -> OAuthToken:
        current = self._tokens.get(key)
        saved = replace(token, version=(current.version if current else 0) + 1)
        self._tokens[key] = saved
        self.saves += 1
        return saved

    def refresh_lock(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._locks.setdefault(key, asyncio.Lock())


def new_state() -> str:
    """An unguessable ``state`` value for one authorization request (CSRF protection, RFC 6749 §10.12)."""
    return secrets.token_urlsafe(24)


def build_authorize_url(authorize_url: str, *, client_id: str, redirect_uri: str, scopes: str,
                        state: str) -> str:
    """The URL the user opens to grant access (RFC 6749 §4.1.1).

    >>> build_authorize_url("https://appcenter.intuit.com/connect/oauth2", client_id="AB1",
    ...     redirect_uri="http://127.0.0.1:8000/cb", scopes="com.intuit.quickbooks.accounting", state="xyz")
    'https://appcenter.intuit.com/connect/oauth2?client_id=AB1&response_type=code&scope=com.intuit.quickbooks.accounting&redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fcb&state=xyz'
    """
    query = urlencode({"client_id": client_id, "response_type": "code", "scope": scopes,
                       "redirect_uri": redirect_uri, "state": state})
    return f"{authorize_url}{'&' if '?' in authorize_url else '?'}{query}"


def token_endpoint_client(upstreams: Upstreams, source: str, token_url: str) -> SourceClient:
    """A client for the token endpoint's origin, for ``exchange_authorization_code``.

    Its budget is its own (``<source>:oauth``): token calls do not count against the vendor's API limits.
    """
    parts = urlsplit(token_url)
    return upstreams.client(source, f"{parts.scheme}://{parts.netloc}", limits=[Limit(5, 1.0)],
                            budget_key=f"{source}:oauth", headers={"Accept": "application/json"},
                            vendor_errors=oauth_vendor_errors)


async def exchange_authorization_code(client: SourceClient, *, token_url: str, client_id: str,
                                      client_secret: SecretStr | str, code: str, redirect_uri: str,
                                      clock: Clock = _utcnow) -> OAuthToken:
    """Trade the ``code`` from the redirect for tokens (RFC 6749 §4.1.3); store the result yourself.

    Sent once, never retried: a code works one time only.
    """
    secret = client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    try:
        response = await client.request(
            "POST", token_url, endpoint=TOKEN_ENDPOINT, content=urlencode(form), idempotent=False,
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Authorization": _client_auth_header(client_id, secret)})
    except UpstreamAuthError as exc:
        raise UpstreamAuthError(
            client.source, f"authorization code rejected ({exc.vendor_code or 'HTTP ' + str(exc.status)}): "
            f"codes expire within minutes and work once, and redirect_uri must match; run `hub auth "
            f"{client.source}` again", status=exc.status, vendor_code=exc.vendor_code) from None
    return _parse_token(client.source, response, now=clock(), previous=None)
