"""The Google Drive simulator through HTTP: Google's token endpoint, files.list with q/fields/paging,
shared-drive flags, copy/export/update/create, the Docs merge call, changes, quota and fault knobs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette

from hub.sandbox.drive import create_drive_app
from hub.sandbox.drive_files import FOLDER, GOOGLE_DOC, PDF
from hub.sandbox.drive_oauth import JWT_BEARER, make_assertion
from hub.sandbox.faults import Faults
from hub.sandbox.seed_documents import (
    DRIVE_CLIENT_ID,
    DRIVE_CLIENT_SECRET,
    DRIVE_CLIENTS_FOLDER_ID,
    DRIVE_MY_DRIVE_ROOT_ID,
    DRIVE_REFRESH_TOKEN,
    DRIVE_SANDBOX_PRIVATE_KEY,
    DRIVE_SERVICE_ACCOUNT_EMAIL,
    DRIVE_SHARED_DRIVE_ID,
    DRIVE_TEMPLATE_ID,
    DRIVE_USER_EMAIL,
    Documents,
    build_documents,
)

BASE = "http://drive.test"
ALL = {"supportsAllDrives": "true", "includeItemsFromAllDrives": "true"}
START = 1_780_000_000.0  # 2026-05-28


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def seed() -> Documents:
    return build_documents()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(seed: Documents, clock: Clock) -> Starlette:
    return create_drive_app(seed.copy(), clock=clock)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c


@pytest.fixture
def auth(app: Starlette) -> dict[str, str]:
    return {"Authorization": "Bearer " + app.state.tokens.issue(DRIVE_SERVICE_ACCOUNT_EMAIL)}


def claims(**changes: Any) -> dict[str, Any]:
    now = int(START)
    base = {
        "iss": DRIVE_SERVICE_ACCOUNT_EMAIL,
        "scope": "https://www.googleapis.com/auth/drive",
        "aud": f"{BASE}/token",
        "iat": now,
        "exp": now + 3600,
    }
    return {**base, **changes}


async def grant(client: httpx.AsyncClient, assertion: str) -> httpx.Response:
    return await client.post("/token", data={"grant_type": JWT_BEARER, "assertion": assertion})


async def names(client: httpx.AsyncClient, auth: dict[str, str], q: str, **params: str) -> list[str]:
    query = {"q": q, "pageSize": "1000", "fields": "files(name)", **ALL, **params}
    response = await client.get("/drive/v3/files", headers=auth, params=query)
    assert response.status_code == 200, response.text
    return [f["name"] for f in response.json()["files"]]


# --- the token endpoint ----------------------------------------------------------------------------


async def test_jwt_bearer_grant_issues_an_hour_token_that_opens_the_api(client: httpx.AsyncClient) -> None:
    response = await grant(client, make_assertion(DRIVE_SANDBOX_PRIVATE_KEY, claims()))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    about = await client.get(
        "/drive/v3/about",
        params={"fields": "user(emailAddress)"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert about.json() == {"user": {"emailAddress": DRIVE_SERVICE_ACCOUNT_EMAIL}}


async def test_google_token_url_is_an_accepted_audience(client: httpx.AsyncClient) -> None:
    assertion = make_assertion(DRIVE_SANDBOX_PRIVATE_KEY, claims(aud="https://oauth2.googleapis.com/token"))
    assert (await grant(client, assertion)).status_code == 200


def _other_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


def _signed(**changes: Any) -> Any:
    return lambda: make_assertion(DRIVE_SANDBOX_PRIVATE_KEY, claims(**changes))


@pytest.mark.parametrize(
    ("assertion", "description"),
    [
        (lambda: make_assertion(_other_key(), claims()), "Invalid JWT Signature."),
        (_signed(aud="https://evil.example/token"), "audience"),
        (_signed(iat=int(START) - 7200, exp=int(START) - 3600), "60 minutes"),
        (_signed(exp=int(START) + 7200), "60 minutes"),
        (_signed(iss="nobody@x.iam.gserviceaccount.com"), "not found"),
        (lambda: "not.a-jwt", "decode"),
    ],
    ids=["bad-signature", "wrong-aud", "expired", "too-long", "unknown-account", "garbage"],
)
async def test_jwt_grant_refusals(
    client: httpx.AsyncClient, app: Starlette, assertion: Any, description: str
) -> None:
    response = await grant(client, assertion())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert description in response.json()["error_description"]
    assert app.state.tokens.grants[JWT_BEARER] == 0


async def test_tampered_claims_fail_the_signature(client: httpx.AsyncClient) -> None:
    header, _, signature = make_assertion(DRIVE_SANDBOX_PRIVATE_KEY, claims()).split(".")
    forged = make_assertion(DRIVE_SANDBOX_PRIVATE_KEY, claims(sub="boss@costumeshop.example")).split(".")[1]
    response = await grant(client, f"{header}.{forged}.{signature}")
    assert response.json()["error_description"] == "Invalid JWT Signature."


async def test_refresh_token_grant_for_user_credentials(client: httpx.AsyncClient) -> None:
    form = {
        "grant_type": "refresh_token",
        "client_id": DRIVE_CLIENT_ID,
        "client_secret": DRIVE_CLIENT_SECRET,
        "refresh_token": DRIVE_REFRESH_TOKEN,
    }
    response = await client.post("/token", data=form)
    assert response.status_code == 200
    assert "refresh_token" not in response.json()  # Google does not rotate it
    token = response.json()["access_token"]
    about = await client.get(
        "/drive/v3/about", params={"fields": "user"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert about.json()["user"]["emailAddress"] == DRIVE_USER_EMAIL
    bad_secret = await client.post("/token", data={**form, "client_secret": "nope"})
    assert (bad_secret.status_code, bad_secret.json()["error"]) == (401, "invalid_client")
    bad_token = await client.post("/token", data={**form, "refresh_token": "1//stale"})
    assert (bad_token.status_code, bad_token.json()["error"]) == (400, "invalid_grant")


async def test_unknown_and_expired_tokens_are_401_auth_error(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    response = await client.get("/drive/v3/files", headers={"Authorization": "Bearer ya29.unknown"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["status"] == "UNAUTHENTICATED"
    assert error["errors"][0]["reason"] == "authError" and error["errors"][0]["location"] == "Authorization"
    headers = {"Authorization": "Bearer " + app.state.tokens.issue(DRIVE_SERVICE_ACCOUNT_EMAIL)}
    assert (await client.get("/drive/v3/files", headers=headers)).status_code == 200
    app.state.tokens.expire_access_tokens()
    assert (await client.get("/drive/v3/files", headers=headers)).status_code == 401


# --- files.list: q, fields, paging, shared drives --------------------------------------------------


async def test_query_terms(client: httpx.AsyncClient, auth: dict[str, str], seed: Documents) -> None:
    assert await names(client, auth, "name = 'Proposal template'") == ["Proposal template"]
    # name contains matches prefixes of the name or of a word in it, not the middle of a word.
    assert "The Old Vic" in await names(client, auth, f"name contains 'old' and mimeType = '{FOLDER}'")
    assert "The Old Vic" not in await names(client, auth, f"name contains 'ld Vic' and mimeType = '{FOLDER}'")
    assert await names(client, auth, "name = 'Northlight Children\\'s Theatre'") == [
        "Northlight Children's Theatre"
    ]
    folders = await names(client, auth, f"'{DRIVE_CLIENTS_FOLDER_ID}' in parents and mimeType = '{FOLDER}'")
    assert len(folders) == 64
    contracts = await names(client, auth, "appProperties has { key='hubKind' and value='contract' }")
    assert contracts and all(n.startswith("Contract E-") and n.endswith("(signed).pdf") for n in contracts)
    both = await names(
        client,
        auth,
        "(name contains 'Proposal E-1001' or name contains 'Contract E-1001') and not trashed = true",
    )
    assert sorted(both) == sorted(
        f["name"]
        for f in seed.files.values()
        if "E-1001 " in f["name"] and f["mimeType"] != FOLDER and not f["trashed"]
    )
    assert any(
        "(draft)" in n for n in await names(client, auth, "name contains 'Proposal' and trashed = true")
    )
    later = await names(client, auth, "modifiedTime > '2026-10-01T00:00:00' and mimeType = 'application/pdf'")
    assert later and len(later) < len(await names(client, auth, "mimeType = 'application/pdf'"))
    # fullText searches the documents' text, not only names.
    assert "Proposal template" in await names(client, auth, "fullText contains '{{valid_until}}'")


@pytest.mark.parametrize(
    "q", ["name = ", "name ~ 'x'", "name contains 'x' and", "parents = 'x'", "(name = 'x'"]
)
async def test_invalid_query_is_400_invalid_value(
    client: httpx.AsyncClient, auth: dict[str, str], q: str
) -> None:
    response = await client.get("/drive/v3/files", headers=auth, params={"q": q})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0] == {
        "message": "Invalid Value",
        "domain": "global",
        "reason": "invalid",
        "location": "q",
        "locationType": "parameter",
    }


async def test_fields_selects_and_defaults(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    plain = (await client.get("/drive/v3/files", headers=auth, params=ALL)).json()
    assert set(plain) == {"kind", "incompleteSearch", "files", "nextPageToken"}
    assert set(plain["files"][0]) == {"kind", "id", "name", "mimeType"}
    # files(id) alone drops nextPageToken: the classic paging trap, reproduced.
    only_ids = (
        await client.get("/drive/v3/files", headers=auth, params={**ALL, "fields": "files(id)"})
    ).json()
    assert set(only_ids) == {"files"} and set(only_ids["files"][0]) == {"id"}
    params = {
        **ALL,
        "q": "name = 'Proposal E-1001 - The Old Vic.pdf'",
        "fields": "files(name,appProperties/hubEstimate)",
    }
    assert (await client.get("/drive/v3/files", headers=auth, params=params)).json() == {
        "files": [{"name": "Proposal E-1001 - The Old Vic.pdf", "appProperties": {"hubEstimate": "E-1001"}}]
    }
    bad = await client.get("/drive/v3/files", headers=auth, params={"fields": "files(id,colour)"})
    assert bad.status_code == 400 and bad.json()["error"]["errors"][0]["location"] == "fields"


async def test_paging_walks_every_file_once(
    client: httpx.AsyncClient, auth: dict[str, str], seed: Documents
) -> None:
    seen: list[str] = []
    params = {
        **ALL,
        "corpora": "drive",
        "driveId": DRIVE_SHARED_DRIVE_ID,
        "fields": "nextPageToken,files(id)",
    }
    pages = 0
    while True:
        body = (await client.get("/drive/v3/files", headers=auth, params=params)).json()
        pages += 1
        seen += [f["id"] for f in body["files"]]
        if "nextPageToken" not in body:
            break
        params["pageToken"] = body["nextPageToken"]
    expected = [f["id"] for f in seed.files.values() if f.get("driveId") == DRIVE_SHARED_DRIVE_ID]
    assert pages == -(-len(expected) // 100) >= 2
    assert seen == expected
    other_query = await client.get(
        "/drive/v3/files", headers=auth, params={**params, "q": "trashed = false"}
    )  # a token is only good for the query that made it
    assert other_query.status_code == 400
    too_big = await client.get("/drive/v3/files", headers=auth, params={"pageSize": "1001"})
    assert too_big.status_code == 400 and too_big.json()["error"]["errors"][0]["location"] == "pageSize"


async def test_shared_drive_flags(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    mine = (await client.get("/drive/v3/files", headers=auth, params={"pageSize": "1000"})).json()["files"]
    assert [f["name"] for f in mine] == ["Read me - sandbox", "Price list 2025.pdf", "Fabric suppliers"]
    assert await names(client, auth, "'root' in parents") == [f["name"] for f in mine]
    no_flag = await client.get(
        "/drive/v3/files", headers=auth, params={"corpora": "drive", "driveId": DRIVE_SHARED_DRIVE_ID}
    )
    assert no_flag.status_code == 400
    hidden = await client.get(f"/drive/v3/files/{DRIVE_TEMPLATE_ID}", headers=auth)
    assert hidden.status_code == 404
    assert hidden.json()["error"]["errors"][0]["reason"] == "notFound"
    visible = await client.get(
        f"/drive/v3/files/{DRIVE_TEMPLATE_ID}",
        headers=auth,
        params={"supportsAllDrives": "true", "fields": "id,name,driveId,parents,webViewLink"},
    )
    assert visible.json()["driveId"] == DRIVE_SHARED_DRIVE_ID
    assert visible.json()["webViewLink"].startswith("https://docs.google.com/document/d/")
    drives = (await client.get("/drive/v3/drives", headers=auth)).json()
    assert drives == {
        "kind": "drive#driveList",
        "drives": [{"kind": "drive#drive", "id": DRIVE_SHARED_DRIVE_ID, "name": "Costume Shop"}],
    }


# --- writes, export, Docs --------------------------------------------------------------------------


async def test_copy_fill_and_export_a_proposal(
    client: httpx.AsyncClient, auth: dict[str, str], seed: Documents
) -> None:
    folder = seed.named("The Old Vic")["id"]
    copied = await client.post(
        f"/drive/v3/files/{DRIVE_TEMPLATE_ID}/copy",
        headers=auth,
        params={"supportsAllDrives": "true", "fields": "id,name,parents,mimeType,appProperties,driveId"},
        json={
            "name": "Proposal E-9999 - The Old Vic",
            "parents": [folder],
            "appProperties": {"hubEstimate": "E-9999"},
        },
    )
    assert copied.status_code == 200, copied.text
    doc = copied.json()
    assert (
        doc["parents"] == [folder]
        and doc["mimeType"] == GOOGLE_DOC
        and doc["driveId"] == DRIVE_SHARED_DRIVE_ID
    )
    merge = {
        "requests": [
            {"replaceAllText": {"containsText": {"text": key, "matchCase": True}, "replaceText": value}}
            for key, value in (("{{customer}}", "The Old Vic"), ("{{total}}", "USD 1,234.00"))
        ]
    }
    merged = await client.post(f"/v1/documents/{doc['id']}:batchUpdate", headers=auth, json=merge)
    assert merged.json()["replies"][0] == {"replaceAllText": {"occurrencesChanged": 1}}
    pdf = await client.get(
        f"/drive/v3/files/{doc['id']}/export",
        headers=auth,
        params={"mimeType": PDF, "supportsAllDrives": "true"},
    )
    assert pdf.headers["content-type"] == PDF
    assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.rstrip().endswith(b"%%EOF")
    assert b"Prepared for: The Old Vic" in pdf.content and b"USD 1,234.00" in pdf.content
    text = await client.get(
        f"/drive/v3/files/{doc['id']}/export",
        headers=auth,
        params={"mimeType": "text/plain", "supportsAllDrives": "true"},
    )
    assert "{{customer}}" not in text.text and "{{lines}}" in text.text
    template = await client.get(f"/v1/documents/{DRIVE_TEMPLATE_ID}", headers=auth)
    assert "{{customer}}" in "".join(
        e["textRun"]["content"]
        for c in template.json()["body"]["content"]
        for e in c["paragraph"]["elements"]
    )  # the template itself is untouched
    assert await names(client, auth, "appProperties has { key='hubEstimate' and value='E-9999' }") == [
        doc["name"]
    ]


async def test_export_and_download_rules(
    client: httpx.AsyncClient, auth: dict[str, str], seed: Documents
) -> None:
    pdf_id = seed.named("Proposal E-1001 - The Old Vic.pdf")["id"]
    params = {"supportsAllDrives": "true"}
    not_exportable = await client.get(
        f"/drive/v3/files/{pdf_id}/export", headers=auth, params={**params, "mimeType": PDF}
    )
    assert not_exportable.status_code == 403
    assert not_exportable.json()["error"]["errors"][0]["reason"] == "fileNotExportable"
    media = await client.get(f"/drive/v3/files/{pdf_id}", headers=auth, params={**params, "alt": "media"})
    assert media.content == seed.contents[pdf_id] and media.headers["content-type"] == PDF
    doc_media = await client.get(
        f"/drive/v3/files/{DRIVE_TEMPLATE_ID}", headers=auth, params={**params, "alt": "media"}
    )
    assert doc_media.json()["error"]["errors"][0]["reason"] == "fileNotDownloadable"
    unsupported = await client.get(
        f"/drive/v3/files/{DRIVE_TEMPLATE_ID}/export",
        headers=auth,
        params={**params, "mimeType": "image/gif"},
    )
    assert unsupported.status_code == 400


async def test_update_app_properties_and_trash(
    client: httpx.AsyncClient, auth: dict[str, str], seed: Documents
) -> None:
    file_id = seed.named("Proposal E-1001 - The Old Vic.pdf")["id"]
    url, params = (
        f"/drive/v3/files/{file_id}",
        {"supportsAllDrives": "true", "fields": "appProperties,version,modifiedTime"},
    )
    updated = await client.patch(
        url, headers=auth, params=params, json={"appProperties": {"hubKind": None, "hubOrder": "O-7"}}
    )
    assert updated.json()["appProperties"] == {
        "hubCustomerQboId": "19",
        "hubEstimate": "E-1001",
        "hubOrder": "O-7",
    }
    assert updated.json()["version"] == "2" and updated.json()["modifiedTime"].startswith("2026-05-28")
    not_writable = await client.patch(url, headers=auth, params=params, json={"parents": ["x"]})
    assert (
        not_writable.status_code == 403
        and not_writable.json()["error"]["errors"][0]["reason"] == "fieldNotWritable"
    )
    await client.patch(url, headers=auth, params=params, json={"trashed": True})
    assert "Proposal E-1001 - The Old Vic.pdf" not in await names(
        client, auth, "name contains 'E-1001' and trashed = false"
    )


async def test_create_folder_and_multipart_uploads(
    client: httpx.AsyncClient, auth: dict[str, str], seed: Documents
) -> None:
    params = {"supportsAllDrives": "true", "fields": "id,name,mimeType,parents,size,driveId"}
    folder = await client.post(
        "/drive/v3/files", headers=auth, params=params,
        json={"name": "New Client", "mimeType": FOLDER, "parents": [DRIVE_CLIENTS_FOLDER_ID]},
    )  # fmt: skip
    assert folder.status_code == 200 and folder.json()["driveId"] == DRIVE_SHARED_DRIVE_ID
    folder_id = folder.json()["id"]

    def multipart(metadata: dict[str, Any], media: bytes, media_type: str) -> tuple[bytes, str]:
        boundary = "sandbox_boundary"
        body = (
            (
                f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
                f"{json.dumps(metadata)}\r\n"
                f"--{boundary}\r\nContent-Type: {media_type}\r\n\r\n"
            ).encode()
            + media
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return body, f"multipart/related; boundary={boundary}"

    content = b"%PDF-1.4 signed contract"
    body, content_type = multipart({"name": "Contract.pdf", "parents": [folder_id]}, content, PDF)
    upload = await client.post(
        "/upload/drive/v3/files", headers={**auth, "Content-Type": content_type}, content=body,
        params={**params, "uploadType": "multipart"},
    )  # fmt: skip
    assert upload.status_code == 200, upload.text
    assert upload.json()["mimeType"] == PDF and upload.json()["size"] == str(len(content))
    media = await client.get(
        f"/drive/v3/files/{upload.json()['id']}", headers=auth, params={"alt": "media", **ALL}
    )
    assert media.content == content
    body, content_type = multipart(
        {"name": "Notes", "mimeType": GOOGLE_DOC, "parents": [folder_id]}, b"Hello {{customer}}", "text/plain"
    )
    converted = await client.post(
        "/upload/drive/v3/files", headers={**auth, "Content-Type": content_type}, content=body,
        params={**params, "uploadType": "multipart"},
    )  # fmt: skip
    assert converted.json()["mimeType"] == GOOGLE_DOC
    text = await client.get(
        f"/drive/v3/files/{converted.json()['id']}/export",
        headers=auth,
        params={"mimeType": "text/plain", **ALL},
    )
    assert text.text == "Hello {{customer}}"
    hidden_parent = await client.post(
        "/drive/v3/files", headers=auth, json={"name": "x", "parents": [folder_id]}
    )
    assert hidden_parent.status_code == 404  # a shared-drive parent needs supportsAllDrives


# --- changes ---------------------------------------------------------------------------------------


async def test_changes_flow_from_a_saved_start_token(
    client: httpx.AsyncClient, auth: dict[str, str], seed: Documents
) -> None:
    start = (await client.get("/drive/v3/changes/startPageToken", headers=auth)).json()
    assert start["kind"] == "drive#startPageToken"
    token = start["startPageToken"]
    nothing = (await client.get("/drive/v3/changes", headers=auth, params={"pageToken": token, **ALL})).json()
    assert nothing["changes"] == [] and nothing["newStartPageToken"] == token
    target = seed.named("Proposal E-1001 - The Old Vic.pdf")["id"]
    for name in ("renamed once.pdf", "renamed twice.pdf"):
        await client.patch(
            f"/drive/v3/files/{target}",
            headers=auth,
            params={"supportsAllDrives": "true"},
            json={"name": name},
        )
    readme = seed.named("Read me - sandbox")["id"]
    assert (await client.delete(f"/drive/v3/files/{readme}", headers=auth)).status_code == 204
    fields = "nextPageToken,newStartPageToken,changes(fileId,removed,time,file(name))"
    listed = (
        await client.get(
            "/drive/v3/changes", headers=auth, params={"pageToken": token, "fields": fields, **ALL}
        )
    ).json()
    assert [(c["fileId"], c["removed"], c.get("file")) for c in listed["changes"]] == [
        (target, False, {"name": "renamed twice.pdf"}),  # two edits, one change at the latest state
        (readme, True, None),
    ]
    assert "nextPageToken" not in listed and int(listed["newStartPageToken"]) > int(token)
    my_drive_only = (await client.get("/drive/v3/changes", headers=auth, params={"pageToken": token})).json()
    assert [c["fileId"] for c in my_drive_only["changes"]] == [readme]
    again = (
        await client.get("/drive/v3/changes", headers=auth, params={"pageToken": listed["newStartPageToken"]})
    ).json()
    assert again["changes"] == []


async def test_changes_history_pages(
    client: httpx.AsyncClient, auth: dict[str, str], seed: Documents
) -> None:
    params = {"pageToken": "1", **ALL, "fields": "nextPageToken,newStartPageToken,changes(fileId)"}
    first = (await client.get("/drive/v3/changes", headers=auth, params=params)).json()
    assert len(first["changes"]) == 100 and "newStartPageToken" not in first
    seen = [c["fileId"] for c in first["changes"]]
    while "nextPageToken" in first:
        first = (
            await client.get(
                "/drive/v3/changes", headers=auth, params={**params, "pageToken": first["nextPageToken"]}
            )
        ).json()
        seen += [c["fileId"] for c in first["changes"]]
    assert seen == list(seed.files) and first["newStartPageToken"] == str(len(seed.files) + 1)
    bad = await client.get("/drive/v3/changes", headers=auth, params={"pageToken": "999999"})
    assert bad.status_code == 400


# --- quota, faults, scopes -------------------------------------------------------------------------


async def test_per_user_quota_answers_403_user_rate_limit_exceeded(seed: Documents, clock: Clock) -> None:
    app = create_drive_app(seed.copy(), per_user_per_100s=3, clock=clock)
    headers = {"Authorization": "Bearer " + app.state.tokens.issue(DRIVE_SERVICE_ACCOUNT_EMAIL)}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        for _ in range(3):
            assert (await client.get("/drive/v3/files", headers=headers)).status_code == 200
        refused = await client.get("/drive/v3/files", headers=headers)
        assert refused.status_code == 403
        assert refused.json() == {
            "error": {
                "code": 403,
                "message": "User Rate Limit Exceeded",
                "errors": [
                    {
                        "message": "User Rate Limit Exceeded",
                        "domain": "usageLimits",
                        "reason": "userRateLimitExceeded",
                    }
                ],
                "status": "PERMISSION_DENIED",
            }
        }
        assert refused.headers["Retry-After"] == "100"
        other_user = {"Authorization": "Bearer " + app.state.tokens.issue(DRIVE_USER_EMAIL)}
        assert (await client.get("/drive/v3/files", headers=other_user)).status_code == 200
        app.state.api.rate_limit_status = 429
        too_many = await client.get("/drive/v3/files", headers=headers)
        assert (
            too_many.status_code == 429
            and too_many.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
        )
        clock.now += 100
        assert (await client.get("/drive/v3/files", headers=headers)).status_code == 200
        assert app.state.api.quota.refused == 2


async def test_fault_knobs(client: httpx.AsyncClient, app: Starlette, auth: dict[str, str]) -> None:
    faults: Faults = app.state.faults
    faults.set(burst_429=2)
    codes = [(await client.get("/drive/v3/files", headers=auth)).status_code for _ in range(3)]
    assert codes == [429, 429, 200]
    faults.set(outage=True)
    outage = await client.get("/drive/v3/files", headers=auth)
    assert outage.status_code == 503 and outage.json()["error"]["errors"][0]["reason"] == "backendError"
    assert (
        await client.post("/token", data={"grant_type": "refresh_token"})
    ).status_code == 401  # token host stays up
    faults.reset()
    faults.set(error_rate=1.0)
    assert (await client.get("/drive/v3/files", headers=auth)).status_code == 500
    faults.reset()
    assert app.state.requests[("GET", "/drive/v3/files")] == 5
    assert app.state.requests[("POST", "/token")] == 1


async def test_read_only_scope_cannot_write(
    client: httpx.AsyncClient, app: Starlette, seed: Documents
) -> None:
    token = app.state.tokens.issue(
        DRIVE_SERVICE_ACCOUNT_EMAIL, "https://www.googleapis.com/auth/drive.readonly"
    )
    headers = {"Authorization": f"Bearer {token}"}
    file_id = seed.named("Price list 2025.pdf")["id"]
    assert (await client.get(f"/drive/v3/files/{file_id}", headers=headers)).status_code == 200
    refused = await client.patch(f"/drive/v3/files/{file_id}", headers=headers, json={"name": "x"})
    assert (
        refused.status_code == 403
        and refused.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"
    )


async def test_about_requires_fields(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await client.get("/drive/v3/about", headers=auth)
    assert response.status_code == 400 and response.json()["error"]["errors"][0]["reason"] == "required"


async def test_order_by_and_moving_between_folders(
    client: httpx.AsyncClient, auth: dict[str, str], seed: Documents
) -> None:
    q = f"'{DRIVE_CLIENTS_FOLDER_ID}' in parents"
    ordered = await names(client, auth, q, orderBy="name desc")
    assert ordered == sorted(ordered, key=str.casefold, reverse=True) and len(ordered) == 64
    bad = await client.get("/drive/v3/files", headers=auth, params={"orderBy": "size"})
    assert bad.status_code == 400 and bad.json()["error"]["errors"][0]["location"] == "orderBy"
    file_id = seed.named("Proposal E-1001 - The Old Vic.pdf")["id"]
    old, new = seed.files[file_id]["parents"][0], seed.named("Moonlit Pictures")["id"]
    moved = await client.patch(
        f"/drive/v3/files/{file_id}",
        headers=auth,
        params={"supportsAllDrives": "true", "addParents": new, "removeParents": old, "fields": "parents"},
    )
    assert moved.json() == {"parents": [new]}
    assert "Proposal E-1001 - The Old Vic.pdf" in await names(client, auth, f"'{new}' in parents")
    across = await client.patch(
        f"/drive/v3/files/{file_id}",
        headers=auth,
        params={"supportsAllDrives": "true", "addParents": DRIVE_MY_DRIVE_ROOT_ID, "removeParents": new},
    )
    assert across.status_code == 400  # moving out of the shared drive is not simulated
