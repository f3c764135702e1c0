"""Witnesses, the log's side: ``witness_states``, ``witness_answers``, ``anchor_witnesses``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anchor_service.db.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "witness_states",
        sa.Column("witness_name", sa.String(255), nullable=False),
        sa.Column("last_size", sa.BigInteger(), nullable=True),
        sa.Column("last_outcome", sa.String(32), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_reason", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("witness_name", name=op.f("pk_witness_states")),
        sa.CheckConstraint("last_size >= 0", name=op.f("ck_witness_states_last_size_non_negative")),
    )
    op.create_table(
        "witness_answers",
        sa.Column("witness_name", sa.String(255), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("witness_name", "outcome", name=op.f("pk_witness_answers")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_witness_answers_count_non_negative")),
    )
    op.create_table(
        "anchor_witnesses",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("cosigners", sa.Text(), nullable=False),
        sa.Column("quorum_met", sa.Boolean(), nullable=False),
        sa.Column("waited_seconds", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_anchor_witnesses")),
        sa.CheckConstraint("tree_size >= 1", name=op.f("ck_anchor_witnesses_tree_size_positive")),
    )


def downgrade() -> None:
    op.drop_table("anchor_witnesses")
    op.drop_table("witness_answers")
    op.drop_table("witness_states")
