"""Google Drive wiring: settings → Google credential → Drive and Docs clients → ``GoogleDriveConnector``.

Called once at start-up (``Hub.start``); a missing or unreadable credential stops start-up with the
``HUB_GOOGLE_DRIVE__...`` variables to set, never a query.

>>> drive = build_drive(settings, upstreams, store)   # None when HUB_GOOGLE_DRIVE__ENABLED is false
>>> proposals = build_proposals(settings, drive)       # None when no proposal template is configured
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from connectors.google_drive import GoogleDriveConnector, ServiceAccountAuth, user_credentials_auth
from connectors.google_drive.docs import DOCS_BUDGET_KEY, GoogleDocs
from hub.errors import ConfigError
from hub.http import Limit, Upstreams
from hub.proposals import ProposalMaker
from hub.settings import GoogleDriveSettings, Settings
from hub.store import Store

__all__ = ["DRIVE_USER_CREDENTIAL_KEY", "build_drive", "build_proposals"]

# The store key of the Google user's OAuth credential (auth="user"): one Google account per hub.
DRIVE_USER_CREDENTIAL_KEY = "google_drive:user"
_VAR = "HUB_GOOGLE_DRIVE__"
_DISABLE = f"or disable Google Drive with {_VAR}ENABLED=false"


def _key_file(s: GoogleDriveSettings) -> dict[str, Any]:
    """The service account key file: its JSON in the variable, or the path of the file."""
    assert s.service_account_json is not None
    raw = s.service_account_json.get_secret_value().strip()
    if raw[:1] not in ("{", "["):
        path = Path(raw).expanduser()
        if not path.is_file():  # the value is secret: say what it is not, never echo it
            raise ConfigError(f"google drive: {_VAR}SERVICE_ACCOUNT_JSON is neither a service account key "
                              "file's JSON nor the path of one")
        raw = path.read_text(encoding="utf-8")
    try:
        info = json.loads(raw)
    except ValueError:
        raise ConfigError(f"google drive: {_VAR}SERVICE_ACCOUNT_JSON is not valid JSON") from None
    if not isinstance(info, dict):
        raise ConfigError(f"google drive: {_VAR}SERVICE_ACCOUNT_JSON must be a JSON object (the key file)")
    return info


def _auth(s: GoogleDriveSettings, store: Store) -> httpx.Auth:
    if s.auth == "user":
        missing = [f"{_VAR}{name}" for name, value in (("CLIENT_ID", s.client_id),
                                                         ("CLIENT_SECRET", s.client_secret)) if not value]
        if missing:
            raise ConfigError(f"google drive: {', '.join(missing)} not set (OAuth user credentials, "
                              f"{_VAR}AUTH=user); set them, {_DISABLE}")
        assert s.client_id is not None and s.client_secret is not None
        return user_credentials_auth(store.tokens, DRIVE_USER_CREDENTIAL_KEY, client_id=s.client_id,
                                     client_secret=s.client_secret, token_url=s.token_url)
    if s.service_account_json is not None:
        return ServiceAccountAuth.from_service_account_info(_key_file(s), scopes=s.scopes,
                                                            token_url=s.token_url)
    if not s.client_email and s.private_key is None:
        raise ConfigError(f"google drive: no service account is configured; set {_VAR}SERVICE_ACCOUNT_JSON "
                          f"(the key file's JSON or its path), or {_VAR}CLIENT_EMAIL and {_VAR}PRIVATE_KEY, "
                          f"{_DISABLE}")
    if not s.client_email or s.private_key is None:
        absent = f"{_VAR}CLIENT_EMAIL" if not s.client_email else f"{_VAR}PRIVATE_KEY"
        raise ConfigError(f"google drive: {absent} not set; a service account needs both {_VAR}CLIENT_EMAIL "
                          f"and {_VAR}PRIVATE_KEY (or {_VAR}SERVICE_ACCOUNT_JSON), {_DISABLE}")
    return ServiceAccountAuth(client_email=s.client_email, private_key=s.private_key, scopes=s.scopes,
                              token_url=s.token_url)


def build_drive(settings: Settings, upstreams: Upstreams, store: Store) -> GoogleDriveConnector | None:
    """The Drive connector (with its Docs client), or ``None`` when Google Drive is disabled.

    Drive and Docs share one credential (one token cache) and the "google_drive" source (health,
    breaker, metrics, test transports) but not a rate budget: Drive's is ``rate_per_second``
    (Drive's own quota, in quota units per user per minute, is far above it, and its 403/429 throttling
    pauses the budget), Docs' is its documented 60 writes per minute per user.
    """
    s = settings.google_drive
    if not s.enabled:
        return None
    auth = _auth(s, store)
    # Docs first: a source's health shows the budget of the client built last, which should be Drive's.
    docs = GoogleDocs(upstreams.client("google_drive", s.docs_base_url, limits=GoogleDocs.limits(),
                                       budget_key=DOCS_BUDGET_KEY, auth=auth, **GoogleDocs.client_options()))
    client = upstreams.client("google_drive", s.base_url, limits=[Limit(s.rate_per_second, 1.0)], auth=auth,
                              **GoogleDriveConnector.client_options())
    return GoogleDriveConnector(client, shared_drive_id=s.shared_drive_id, docs=docs, page_size=1000)


def build_proposals(settings: Settings, drive: GoogleDriveConnector | None) -> ProposalMaker | None:
    """Proposal generation, or ``None`` when Drive is off or no proposal template is configured.

    A template without the clients folder is a configuration error: proposals must land somewhere.
    """
    s = settings.google_drive
    if drive is None or not s.proposal_template_id:
        return None
    if not s.clients_folder_id:
        raise ConfigError(f"google drive: {_VAR}PROPOSAL_TEMPLATE_ID is set but {_VAR}CLIENTS_FOLDER_ID is "
                          "not; set it to the folder holding one folder per client")
    return ProposalMaker(drive, template_id=s.proposal_template_id, clients_folder_id=s.clients_folder_id)
