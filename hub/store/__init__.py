"""The hub's store: identity links, OAuth credentials, sync cursors and the record mirror.

SQLAlchemy 2 async over SQLite (default ``sqlite+aiosqlite:///.hub/hub.db``) or PostgreSQL
(``postgresql+asyncpg://...``); the schema is managed by the Alembic migrations in
``hub/store/migrations`` and applied by :meth:`Store.open`.

>>> store = await Store.open(settings.database_url, secret_key=settings.secret_key)  # doctest: +SKIP
"""

from __future__ import annotations

from hub.store.rows import EntityRow, IdentityLink, LinkRule, RecordRow, SyncCursor, sort_key_for
from hub.store.store import Store
from hub.store.tokens import SqlTokenStore

__all__ = [
    "EntityRow",
    "IdentityLink",
    "LinkRule",
    "RecordRow",
    "SqlTokenStore",
    "Store",
    "SyncCursor",
    "sort_key_for",
]
