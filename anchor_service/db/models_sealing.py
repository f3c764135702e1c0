"""SQLAlchemy models for sealing: stored tree tiles, batches, and the postings of entries.

- ``merkle_tiles``: the proof storage, C2SP tlog tiles (see :mod:`anchor_service.merkle.tiles`);
  one row per tile, its blob only ever grows.
- ``batches``: one row per seal of ``[start_index, end_index)``, with the tree head at
  ``end_index``, the exact settlement statement bytes and their SHA-256.
- ``entry_postings``: the postings of every entry, written at ingest in the entry's
  transaction, so statements aggregate them without parsing documents.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from anchor_service.db.base import Base

__all__ = ["AMOUNT_DIGITS", "Batch", "BatchStatus", "EntryPosting", "ExactInteger", "MerkleTile"]

#: Decimal digits of the largest amount (10^30) a posting may carry.
AMOUNT_DIGITS = 31


class ExactInteger(TypeDecorator[int]):
    """A signed integer of up to :data:`AMOUNT_DIGITS` digits, exact on every backend.

    PostgreSQL: ``NUMERIC(31, 0)`` (sums over it are exact). SQLite has no such type (a
    ``NUMERIC`` column would turn large values into doubles), so it stores decimal text.
    """

    impl = Numeric(AMOUNT_DIGITS, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(AMOUNT_DIGITS + 1))
        return dialect.type_descriptor(Numeric(AMOUNT_DIGITS, 0, asdecimal=True))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return str(int(value))
        return Decimal(int(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)


class BatchStatus(enum.StrEnum):
    """Where a batch is: sealed, covered by a submitted anchor, or anchored and confirmed."""

    SEALED = "sealed"
    ANCHORED = "anchored"
    SETTLED = "settled"


class MerkleTile(Base):
    """One stored tile: the concatenated 32-byte hashes of up to 256 tree nodes."""

    __tablename__ = "merkle_tiles"
    __table_args__ = (
        CheckConstraint("tile_level >= 0", name="tile_level_non_negative"),
        CheckConstraint("tile_index >= 0", name="tile_index_non_negative"),
        CheckConstraint(
            "length(hashes) > 0 AND length(hashes) <= 8192 AND length(hashes) % 32 = 0",
            name="hashes_length",
        ),
    )

    tile_level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    tile_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class Batch(Base):
    """A sealed range of leaves ``[start_index, end_index)`` and the tree head at its end."""

    __tablename__ = "batches"
    __table_args__ = (
        CheckConstraint("seq >= 0", name="seq_non_negative"),
        CheckConstraint("start_index >= 0 AND start_index < end_index", name="leaf_range"),
        CheckConstraint("length(root) = 32", name="root_length"),
        CheckConstraint("length(statement_hash) = 32", name="statement_hash_length"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    start_index: Mapped[int] = mapped_column(BigInteger)
    end_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    statement_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    sealed_at: Mapped[datetime]
    status: Mapped[BatchStatus] = mapped_column(
        Enum(
            BatchStatus,
            name="batch_status",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda statuses: [status.value for status in statuses],
        ),
        default=BatchStatus.SEALED,
    )
    anchor_id: Mapped[int | None] = mapped_column(Integer)
    settled_at: Mapped[datetime | None]

    @property
    def tree_size(self) -> int:
        """Size of the log at this batch's tree head."""
        return self.end_index

    @property
    def entry_count(self) -> int:
        """Number of entries sealed in this batch."""
        return self.end_index - self.start_index


class EntryPosting(Base):
    """One posting of the entry at ``leaf_index`` (``position``: its place in the entry)."""

    __tablename__ = "entry_postings"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String(128))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(ExactInteger)
