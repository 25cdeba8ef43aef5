"""Settings: one root, HUB_ env with nested __, .env and TOML files, secrets never printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.settings import Settings


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(__import__("os").environ):
        if key.startswith("HUB_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_toml_then_dotenv_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hub.toml").write_text(
        '[quickbooks]\nrealm_id = "111"\nclient_id = "from-toml"\nenvironment = "production"\n'
        '[notion]\ntoken = "ntn_toml"\n')
    (tmp_path / ".env").write_text("HUB_QUICKBOOKS__CLIENT_ID=from-dotenv\n")
    monkeypatch.setenv("HUB_QUICKBOOKS__REALM_ID", "222")
    settings = Settings()
    assert settings.quickbooks.realm_id == "222"  # environment wins
    assert settings.quickbooks.client_id == "from-dotenv"  # .env beats TOML
    assert settings.quickbooks.api_base_url == "https://quickbooks.api.intuit.com"
    assert settings.notion.token is not None and settings.notion.token.get_secret_value() == "ntn_toml"


def test_config_file_named_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('database_url = "postgresql://hub@db/hub"\n')
    monkeypatch.setenv("HUB_CONFIG_FILE", str(other))
    assert Settings().database_url == "postgresql+asyncpg://hub@db/hub"


def test_secrets_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_NOTION__TOKEN", "ntn_very_secret")
    monkeypatch.setenv("HUB_QUICKBOOKS__CLIENT_SECRET", "qbo_very_secret")
    text = repr(Settings()) + str(Settings().model_dump())
    assert "very_secret" not in text


def test_settings_are_frozen_and_bad_values_name_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.notion.base_url = "x"  # type: ignore[misc]
    monkeypatch.setenv("HUB_QUICKBOOKS__ENVIRONMENT", "staging")
    with pytest.raises(ValidationError, match="quickbooks.environment"):
        Settings()
