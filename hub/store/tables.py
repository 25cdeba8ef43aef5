"""The store's tables as SQLAlchemy Core metadata.

The schema itself is created by the Alembic migrations in ``hub/store/migrations``; this metadata must
describe the same thing (a test compares them) and adds the Python-side types (UTC datetimes,
tagged JSON).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    func,
)

from hub.store.types import TaggedJSON, UTCDateTime

__all__ = [
    "customer_entities",
    "identity_links",
    "metadata",
    "oauth_credentials",
    "outbox",
    "records",
    "sync_cursors",
    "sync_runs",
    "webhook_events",
]

metadata = MetaData()


def _ordered(length: int | None) -> String:
    # Byte-order collation on PostgreSQL so keyset paging orders exactly as on SQLite and as Python
    # compares strings, whatever the database's locale is.
    return String(length).with_variant(String(length, collation="C"), "postgresql")  # type: ignore[return-value]


records = Table(
    "records",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("collection", String(128), primary_key=True),
    Column("external_id", String(128), primary_key=True),
    Column("entity_type", String(64), nullable=False),
    Column("data", TaggedJSON(), nullable=False),
    Column("fields", TaggedJSON(), nullable=True),
    Column("url", Text, nullable=True),
    Column("updated_at", UTCDateTime(), nullable=True),
    Column("fetched_at", UTCDateTime(), nullable=False),
    Column("archived", Boolean, nullable=False, server_default=false()),
    Index("ix_records_entity_type", "entity_type"),
)

sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("collection", String(128), primary_key=True),
    Column("cursor", Text, nullable=True),
    Column("synced_at", UTCDateTime(), nullable=False),
)

customer_entities = Table(
    "customer_entities",
    metadata,
    Column("id", _ordered(128), primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("sort_key", _ordered(None), nullable=False),
    Column("email", String(320), nullable=True),
    Column("segment", String(16), nullable=True),
    Column("merged_into", String(128), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_customer_entities_sort_key_id", "sort_key", "id"),
)
# Case-insensitive exact email lookups (``page_entities(email=...)``).
Index("ix_customer_entities_email_lower", func.lower(customer_entities.c.email))

identity_links = Table(
    "identity_links",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("external_id", String(128), primary_key=True),
    Column("entity_id", String(128), nullable=False),
    Column("rule", String(16), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("overridden", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint(
        "rule IN ('explicit', 'email', 'name', 'manual', 'single')", name="ck_identity_links_rule"
    ),
    Index("ix_identity_links_entity_id", "entity_id"),
)

# One row per credential. A row with NULL tokens is a lock placeholder: ``refresh_lock`` creates it so
# the lease works before the first token is ever saved.
oauth_credentials = Table(
    "oauth_credentials",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("access_token_enc", Text, nullable=True),
    Column("refresh_token_enc", Text, nullable=True),
    Column("expires_at", UTCDateTime(), nullable=True),
    Column("refresh_expires_at", UTCDateTime(), nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("lock_owner", String(64), nullable=True),
    Column("lock_until", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Writes to the systems of record, one row per idempotency key: written before the first upstream
# call, each step's result recorded as it completes, so a retry or a restart resumes without repeating.
# ``lease_*`` lets one runner at a time (across replicas) work on an entry.
outbox = Table(
    "outbox",
    metadata,
    Column("idempotency_key", String(200), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("payload", TaggedJSON(), nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("steps", TaggedJSON(), nullable=False),
    Column("result", TaggedJSON(), nullable=True),
    Column("error_code", String(64), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("state IN ('pending', 'done', 'failed')", name="ck_outbox_state"),
    Index("ix_outbox_state_kind", "state", "kind"),
)

# Webhook deliveries already processed, so a redelivered or replayed event is recognised.
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("received_at", UTCDateTime(), nullable=False),
    Index("ix_webhook_events_received_at", "received_at"),
)

# One row per run of a sync job (``hub.sync.runs``): a run a killed process left ``running`` is marked
# ``crashed`` by the next one; ``owner`` (host:pid:token) and ``heartbeat_at`` tell live runs from dead.
sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("dry_run", Boolean, nullable=False, server_default=false()),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("status", String(16), nullable=False),
    Column("counts", TaggedJSON(), nullable=False),
    Column("errors", TaggedJSON(), nullable=False),
    Column("owner", String(200), nullable=True),
    Column("heartbeat_at", UTCDateTime(), nullable=True),
    CheckConstraint("status IN ('running', 'ok', 'errors', 'crashed')", name="ck_sync_runs_status"),
    Index("ix_sync_runs_kind_started_at", "kind", "started_at"),
)
