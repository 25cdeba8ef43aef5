"""Google's OAuth 2.0 token endpoint, simulated for the Drive sandbox (``POST /token``).

Two grants, as Google documents them:

* Service accounts (https://developers.google.com/identity/protocols/oauth2/service-account):
  ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and ``assertion=<JWT>``, the JWT signed
  RS256 with the account's private key; claims ``iss`` (account email), ``scope``, ``aud`` (the token
  URL), ``iat`` and ``exp`` at most one hour after ``iat``; optional ``sub`` to impersonate a user.
  Here ``aud`` may be Google's token URL or the simulator's own ``/token`` URL (the hub points its token
  URL at the sandbox and signs for that). The signature is checked against the account's public key
  with ``cryptography`` directly.
* Installed/web apps: ``grant_type=refresh_token`` with ``client_id`` and ``client_secret`` in the form
  (or HTTP Basic). Google does not rotate the refresh token, and neither does the simulator.

Errors are Google's: 400 ``invalid_grant`` (bad signature, audience, times, unknown or revoked
refresh token), 401 ``invalid_client``, 400 ``unsupported_grant_type`` / ``invalid_scope``.
Access tokens live an hour (``expires_in`` 3599) and are opaque ``ya29.`` strings.

>>> server = GoogleTokenServer(service_accounts={}, clients={}, refresh_tokens={})
>>> server.authenticate(server.issue("robot@example.iam.gserviceaccount.com")).principal
'robot@example.iam.gserviceaccount.com'
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
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = [
    "DRIVE_SCOPE",
    "GOOGLE_TOKEN_URLS",
    "JWT_BEARER",
    "AccessGrant",
    "GoogleTokenServer",
    "make_assertion",
]

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
# Audiences Google accepts for its token endpoint (the current one and the two historic ones).
GOOGLE_TOKEN_URLS = frozenset(
    {
        "https://oauth2.googleapis.com/token",
        "https://www.googleapis.com/oauth2/v4/token",
        "https://accounts.google.com/o/oauth2/token",
    }
)
MAX_ASSERTION_LIFETIME = 3600
CLOCK_SKEW = 300  # seconds of leeway on iat/exp, as token servers commonly allow
_TIMEFRAME = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)


@dataclass
class AccessGrant:
    """Who an access token speaks for, with which scopes, until when."""

    principal: str
    scope: str
    expires_at: float
    revoked: bool = False

    def allows_writes(self) -> bool:
        scopes = set(self.scope.split())
        return bool(scopes & {DRIVE_SCOPE, "https://www.googleapis.com/auth/drive.file"})


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_assertion(
    private_key_pem: str, claims: dict[str, Any], *, key_id: str | None = None, alg: str = "RS256"
) -> str:
    """Sign a JWT with ``private_key_pem`` (RS256), as a service-account client would. For tests."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    header: dict[str, str] = {"alg": alg, "typ": "JWT"}
    if key_id:
        header["kid"] = key_id
    signing_input = ".".join(
        _b64encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64encode(signature)}"


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


@dataclass
class GoogleTokenServer:
    """State of the simulated token endpoint; tests reach it as ``app.state.tokens``.

    ``service_accounts``: email -> public key PEM. ``clients``: OAuth client id -> secret.
    ``refresh_tokens``: refresh token -> (client id, user email, scope).
    """

    service_accounts: dict[str, str]
    clients: dict[str, str] = field(repr=False)
    refresh_tokens: dict[str, tuple[str, str, str]] = field(repr=False)
    access_token_ttl: int = 3600
    clock: Callable[[], float] = time.time
    grants: Counter[str] = field(default_factory=Counter, init=False)  # successful, by grant_type
    failures: Counter[str] = field(default_factory=Counter, init=False)  # refused, by error_description
    _access: dict[str, AccessGrant] = field(default_factory=dict, init=False, repr=False)
    _keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for email, pem in self.service_accounts.items():
            key = serialization.load_pem_public_key(pem.encode())
            assert isinstance(key, rsa.RSAPublicKey)
            self._keys[email] = key

    # --- knobs for tests ------------------------------------------------------------------------

    def issue(self, principal: str, scope: str = DRIVE_SCOPE) -> str:
        """Skip the grant: a live access token for ``principal``."""
        token = "ya29.c." + secrets.token_urlsafe(48)
        self._access[token] = AccessGrant(principal, scope, self.clock() + self.access_token_ttl)
        return token

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired."""
        now = self.clock()
        for grant in self._access.values():
            grant.expires_at = min(grant.expires_at, now - 1)

    def revoke_refresh_tokens(self) -> None:
        """The user removed the app's access: refresh tokens stop working."""
        self.refresh_tokens.clear()

    # --- used by the API side -------------------------------------------------------------------

    def authenticate(self, token: str | None) -> AccessGrant | None:
        grant = self._access.get(token or "")
        if grant is None or grant.revoked or grant.expires_at <= self.clock():
            return None
        return grant

    # --- protocol -------------------------------------------------------------------------------

    def _token_body(self, principal: str, scope: str, *, with_scope: bool) -> JSONResponse:
        body: dict[str, Any] = {
            "access_token": self.issue(principal, scope),
            "expires_in": self.access_token_ttl - 1,  # Google answers 3599
            "token_type": "Bearer",
        }
        if with_scope:
            body["scope"] = scope
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _refuse(self, error: str, description: str, status: int = 400) -> JSONResponse:
        self.failures[description] += 1
        return _oauth_error(error, description, status)

    async def token(self, request: Request) -> Response:
        raw = (await request.body()).decode("utf-8", errors="replace")
        form = dict(parse_qsl(raw, keep_blank_values=True))
        grant_type = form.get("grant_type", "")
        if grant_type == JWT_BEARER:
            audience = str(request.url.replace(query=""))
            return self._jwt_grant(form.get("assertion", ""), audience)
        if grant_type == "refresh_token":
            return self._refresh_grant(request, form)
        return self._refuse("unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _jwt_grant(self, assertion: str, own_url: str) -> JSONResponse:
        try:
            header_b64, claims_b64, signature_b64 = assertion.split(".")
            header = json.loads(_b64decode(header_b64))
            claims = json.loads(_b64decode(claims_b64))
            signature = _b64decode(signature_b64)
        except (ValueError, binascii.Error):
            return self._refuse("invalid_grant", "Invalid JWT: could not decode the assertion.")
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return self._refuse("invalid_grant", "Invalid JWT: could not decode the assertion.")
        key = self._keys.get(str(claims.get("iss", "")))
        if key is None:
            return self._refuse("invalid_grant", "Invalid grant: account not found")
        if header.get("alg") != "RS256":
            return self._refuse("invalid_grant", "Invalid JWT Signature.")
        try:
            key.verify(signature, f"{header_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return self._refuse("invalid_grant", "Invalid JWT Signature.")
        if claims.get("aud") not in GOOGLE_TOKEN_URLS | {own_url}:
            return self._refuse("invalid_grant", "Invalid JWT: Failed audience check.")
        iat, exp, now = claims.get("iat"), claims.get("exp"), self.clock()
        if (
            not isinstance(iat, int | float)
            or not isinstance(exp, int | float)
            or exp <= iat
            or exp - iat > MAX_ASSERTION_LIFETIME
            or iat > now + CLOCK_SKEW
            or exp < now - CLOCK_SKEW
        ):
            return self._refuse("invalid_grant", _TIMEFRAME)
        scope = str(claims.get("scope", "")).strip()
        if not scope:
            return self._refuse("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        self.grants[JWT_BEARER] += 1
        principal = str(claims.get("sub") or claims["iss"])  # sub: domain-wide delegation
        return self._token_body(principal, scope, with_scope=False)

    def _client(self, request: Request, form: dict[str, str]) -> tuple[str, str]:
        header = request.headers.get("authorization", "")
        if header[:6].lower() == "basic ":
            try:
                user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
                return user, password
            except (binascii.Error, UnicodeDecodeError):
                return "", ""
        return form.get("client_id", ""), form.get("client_secret", "")

    def _refresh_grant(self, request: Request, form: dict[str, str]) -> JSONResponse:
        client_id, client_secret = self._client(request, form)
        if client_id not in self.clients:
            return self._refuse("invalid_client", "The OAuth client was not found.", 401)
        if not secrets.compare_digest(client_secret, self.clients[client_id]):
            return self._refuse("invalid_client", "Unauthorized", 401)
        record = self.refresh_tokens.get(form.get("refresh_token", ""))
        if record is None or record[0] != client_id:
            return self._refuse("invalid_grant", "Token has been expired or revoked.")
        self.grants["refresh_token"] += 1
        return self._token_body(record[1], record[2], with_scope=True)
