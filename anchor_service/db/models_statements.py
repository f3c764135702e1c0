"""SQLAlchemy models for statement version 2's commitments, written by the seal.

- ``statement_lines``: the batch's account lines (their exact JCS bytes), by position in
  the Merkle-sum tree (sorted by account).
- ``account_index_chunks``: the batch's ``(account, leaf_index)`` pairs, one row per
  256-leaf chunk of the account index tree (migration 0012; 0011 stored one row per pair,
  which cost the seal of 1M entries ~10 s): the chunk's pairs as runs of one account,
  ``[["<account>", [leaf_index, ...]], ...]`` (JSON), and its first and last accounts,
  indexed, to find an account's run.
- ``statement_chunks``: the root of every 256-leaf chunk of both trees (``tree`` 0: lines,
  with their ``sums`` as JSON; 1: the index), so a proof reads one chunk of leaves and
  the chunk roots, never the whole tree (see :mod:`anchor_service.merkle.ranges`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from anchor_service.db.base import Base

__all__ = ["INDEX_TREE", "LINES_TREE", "AccountIndexChunk", "StatementChunk", "StatementLine"]

LINES_TREE = 0
INDEX_TREE = 1


class StatementLine(Base):
    """One account line of a batch (``line``: its JCS bytes, the leaf's preimage)."""

    __tablename__ = "statement_lines"
    __table_args__ = (Index("ix_statement_lines_account", "batch_seq", "account", unique=True),)

    batch_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String(128))
    line: Mapped[bytes] = mapped_column(LargeBinary)


BYTE_ORDER_ACCOUNT = String(128).with_variant(postgresql.VARCHAR(128, collation="C"), "postgresql")
"""An account column compared in UTF-8 byte order, the trees' order (SQLite's default)."""


class AccountIndexChunk(Base):
    """The pairs of one 256-leaf chunk of a batch's account index tree (leaves
    ``[256 * chunk, 256 * chunk + n)``), as runs of one account each, in tree order."""

    __tablename__ = "account_index_chunks"
    __table_args__ = (
        Index("ix_account_index_chunks_first", "batch_seq", "first_account"),
        Index("ix_account_index_chunks_last", "batch_seq", "last_account"),
    )

    batch_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    chunk: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_account: Mapped[str] = mapped_column(BYTE_ORDER_ACCOUNT)
    last_account: Mapped[str] = mapped_column(BYTE_ORDER_ACCOUNT)
    runs: Mapped[str] = mapped_column(Text)


class StatementChunk(Base):
    """The root of one 256-leaf chunk of a batch's lines tree or index tree."""

    __tablename__ = "statement_chunks"
    __table_args__ = (CheckConstraint("length(hash) = 32", name="hash_length"),)

    batch_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    chunk: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    sums: Mapped[str | None] = mapped_column(Text)
