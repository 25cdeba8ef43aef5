"""OAuth credentials in the store: encrypted at rest, refreshed by one holder at a time.

Implements :class:`hub.http.oauth_types.TokenStore`. ``refresh_lock`` is a lease in the credential's
own row: an atomic conditional UPDATE takes it only when nobody holds it or the holder's lease ran out,
so a crashed process never blocks refresh for longer than the lease.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.errors import UpstreamRetryable
from hub.http.oauth_types import OAuthToken
from hub.store.crypto import CredentialCipher
from hub.store.engine import begin_write, insert_for
from hub.store.tables import oauth_credentials as creds
from hub.store.types import utcnow

__all__ = ["SqlTokenStore"]


class SqlTokenStore:
    """Token persistence over the store's ``oauth_credentials`` table.

    ``lease`` bounds how long a crashed holder can block others; ``wait_timeout`` how long a waiter
    polls before giving up with ``UpstreamRetryable`` (the caller's request can be retried later).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        cipher: CredentialCipher,
        *,
        lease: float = 30.0,
        wait_timeout: float = 30.0,
        poll_min: float = 0.05,
        poll_max: float = 0.2,
    ) -> None:
        self._engine = engine
        self._cipher = cipher
        self._lease = timedelta(seconds=lease)
        self._wait_timeout = wait_timeout
        self._poll = (poll_min, poll_max)
        # Tasks of this process queue here first, so only one of them polls the database.
        self._local_locks: dict[str, asyncio.Lock] = {}

    def __repr__(self) -> str:
        return "SqlTokenStore()"

    async def load(self, key: str) -> OAuthToken | None:
        """The saved token for ``key``, or None if none was saved yet."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(creds).where(creds.c.key == key))).one_or_none()
        if row is None or row.access_token_enc is None or row.expires_at is None:
            return None  # no credential, or only a lock placeholder
        refresh = (
            SecretStr(self._cipher.decrypt(row.refresh_token_enc, credential=key))
            if row.refresh_token_enc is not None
            else None
        )
        return OAuthToken(
            access_token=SecretStr(self._cipher.decrypt(row.access_token_enc, credential=key)),
            refresh_token=refresh,
            expires_at=row.expires_at,
            refresh_expires_at=row.refresh_expires_at,
            version=row.version,
        )

    async def save(self, key: str, token: OAuthToken) -> OAuthToken:
        """Encrypt and persist ``token``; returns it with the new (bumped) ``version``."""
        now = utcnow()
        values = {
            "key": key,
            "access_token_enc": self._cipher.encrypt(token.access_token.get_secret_value()),
            "refresh_token_enc": (
                self._cipher.encrypt(token.refresh_token.get_secret_value()) if token.refresh_token else None
            ),
            "expires_at": token.expires_at,
            "refresh_expires_at": token.refresh_expires_at,
            "updated_at": now,
        }
        stmt = insert_for(self._engine.dialect.name, creds).values(**values, version=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[creds.c.key],
            # The lock columns are left alone: a holder saves while it still holds the lease.
            set_={**{k: v for k, v in values.items() if k != "key"}, "version": creds.c.version + 1},
        ).returning(creds.c.version)
        async with begin_write(self._engine) as conn:
            version = (await conn.execute(stmt)).scalar_one()
        return replace(token, version=version)

    @asynccontextmanager
    async def refresh_lock(self, key: str) -> AsyncIterator[None]:
        """Hold the refresh lease for ``key`` (across processes) while the block runs.

        >>> async with store.tokens.refresh_lock("quickbooks:9341"):  # doctest: +SKIP
        ...     token = await store.tokens.load("quickbooks:9341")  # re-read: someone may have refreshed
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_timeout
        local = self._local_locks.setdefault(key, asyncio.Lock())
        try:
            async with asyncio.timeout_at(deadline):
                await local.acquire()
        except TimeoutError:
            raise self._timed_out(key) from None
        try:
            owner = uuid.uuid4().hex
            await self._acquire(key, owner, deadline)
            try:
                yield
            finally:
                await self._release(key, owner)
        finally:
            local.release()

    async def _acquire(self, key: str, owner: str, deadline: float) -> None:
        await self._ensure_row(key)
        loop = asyncio.get_running_loop()
        while True:
            now = utcnow()
            stmt = (
                update(creds)
                .where(
                    and_(
                        creds.c.key == key,
                        or_(creds.c.lock_until.is_(None), creds.c.lock_until < now),
                    )
                )
                .values(lock_owner=owner, lock_until=now + self._lease)
            )
            async with begin_write(self._engine) as conn:
                taken = (await conn.execute(stmt)).rowcount == 1
            if taken:
                return
            if loop.time() >= deadline:
                raise self._timed_out(key)
            await asyncio.sleep(random.uniform(*self._poll))

    def _timed_out(self, key: str) -> UpstreamRetryable:
        return UpstreamRetryable(
            key.split(":", 1)[0],
            f"timed out after {self._wait_timeout:g}s waiting for another holder to finish "
            f"refreshing credential '{key}'",
        )

    async def _ensure_row(self, key: str) -> None:
        # The lease lives in the credential row; before the first save there is none, so insert a
        # placeholder with NULL tokens (load() treats it as "no credential").
        stmt = (
            insert_for(self._engine.dialect.name, creds)
            .values(key=key, version=0, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=[creds.c.key])
        )
        async with begin_write(self._engine) as conn:
            await conn.execute(stmt)

    async def _release(self, key: str, owner: str) -> None:
        # Only if we still hold it: after an overrun lease someone else may own it now.
        stmt = (
            update(creds)
            .where(and_(creds.c.key == key, creds.c.lock_owner == owner))
            .values(lock_owner=None, lock_until=None)
        )
        async with begin_write(self._engine) as conn:
            await conn.execute(stmt)
