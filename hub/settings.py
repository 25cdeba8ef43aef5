"""The hub's settings: one pydantic-settings root, read once at start-up and then frozen.

Sources, highest priority first: keyword arguments, ``HUB_*`` environment variables (nested with
``__``, e.g. ``HUB_QUICKBOOKS__REALM_ID``), a ``.env`` file, then a TOML file named by
``HUB_CONFIG_FILE`` (default ``hub.toml`` in the working directory, if present).

>>> Settings(quickbooks={"realm_id": "9341"}).quickbooks.realm_id
'9341'
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = [
    "FaultSettings",
    "FreshnessSettings",
    "GoogleDriveSettings",
    "HttpSettings",
    "NotionSettings",
    "OdooSettings",
    "PromiseSettings",
    "QuickBooksSettings",
    "SandboxSettings",
    "Settings",
    "SqlInventorySettings",
    "SyncSettings",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

QUICKBOOKS_BASE_URLS = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
    "production": "https://quickbooks.api.intuit.com",
}


class HttpSettings(BaseModel):
    """Shared knobs of the one HTTP layer."""

    model_config = _FROZEN
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_attempts: int = Field(4, ge=1, le=10)
    backoff_base: float = Field(0.2, ge=0, description="first retry waits about this long, then doubles")
    max_retry_wait: float = Field(30.0, gt=0, description="never wait longer than this between attempts")
    breaker_failures: int = Field(5, ge=1, description="consecutive failures that open the circuit")
    breaker_cooldown: float = Field(30.0, gt=0, description="seconds the circuit stays open")
    max_connections: int = 50


class NotionSettings(BaseModel):
    """Notion API: https://developers.notion.com/reference/intro"""

    model_config = _FROZEN
    enabled: bool = True
    base_url: str = "https://api.notion.com"
    token: SecretStr | None = None
    # The current version (https://developers.notion.com/reference/versioning); data sources exist
    # since 2025-09-03, the oldest version this connector supports. Configurable per workspace.
    version: str = "2026-03-11"
    rate_per_second: float = Field(3.0, gt=0)
    rate_burst: int = Field(3, ge=1)
    # Data sources the sales side reads and writes (ids of the workspace's Orders and Pipeline).
    orders_data_source_id: str | None = None
    pipeline_data_source_id: str | None = None
    # Webhooks (https://developers.notion.com/reference/webhooks): Notion POSTs a one-time
    # ``verification_token`` to the endpoint; once set here it is the HMAC key of X-Notion-Signature.
    webhook_verification_token: SecretStr | None = None


class QuickBooksSettings(BaseModel):
    """QuickBooks Online Accounting API with OAuth 2.0 (Intuit)."""

    model_config = _FROZEN
    enabled: bool = True
    environment: Literal["sandbox", "production"] = "sandbox"
    base_url: str | None = None
    authorize_url: str = "https://appcenter.intuit.com/connect/oauth2"
    token_url: str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    client_id: str | None = None
    client_secret: SecretStr | None = None
    redirect_uri: str = "http://127.0.0.1:8000/auth/quickbooks/callback"
    scopes: str = "com.intuit.quickbooks.accounting"
    realm_id: str | None = None
    minor_version: int = 75
    rate_per_second: float = Field(10.0, gt=0)
    rate_per_minute: float = Field(500.0, gt=0)
    # The app's webhook verifier token (Intuit developer portal): the HMAC key of intuit-signature.
    webhook_verifier_token: SecretStr | None = None

    @property
    def api_base_url(self) -> str:
        return self.base_url or QUICKBOOKS_BASE_URLS[self.environment]


class OdooSettings(BaseModel):
    """Odoo (inventory + MRP): JSON-2 API on Odoo 19, JSON-RPC on 16-18."""

    model_config = _FROZEN
    enabled: bool = False
    base_url: str = "https://example.odoo.com"
    database: str | None = None
    api_key: SecretStr | None = None
    login: str | None = None  # needed for the JSON-RPC fallback (API key as password)
    protocol: Literal["auto", "json2", "jsonrpc"] = "auto"
    rate_per_second: float = Field(10.0, gt=0)
    # For bought items with no vendor line (no lead time known): a conservative stand-in.
    default_lead_time_days: Decimal = Field(Decimal(14), ge=0)


class GoogleDriveSettings(BaseModel):
    """Google Drive v3 (and the Docs v1 API for proposal generation).

    Credentials: a service account (``service_account_json``: the key file's JSON, or ``client_email``
    + ``private_key``), or OAuth user credentials (``client_id``/``client_secret`` and a refresh token
    in the store). Documents are found by ``appProperties`` and by the folder convention
    ``<clients_folder_id>/<client name>/``.
    """

    model_config = _FROZEN
    enabled: bool = False
    base_url: str = "https://www.googleapis.com"
    docs_base_url: str = "https://docs.googleapis.com"
    token_url: str = "https://oauth2.googleapis.com/token"
    auth: Literal["service_account", "user"] = "service_account"
    service_account_json: SecretStr | None = None
    client_email: str | None = None
    private_key: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scopes: tuple[str, ...] = ("https://www.googleapis.com/auth/drive",)
    shared_drive_id: str | None = None
    clients_folder_id: str | None = None
    proposal_template_id: str | None = None
    rate_per_second: float = Field(10.0, gt=0)


class SqlInventorySettings(BaseModel):
    """A shop's own database as the inventory source: read-only SELECTs from a mapping file."""

    model_config = _FROZEN
    enabled: bool = False
    url: SecretStr | None = None  # any SQLAlchemy URL; may hold a password
    mapping: Path | None = None


class PromiseSettings(BaseModel):
    """Default delivery-promise policy (a query may override each)."""

    model_config = _FROZEN
    packing_days: int = Field(1, ge=0)
    transit_business_days: int = Field(2, ge=0)
    security_days: int = Field(0, ge=0)
    lot_splitting: bool = False


class SyncSettings(BaseModel):
    """The invoice sync (``hub sync invoices``, ``hub worker``). What is invoiced and how lines map to
    QuickBooks items lives in ``mappings/sync.invoices.yaml``; these are the job's own knobs."""

    model_config = _FROZEN
    interval_seconds: float = Field(900.0, gt=0, description="hub worker: seconds between runs")
    batch_size: int = Field(30, ge=1, le=30, description="QuickBooks /batch allows at most 30 items")
    payments_back: bool = True  # also copy QuickBooks payments onto the Notion orders each run


class FaultSettings(BaseModel):
    """Fault knobs of one sandbox simulator."""

    model_config = _FROZEN
    latency_ms: float = Field(0.0, ge=0)
    error_rate: float = Field(0.0, ge=0, le=1)
    burst_429: int = Field(0, ge=0, description="answer the next N requests with 429")
    outage: bool = False
    # QuickBooks and Notion simulators (hub.sandbox.tripwires): "[METHOD ]PATH[#N][ after][ drop]".
    fail_at: str | None = Field(None, description="answer 500 (drop: close the connection) at this request")
    stall_at: str | None = Field(None, description="hold this request until POST /_sandbox/release")


class SandboxSettings(BaseModel):
    model_config = _FROZEN
    notion: FaultSettings = FaultSettings()
    quickbooks: FaultSettings = FaultSettings()
    odoo: FaultSettings = FaultSettings()
    drive: FaultSettings = FaultSettings()
    enforce_rate_limits: bool = True


class FreshnessSettings(BaseModel):
    """Max age (seconds) of mirrored records before a read goes upstream again."""

    model_config = _FROZEN
    customers: float = Field(300.0, ge=0)
    balances: float = Field(60.0, ge=0)
    # Near-live: one inventory snapshot serves the estimates of the next few seconds.
    inventory: float = Field(30.0, ge=0)
    # Quotes, orders, invoices, payments: money moves, so the balances policy's order of magnitude.
    sales: float = Field(60.0, ge=0)
    documents: float = Field(300.0, ge=0)


def _default_database_url() -> str:
    return "sqlite+aiosqlite:///.hub/hub.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HUB_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        frozen=True,
    )

    database_url: str = Field(default_factory=_default_database_url)
    # Fernet key (urlsafe base64, 32 bytes) that encrypts OAuth credentials at rest. When unset the
    # hub creates one beside the SQLite database (mode 0600) so a demo needs no set-up.
    secret_key: SecretStr | None = None
    mappings_dir: Path | None = None
    http: HttpSettings = HttpSettings()
    notion: NotionSettings = NotionSettings()
    quickbooks: QuickBooksSettings = QuickBooksSettings()
    odoo: OdooSettings = OdooSettings()
    google_drive: GoogleDriveSettings = GoogleDriveSettings()
    sql_inventory: SqlInventorySettings = SqlInventorySettings()
    promise: PromiseSettings = PromiseSettings()
    freshness: FreshnessSettings = FreshnessSettings()
    sandbox: SandboxSettings = SandboxSettings()
    sync: SyncSettings = SyncSettings()
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # Accept the plain URLs people paste and pick the async driver for them.
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value[len("sqlite:///"):]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("HUB_CONFIG_FILE", "hub.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if toml_file.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        sources.append(file_secret_settings)
        return tuple(sources)
