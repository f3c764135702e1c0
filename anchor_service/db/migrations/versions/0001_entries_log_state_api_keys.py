"""Entries, the log counter row, API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anchor_service.db.base import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("secret_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.CheckConstraint(
            "role IN ('writer', 'auditor', 'admin')", name=op.f("ck_api_keys_role")
        ),
    )
    op.create_table(
        "entries",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("salt", sa.LargeBinary(16), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("content_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_entries")),
        sa.UniqueConstraint("external_id", name=op.f("uq_entries_external_id")),
        sa.CheckConstraint("leaf_index >= 0", name=op.f("ck_entries_leaf_index_non_negative")),
        sa.CheckConstraint("length(salt) = 16", name=op.f("ck_entries_salt_length")),
        sa.CheckConstraint("length(leaf_hash) = 32", name=op.f("ck_entries_leaf_hash_length")),
        sa.CheckConstraint(
            "length(content_hash) = 32", name=op.f("ck_entries_content_hash_length")
        ),
    )
    log_state = op.create_table(
        "log_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_state")),
        sa.CheckConstraint("id = 1", name=op.f("ck_log_state_single_row")),
        sa.CheckConstraint("next_index >= 0", name=op.f("ck_log_state_next_index_non_negative")),
    )
    op.bulk_insert(log_state, [{"id": 1, "next_index": 0}])


def downgrade() -> None:
    op.drop_table("log_state")
    op.drop_table("entries")
    op.drop_table("api_keys")
