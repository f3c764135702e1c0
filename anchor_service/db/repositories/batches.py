"""Batches: the sealed ranges of the log, their tree heads and their anchoring status.

Batches are dense from ``seq`` 0 and their leaf ranges ``[start_index, end_index)`` are
consecutive, so the batch holding a leaf is the first one ending after it. Status moves
``sealed -> anchored -> settled`` (see :class:`~anchor_service.db.models_sealing.BatchStatus`);
an anchor covers every batch up to its tree size.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from anchor_service.db.models_anchoring import Anchor
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

    def with_anchors(self, *, after: int = -1, limit: int) -> list[tuple[Batch, Anchor | None]]:
        """Up to ``limit`` batches with ``seq`` above ``after``, by ``seq``, each with the
        anchor that covers it (``None`` while none does)."""
        return self._with_anchors(Batch.seq > after, limit)

    def get_with_anchor(self, seq: int) -> tuple[Batch, Anchor | None]:
        """The batch ``seq`` with the anchor that covers it; raise :class:`NotFoundError`."""
        rows = self._with_anchors(Batch.seq == seq, 1)
        if not rows:
            raise NotFoundError(f"no batch with seq {seq}")
        return rows[0]

    def _with_anchors(
        self, where: ColumnElement[bool], limit: int
    ) -> list[tuple[Batch, Anchor | None]]:
        statement = (
            select(Batch, Anchor)
            .outerjoin(Anchor, Anchor.id == Batch.anchor_id)
            .where(where)
            .order_by(Batch.seq)
            .limit(limit)
        )
        return [(batch, anchor) for batch, anchor in self._session.execute(statement)]

    def covering(self, leaf_index: int) -> Batch | None:
        """The batch that sealed leaf ``leaf_index``, or ``None`` while it is pending."""
        batch = self._session.scalars(
            select(Batch).where(Batch.end_index > leaf_index).order_by(Batch.end_index).limit(1)
        ).first()
        if batch is None or batch.start_index > leaf_index:
            return None
        return batch

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
