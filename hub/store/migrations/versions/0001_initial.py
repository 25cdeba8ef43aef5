"""Initial store schema: record mirror, sync cursors, identity, OAuth credentials.

Revision ID: 0001
Revises:
Create Date: 2025-11-22

Written by hand with plain SQLAlchemy types (not imported from hub.store.tables) so this revision
keeps meaning the same schema however the application code changes later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ordered(length: int | None) -> sa.types.TypeEngine[str]:
    # Byte-order collation on PostgreSQL: keyset paging then orders as SQLite and Python do.
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


# Timestamps are timezone-aware (timestamptz on PostgreSQL); the application writes UTC.
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("collection", sa.String(128), primary_key=True),
        sa.Column("external_id", sa.String(128), primary_key=True),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("updated_at", TS, nullable=True),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_records_entity_type", "records", ["entity_type"])

    op.create_table(
        "sync_cursors",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("collection", sa.String(128), primary_key=True),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("synced_at", TS, nullable=False),
    )

    op.create_table(
        "customer_entities",
        sa.Column("id", _ordered(128), primary_key=True),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("sort_key", _ordered(None), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("segment", sa.String(16), nullable=True),
        sa.Column("merged_into", sa.String(128), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_customer_entities_sort_key_id", "customer_entities", ["sort_key", "id"])
    op.create_index("ix_customer_entities_email_lower", "customer_entities", [sa.text("lower(email)")])

    op.create_table(
        "identity_links",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("external_id", sa.String(128), primary_key=True),
        sa.Column("entity_id", sa.String(128), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "rule IN ('explicit', 'email', 'name', 'manual', 'single')", name="ck_identity_links_rule"
        ),
    )
    op.create_index("ix_identity_links_entity_id", "identity_links", ["entity_id"])

    op.create_table(
        "oauth_credentials",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("access_token_enc", sa.Text(), nullable=True),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("refresh_expires_at", TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lock_owner", sa.String(64), nullable=True),
        sa.Column("lock_until", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("oauth_credentials")
    op.drop_index("ix_identity_links_entity_id", table_name="identity_links")
    op.drop_table("identity_links")
    op.drop_index("ix_customer_entities_email_lower", table_name="customer_entities")
    op.drop_index("ix_customer_entities_sort_key_id", table_name="customer_entities")
    op.drop_table("customer_entities")
    op.drop_table("sync_cursors")
    op.drop_index("ix_records_entity_type", table_name="records")
    op.drop_table("records")
