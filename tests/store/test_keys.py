"""Where the credential key comes from when settings give none."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.errors import ConfigError
from hub.http.oauth_types import OAuthToken
from hub.store import Store
from tests.store.conftest import OpenStore


def _entries(path: Path) -> list[Path]:
    return list(path.iterdir())


TOKEN = OAuthToken(SecretStr("access"), SecretStr("refresh"), datetime(2030, 1, 1, tzinfo=UTC))


async def test_without_a_key(open_store: OpenStore, db_url: str) -> None:
    if db_url.startswith("postgresql"):
        # Replicas must share one key, so PostgreSQL never invents one.
        with pytest.raises(ConfigError, match="PostgreSQL store needs a secret key.*HUB_SECRET_KEY"):
            await open_store(secret_key=None)
        return
    store = await open_store(secret_key=None)
    key_file = Path(db_url.split("///", 1)[1]).parent / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    await store.tokens.save("quickbooks:1", TOKEN)

    reopened = await open_store(secret_key=None)  # same file, same key

    loaded = await reopened.tokens.load("quickbooks:1")
    assert loaded is not None and loaded.access_token.get_secret_value() == "access"


async def test_explicit_key_file(open_store: OpenStore, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "hub.key"
    store = await open_store(secret_key=None, key_file=key_file)
    await store.tokens.save("quickbooks:1", TOKEN)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    reopened = await open_store(secret_key=None, key_file=key_file)
    assert await reopened.tokens.load("quickbooks:1") is not None


@pytest.mark.parametrize(("content", "message"), [("", "is empty"), ("garbage", "not a valid Fernet key")])
async def test_bad_key_file(open_store: OpenStore, tmp_path: Path, content: str, message: str) -> None:
    key_file = tmp_path / "secret.key"
    key_file.write_text(content)
    with pytest.raises(ConfigError, match=message) as info:
        await open_store(secret_key=None, key_file=key_file)
    assert str(key_file) in str(info.value)


async def test_default_url_creates_hub_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = await Store.open("sqlite+aiosqlite:///.hub/hub.db", secret_key=None)
    try:
        assert store.dialect == "sqlite"
        assert (tmp_path / ".hub" / "hub.db").is_file()
        assert (tmp_path / ".hub" / "secret.key").is_file()
    finally:
        await store.close()


async def test_in_memory_sqlite_needs_no_key_and_writes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = await Store.open("sqlite+aiosqlite://", secret_key=None)
    try:
        saved = await store.tokens.save("quickbooks:1", TOKEN)
        loaded = await store.tokens.load("quickbooks:1")
        assert loaded is not None and loaded.version == saved.version == 1
        assert _entries(tmp_path) == []
    finally:
        await store.close()
