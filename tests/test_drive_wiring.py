"""hub.drive: Google Drive settings → connector. Bad settings stop start-up naming the HUB_GOOGLE_DRIVE__
variables to set (never echoing a secret); the sandbox settings give a connector that works against the
simulator with each credential form; the sandbox runner serves Drive with its fault knobs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from connectors.google_drive import GoogleDriveConnector
from hub.drive import DRIVE_USER_CREDENTIAL_KEY, build_drive, build_proposals
from hub.errors import ConfigError
from hub.http import Upstreams
from hub.http.oauth import MemoryTokenStore
from hub.http.oauth_types import OAuthToken
from hub.sandbox.drive import create_drive_app
from hub.sandbox.runner import sandbox_apps, sandbox_settings
from hub.sandbox.seed import EXPECTED_LINKS, build_shop
from hub.sandbox.seed_documents import (
    DRIVE_CLIENT_ID,
    DRIVE_CLIENT_SECRET,
    DRIVE_CLIENTS_FOLDER_ID,
    DRIVE_REFRESH_TOKEN,
    DRIVE_SANDBOX_PRIVATE_KEY,
    DRIVE_SERVICE_ACCOUNT_EMAIL,
    DRIVE_TEMPLATE_ID,
    DRIVE_USER_EMAIL,
    service_account_info,
)
from hub.settings import FaultSettings, SandboxSettings, Settings
from hub.store import Store
from tests.conftest import VENDOR_URLS, hub_settings

SECRET = "not-a-real-key-but-secret"  # noqa: S105


def store(tokens: MemoryTokenStore | None = None) -> Store:
    return cast(Store, SimpleNamespace(tokens=tokens or MemoryTokenStore()))


def drive_settings(tmp_path: Path, **drive: Any) -> Settings:
    return hub_settings(tmp_path, google_drive={"enabled": True, **drive})


@pytest.fixture
def sim() -> Starlette:
    return create_drive_app()


@pytest.fixture
async def upstreams(tmp_path: Path, sim: Starlette) -> AsyncIterator[Upstreams]:
    ups = Upstreams(hub_settings(tmp_path).http, transports={"google_drive": httpx.ASGITransport(app=sim)})
    yield ups
    await ups.aclose()


# -- errors name the variables ------------------------------------------------------------------------

V = "HUB_GOOGLE_DRIVE__"


@pytest.mark.parametrize(("drive", "expected"), [
    ({}, f"no service account is configured; set {V}SERVICE_ACCOUNT_JSON (the key file's JSON or its path), "
         f"or {V}CLIENT_EMAIL and {V}PRIVATE_KEY, or disable Google Drive with {V}ENABLED=false"),
    ({"client_email": "robot@x.iam.gserviceaccount.com"}, f"{V}PRIVATE_KEY not set"),
    ({"private_key": SECRET}, f"{V}CLIENT_EMAIL not set"),
    ({"client_email": "robot@x.iam.gserviceaccount.com", "private_key": SECRET},
     "private_key is not a readable PEM key"),
    ({"service_account_json": "{" + SECRET}, f"{V}SERVICE_ACCOUNT_JSON is not valid JSON"),
    ({"service_account_json": "[1, 2]"}, f"{V}SERVICE_ACCOUNT_JSON must be a JSON object"),
    ({"service_account_json": "/nowhere/" + SECRET + ".json"},
     f"{V}SERVICE_ACCOUNT_JSON is neither a service account key file's JSON nor the path of one"),
    ({"service_account_json": json.dumps({"type": "service_account", "client_email": "r@x.com"})},
     "missing: private_key"),
    ({"service_account_json": json.dumps({"type": "authorized_user"})}, "not service_account"),
    ({"auth": "user"}, f"{V}CLIENT_ID, {V}CLIENT_SECRET not set (OAuth user credentials, {V}AUTH=user)"),
    ({"auth": "user", "client_id": "1.apps.googleusercontent.com"}, f"{V}CLIENT_SECRET not set"),
])
def test_bad_settings_name_what_to_set(tmp_path: Path, upstreams: Upstreams, drive: dict[str, Any],
                                       expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_drive(drive_settings(tmp_path, **drive), upstreams, store())
    assert expected in str(caught.value)
    assert SECRET not in str(caught.value)


def test_the_variable_names_in_errors_are_the_real_ones(tmp_path: Path, upstreams: Upstreams,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{V}ENABLED", "true")
    monkeypatch.setenv(f"{V}CLIENT_EMAIL", DRIVE_SERVICE_ACCOUNT_EMAIL)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match=f"{V}PRIVATE_KEY not set"):
        build_drive(settings, upstreams, store())
    monkeypatch.setenv(f"{V}PRIVATE_KEY", DRIVE_SANDBOX_PRIVATE_KEY)
    assert isinstance(build_drive(Settings(_env_file=None), upstreams, store()),  # type: ignore[call-arg]
                      GoogleDriveConnector)


def test_disabled_drive_builds_nothing(tmp_path: Path, upstreams: Upstreams) -> None:
    settings = hub_settings(tmp_path, google_drive={"enabled": False})
    assert build_drive(settings, upstreams, store()) is None
    assert build_proposals(settings, None) is None


def test_proposals_need_a_template_and_then_the_clients_folder(tmp_path: Path, upstreams: Upstreams) -> None:
    key = json.dumps(service_account_info())
    without_template = drive_settings(tmp_path, service_account_json=key)
    assert build_proposals(without_template, build_drive(without_template, upstreams, store())) is None
    no_folder = drive_settings(tmp_path, service_account_json=key, proposal_template_id=DRIVE_TEMPLATE_ID)
    with pytest.raises(ConfigError, match=f"{V}PROPOSAL_TEMPLATE_ID is set but {V}CLIENTS_FOLDER_ID is not"):
        build_proposals(no_folder, build_drive(no_folder, upstreams, store()))


# -- the sandbox settings work ------------------------------------------------------------------------

def test_sandbox_settings_point_drive_and_docs_at_the_simulator(tmp_path: Path) -> None:
    drive = hub_settings(tmp_path).google_drive
    assert drive.enabled and drive.base_url == drive.docs_base_url == VENDOR_URLS["google_drive"]
    assert drive.token_url == f"{VENDOR_URLS['google_drive']}/token"
    assert drive.clients_folder_id == DRIVE_CLIENTS_FOLDER_ID
    assert drive.proposal_template_id == DRIVE_TEMPLATE_ID
    # `hub sandbox --drive-port` names it "drive"; without any Drive URL, Drive stays unconfigured.
    named_drive = sandbox_settings({**VENDOR_URLS, "drive": "http://127.0.0.1:8104"} | {"google_drive": ""})
    assert named_drive["google_drive"]["base_url"] == "http://127.0.0.1:8104"
    without = {k: v for k, v in VENDOR_URLS.items() if k != "google_drive"}
    assert "google_drive" not in sandbox_settings(without)


async def test_sandbox_settings_list_a_clients_documents(tmp_path: Path, upstreams: Upstreams) -> None:
    settings = hub_settings(tmp_path)
    drive = build_drive(settings, upstreams, store())
    assert drive is not None and drive.shared_drive_id == settings.google_drive.shared_drive_id
    assert (await drive.ping()).detail == f"signed in as {DRIVE_SERVICE_ACCOUNT_EMAIL}"
    page_id, qbo_id = next(iter(EXPECTED_LINKS.items()))
    client = next(p for p in build_shop().notion_clients() if p["id"] == page_id)
    name = "".join(part["plain_text"] for part in client["properties"]["Client"]["title"])

    folder = (await drive.find_folders([name], parent=DRIVE_CLIENTS_FOLDER_ID))[name]
    files = await drive.files_for_customer(customer_folder=folder.id,
                                           app_properties={"hubCustomerQboId": qbo_id})

    assert files and all(f.parents == [folder.id] for f in files)
    assert any(f.name.startswith("Proposal E-") and f.name.endswith(f" - {name}.pdf") for f in files)
    # One token, then one request per call: ping, the folder, the documents.
    assert upstreams.metrics.count("google_drive") == 4


async def test_the_key_file_may_be_given_by_path(tmp_path: Path, upstreams: Upstreams) -> None:
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(service_account_info()))
    base = hub_settings(tmp_path).google_drive.model_dump()
    settings = hub_settings(tmp_path, google_drive={**base, "service_account_json": str(path)})
    drive = build_drive(settings, upstreams, store())
    assert drive is not None and (await drive.ping()).ok


async def test_client_email_and_private_key_work(tmp_path: Path, upstreams: Upstreams) -> None:
    base = hub_settings(tmp_path).google_drive.model_dump()
    settings = hub_settings(tmp_path, google_drive={**base, "service_account_json": None,
                                                    "client_email": DRIVE_SERVICE_ACCOUNT_EMAIL,
                                                    "private_key": DRIVE_SANDBOX_PRIVATE_KEY})
    drive = build_drive(settings, upstreams, store())
    assert drive is not None and (await drive.ping()).ok


async def test_user_credentials_come_from_the_token_store(tmp_path: Path, upstreams: Upstreams) -> None:
    base = hub_settings(tmp_path).google_drive.model_dump()
    settings = hub_settings(tmp_path, google_drive={**base, "auth": "user", "client_id": DRIVE_CLIENT_ID,
                                                    "client_secret": DRIVE_CLIENT_SECRET})
    expired = OAuthToken(access_token=SecretStr("stale"), refresh_token=SecretStr(DRIVE_REFRESH_TOKEN),
                         expires_at=datetime.now(UTC) - timedelta(minutes=5))
    tokens = MemoryTokenStore({DRIVE_USER_CREDENTIAL_KEY: expired})
    drive = build_drive(settings, upstreams, store(tokens))
    assert drive is not None
    assert (await drive.ping()).detail == f"signed in as {DRIVE_USER_EMAIL}"
    assert tokens.saves == 1  # the refreshed access token is persisted


async def test_drive_and_docs_share_the_credential_but_not_the_budget(tmp_path: Path, upstreams: Upstreams,
                                                                      sim: Starlette) -> None:
    drive = build_drive(hub_settings(tmp_path), upstreams, store())
    assert drive is not None and drive.docs is not None
    await drive.ping()
    replaced = await drive.docs.replace_all_text(DRIVE_TEMPLATE_ID,
                                                 {"{{customer}}": "Anyone", "{{none}}": "x"})
    assert replaced == {"{{customer}}": 1, "{{none}}": 0}
    assert sum(sim.state.tokens.grants.values()) == 1  # one token for both APIs
    [health] = upstreams.health()
    assert health.source == "google_drive" and health.budget is not None
    assert health.budget.name == "google_drive"  # the source's health shows Drive's budget...
    assert upstreams.budget("google_docs", []) is not health.budget  # ...and Docs has its own


async def test_the_sandbox_runner_serves_drive_with_its_fault_knobs(tmp_path: Path) -> None:
    apps = sandbox_apps(SandboxSettings(drive=FaultSettings(outage=True)))
    ups = Upstreams(hub_settings(tmp_path).http,
                    transports={"google_drive": httpx.ASGITransport(app=apps["google_drive"])})
    try:
        drive = build_drive(hub_settings(tmp_path), ups, store())
        assert drive is not None
        result = await drive.ping()
        assert not result.ok and "UPSTREAM_UNAVAILABLE" in result.detail
    finally:
        await ups.aclose()
