"""Outbox of upstream writes (idempotency keys, step results) and processed webhook events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-20

Plain SQLAlchemy types, as in 0001, so this revision keeps its meaning whatever the code becomes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("state IN ('pending', 'done', 'failed')", name="ck_outbox_state"),
    )
    op.create_index("ix_outbox_state_kind", "outbox", ["state", "kind"])

    op.create_table(
        "webhook_events",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("received_at", TS, nullable=False),
    )
    op.create_index("ix_webhook_events_received_at", "webhook_events", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_events_received_at", table_name="webhook_events")
    op.drop_table("webhook_events")
    op.drop_index("ix_outbox_state_kind", table_name="outbox")
    op.drop_table("outbox")
