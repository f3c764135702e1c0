"""SQLAlchemy models for signed checkpoints: the log's signed tree heads and their witnesses.

- ``checkpoints``: one row per signed checkpoint (c2sp.org/tlog-checkpoint): its tree
  size and root, the signed note exactly as served, when it was signed, and the compact
  range at that size (the hashes of the maximal perfect subtrees, largest first): the
  state the next checkpoint's root is recomputed from, independently of the tiles.
- ``checkpoint_cosignatures``: a witness's cosignature line for one checkpoint
  (c2sp.org/tlog-cosignature), with the witness name, key ID, the cosignature's
  timestamp and when it was received. Filled by the witness client.
- ``checkpoint_mismatches``: every refusal to sign: the size, the root the tiles gave and
  the root recomputed from the stored leaves (an alert; see
  :mod:`anchor_service.services.checkpointing`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from anchor_service.db.base import Base

__all__ = ["Checkpoint", "CheckpointCosignature", "CheckpointMismatch"]


class Checkpoint(Base):
    """A signed checkpoint: tree size, root, the signed note, and the compact range."""

    __tablename__ = "checkpoints"
    __table_args__ = (
        CheckConstraint("tree_size >= 0", name="tree_size_non_negative"),
        CheckConstraint("length(root) = 32", name="root_length"),
        CheckConstraint("length(compact_range) % 32 = 0", name="compact_range_length"),
    )

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    compact_range: Mapped[bytes] = mapped_column(LargeBinary)
    signed_at: Mapped[datetime]


class CheckpointCosignature(Base):
    """One witness's cosignature of the checkpoint of ``tree_size``."""

    __tablename__ = "checkpoint_cosignatures"
    __table_args__ = (
        CheckConstraint("key_id >= 0 AND key_id < 4294967296", name="key_id_uint32"),
        CheckConstraint("timestamp >= 0", name="timestamp_non_negative"),
        UniqueConstraint("tree_size", "witness_name", "key_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, ForeignKey("checkpoints.tree_size"))
    witness_name: Mapped[str] = mapped_column(String(255))
    key_id: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime]


class CheckpointMismatch(Base):
    """A checkpoint the service refused to sign: the tiles' root was not the recomputed one."""

    __tablename__ = "checkpoint_mismatches"
    __table_args__ = (
        CheckConstraint("length(tiles_root) = 32", name="tiles_root_length"),
        CheckConstraint("length(recomputed_root) = 32", name="recomputed_root_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    tiles_root: Mapped[bytes] = mapped_column(LargeBinary(32))
    recomputed_root: Mapped[bytes] = mapped_column(LargeBinary(32))
    detected_at: Mapped[datetime]
