"""Batches: the sealed ranges of the log, their tree heads and their anchoring status.

Batches are dense from ``seq`` 0 and their leaf ranges ``[start_index, end_index)`` are
consecutive, so the batch holding a leaf is the first one ending after it. Status moves
``sealed -> anchored -> settled`` (see :class:`~anchor_service.db.models_sealing.BatchStatus`);
an anchor covers every batch up to its tree size.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from anchor_service.db.models_sealing import Batch, BatchStatus
from anchor_service.errors import NotFoundError

__all__ = ["BatchRepository"]


class BatchRepository:
    """Reads and updates ``batches``. Adds and flushes; the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, batch: Batch) -> Batch:
        """Store a new batch."""
        self._session.add(batch)
        self._session.flush()
        return batch

    def latest(self) -> Batch | None:
        """The batch with the highest ``seq`` (the sealed log's head), or ``None``."""
        return self._session.scalars(select(Batch).order_by(Batch.seq.desc()).limit(1)).first()

    def get(self, seq: int) -> Batch:
        """The batch ``seq``; raise :class:`NotFoundError`."""
        batch = self._session.get(Batch, seq)
        if batch is None:
            raise NotFoundError(f"no batch with seq {seq}")
        return batch

    def page(self, *, offset: int = 0, limit: int = 100, newest_first: bool = False) -> list[Batch]:
        """Up to ``limit`` batches after skipping ``offset``, by ``seq``."""
        if offset < 0 or limit < 1:
            raise ValueError("offset must be >= 0 and limit >= 1")
        order = Batch.seq.desc() if newest_first else Batch.seq
        statement = select(Batch).order_by(order).offset(offset).limit(limit)
        return list(self._session.scalars(statement))

    def count(self) -> int:
        """Number of batches."""
        return int(self._session.scalar(select(func.count()).select_from(Batch)) or 0)

    def covering(self, leaf_index: int) -> Batch | None:
        """The batch that sealed leaf ``leaf_index``, or ``None`` while it is pending."""
        batch = self._session.scalars(
            select(Batch).where(Batch.end_index > leaf_index).order_by(Batch.end_index).limit(1)
        ).first()
        if batch is None or batch.start_index > leaf_index:
            return None
        return batch

    def first_covering_tree_size(
        self, leaf_index: int, *, statuses: Collection[BatchStatus] | None = None
    ) -> int | None:
        """The smallest batch tree size that includes leaf ``leaf_index``, or ``None``.

        With ``statuses``, only batches in one of them count (for example the first
        settled tree head that includes the leaf).
        """
        statement = select(func.min(Batch.end_index)).where(Batch.end_index > leaf_index)
        if statuses is not None:
            statement = statement.where(Batch.status.in_(list(statuses)))
        size = self._session.scalar(statement)
        return None if size is None else int(size)

    def by_tree_size(self, size: int) -> Batch | None:
        """The batch whose tree head has ``size`` leaves, or ``None``."""
        return self._session.scalars(select(Batch).where(Batch.end_index == size)).first()

    def mark_anchored(self, tree_size: int, anchor_id: int) -> int:
        """Mark the sealed batches up to ``tree_size`` as covered by anchor ``anchor_id``.

        Returns how many batches changed; anchored or settled ones are left as they are.
        """
        return self._update(
            (Batch.end_index <= tree_size, Batch.status == BatchStatus.SEALED),
            status=BatchStatus.ANCHORED,
            anchor_id=anchor_id,
        )

    def unmark_anchored(self, anchor_id: int) -> int:
        """Return the batches anchored by ``anchor_id`` to ``sealed`` (its anchor is gone)."""
        return self._update(
            (Batch.anchor_id == anchor_id, Batch.status == BatchStatus.ANCHORED),
            status=BatchStatus.SEALED,
            anchor_id=None,
        )

    def mark_settled(self, tree_size: int, *, anchor_id: int, settled_at: datetime) -> int:
        """Mark the batches up to ``tree_size`` settled by the confirmed anchor ``anchor_id``.

        Returns how many batches changed; batches already settled keep their anchor.
        """
        return self._update(
            (
                Batch.end_index <= tree_size,
                Batch.status.in_([BatchStatus.SEALED, BatchStatus.ANCHORED]),
            ),
            status=BatchStatus.SETTLED,
            anchor_id=anchor_id,
            settled_at=settled_at,
        )

    def _update(self, where: tuple[ColumnElement[bool], ...], **values: object) -> int:
        result = self._session.execute(
            update(Batch).where(*where).values(**values).execution_options(
                synchronize_session="fetch"
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
