"""Anchors and their signed transactions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anchor_service.db.base import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anchors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("statement_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("batch_seq", sa.Integer(), nullable=False),
        sa.Column("from_size", sa.BigInteger(), nullable=False),
        sa.Column("consistency_proof", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("in_flight", sa.SmallInteger(), nullable=True),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("registry_address", sa.String(42), nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("chain_seq", sa.BigInteger(), nullable=True),
        sa.Column("tx_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("block_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("effective_gas_price", sa.BigInteger(), nullable=True),
        sa.Column("fee_wei", sa.BigInteger(), nullable=True),
        sa.Column("reorgs", sa.Integer(), nullable=False),
        sa.Column("error_name", sa.String(100), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchors")),
        sa.ForeignKeyConstraint(
            ["batch_seq"], ["batches.seq"], name=op.f("fk_anchors_batch_seq_batches")
        ),
        sa.UniqueConstraint("in_flight", name=op.f("uq_anchors_in_flight")),
        sa.CheckConstraint("tree_size >= 1", name=op.f("ck_anchors_tree_size_positive")),
        sa.CheckConstraint("from_size >= 0", name=op.f("ck_anchors_from_size_non_negative")),
        sa.CheckConstraint("length(root) = 32", name=op.f("ck_anchors_root_length")),
        sa.CheckConstraint(
            "length(statement_hash) = 32", name=op.f("ck_anchors_statement_hash_length")
        ),
        sa.CheckConstraint("in_flight = 1", name=op.f("ck_anchors_in_flight_value")),
        sa.CheckConstraint("reorgs >= 0", name=op.f("ck_anchors_reorgs_non_negative")),
        sa.CheckConstraint(
            "status IN ('prepared', 'submitted', 'confirmed', 'failed')",
            name=op.f("ck_anchors_anchor_status"),
        ),
    )
    op.create_index(op.f("ix_anchors_tree_size"), "anchors", ["tree_size"])
    op.create_table(
        "anchor_transactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("anchor_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("raw_tx", sa.LargeBinary(), nullable=False),
        sa.Column("max_fee_per_gas", sa.BigInteger(), nullable=False),
        sa.Column("max_priority_fee_per_gas", sa.BigInteger(), nullable=False),
        sa.Column("gas", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchor_transactions")),
        sa.ForeignKeyConstraint(
            ["anchor_id"], ["anchors.id"], name=op.f("fk_anchor_transactions_anchor_id_anchors")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by"],
            ["anchor_transactions.id"],
            name=op.f("fk_anchor_transactions_replaced_by_anchor_transactions"),
        ),
        sa.UniqueConstraint("tx_hash", name=op.f("uq_anchor_transactions_tx_hash")),
        sa.CheckConstraint("nonce >= 0", name=op.f("ck_anchor_transactions_nonce_non_negative")),
        sa.CheckConstraint(
            "length(tx_hash) = 32", name=op.f("ck_anchor_transactions_tx_hash_length")
        ),
        sa.CheckConstraint("gas > 0", name=op.f("ck_anchor_transactions_gas_positive")),
        sa.CheckConstraint(
            "max_priority_fee_per_gas >= 0 AND max_fee_per_gas >= max_priority_fee_per_gas",
            name=op.f("ck_anchor_transactions_fees_ordered"),
        ),
    )
    op.create_index(op.f("ix_anchor_transactions_anchor_id"), "anchor_transactions", ["anchor_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_anchor_transactions_anchor_id"), table_name="anchor_transactions")
    op.drop_table("anchor_transactions")
    op.drop_index(op.f("ix_anchors_tree_size"), table_name="anchors")
    op.drop_table("anchors")
