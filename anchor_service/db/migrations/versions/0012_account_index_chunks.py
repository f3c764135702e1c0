"""The account index stored one row per 256-leaf chunk instead of one row per pair.

``account_index`` (0011) held one row per ``(account, leaf_index)`` pair, two B-trees
over it: 2M rows for a batch of 1M entries, which the seal numbered with a sort of 2M
text keys, wrote and read back (~10 s of the seal's 18 s on the seal benchmark).
``account_index_chunks`` holds the same pairs, one row per chunk of the index tree: the
chunk's pairs as runs of one account, ``[["<account>", [leaf_index, ...]], ...]`` (JSON),
and its first and last accounts (byte order on both databases: ``COLLATE "C"`` on
PostgreSQL, SQLite's default), indexed to find an account's run. The tree, its chunk
roots (``statement_chunks``) and every statement are unchanged; the existing pairs are
copied over in position order, so the proofs of batches sealed before still verify.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK_SIZE = 256
_BATCH = 1_000
_ACCOUNT = sa.String(128).with_variant(postgresql.VARCHAR(128, collation="C"), "postgresql")

_chunks = sa.table(
    "account_index_chunks",
    sa.column("batch_seq", sa.Integer()),
    sa.column("chunk", sa.BigInteger()),
    sa.column("first_account", sa.String()),
    sa.column("last_account", sa.String()),
    sa.column("runs", sa.Text()),
)
_pairs = sa.table(
    "account_index",
    sa.column("batch_seq", sa.Integer()),
    sa.column("position", sa.BigInteger()),
    sa.column("account", sa.String()),
    sa.column("leaf_index", sa.BigInteger()),
)


def upgrade() -> None:
    op.create_table(
        "account_index_chunks",
        sa.Column("batch_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chunk", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_account", _ACCOUNT, nullable=False),
        sa.Column("last_account", _ACCOUNT, nullable=False),
        sa.Column("runs", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("batch_seq", "chunk", name=op.f("pk_account_index_chunks")),
    )
    op.create_index(
        "ix_account_index_chunks_first", "account_index_chunks", ["batch_seq", "first_account"]
    )
    op.create_index(
        "ix_account_index_chunks_last", "account_index_chunks", ["batch_seq", "last_account"]
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_pairs.c.batch_seq, _pairs.c.position, _pairs.c.account, _pairs.c.leaf_index)
        .order_by(_pairs.c.batch_seq, _pairs.c.position)
        .execution_options(yield_per=50_000)
    )
    _insert_batched(connection, _chunks, _chunk_rows(rows))
    op.drop_index("ix_account_index_account", table_name="account_index")
    op.drop_table("account_index")


def _chunk_rows(rows: Any) -> Iterator[dict[str, Any]]:
    """One row per (batch, chunk) from the pairs in (batch, position) order."""
    for (seq, chunk), pairs in groupby(rows, key=lambda r: (r[0], r[1] // CHUNK_SIZE)):
        runs: list[tuple[str, list[int]]] = []
        expected = chunk * CHUNK_SIZE
        for _seq, position, account, leaf_index in pairs:
            if position != expected:
                raise RuntimeError(f"batch {seq}: account_index has no pair at {expected}")
            expected += 1
            if runs and runs[-1][0] == account:
                runs[-1][1].append(int(leaf_index))
            else:
                runs.append((str(account), [int(leaf_index)]))
        yield {
            "batch_seq": seq,
            "chunk": chunk,
            "first_account": runs[0][0],
            "last_account": runs[-1][0],
            "runs": json.dumps(runs, separators=(",", ":")),
        }


def downgrade() -> None:
    op.create_table(
        "account_index",
        sa.Column("batch_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("batch_seq", "position", name=op.f("pk_account_index")),
    )
    op.create_index("ix_account_index_account", "account_index", ["batch_seq", "account"])
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_chunks.c.batch_seq, _chunks.c.chunk, _chunks.c.runs)
        .order_by(_chunks.c.batch_seq, _chunks.c.chunk)
        .execution_options(yield_per=1_000)
    )
    _insert_batched(connection, _pairs, _pair_rows(rows))
    op.drop_index("ix_account_index_chunks_last", table_name="account_index_chunks")
    op.drop_index("ix_account_index_chunks_first", table_name="account_index_chunks")
    op.drop_table("account_index_chunks")


def _pair_rows(rows: Any) -> Iterator[dict[str, Any]]:
    for seq, chunk, text in rows:
        position = chunk * CHUNK_SIZE
        for account, leaves in json.loads(text):
            for leaf_index in leaves:
                yield {"batch_seq": seq, "position": position, "account": account,
                       "leaf_index": leaf_index}  # fmt: skip
                position += 1


def _insert_batched(connection: sa.Connection, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    """Insert ``rows`` in batches while they are read (on a second cursor: the reading
    one streams). Holds one batch."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _BATCH:
            connection.execute(sa.insert(table), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(table), batch)
