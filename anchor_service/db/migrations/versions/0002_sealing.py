"""Sealing: stored tree tiles, batches, entry postings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

``entry_postings.amount`` is ``NUMERIC(31, 0)`` on PostgreSQL and decimal text on SQLite
(whose ``NUMERIC`` affinity would store amounts beyond 2^63 as doubles). Postings of
entries stored before this revision are filled in from their documents.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anchor_service.db.base import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL_CHUNK = 5000


def upgrade() -> None:
    op.create_table(
        "merkle_tiles",
        sa.Column("tile_level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("tile_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tile_level", "tile_index", name=op.f("pk_merkle_tiles")),
        sa.CheckConstraint("tile_level >= 0", name=op.f("ck_merkle_tiles_tile_level_non_negative")),
        sa.CheckConstraint("tile_index >= 0", name=op.f("ck_merkle_tiles_tile_index_non_negative")),
        sa.CheckConstraint(
            "length(hashes) > 0 AND length(hashes) <= 8192 AND length(hashes) % 32 = 0",
            name=op.f("ck_merkle_tiles_hashes_length"),
        ),
    )
    op.create_table(
        "batches",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("start_index", sa.BigInteger(), nullable=False),
        sa.Column("end_index", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("statement_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        sa.Column("period_end", UTCDateTime(), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("anchor_id", sa.Integer(), nullable=True),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_batches")),
        sa.UniqueConstraint("end_index", name=op.f("uq_batches_end_index")),
        sa.CheckConstraint("seq >= 0", name=op.f("ck_batches_seq_non_negative")),
        sa.CheckConstraint(
            "start_index >= 0 AND start_index < end_index", name=op.f("ck_batches_leaf_range")
        ),
        sa.CheckConstraint("length(root) = 32", name=op.f("ck_batches_root_length")),
        sa.CheckConstraint(
            "length(statement_hash) = 32", name=op.f("ck_batches_statement_hash_length")
        ),
        sa.CheckConstraint(
            "status IN ('sealed', 'anchored', 'settled')", name=op.f("ck_batches_batch_status")
        ),
    )
    op.create_table(
        "entry_postings",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column(
            "amount", sa.Numeric(31, 0).with_variant(sa.String(32), "sqlite"), nullable=False
        ),
        sa.PrimaryKeyConstraint("leaf_index", "position", name=op.f("pk_entry_postings")),
    )
    _backfill_postings()


def _backfill_postings() -> None:
    """Write the postings of entries stored before this revision (from their documents)."""
    bind = op.get_bind()
    postings = sa.table(
        "entry_postings",
        sa.column("leaf_index"),
        sa.column("position"),
        sa.column("account"),
        sa.column("currency"),
        sa.column("amount"),
    )
    sqlite = bind.dialect.name == "sqlite"
    last = -1
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT leaf_index, document FROM entries WHERE leaf_index > :last"
                " ORDER BY leaf_index LIMIT :limit"
            ),
            {"last": last, "limit": _BACKFILL_CHUNK},
        ).all()
        if not rows:
            return
        values = [
            {
                "leaf_index": leaf_index,
                "position": position,
                "account": posting["account"],
                "currency": posting["currency"],
                "amount": posting["amount"] if sqlite else int(posting["amount"]),
            }
            for leaf_index, document in rows
            for position, posting in enumerate(json.loads(document)["postings"])
        ]
        bind.execute(sa.insert(postings), values)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table("entry_postings")
    op.drop_table("batches")
    op.drop_table("merkle_tiles")
