"""Google credentials for Drive: a service account (JWT bearer grant) or a user's OAuth refresh token.

**Service account** (https://developers.google.com/identity/protocols/oauth2/service-account,
RFC 7523): we sign a JWT with the account's RSA key (RS256) and trade it at the token endpoint::

    POST https://oauth2.googleapis.com/token
    grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<header.claims.signature>

    claims = {"iss": <client_email>, "scope": "<space-separated scopes>",
              "aud": "https://oauth2.googleapis.com/token", "iat": now, "exp": now + 3600}
    -> {"access_token": "ya29.c…", "expires_in": 3599, "token_type": "Bearer"}

``exp`` may be at most one hour after ``iat``; ``sub`` (a user to impersonate) only with domain-wide
delegation. The token request is yielded from the ``httpx.Auth`` flow, so it goes through the
source's ``SourceClient`` (counted under the ``oauth.token`` endpoint like every other refresh);
signing uses ``cryptography`` directly, so ``google-auth`` is not needed.

**User credentials** reuse ``hub.http.oauth.OAuth2RefreshAuth``: it sends the client id and secret
with HTTP Basic (RFC 6749 §2.3.1), which Google accepts — its discovery document
(https://accounts.google.com/.well-known/openid-configuration) lists both ``client_secret_basic`` and
``client_secret_post`` under ``token_endpoint_auth_methods_supported``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr, ValidationError

from hub.errors import (
    ConfigError,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRetryable,
)
from hub.http import ENDPOINT_EXTENSION, parse_retry_after
from hub.http.oauth import TOKEN_ENDPOINT, OAuth2RefreshAuth, TokenResponse
from hub.http.oauth_types import TokenStore

__all__ = [
    "DRIVE_READONLY_SCOPE",
    "DRIVE_SCOPE",
    "GOOGLE_TOKEN_URL",
    "JWT_BEARER_GRANT",
    "ServiceAccountAuth",
    "build_assertion",
    "user_credentials_auth",
]

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DRIVE_READONLY_SCOPE = "https://www.googleapis.com/auth/drive.readonly"
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"  # copy, export and appProperties updates need it
MAX_ASSERTION_LIFETIME = 3600
_OAUTH_ERROR = re.compile(r"^[a-z_]{1,64}$")

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _load_key(pem: SecretStr) -> rsa.RSAPrivateKey:
    text = pem.get_secret_value()
    if "-----BEGIN" in text and "\n" not in text:  # a key pasted into an env var with literal "\n"s
        text = text.replace("\\n", "\n")
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        raise ConfigError("google service account private_key is not a readable PEM key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("google service account private_key must be an RSA key (RS256)")
    return key


def build_assertion(key: rsa.RSAPrivateKey, *, client_email: str, scopes: Sequence[str], audience: str,
                    now: datetime, lifetime: int = MAX_ASSERTION_LIFETIME, subject: str | None = None,
                    key_id: str | None = None) -> str:
    """The signed JWT (``header.claims.signature``, RS256) for the JWT bearer grant."""
    if not 0 < lifetime <= MAX_ASSERTION_LIFETIME:
        raise ValueError(f"assertion lifetime must be 1..{MAX_ASSERTION_LIFETIME} seconds")
    header: dict[str, str] = {"alg": "RS256", "typ": "JWT"}
    if key_id:
        header["kid"] = key_id
    issued = int(now.timestamp())
    claims: dict[str, Any] = {"iss": client_email, "scope": " ".join(scopes), "aud": audience,
                              "iat": issued, "exp": issued + lifetime}
    if subject:
        claims["sub"] = subject
    signing_input = ".".join(_b64url(json.dumps(part, separators=(",", ":")).encode())
                             for part in (header, claims))
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def _oauth_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) and _OAUTH_ERROR.match(code) else None


def _token_error(source: str, response: httpx.Response) -> UpstreamError:
    """What a refused JWT grant means; only the RFC 6749 error code is kept, never the description."""
    status = response.status_code
    code = _oauth_code(response)
    if status == 429:
        return UpstreamRateLimited(source, "token endpoint is throttling", status=status,
                                   retry_after=parse_retry_after(response.headers.get("Retry-After")))
    if status >= 500 or status == 408:
        return UpstreamRetryable(source, f"token endpoint failed (HTTP {status})", status=status)
    hint = {
        "invalid_grant": "the key may be deleted or rotated, client_email wrong, or the clock off",
        "invalid_scope": "a requested scope is unknown",
        "unauthorized_client": "the subject needs domain-wide delegation for these scopes",
        "invalid_client": "the service account or its key is disabled",
    }.get(code or "", "check the service account key")
    return UpstreamAuthError(
        source, f"service account token refused (HTTP {status}{', ' + code if code else ''}): {hint}",
        status=status, vendor_code=code)


class ServiceAccountAuth(httpx.Auth):
    """Bearer auth for a Google service account: mints tokens with a signed JWT, caches them until
    ``skew`` seconds before expiry, refreshes once on a 401 and replays the request.

    Refreshes are single-flight: concurrent requests wait on one lock and reuse the token the first
    one obtained. A second 401 is returned as is (``classify`` makes it ``UpstreamAuthError``).

    >>> auth = ServiceAccountAuth.from_service_account_info(json.load(open("sa.json")),
    ...                                                     scopes=[DRIVE_SCOPE])
    >>> drive = upstreams.client("google_drive", "https://www.googleapis.com", limits=[...], auth=auth,
    ...                          **GoogleDriveConnector.client_options())
    """

    requires_request_body = True  # a replay must be able to send the body again

    def __init__(self, *, client_email: str, private_key: SecretStr | str, scopes: Sequence[str],
                 source: str = "google_drive", token_url: str = GOOGLE_TOKEN_URL,
                 private_key_id: str | None = None, subject: str | None = None, skew: float = 60.0,
                 lifetime: int = MAX_ASSERTION_LIFETIME, clock: Clock = _utcnow) -> None:
        if not client_email or not scopes:
            raise ConfigError("google service account needs client_email and at least one scope")
        self.source = source
        self.client_email = client_email
        self.scopes = tuple(scopes)
        self.token_url = token_url
        self.subject = subject
        self.skew = timedelta(seconds=skew)
        self.lifetime = lifetime
        self._private_key = private_key if isinstance(private_key, SecretStr) else SecretStr(private_key)
        self._private_key_id = private_key_id
        self._key = _load_key(self._private_key)  # fail at start-up, not on the first request
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: SecretStr | None = None
        self._expires_at: datetime | None = None
        self.token_requests = 0

    @classmethod
    def from_service_account_info(cls, info: Mapping[str, Any], *, scopes: Sequence[str],
                                  **kwargs: Any) -> ServiceAccountAuth:
        """From the JSON key file Google issues (``type``, ``client_email``, ``private_key``, ...)."""
        if info.get("type", "service_account") != "service_account":
            raise ConfigError(f"google credentials are of type {info.get('type')!r}, not service_account")
        missing = [k for k in ("client_email", "private_key") if not info.get(k)]
        if missing:
            raise ConfigError(f"google service account info is missing: {', '.join(missing)}")
        kwargs.setdefault("token_url", info.get("token_uri") or GOOGLE_TOKEN_URL)
        return cls(client_email=str(info["client_email"]), private_key=SecretStr(str(info["private_key"])),
                   private_key_id=info.get("private_key_id"), scopes=scopes, **kwargs)

    def __repr__(self) -> str:
        return (f"ServiceAccountAuth(source={self.source!r}, client_email={self.client_email!r}, "
                f"scopes={list(self.scopes)!r})")

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("ServiceAccountAuth refreshes with async locks; use an httpx.AsyncClient")

    def _cached(self, *, rejected: SecretStr | None) -> SecretStr | None:
        """The cached token if it is neither expiring nor the one the API just refused."""
        token, expires = self._token, self._expires_at
        if token is None or expires is None or token is rejected:
            return None
        return token if expires - self.skew > self._clock() else None

    def _token_request(self) -> httpx.Request:
        assertion = build_assertion(self._key, client_email=self.client_email, scopes=self.scopes,
                                    audience=self.token_url, now=self._clock(), lifetime=self.lifetime,
                                    subject=self.subject, key_id=self._private_key_id)
        return httpx.Request("POST", self.token_url, data={"grant_type": JWT_BEARER_GRANT,
                                                          "assertion": assertion},
                             headers={"Accept": "application/json"},
                             extensions={ENDPOINT_EXTENSION: TOKEN_ENDPOINT})

    def _accept(self, response: httpx.Response) -> SecretStr:
        if response.status_code != 200:
            raise _token_error(self.source, response)
        try:
            parsed = TokenResponse.model_validate(response.json())
        except ValueError as exc:  # JSONDecodeError and ValidationError alike
            fields = ""
            if isinstance(exc, ValidationError):  # locations only: the values are tokens
                fields = ": " + ", ".join(sorted({".".join(map(str, e["loc"])) or "body"
                                                  for e in exc.errors()}))
            raise UpstreamBadResponse(self.source, f"{TOKEN_ENDPOINT} answer is unusable{fields}",
                                      status=response.status_code) from None
        if parsed.token_type.lower() != "bearer":
            raise UpstreamBadResponse(self.source, f"{TOKEN_ENDPOINT} issued an unsupported token type",
                                      status=response.status_code)
        self._token = parsed.access_token
        self._expires_at = self._clock() + timedelta(seconds=parsed.expires_in)
        return parsed.access_token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        rejected: SecretStr | None = None
        for replay in (False, True):
            token = self._cached(rejected=rejected)
            if token is None:
                async with self._lock:
                    token = self._cached(rejected=rejected)  # another request may have refreshed
                    if token is None:
                        self.token_requests += 1
                        token_response = yield self._token_request()
                        await token_response.aread()
                        token = self._accept(token_response)
            request.headers["Authorization"] = f"Bearer {token.get_secret_value()}"
            response = yield request
            if response.status_code != 401 or replay:
                return
            rejected = token


def user_credentials_auth(store: TokenStore, key: str, *, client_id: str, client_secret: SecretStr | str,
                          token_url: str = GOOGLE_TOKEN_URL, source: str = "google_drive"
                          ) -> OAuth2RefreshAuth:
    """Auth for a Google user who granted offline access (their refresh token is in ``store``).

    Google does not rotate refresh tokens on refresh, so answers without ``refresh_token`` keep the
    stored one (``TokenResponse.to_token``).
    """
    return OAuth2RefreshAuth(source, store, key, token_url=token_url, client_id=client_id,
                             client_secret=client_secret)
