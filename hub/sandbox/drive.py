"""Google Drive API v3 simulator (with the Docs API's merge calls and Google's token endpoint).

Serves the costume shop's Drive (``seed_documents``): a shared drive "Costume Shop" with client
folders, proposals, signed contracts and the proposal template, plus the service account's own My
Drive. Endpoints are listed in ``drive_api``; the ``q`` language in ``drive_query``; ``fields`` in
``drive_fields``; the token endpoint ``POST /token`` in ``drive_oauth``.

Every API call passes one gate, in this order:

1. fault knobs (``app.state.faults``): outage 503 ``backendError``, error 500 ``backendError``, a 429
   burst answers 429 ``rateLimitExceeded`` (domain ``usageLimits``);
2. ``Authorization: Bearer <token>`` from ``/token``: missing, unknown or expired is 401 ``authError``;
3. per-user quota: more than ``per_user_per_100s`` calls in a rolling 100 s window is 403
   ``userRateLimitExceeded`` (or 429 ``rateLimitExceeded`` with ``rate_limit_status=429``), as in
   https://developers.google.com/workspace/drive/api/guides/limits and handle-errors;
4. a write with a read-only scope is 403 ``insufficientPermissions``.

Google sends no ``Retry-After`` with these; the sandbox adds one (seconds until the window frees a
slot) so a client may honour it. Fault knobs and quota do not apply to ``/token`` (another Google host).
``app.state.requests`` counts (method, route template) for every request, refused ones included.

>>> app = create_drive_app()
>>> token = app.state.tokens.issue(DRIVE_SERVICE_ACCOUNT_EMAIL)
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from typing import Literal

from cryptography.hazmat.primitives import serialization
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.counting import CountRequests
from hub.sandbox.drive_api import DriveApi
from hub.sandbox.drive_docs import DocsError
from hub.sandbox.drive_errors import DriveError
from hub.sandbox.drive_oauth import AccessGrant, GoogleTokenServer
from hub.sandbox.drive_store import DriveStore
from hub.sandbox.faults import Faults
from hub.sandbox.seed_documents import (
    DRIVE_CLIENT_ID,
    DRIVE_CLIENT_SECRET,
    DRIVE_REFRESH_TOKEN,
    DRIVE_SANDBOX_PRIVATE_KEY,
    DRIVE_SERVICE_ACCOUNT_EMAIL,
    DRIVE_USER_EMAIL,
    Documents,
    build_documents,
)

__all__ = ["DriveGate", "create_drive_app"]

WINDOW = 100.0  # seconds of Drive's per-user quota window
Handler = Callable[[DriveApi, Request, AccessGrant], Awaitable[Response]]


def _error(error: DriveError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.code, headers=headers)


class _Quota:
    """Rolling window per principal; refused calls do not count."""

    def __init__(self, limit: int, clock: Callable[[], float]) -> None:
        self.limit, self.clock = limit, clock
        self.hits: dict[str, deque[float]] = {}
        self.refused = 0

    def hit(self, principal: str) -> float | None:
        """Record a call: None if allowed, else seconds until a slot frees."""
        now = self.clock()
        window = self.hits.setdefault(principal, deque())
        while window and window[0] <= now - WINDOW:
            window.popleft()
        if len(window) >= self.limit:
            self.refused += 1
            return window[0] + WINDOW - now
        window.append(now)
        return None


class DriveGate:
    """Faults, auth, quota and scope in front of every API handler (``app.state.api``)."""

    def __init__(
        self,
        api: DriveApi,
        tokens: GoogleTokenServer,
        faults: Faults,
        quota: _Quota | None,
        rate_limit_status: Literal[403, 429],
    ) -> None:
        self.api, self.tokens, self.faults, self.quota = api, tokens, faults, quota
        self.rate_limit_status = rate_limit_status

    def rate_limited(self, status: int, wait: float) -> JSONResponse:
        user = status == 403
        reason = "userRateLimitExceeded" if user else "rateLimitExceeded"
        message = "User Rate Limit Exceeded" if user else "Rate Limit Exceeded"
        error = DriveError(status, reason, message, domain="usageLimits")
        return _error(error, {"Retry-After": str(max(1, math.ceil(wait)))})

    async def __call__(self, request: Request, handler: Handler) -> Response:
        decision = self.faults.decide()
        await self.faults.delay()
        if decision == "outage":
            return _error(DriveError(503, "backendError", "The service is currently unavailable."))
        if decision == "error":
            return _error(DriveError(500, "backendError", "Backend Error"))
        if decision == "rate_limited":
            return self.rate_limited(429, 1.0)
        header = request.headers.get("authorization", "")
        grant = self.tokens.authenticate(header[7:].strip() if header[:7].lower() == "bearer " else None)
        if grant is None:
            message = (
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
                "or other valid authentication credential."
            )
            error = DriveError(401, "authError", message, location="Authorization", location_type="header")
            return _error(error, {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
        if self.quota is not None and (wait := self.quota.hit(grant.principal)) is not None:
            return self.rate_limited(self.rate_limit_status, wait)
        if request.method != "GET" and not grant.allows_writes():
            message = "Request had insufficient authentication scopes."
            return _error(DriveError(403, "insufficientPermissions", message))
        try:
            return await handler(self.api, request, grant)
        except DriveError as exc:
            return _error(exc)
        except DocsError as exc:
            return JSONResponse(exc.body(), status_code=exc.code)


def _public_key(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()


def create_drive_app(
    documents: Documents | None = None,
    *,
    faults: Faults | None = None,
    enforce_rate_limit: bool = True,
    per_user_per_100s: int = 1000,
    rate_limit_status: Literal[403, 429] = 403,
    access_token_ttl: int = 3600,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The Drive simulator as an ASGI app; ``documents`` defaults to ``build_documents()``.

    ``app.state``: ``faults``; ``store`` (``DriveStore``: ``files`` id -> File resource (mutable),
    ``contents``, ``texts``, ``drives``, ``changes``, ``record()``/``touch()`` to log a change made
    behind the API's back); ``files`` (= ``store.files``); ``tokens`` (``GoogleTokenServer``:
    ``issue(principal, scope)``, ``expire_access_tokens()``, ``revoke_refresh_tokens()``, ``grants``,
    ``failures``); ``requests`` (Counter of (method, route template)); ``api`` (the ``DriveGate``:
    ``rate_limit_status`` may be flipped by tests, ``quota.refused`` counts refusals).
    ``per_user_per_100s`` defaults to Drive's long-standing 1,000 requests per 100 s per user.
    """
    documents = documents if documents is not None else build_documents()
    faults = faults or Faults()
    store = DriveStore(documents, clock)
    tokens = GoogleTokenServer(
        service_accounts={DRIVE_SERVICE_ACCOUNT_EMAIL: _public_key(DRIVE_SANDBOX_PRIVATE_KEY)},
        clients={DRIVE_CLIENT_ID: DRIVE_CLIENT_SECRET},
        refresh_tokens={
            DRIVE_REFRESH_TOKEN: (DRIVE_CLIENT_ID, DRIVE_USER_EMAIL, "https://www.googleapis.com/auth/drive")
        },
        access_token_ttl=access_token_ttl,
        clock=clock,
    )
    quota = _Quota(per_user_per_100s, clock) if enforce_rate_limit else None
    gate = DriveGate(DriveApi(store), tokens, faults, quota, rate_limit_status)

    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        async def endpoint(request: Request) -> Response:
            return await gate(request, handler)

        return Route(path, endpoint, methods=methods)

    files, upload = "/drive/v3/files", "/upload/drive/v3/files"
    routes = [
        Route("/token", tokens.token, methods=["POST"]),
        route(files, DriveApi.list_files, ["GET"]),
        route(files, DriveApi.create_file, ["POST"]),
        route(upload, DriveApi.create_file, ["POST"]),
        route(files + "/{file_id}", DriveApi.get_file, ["GET"]),
        route(files + "/{file_id}", DriveApi.update_file, ["PATCH"]),
        route(files + "/{file_id}", DriveApi.delete_file, ["DELETE"]),
        route(upload + "/{file_id}", DriveApi.update_file, ["PATCH"]),
        route(files + "/{file_id}/copy", DriveApi.copy_file, ["POST"]),
        route(files + "/{file_id}/export", DriveApi.export_file, ["GET"]),
        route("/drive/v3/drives", DriveApi.list_drives, ["GET"]),
        route("/drive/v3/drives/{drive_id}", DriveApi.get_drive, ["GET"]),
        route("/drive/v3/about", DriveApi.about, ["GET"]),
        route("/drive/v3/changes/startPageToken", DriveApi.start_page_token, ["GET"]),
        route("/drive/v3/changes", DriveApi.list_changes, ["GET"]),
        route("/v1/documents/{document_id}:batchUpdate", DriveApi.docs_batch_update, ["POST"]),
        route("/v1/documents/{document_id}", DriveApi.docs_get, ["GET"]),
    ]
    counter: Counter[tuple[str, str]] = Counter()
    app = Starlette(routes=routes)
    app.add_middleware(CountRequests, counter=counter)
    app.state.faults = faults
    app.state.store = store
    app.state.files = store.files
    app.state.tokens = tokens
    app.state.requests = counter
    app.state.api = gate
    return app
