"""Store tests run on SQLite (a temp file) and on PostgreSQL.

PostgreSQL runs only when ``HUB_TEST_POSTGRES_URL`` is set (e.g.
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``); each test then gets its own fresh schema
(``search_path`` through the URL), dropped afterwards. If the variable is set and the server is not
reachable the tests error out: a configured database that is down must not look like a pass.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from hub.store import Store

POSTGRES_ENV = "HUB_TEST_POSTGRES_URL"

OpenStore = Callable[..., Awaitable[Store]]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A URL to an empty database of the parametrised dialect."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/db/hub.db"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"set {POSTGRES_ENV} to run")
    schema = f"hub_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(base)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict({"options": f"-c search_path={schema}"})
        yield url.render_as_string(hide_password=False)
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


@pytest.fixture
def secret() -> SecretStr:
    return SecretStr(Fernet.generate_key().decode())


@pytest.fixture
async def open_store(db_url: str, secret: SecretStr) -> AsyncIterator[OpenStore]:
    """Opens stores on the test database (same secret unless given) and closes them all at the end."""
    opened: list[Store] = []

    async def _open(**kwargs: object) -> Store:
        kwargs.setdefault("secret_key", secret)
        store = await Store.open(db_url, **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield _open
    for store in opened:
        await store.close()


@pytest.fixture
async def store(open_store: OpenStore) -> Store:
    return await open_store()
