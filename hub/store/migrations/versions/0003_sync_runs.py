"""Sync runs: one row per run of a sync job (start, end, status, counts, errors).

Revision ID: 0003
Revises: 0002
Create Date: 2026-02-02

Plain SQLAlchemy types, as in 0001, so this revision keeps its meaning whatever the code becomes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("heartbeat_at", TS, nullable=True),
        sa.CheckConstraint("status IN ('running', 'ok', 'errors', 'crashed')", name="ck_sync_runs_status"),
    )
    op.create_index("ix_sync_runs_kind_started_at", "sync_runs", ["kind", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_sync_runs_kind_started_at", table_name="sync_runs")
    op.drop_table("sync_runs")
