"""Signed checkpoints, their witnesses' cosignatures, and refused signatures.

The witness client needs three calls: :meth:`CheckpointRepository.latest` (the newest
signed checkpoint), :meth:`~CheckpointRepository.add_cosignature` (store one verified
cosignature line; a second copy of the same witness key's cosignature is ignored) and
:meth:`~CheckpointRepository.cosignatures_for` (what ``GET /tlog/checkpoint`` appends).
Adds and flushes; the caller commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anchor_service.db.models_checkpoints import (
    Checkpoint,
    CheckpointCosignature,
    CheckpointMismatch,
)

__all__ = ["CheckpointRepository"]


class CheckpointRepository:
    """Reads and writes ``checkpoints``, ``checkpoint_cosignatures`` and
    ``checkpoint_mismatches``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # --- checkpoints ------------------------------------------------------------------
    def latest(self) -> Checkpoint | None:
        """The newest (largest) signed checkpoint, or ``None`` before the first."""
        statement = select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1)
        return self._session.execute(statement).scalar_one_or_none()

    def get(self, tree_size: int) -> Checkpoint | None:
        """The checkpoint of ``tree_size``, if one was signed."""
        return self._session.get(Checkpoint, tree_size)

    def add(
        self,
        *,
        tree_size: int,
        root: bytes,
        note: str,
        compact_range: bytes,
        signed_at: datetime | None = None,
    ) -> Checkpoint:
        """Store a signed checkpoint (its size must be new)."""
        row = Checkpoint(
            tree_size=tree_size,
            root=root,
            note=note,
            compact_range=compact_range,
            signed_at=signed_at if signed_at is not None else datetime.now(UTC),
        )
        self._session.add(row)
        self._session.flush()
        return row

    def count(self) -> int:
        return int(self._session.execute(select(func.count()).select_from(Checkpoint)).scalar_one())

    # --- cosignatures -----------------------------------------------------------------
    def add_cosignature(
        self,
        *,
        tree_size: int,
        witness_name: str,
        key_id: int,
        line: str,
        timestamp: int,
        received_at: datetime | None = None,
    ) -> bool:
        """Store a witness's (verified) cosignature line of the checkpoint of
        ``tree_size``; ``False`` when that witness key's cosignature is stored already."""
        existing = self._session.execute(
            select(CheckpointCosignature.id).where(
                CheckpointCosignature.tree_size == tree_size,
                CheckpointCosignature.witness_name == witness_name,
                CheckpointCosignature.key_id == key_id,
            )
        ).first()
        if existing is not None:
            return False
        row = CheckpointCosignature(
            tree_size=tree_size,
            witness_name=witness_name,
            key_id=key_id,
            line=line.rstrip("\n"),
            timestamp=timestamp,
            received_at=received_at if received_at is not None else datetime.now(UTC),
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError:
            return False  # stored meanwhile by another process
        return True

    def cosignatures_for(self, tree_size: int) -> list[CheckpointCosignature]:
        """The cosignatures stored for the checkpoint of ``tree_size``, by witness name."""
        statement = (
            select(CheckpointCosignature)
            .where(CheckpointCosignature.tree_size == tree_size)
            .order_by(CheckpointCosignature.witness_name, CheckpointCosignature.key_id)
        )
        return list(self._session.execute(statement).scalars())

    # --- refused signatures -----------------------------------------------------------
    def record_mismatch(
        self, *, tree_size: int, tiles_root: bytes, recomputed_root: bytes
    ) -> CheckpointMismatch:
        row = CheckpointMismatch(
            tree_size=tree_size,
            tiles_root=tiles_root,
            recomputed_root=recomputed_root,
            detected_at=datetime.now(UTC),
        )
        self._session.add(row)
        self._session.flush()
        return row

    def mismatch_count(self) -> int:
        statement = select(func.count()).select_from(CheckpointMismatch)
        return int(self._session.execute(statement).scalar_one())
