"""Signed checkpoints: ``checkpoints``, ``checkpoint_cosignatures``, ``checkpoint_mismatches``.

Integration (the tiles) now runs ahead of sealing: the newest checkpoint's size is the
integrated size. Logs sealed before this revision have no checkpoint yet; the first one
is signed by the scheduler after the upgrade (its root recomputed from every stored leaf).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anchor_service.db.base import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("compact_range", sa.LargeBinary(), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_checkpoints")),
        sa.CheckConstraint("tree_size >= 0", name=op.f("ck_checkpoints_tree_size_non_negative")),
        sa.CheckConstraint("length(root) = 32", name=op.f("ck_checkpoints_root_length")),
        sa.CheckConstraint(
            "length(compact_range) % 32 = 0", name=op.f("ck_checkpoints_compact_range_length")
        ),
    )
    op.create_table(
        "checkpoint_cosignatures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("witness_name", sa.String(255), nullable=False),
        sa.Column("key_id", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoint_cosignatures")),
        sa.ForeignKeyConstraint(
            ["tree_size"],
            ["checkpoints.tree_size"],
            name=op.f("fk_checkpoint_cosignatures_tree_size_checkpoints"),
        ),
        sa.UniqueConstraint(
            "tree_size",
            "witness_name",
            "key_id",
            name=op.f("uq_checkpoint_cosignatures_tree_size_witness_name_key_id"),
        ),
        sa.CheckConstraint(
            "key_id >= 0 AND key_id < 4294967296",
            name=op.f("ck_checkpoint_cosignatures_key_id_uint32"),
        ),
        sa.CheckConstraint(
            "timestamp >= 0", name=op.f("ck_checkpoint_cosignatures_timestamp_non_negative")
        ),
    )
    op.create_table(
        "checkpoint_mismatches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("tiles_root", sa.LargeBinary(32), nullable=False),
        sa.Column("recomputed_root", sa.LargeBinary(32), nullable=False),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoint_mismatches")),
        sa.CheckConstraint(
            "length(tiles_root) = 32", name=op.f("ck_checkpoint_mismatches_tiles_root_length")
        ),
        sa.CheckConstraint(
            "length(recomputed_root) = 32",
            name=op.f("ck_checkpoint_mismatches_recomputed_root_length"),
        ),
    )


def downgrade() -> None:
    op.drop_table("checkpoint_mismatches")
    op.drop_table("checkpoint_cosignatures")
    op.drop_table("checkpoints")
