"""connectors.google_drive: files.list paging, q building, shared-drive flags, errors, changes, auth.

Vendor payloads are saved fixtures in Google's shapes (tests/connectors/fixtures/google_drive); respx
plays Drive and Google's token endpoint. Assertions count requests and read what was sent.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

import connectors.google_drive as gd
from connectors.google_drive import (
    DRIVE_SCOPE,
    GOOGLE_TOKEN_URL,
    JWT_BEARER_GRANT,
    DriveFile,
    GoogleDriveConnector,
    ServiceAccountAuth,
    user_credentials_auth,
)
from connectors.google_drive import query as dq
from hub.errors import (
    ConfigError,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamFatal,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRetryable,
)
from hub.http import Limit, Upstreams
from hub.http.oauth import TOKEN_ENDPOINT, MemoryTokenStore
from hub.http.oauth_types import OAuthToken
from hub.settings import HttpSettings

FIXTURES = Path(__file__).parent / "fixtures" / "google_drive"
BASE = "https://www.googleapis.com"
FILES = f"{BASE}/drive/v3/files"
CHANGES = f"{BASE}/drive/v3/changes"
SHARED_DRIVE = "0AFcostumeShopSharedDrvUk9PVA"
SA_EMAIL = "hub-reader@costume-shop-hub.iam.gserviceaccount.com"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KEY_PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def token_answer(n: int = 1, expires_in: int = 3599) -> httpx.Response:
    return httpx.Response(200, json={**fixture("token"), "access_token": f"ya29.c.token-{n}",
                                     "expires_in": expires_in})


def b64url_json(part: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    ups = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=2.0, max_attempts=3))
    yield ups
    await ups.aclose()


def sa_auth(**kwargs: Any) -> ServiceAccountAuth:
    return ServiceAccountAuth(client_email=SA_EMAIL, private_key=SecretStr(KEY_PEM), scopes=[DRIVE_SCOPE],
                              private_key_id="sandbox-key-1", **kwargs)


def connector(upstreams: Upstreams, *, auth: httpx.Auth | None = None,
              **kwargs: Any) -> GoogleDriveConnector:
    client = upstreams.client("google_drive", BASE, limits=[Limit(1000, 1.0)], auth=auth,
                              **GoogleDriveConnector.client_options())
    kwargs.setdefault("shared_drive_id", SHARED_DRIVE)
    return GoogleDriveConnector(client, **kwargs)


def params(call: Any) -> dict[str, str]:
    return dict(call.request.url.params)


# -- public surface ---------------------------------------------------------------------------------

def test_public_api_is_pinned() -> None:
    assert sorted(gd.__all__) == sorted([
        "CHANGE_FIELDS", "DEFAULT_FIELDS", "DRIVE_READONLY_SCOPE", "DRIVE_SCOPE", "GOOGLE_TOKEN_URL",
        "IDEMPOTENCY_PROPERTY", "JWT_BEARER_GRANT", "RATE_LIMIT_REASONS", "AboutUser", "DriveChange",
        "DriveFile", "GoogleDriveConnector", "ServiceAccountAuth", "build_assertion",
        "drive_vendor_errors", "user_credentials_auth"])
    for name in gd.__all__:
        assert getattr(gd, name) is not None


# -- q building -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("Maya Ortiz", "'Maya Ortiz'"),
    ("Valentine's Day", "'Valentine\\'s Day'"),
    ("back\\slash", "'back\\\\slash'"),
    ("trailing\\", "'trailing\\\\'"),          # would otherwise escape the closing quote
    ("\\'", "'\\\\\\''"),                       # backslash first, then the quote
    ("' or name contains '", "'\\' or name contains \\''"),
])
def test_quote_escapes_quote_and_backslash(value: str, expected: str) -> None:
    assert dq.quote(value) == expected


def test_query_refuses_what_drive_would_misread() -> None:
    with pytest.raises(ValueError, match="NUL"):
        dq.quote("a\x00b")
    with pytest.raises(ValueError, match="search term"):
        dq.compare("name) or (trashed", "=", "x")
    with pytest.raises(ValueError, match="operator"):
        dq.compare("name", "or", "x")
    with pytest.raises(ValueError, match="timezone"):
        dq.timestamp(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="124"):
        dq.app_properties({"hubNote": "x" * 120})


def test_query_composition_and_times() -> None:
    assert dq.compare("modifiedTime", ">", datetime(2026, 3, 4, 13, 0, tzinfo=UTC)) == \
        "modifiedTime > '2026-03-04T13:00:00.000Z'"
    q = dq.all_of(dq.not_trashed(), dq.any_of(dq.name_is("A"), dq.name_is("B")))
    assert q == "trashed = false and ((name = 'A') or (name = 'B'))"
    assert dq.app_properties({"a": "1", "b": "2"}) == (
        "(appProperties has { key='a' and value='1' }) and (appProperties has { key='b' and value='2' })")


# -- files.list -------------------------------------------------------------------------------------

async def test_two_pages_then_stop_with_shared_drive_flags(upstreams: Upstreams,
                                                           mock: respx.MockRouter) -> None:
    route = mock.get(FILES).mock(side_effect=[httpx.Response(200, json=fixture("files_list_page_1")),
                                              httpx.Response(200, json=fixture("files_list_page_2"))])
    files = await connector(upstreams, page_size=2).list_files("trashed = false")
    assert [f.name for f in files] == ["Proposal E-1001 - Maya Ortiz", "Proposal E-1001 - Maya Ortiz.pdf",
                                       "Contract E-1001 - Maya Ortiz (signed).pdf"]
    assert route.call_count == 2
    first, second = params(route.calls[0]), params(route.calls[1])
    assert "pageToken" not in first
    assert second["pageToken"] == fixture("files_list_page_1")["nextPageToken"]
    for sent in (first, second):
        assert sent["q"] == "trashed = false"
        assert sent["pageSize"] == "2"
        assert sent["supportsAllDrives"] == "true"
        assert sent["includeItemsFromAllDrives"] == "true"
        assert sent["corpora"] == "drive" and sent["driveId"] == SHARED_DRIVE
        assert sent["fields"].startswith("nextPageToken,files(") and "appProperties" in sent["fields"]
    assert route.calls[0].request.headers["Accept"] == "application/json"


async def test_without_a_shared_drive_no_corpora_is_forced(upstreams: Upstreams,
                                                           mock: respx.MockRouter) -> None:
    route = mock.get(FILES).respond(200, json=fixture("files_list_page_2"))
    await connector(upstreams, shared_drive_id=None).list_files("trashed = false")
    sent = params(route.calls[0])
    assert "corpora" not in sent and "driveId" not in sent
    assert sent["supportsAllDrives"] == "true" and sent["includeItemsFromAllDrives"] == "true"


async def test_files_parse_to_typed_models(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(FILES).respond(200, json={"files": fixture("files_list_page_1")["files"]})
    doc, pdf = await connector(upstreams).list_files("trashed = false")
    assert doc.mime_type == "application/vnd.google-apps.document" and doc.is_google_doc
    assert not pdf.is_google_doc and not pdf.is_folder
    assert doc.modified_time == datetime(2026, 3, 4, 10, 15, 30, 123000, tzinfo=UTC)
    assert doc.modified_time.tzinfo is UTC
    assert doc.app_properties == {"hubCustomerQboId": "12", "hubEstimate": "E-1001", "hubKind": "proposal"}
    assert doc.parents == ["1mAyAoRtIzFoLdEr00000000000000000"] and doc.drive_id == SHARED_DRIVE
    assert doc.web_view_link and doc.web_view_link.startswith("https://docs.google.com/document/d/")
    record = connector(upstreams).record(doc)
    assert (record.source, record.collection, record.external_id) == ("google_drive", "files", doc.id)
    assert record.updated_at == doc.modified_time and record.url == doc.web_view_link
    assert record.data["mimeType"] == doc.mime_type
    assert DriveFile.model_validate(doc.wire()) == doc  # Drive's own spelling round-trips


async def test_files_for_customer_is_one_request_with_an_or(upstreams: Upstreams,
                                                            mock: respx.MockRouter) -> None:
    route = mock.get(FILES).respond(200, json=fixture("files_list_page_2"))
    await connector(upstreams).files_for_customer(customer_folder="1mAyA",
                                                  app_properties={"hubCustomerQboId": "O'12"})
    assert route.call_count == 1
    assert params(route.calls[0])["q"] == (
        "trashed = false and mimeType != 'application/vnd.google-apps.folder' and "
        "((appProperties has { key='hubCustomerQboId' and value='O\\'12' }) or ('1mAyA' in parents))")
    assert params(route.calls[0])["orderBy"] == "modifiedTime desc"
    await connector(upstreams).files_for_customer(customer_folder=None, app_properties={"k": "v"})
    assert "in parents" not in params(route.calls[1])["q"]
    with pytest.raises(ValueError):
        await connector(upstreams).files_for_customer(customer_folder=None, app_properties={})


async def test_find_folders_resolves_many_names_in_one_request(upstreams: Upstreams,
                                                               mock: respx.MockRouter) -> None:
    folder = {"id": "1oBrIeN", "name": "O'Brien & Sons", "mimeType": "application/vnd.google-apps.folder",
              "parents": ["1cLiEnTs"]}
    route = mock.get(FILES).respond(200, json={"files": [folder]})
    found = await connector(upstreams).find_folders(["O'Brien & Sons", "Maya Ortiz"], parent="1cLiEnTs")
    assert list(found) == ["O'Brien & Sons"] and found["O'Brien & Sons"].is_folder
    assert route.call_count == 1
    assert params(route.calls[0])["q"] == (
        "trashed = false and mimeType = 'application/vnd.google-apps.folder' and '1cLiEnTs' in parents "
        "and ((name = 'O\\'Brien & Sons') or (name = 'Maya Ortiz'))")


# -- errors -----------------------------------------------------------------------------------------

async def test_403_user_rate_limit_then_success_honours_retry_after(upstreams: Upstreams,
                                                                    mock: respx.MockRouter) -> None:
    route = mock.get(FILES).mock(side_effect=[
        httpx.Response(403, json=fixture("error_403_user_rate_limit"), headers={"Retry-After": "0"}),
        httpx.Response(200, json=fixture("files_list_page_2"))])
    files = await connector(upstreams).list_files("trashed = false")
    assert len(files) == 1 and route.call_count == 2


async def test_403_rate_limit_without_retry_after_backs_off_and_retries(upstreams: Upstreams,
                                                                        mock: respx.MockRouter) -> None:
    route = mock.get(FILES).mock(side_effect=[
        httpx.Response(403, json=fixture("error_403_user_rate_limit")),
        httpx.Response(200, json=fixture("files_list_page_2"))])
    drive = connector(upstreams)
    assert len(await drive.list_files("trashed = false")) == 1
    assert route.call_count == 2
    assert drive._client.budget.waited_seconds > 0  # the budget paused everyone, then let the retry go


async def test_429_rate_limit_is_retried(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(FILES).mock(side_effect=[
        httpx.Response(429, json=fixture("error_429_rate_limit"), headers={"Retry-After": "0"}),
        httpx.Response(200, json=fixture("files_list_page_2"))])
    assert len(await connector(upstreams).list_files("trashed = false")) == 1
    assert route.call_count == 2


async def test_rate_limit_that_persists_is_rate_limited_without_urls(upstreams: Upstreams,
                                                                     mock: respx.MockRouter) -> None:
    route = mock.get(FILES).respond(403, json=fixture("error_403_user_rate_limit"),
                                    headers={"Retry-After": "0"})
    with pytest.raises(UpstreamRateLimited) as caught:
        await connector(upstreams).list_files("trashed = false")
    assert route.call_count == 3  # max_attempts
    assert caught.value.vendor_code == "userRateLimitExceeded" and caught.value.retry_after == 0
    assert caught.value.source == "google_drive"
    assert "http" not in str(caught.value) and "project=" not in str(caught.value)


async def test_403_permission_is_fatal_and_not_retried(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(f"{FILES}/1nOpE").respond(403, json=fixture("error_403_insufficient_permissions"))
    with pytest.raises(UpstreamFatal) as caught:
        await connector(upstreams).get("1nOpE")
    assert not isinstance(caught.value, UpstreamRateLimited)
    assert caught.value.vendor_code == "insufficientFilePermissions" and route.call_count == 1


async def test_404_is_not_found(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(f"{FILES}/1mIsSiNg").respond(404, json=fixture("error_404_not_found"))
    with pytest.raises(UpstreamNotFound) as caught:
        await connector(upstreams).get("1mIsSiNg")
    assert caught.value.vendor_code == "notFound"


async def test_500_backend_error_is_retried(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(f"{FILES}/1tEmPlAtE").mock(side_effect=[
        httpx.Response(500, json=fixture("error_500_backend")),
        httpx.Response(200, json=fixture("file_get"))])
    assert (await connector(upstreams).get("1tEmPlAtE")).name == "Proposal template"
    assert route.call_count == 2
    assert params(route.calls[1])["supportsAllDrives"] == "true"


@pytest.mark.parametrize("body", [
    {"nextPageToken": "x"},                                   # no files
    {"files": {"id": "1"}},                                   # files not a list
    {"files": [{"name": "no id"}]},                           # a file without id
    {"files": [{"id": "1", "modifiedTime": "2026-03-04T10:00:00"}]},  # a time without zone
])
async def test_malformed_list_body_is_bad_response(upstreams: Upstreams, mock: respx.MockRouter,
                                                   body: dict[str, Any]) -> None:
    mock.get(FILES).respond(200, json=body)
    with pytest.raises(UpstreamBadResponse):
        await connector(upstreams).list_files("trashed = false")


async def test_body_that_is_not_json_is_bad_response(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(f"{FILES}/1tEmPlAtE").respond(200, text="<html>sign in</html>")
    with pytest.raises(UpstreamBadResponse):
        await connector(upstreams).get("1tEmPlAtE")


async def test_file_ids_never_reach_the_path_unchecked(upstreams: Upstreams) -> None:
    for bad in ("../about", "a/b", "", "..", "x?y=1"):
        with pytest.raises(ValueError):
            await connector(upstreams).get(bad)


# -- copy, export, update ---------------------------------------------------------------------------

async def test_copy_with_idempotency_key_copies_once(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    copied = fixture("file_copy")
    lookup = mock.get(FILES).mock(side_effect=[httpx.Response(200, json={"files": []}),
                                               httpx.Response(200, json={"files": [copied]})])
    copy = mock.post(f"{FILES}/1tEmPlAtE/copy").respond(200, json=copied)
    drive = connector(upstreams)
    props = {"hubCustomerQboId": "7", "hubEstimate": "E-1002", "hubKind": "proposal"}
    for _ in range(2):
        made = await drive.copy("1tEmPlAtE", name="Proposal E-1002 - Lyric Opera House", parent="1lYrIc",
                                app_properties=props, idempotency_key="quote-E-1002-proposal")
        assert made.id == copied["id"]
    assert copy.call_count == 1 and lookup.call_count == 2
    assert "appProperties has { key='hubIdempotencyKey' and value='quote-E-1002-proposal' }" in \
        params(lookup.calls[0])["q"]
    sent = json.loads(copy.calls[0].request.content)
    assert sent == {"name": "Proposal E-1002 - Lyric Opera House", "parents": ["1lYrIc"],
                    "appProperties": {**props, "hubIdempotencyKey": "quote-E-1002-proposal"}}
    assert params(copy.calls[0])["supportsAllDrives"] == "true"


async def test_copy_is_not_retried_blindly(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    copy = mock.post(f"{FILES}/1tEmPlAtE/copy").respond(500, json=fixture("error_500_backend"))
    with pytest.raises(UpstreamRetryable):
        await connector(upstreams).copy("1tEmPlAtE", name="x", parent="1p", app_properties={})
    assert copy.call_count == 1


async def test_export_pdf_returns_bytes(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(f"{FILES}/1dOc/export").respond(200, content=b"%PDF-1.7\n...",
                                                      headers={"Content-Type": "application/pdf"})
    assert (await connector(upstreams).export_pdf("1dOc")).startswith(b"%PDF-")
    assert params(route.calls[0])["mimeType"] == "application/pdf"
    mock.get(f"{FILES}/1hTmL/export").respond(200, text="<html/>", headers={"Content-Type": "text/html"})
    with pytest.raises(UpstreamBadResponse):
        await connector(upstreams).export_pdf("1hTmL")


async def test_set_app_properties_patches_only_them(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.patch(f"{FILES}/1tEmPlAtE").respond(200, json=fixture("file_get"))
    await connector(upstreams).set_app_properties("1tEmPlAtE", {"hubEstimate": "E-1002", "old": None})
    assert json.loads(route.calls[0].request.content) == {"appProperties": {"hubEstimate": "E-1002",
                                                                            "old": None}}
    assert params(route.calls[0])["supportsAllDrives"] == "true"


# -- changes ----------------------------------------------------------------------------------------

async def test_changes_page_to_the_new_start_page_token(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    start = mock.get(f"{CHANGES}/startPageToken").respond(200, json=fixture("changes_start_page_token"))
    route = mock.get(CHANGES).mock(side_effect=[httpx.Response(200, json=fixture("changes_page_1")),
                                                httpx.Response(200, json=fixture("changes_page_2"))])
    drive = connector(upstreams)
    token = await drive.start_page_token()
    assert token == "4500"
    assert params(start.calls[0]) == {"supportsAllDrives": "true", "driveId": SHARED_DRIVE}
    changes, new_token = await drive.changes(token)
    assert new_token == "4530"
    assert [params(c)["pageToken"] for c in route.calls] == ["4500", "4521"]
    for call in route.calls:
        sent = params(call)
        assert sent["driveId"] == SHARED_DRIVE and sent["includeItemsFromAllDrives"] == "true"
        assert "newStartPageToken" in sent["fields"] and "nextPageToken" in sent["fields"]
    assert [c.removed for c in changes] == [False, False, True, False]
    assert changes[0].file is not None and changes[0].file.app_properties["hubEstimate"] == "E-1001"
    assert changes[2].file is None and changes[2].file_id == "1oLdDrAfTdElEtEd0000000000000000"
    assert changes[3].change_type == "drive"
    assert all(c.time is not None and c.time.tzinfo is UTC for c in changes)


async def test_changes_without_new_start_page_token_is_bad_response(upstreams: Upstreams,
                                                                    mock: respx.MockRouter) -> None:
    mock.get(CHANGES).respond(200, json={"changes": []})
    with pytest.raises(UpstreamBadResponse, match="newStartPageToken"):
        await connector(upstreams).changes("4500")
    mock.get(f"{CHANGES}/startPageToken").respond(200, json={"kind": "drive#startPageToken"})
    with pytest.raises(UpstreamBadResponse):
        await connector(upstreams).start_page_token()


# -- ping -------------------------------------------------------------------------------------------

async def test_ping(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(f"{BASE}/drive/v3/about").respond(200, json=fixture("about_user"))
    result = await connector(upstreams).ping()
    assert result.ok and SA_EMAIL in result.detail and params(route.calls[0]) == {"fields": "user"}
    mock.get(f"{BASE}/drive/v3/about").respond(401, json=fixture("error_401_auth"))
    result = await connector(upstreams).ping()
    assert not result.ok and "AUTH_EXPIRED" in result.detail


# -- service account auth ---------------------------------------------------------------------------

async def test_jwt_assertion_claims_and_signature(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    clock = Clock()
    token = mock.post(GOOGLE_TOKEN_URL).mock(return_value=token_answer())
    files = mock.get(FILES).respond(200, json=fixture("files_list_page_2"))
    await connector(upstreams, auth=sa_auth(clock=clock)).list_files("trashed = false")
    form = {k: v[0] for k, v in parse_qs(token.calls[0].request.content.decode()).items()}
    assert form["grant_type"] == JWT_BEARER_GRANT == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header_b64, claims_b64, signature_b64 = form["assertion"].split(".")
    assert b64url_json(header_b64) == {"alg": "RS256", "typ": "JWT", "kid": "sandbox-key-1"}
    now = int(clock.now.timestamp())
    assert b64url_json(claims_b64) == {"iss": SA_EMAIL, "scope": DRIVE_SCOPE,
                                       "aud": "https://oauth2.googleapis.com/token",
                                       "iat": now, "exp": now + 3600}
    signature = base64.urlsafe_b64decode(signature_b64 + "=" * (-len(signature_b64) % 4))
    KEY.public_key().verify(signature, f"{header_b64}.{claims_b64}".encode(), padding.PKCS1v15(),
                            hashes.SHA256())  # raises InvalidSignature if wrong
    assert files.calls[0].request.headers["Authorization"] == "Bearer ya29.c.token-1"
    assert "Authorization" not in token.calls[0].request.headers
    assert upstreams.metrics.count("google_drive") == 2  # the token request goes through hub.http too


async def test_token_is_cached_until_shortly_before_expiry(upstreams: Upstreams,
                                                           mock: respx.MockRouter) -> None:
    clock = Clock()
    token = mock.post(GOOGLE_TOKEN_URL).mock(side_effect=[token_answer(1), token_answer(2)])
    files = mock.get(FILES).respond(200, json=fixture("files_list_page_2"))
    drive = connector(upstreams, auth=sa_auth(clock=clock))
    await drive.list_files("trashed = false")
    clock.now += timedelta(seconds=3599 - 61)
    await drive.list_files("trashed = false")
    assert token.call_count == 1
    clock.now += timedelta(seconds=2)  # now within 60 s of expiry
    await drive.list_files("trashed = false")
    assert token.call_count == 2
    assert [c.request.headers["Authorization"] for c in files.calls] == [
        "Bearer ya29.c.token-1", "Bearer ya29.c.token-1", "Bearer ya29.c.token-2"]


async def test_401_refreshes_once_and_replays(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    token = mock.post(GOOGLE_TOKEN_URL).mock(side_effect=[token_answer(1), token_answer(2)])
    files = mock.get(FILES).mock(side_effect=[
        httpx.Response(401, json=fixture("error_401_auth")),
        httpx.Response(200, json=fixture("files_list_page_2"))])
    assert len(await connector(upstreams, auth=sa_auth()).list_files("trashed = false")) == 1
    assert token.call_count == 2  # the first token, then exactly one refresh
    assert [c.request.headers["Authorization"] for c in files.calls] == [
        "Bearer ya29.c.token-1", "Bearer ya29.c.token-2"]
    assert upstreams.metrics.count("google_drive", TOKEN_ENDPOINT) == 2


async def test_second_401_is_auth_error_without_more_refreshes(upstreams: Upstreams,
                                                               mock: respx.MockRouter) -> None:
    token = mock.post(GOOGLE_TOKEN_URL).mock(side_effect=[token_answer(1), token_answer(2)])
    files = mock.get(FILES).respond(401, json=fixture("error_401_auth"))
    with pytest.raises(UpstreamAuthError) as caught:
        await connector(upstreams, auth=sa_auth()).list_files("trashed = false")
    assert token.call_count == 2 and files.call_count == 2
    assert caught.value.vendor_code == "authError"


async def test_concurrent_requests_share_one_token_request(upstreams: Upstreams,
                                                           mock: respx.MockRouter) -> None:
    token = mock.post(GOOGLE_TOKEN_URL).mock(return_value=token_answer())
    mock.get(FILES).respond(200, json=fixture("files_list_page_2"))
    drive = connector(upstreams, auth=sa_auth())
    await asyncio.gather(*(drive.list_files("trashed = false") for _ in range(5)))
    assert token.call_count == 1


async def test_refused_assertion_is_auth_error_without_secrets(upstreams: Upstreams,
                                                               mock: respx.MockRouter) -> None:
    mock.post(GOOGLE_TOKEN_URL).respond(400, json=fixture("token_invalid_grant"))
    files = mock.get(FILES).respond(200, json=fixture("files_list_page_2"))
    with pytest.raises(UpstreamAuthError) as caught:
        await connector(upstreams, auth=sa_auth()).list_files("trashed = false")
    message = str(caught.value)
    assert caught.value.vendor_code == "invalid_grant" and "invalid_grant" in message
    assert "Invalid JWT Signature" not in message and "BEGIN" not in message and "eyJ" not in message
    assert files.call_count == 0


async def test_token_endpoint_outage_is_retried_like_any_request(upstreams: Upstreams,
                                                                 mock: respx.MockRouter) -> None:
    token = mock.post(GOOGLE_TOKEN_URL).mock(side_effect=[httpx.Response(503, text="unavailable"),
                                                         token_answer()])
    mock.get(FILES).respond(200, json=fixture("files_list_page_2"))
    assert len(await connector(upstreams, auth=sa_auth()).list_files("trashed = false")) == 1
    assert token.call_count == 2


async def test_token_answer_without_access_token_is_bad_response(upstreams: Upstreams,
                                                                 mock: respx.MockRouter) -> None:
    mock.post(GOOGLE_TOKEN_URL).respond(200, json={"token_type": "Bearer", "expires_in": 3599})
    with pytest.raises(UpstreamBadResponse, match="access_token"):
        await connector(upstreams, auth=sa_auth()).list_files("trashed = false")


def test_service_account_config_and_reprs_hide_the_key() -> None:
    auth = ServiceAccountAuth.from_service_account_info(
        {"type": "service_account", "client_email": SA_EMAIL, "private_key": KEY_PEM,
         "private_key_id": "k1", "token_uri": GOOGLE_TOKEN_URL}, scopes=[DRIVE_SCOPE])
    assert "PRIVATE" not in repr(auth) and SA_EMAIL in repr(auth)
    assert "PRIVATE" not in repr(vars(auth))
    escaped = KEY_PEM.replace("\n", "\\n")  # as pasted into an environment variable
    assert ServiceAccountAuth(client_email=SA_EMAIL, private_key=escaped, scopes=[DRIVE_SCOPE])
    with pytest.raises(ConfigError, match="PEM") as caught:
        ServiceAccountAuth(client_email=SA_EMAIL, private_key="-----BEGIN nonsense", scopes=[DRIVE_SCOPE])
    assert "nonsense" not in str(caught.value)
    with pytest.raises(ConfigError, match="private_key"):
        ServiceAccountAuth.from_service_account_info({"client_email": SA_EMAIL}, scopes=[DRIVE_SCOPE])
    with pytest.raises(ConfigError, match="authorized_user"):
        ServiceAccountAuth.from_service_account_info({"type": "authorized_user"}, scopes=[DRIVE_SCOPE])


# -- user OAuth credentials ---------------------------------------------------------------------------

async def test_user_credentials_refresh_with_basic_client_auth(upstreams: Upstreams,
                                                               mock: respx.MockRouter) -> None:
    expired = OAuthToken(access_token=SecretStr("old"), refresh_token=SecretStr("1//refresh"),
                         expires_at=datetime.now(UTC) - timedelta(minutes=1))
    store = MemoryTokenStore({"google_drive:me": expired})
    token = mock.post(GOOGLE_TOKEN_URL).respond(200, json={
        "access_token": "ya29.a0-user", "expires_in": 3599, "token_type": "Bearer",
        "scope": DRIVE_SCOPE})  # Google does not send a new refresh_token
    files = mock.get(FILES).respond(200, json=fixture("files_list_page_2"))
    auth = user_credentials_auth(store, "google_drive:me", client_id="123.apps.googleusercontent.com",
                                 client_secret="GOCSPX-sandbox")
    await connector(upstreams, auth=auth).list_files("trashed = false")
    sent = token.calls[0].request
    assert sent.headers["Authorization"].startswith("Basic ")
    assert parse_qs(sent.content.decode()) == {"grant_type": ["refresh_token"],
                                                "refresh_token": ["1//refresh"]}
    assert files.calls[0].request.headers["Authorization"] == "Bearer ya29.a0-user"
    kept = await store.load("google_drive:me")
    assert kept is not None and kept.refresh_token is not None
    assert kept.refresh_token.get_secret_value() == "1//refresh"


# -- against the sandbox simulator --------------------------------------------------------------------

async def test_against_the_drive_simulator() -> None:
    sandbox = pytest.importorskip("hub.sandbox.drive",
                                  reason="hub.sandbox.drive (the Drive simulator) is not written yet")
    seed = pytest.importorskip("hub.sandbox.seed_documents", reason="the Drive seed is not written yet")
    factory = getattr(sandbox, "create_drive_app", None)
    if factory is None:
        pytest.skip("hub.sandbox.drive has no create_drive_app() to serve")
    app = factory()
    # One transport for the source: the token request (oauth2.googleapis.com) reaches the simulator too.
    ups = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=2.0, max_attempts=3),
                    transports={"google_drive": httpx.ASGITransport(app=app)})
    try:
        auth = ServiceAccountAuth.from_service_account_info(seed.service_account_info(), scopes=[DRIVE_SCOPE])
        drive = connector(ups, auth=auth, shared_drive_id=seed.DRIVE_SHARED_DRIVE_ID, page_size=5)
        assert (await drive.ping()).ok
        token = await drive.start_page_token()

        folders = await drive.list_files(dq.all_of(dq.not_trashed(), dq.is_folder(),
                                                   dq.in_parents(seed.DRIVE_CLIENTS_FOLDER_ID)))
        assert len(folders) > 5 and all(f.is_folder and f.modified_time for f in folders)  # paged
        tagged = next(f for f in app.state.files.values()
                      if f.get("appProperties", {}).get("hubCustomerQboId"))
        qbo_id, folder = tagged["appProperties"]["hubCustomerQboId"], tagged["parents"][0]
        docs = await drive.files_for_customer(customer_folder=folder,
                                              app_properties={"hubCustomerQboId": qbo_id})
        assert tagged["id"] in {d.id for d in docs} and not any(d.is_folder for d in docs)

        props = {"hubCustomerQboId": qbo_id, "hubEstimate": "E-9999", "hubKind": "proposal"}
        made = [await drive.copy(seed.DRIVE_TEMPLATE_ID, name="Proposal E-9999", parent=folder,
                                 app_properties=props, idempotency_key="test-E-9999") for _ in range(2)]
        assert made[0].id == made[1].id and made[0].parents == [folder]
        assert made[0].app_properties == {**props, "hubIdempotencyKey": "test-E-9999"}

        changes, new_token = await drive.changes(token)
        assert made[0].id in {c.file_id for c in changes} and new_token != token
        assert ups.metrics.count("google_drive", TOKEN_ENDPOINT) == 1
        # files.export documents only mimeType; it reaches shared-drive files without supportsAllDrives.
        pdf = await drive.export_pdf(made[0].id)
        assert pdf.startswith(b"%PDF-")
    finally:
        await ups.aclose()
