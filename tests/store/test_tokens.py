"""OAuth credentials: encrypted at rest, versioned, refreshed by one holder at a time across stores."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select, update

from hub.errors import ConfigError, UpstreamRetryable
from hub.http.oauth_types import OAuthToken, TokenStore
from hub.store import SqlTokenStore, Store
from hub.store.crypto import CredentialCipher
from hub.store.tables import oauth_credentials
from tests.store.conftest import OpenStore

KEY = "quickbooks:9341455130166501"
ACCESS = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..access-token-plaintext"
REFRESH = "AB11712345678refresh-token-plaintext"
EXPIRES = datetime(2025, 3, 1, 13, 0, tzinfo=UTC)


def _token(access: str = ACCESS, refresh: str | None = REFRESH) -> OAuthToken:
    return OAuthToken(
        access_token=SecretStr(access),
        refresh_token=SecretStr(refresh) if refresh else None,
        expires_at=EXPIRES,
        refresh_expires_at=EXPIRES + timedelta(days=100),
    )


async def _raw(store: Store, key: str = KEY) -> dict[str, object]:
    async with store.engine.connect() as conn:
        row = (await conn.execute(select(oauth_credentials).where(oauth_credentials.c.key == key))).one()
    return dict(row._mapping)


async def test_store_tokens_is_a_token_store(store: Store) -> None:
    tokens: TokenStore = store.tokens
    assert await tokens.load(KEY) is None


async def test_save_load_round_trip_and_version_bump(store: Store) -> None:
    first = await store.tokens.save(KEY, _token())
    second = await store.tokens.save(KEY, _token(access="new-access", refresh=None))

    assert (first.version, second.version) == (1, 2)
    loaded = await store.tokens.load(KEY)
    assert loaded is not None
    assert loaded.access_token.get_secret_value() == "new-access"
    assert loaded.refresh_token is None
    assert loaded.expires_at == EXPIRES and loaded.expires_at.tzinfo is UTC
    assert loaded.refresh_expires_at == EXPIRES + timedelta(days=100)
    assert loaded.version == 2
    assert await store.tokens.load("quickbooks:other") is None


async def test_tokens_are_encrypted_at_rest(store: Store) -> None:
    await store.tokens.save(KEY, _token())

    raw = await _raw(store)

    for column in ("access_token_enc", "refresh_token_enc"):
        stored = str(raw[column])
        assert ACCESS not in stored and REFRESH not in stored
        assert "plaintext" not in stored
    assert repr(store.tokens) == "SqlTokenStore()"


async def test_wrong_key_is_a_clear_config_error(open_store: OpenStore) -> None:
    writer = await open_store()
    await writer.tokens.save(KEY, _token())
    reader = await open_store(secret_key=SecretStr(Fernet.generate_key().decode()))

    with pytest.raises(ConfigError, match=f"cannot decrypt stored credential '{KEY}'") as info:
        await reader.tokens.load(KEY)
    assert ACCESS not in str(info.value) and REFRESH not in str(info.value)


@pytest.mark.parametrize("bad", ["", "not-a-key", "a" * 44, Fernet.generate_key().decode()[:-4]])
async def test_malformed_secret_key_is_refused_at_open(open_store: OpenStore, bad: str) -> None:
    with pytest.raises(ConfigError, match="not a valid Fernet key") as info:
        await open_store(secret_key=SecretStr(bad))
    if bad:
        assert bad not in str(info.value)


async def test_refresh_lock_is_exclusive_across_two_stores(open_store: OpenStore) -> None:
    stores = [await open_store(), await open_store()]  # two engines, one database
    assert stores[0].engine is not stores[1].engine
    await stores[0].tokens.save(KEY, _token(access="v0"))
    inside = 0
    overlaps = 0
    sections: list[int] = []

    async def refresher(n: int) -> None:
        nonlocal inside, overlaps
        store = stores[n % 2]
        async with store.tokens.refresh_lock(KEY):
            inside += 1
            overlaps += inside > 1
            current = await store.tokens.load(KEY)
            assert current is not None
            await asyncio.sleep(0.02)  # the "refresh" call upstream
            await store.tokens.save(KEY, _token(access=f"v{current.version}"))
            sections.append(n % 2)
            inside -= 1

    await asyncio.gather(*(refresher(n) for n in range(8)))

    assert overlaps == 0
    assert sorted(set(sections)) == [0, 1]  # both stores really took the lock
    final = await stores[1].tokens.load(KEY)
    # No refresh was lost: every section saw the previous one's save.
    assert final is not None and final.version == 9
    assert final.access_token.get_secret_value() == "v8"
    raw = await _raw(stores[0])
    assert raw["lock_owner"] is None and raw["lock_until"] is None


async def test_refresh_lock_works_before_any_token_exists(store: Store) -> None:
    async with store.tokens.refresh_lock("quickbooks:new"):
        assert await store.tokens.load("quickbooks:new") is None  # the lock row is no credential
        saved = await store.tokens.save("quickbooks:new", _token())
        assert (await _raw(store, "quickbooks:new"))["lock_owner"] is not None  # save keeps the lease
    assert saved.version == 1
    loaded = await store.tokens.load("quickbooks:new")
    assert loaded is not None and loaded.version == 1


async def test_waiter_gives_up_with_retryable_error(store: Store, secret: SecretStr) -> None:
    impatient = SqlTokenStore(store.engine, CredentialCipher(secret, origin="test"), wait_timeout=0.3)
    async with store.tokens.refresh_lock(KEY):
        with pytest.raises(UpstreamRetryable, match=f"refreshing credential '{KEY}'") as info:
            async with impatient.refresh_lock(KEY):
                pytest.fail("acquired a lock someone else holds")
    assert info.value.source == "quickbooks"
    async with impatient.refresh_lock(KEY):  # released, so now it is free
        pass


async def test_an_expired_lease_can_be_taken_over(store: Store) -> None:
    await store.tokens.save(KEY, _token())
    stale = datetime.now(UTC) - timedelta(seconds=1)
    async with store.engine.begin() as conn:  # a crashed process left its lease behind
        await conn.execute(update(oauth_credentials).values(lock_owner="dead", lock_until=stale))

    async with store.tokens.refresh_lock(KEY):
        assert (await _raw(store))["lock_owner"] != "dead"


async def test_release_leaves_a_lock_someone_else_took(store: Store) -> None:
    async with store.tokens.refresh_lock(KEY):
        # Our lease ran out mid-refresh and another process took it over.
        async with store.engine.begin() as conn:
            await conn.execute(update(oauth_credentials).values(lock_owner="other"))
    assert (await _raw(store))["lock_owner"] == "other"


async def test_cancelled_holder_releases(store: Store) -> None:
    entered = asyncio.Event()

    async def holder() -> None:
        async with store.tokens.refresh_lock(KEY):
            entered.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(holder())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await _raw(store))["lock_owner"] is None


async def test_waiter_in_the_same_process_also_gives_up(store: Store, secret: SecretStr) -> None:
    tokens = SqlTokenStore(store.engine, CredentialCipher(secret, origin="test"), wait_timeout=0.2)
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with tokens.refresh_lock(KEY):
            held.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await held.wait()
    with pytest.raises(UpstreamRetryable, match="timed out after 0.2s"):
        async with tokens.refresh_lock(KEY):
            pytest.fail("two holders in one process")
    release.set()
    await task
    async with tokens.refresh_lock(KEY):
        pass
