"""Statement proofs: account lines, the account index and their chunk roots per batch.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statement_lines",
        sa.Column("batch_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("line", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("batch_seq", "position", name=op.f("pk_statement_lines")),
    )
    op.create_index(
        "ix_statement_lines_account", "statement_lines", ["batch_seq", "account"], unique=True
    )
    op.create_table(
        "account_index",
        sa.Column("batch_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("batch_seq", "position", name=op.f("pk_account_index")),
    )
    op.create_index("ix_account_index_account", "account_index", ["batch_seq", "account"])
    op.create_table(
        "statement_chunks",
        sa.Column("batch_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tree", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("chunk", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("sums", sa.Text(), nullable=True),
        sa.CheckConstraint("length(hash) = 32", name=op.f("ck_statement_chunks_hash_length")),
        sa.PrimaryKeyConstraint("batch_seq", "tree", "chunk", name=op.f("pk_statement_chunks")),
    )


def downgrade() -> None:
    op.drop_table("statement_chunks")
    op.drop_index("ix_account_index_account", table_name="account_index")
    op.drop_table("account_index")
    op.drop_index("ix_statement_lines_account", table_name="statement_lines")
    op.drop_table("statement_lines")
