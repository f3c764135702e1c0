"""Gateway reconciliations: each statement (canonical JSON) with its hash and the leaf
index of its record in the log.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anchor_service.db.base import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconciliations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("gateway", sa.String(64), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("report_sha256", sa.LargeBinary(32), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("clean", sa.Boolean(), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("statement_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "length(statement_hash) = 32", name=op.f("ck_reconciliations_statement_hash_length")
        ),
        sa.CheckConstraint(
            "length(report_sha256) = 32", name=op.f("ck_reconciliations_report_sha256_length")
        ),
        sa.CheckConstraint(
            "leaf_index >= 0", name=op.f("ck_reconciliations_leaf_index_non_negative")
        ),
        sa.CheckConstraint(
            "period_last >= period_first", name=op.f("ck_reconciliations_period_ordered")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliations")),
        sa.UniqueConstraint("leaf_index", name=op.f("uq_reconciliations_leaf_index")),
    )


def downgrade() -> None:
    op.drop_table("reconciliations")
