"""Intuit's OAuth 2.0 server, simulated: authorize, token (code and refresh grants) and revoke.

Endpoints as published in https://developer.intuit.com/.well-known/openid-sandbox-configuration:
``GET /connect/oauth2`` (appcenter.intuit.com), ``POST /oauth2/v1/tokens/bearer``
(oauth.platform.intuit.com) and the revocation endpoint ``POST /v2/oauth2/tokens/revoke``
(developer.api.intuit.com; also served as ``/oauth2/v1/tokens/revoke``). The sandbox auto-approves
consent. Client authentication is ``client_secret_basic`` or ``client_secret_post``.

Deliberately stricter than Intuit: every refresh rotates the refresh token and the old one stops
working at once (Intuit may hand back the same value for up to a day). That makes "persist the
rotated token before using it" a property the tests can check.

>>> oauth = OAuthServer(realm_id="123", client_id="id", client_secret="s")
>>> tokens = oauth.issue_tokens()
>>> oauth.authenticate(tokens["access_token"]).realm_id
'123'
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

__all__ = ["ACCOUNTING_SCOPE", "Grant", "OAuthServer", "oauth_routes"]

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
AUTH_CODE_TTL = 300.0  # seconds an authorization code stays exchangeable


@dataclass
class Grant:
    """One connection of the app to one company: every token descends from it."""

    id: int
    realm_id: str
    scope: str
    revoked: bool = False


@dataclass
class _Code:
    grant_scope: str
    realm_id: str
    redirect_uri: str | None
    expires_at: float
    used: bool = False


@dataclass
class _Token:
    grant: Grant
    expires_at: float
    used: bool = False  # refresh tokens only


@dataclass
class OAuthServer:
    """Token state of the simulated Intuit OAuth server; tests reach it as ``app.state.oauth``."""

    realm_id: str
    client_id: str
    client_secret: str = field(repr=False)
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 8_726_400  # 101 days, Intuit's rolling x_refresh_token_expires_in
    clock: Callable[[], float] = time.time
    refreshes: int = field(default=0, init=False)  # successful refresh_token grants
    failed_refreshes: int = field(default=0, init=False)
    code_exchanges: int = field(default=0, init=False)
    token_requests: Counter[str] = field(default_factory=Counter, init=False)  # by grant_type
    _grants: list[Grant] = field(default_factory=list, init=False, repr=False)
    _codes: dict[str, _Code] = field(default_factory=dict, init=False, repr=False)
    _access: dict[str, _Token] = field(default_factory=dict, init=False, repr=False)
    _refresh: dict[str, _Token] = field(default_factory=dict, init=False, repr=False)

    # --- knobs for tests ------------------------------------------------------------------------

    def issue_authorization_code(
        self, *, redirect_uri: str | None = None, scope: str = ACCOUNTING_SCOPE, realm_id: str | None = None
    ) -> str:
        """A fresh code as if the user had just clicked Connect (redirect_uri is checked if given)."""
        code = "AB11" + secrets.token_urlsafe(24)
        self._codes[code] = _Code(
            scope, realm_id or self.realm_id, redirect_uri, self.clock() + AUTH_CODE_TTL
        )
        return code

    def issue_tokens(self, *, realm_id: str | None = None, scope: str = ACCOUNTING_SCOPE) -> dict[str, Any]:
        """Skip the handshake: a token response body for a new grant."""
        grant = Grant(len(self._grants) + 1, realm_id or self.realm_id, scope)
        self._grants.append(grant)
        return self._token_body(grant)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired (refresh tokens still work)."""
        now = self.clock()
        for token in self._access.values():
            token.expires_at = min(token.expires_at, now - 1)

    def expire_refresh_tokens(self) -> None:
        now = self.clock()
        for token in self._refresh.values():
            token.expires_at = min(token.expires_at, now - 1)

    def revoke_all(self) -> None:
        """The user disconnected the app: every grant, and so every token, is revoked."""
        for grant in self._grants:
            grant.revoked = True

    # --- used by the API side -------------------------------------------------------------------

    def authenticate(self, access_token: str | None) -> Grant | None:
        """The grant behind a live access token, or None (unknown, expired or revoked)."""
        token = self._access.get(access_token or "")
        if token is None or token.grant.revoked or token.expires_at <= self.clock():
            return None
        return token.grant

    def explain(self, access_token: str | None) -> str:
        """Why ``authenticate`` refused a token, in words fit for the 401 fault's ``detail``."""
        token = self._access.get(access_token or "")
        if not access_token:
            return "Authorization header missing or not a bearer token"
        if token is None:
            return "Malformed or unknown bearer token"
        if token.grant.revoked:
            return "Token revoked"
        return "Token expired"

    # --- protocol -------------------------------------------------------------------------------

    def _token_body(self, grant: Grant) -> dict[str, Any]:
        now = self.clock()
        access = "eyJ" + secrets.token_urlsafe(48)
        refresh = "AB11" + secrets.token_urlsafe(36)
        self._access[access] = _Token(grant, now + self.access_token_ttl)
        self._refresh[refresh] = _Token(grant, now + self.refresh_token_ttl)
        return {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self.access_token_ttl,
            "x_refresh_token_expires_in": self.refresh_token_ttl,
        }

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header[:6].lower() == "basic ":
            try:
                user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
        else:
            user, password = form.get("client_id", ""), form.get("client_secret", "")
        return secrets.compare_digest(user, self.client_id) and secrets.compare_digest(
            password, self.client_secret
        )

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        redirect_uri = q.get("redirect_uri")
        if q.get("client_id") != self.client_id or not redirect_uri:
            # Intuit shows an error page rather than redirecting to an unverified URI.
            return JSONResponse(
                {"error": "invalid_request", "error_description": "bad client_id or redirect_uri"},
                status_code=400,
            )
        params: dict[str, str] = {}
        if q.get("response_type") != "code":
            params["error"] = "unsupported_response_type"
        elif ACCOUNTING_SCOPE not in (q.get("scope") or "").split():
            params["error"] = "invalid_scope"
        else:
            params["code"] = self.issue_authorization_code(redirect_uri=redirect_uri, scope=q["scope"])
            params["realmId"] = self.realm_id
        if "state" in q:
            params["state"] = q["state"]
        parts = urlsplit(redirect_uri)
        query = "&".join(p for p in (parts.query, urlencode(params)) if p)
        return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=302)

    async def token(self, request: Request) -> Response:
        form = await _form(request)
        grant_type = form.get("grant_type", "")
        self.token_requests[grant_type] += 1
        if not self._client_ok(request, form):
            return _oauth_error("invalid_client", 401)
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            return self._refresh_grant(form)
        return _oauth_error("unsupported_grant_type", 400)

    def _exchange_code(self, form: dict[str, str]) -> Response:
        code = self._codes.get(form.get("code", ""))
        if (
            code is None
            or code.used
            or code.expires_at <= self.clock()
            or (code.redirect_uri is not None and form.get("redirect_uri") != code.redirect_uri)
        ):
            return _oauth_error("invalid_grant", 400)
        code.used = True
        self.code_exchanges += 1
        grant = Grant(len(self._grants) + 1, code.realm_id, code.grant_scope)
        self._grants.append(grant)
        return _token_response(self._token_body(grant))

    def _refresh_grant(self, form: dict[str, str]) -> Response:
        token = self._refresh.get(form.get("refresh_token", ""))
        if token is None or token.used or token.grant.revoked or token.expires_at <= self.clock():
            self.failed_refreshes += 1
            return _oauth_error("invalid_grant", 400)
        token.used = True
        self.refreshes += 1
        return _token_response(self._token_body(token.grant))

    async def revoke(self, request: Request) -> Response:
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return _oauth_error("invalid_request", 400)
            form = {k: str(v) for k, v in body.items()} if isinstance(body, dict) else {}
        else:
            form = await _form(request)
        if not self._client_ok(request, form):
            return _oauth_error("invalid_client", 401)
        value = form.get("token", "")
        found = self._refresh.get(value) or self._access.get(value)
        if found is not None:  # revoking either token disconnects the whole grant
            found.grant.revoked = True
        return Response(status_code=200)  # RFC 7009: unknown tokens are not an error


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (parsed here: no multipart dependency needed)."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(raw, keep_blank_values=True))


def _oauth_error(error: str, status: int) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers={"Cache-Control": "no-store"})


def _token_response(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def oauth_routes(server: OAuthServer) -> list[Route]:
    """Routes of the OAuth server, to mount beside the API (the sandbox serves both on one host)."""
    return [
        Route("/connect/oauth2", server.authorize, methods=["GET"]),
        Route("/oauth2/v1/tokens/bearer", server.token, methods=["POST"]),
        Route("/oauth2/v1/tokens/revoke", server.revoke, methods=["POST"]),
        Route("/v2/oauth2/tokens/revoke", server.revoke, methods=["POST"]),
    ]
