"""Anchors and their signed transactions. Adds and flushes; the caller commits.

Rows change state only through the anchoring services
(:mod:`anchor_service.services.anchoring.records`); this repository reads, inserts, and
locks.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anchor_service.db.models_anchoring import Anchor, AnchorStatus, AnchorTransaction
from anchor_service.errors import NotFoundError

__all__ = ["AnchorRepository"]

_IN_FLIGHT = (AnchorStatus.PREPARED, AnchorStatus.SUBMITTED)
_ON_CHAIN = (AnchorStatus.SUBMITTED, AnchorStatus.CONFIRMED)


class AnchorRepository:
    """Reads, inserts and locks ``anchors`` and ``anchor_transactions``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # --- anchors ----------------------------------------------------------------------
    def get(self, anchor_id: int) -> Anchor:
        """The anchor ``anchor_id``; raise :class:`NotFoundError`."""
        anchor = self._session.get(Anchor, anchor_id)
        if anchor is None:
            raise NotFoundError(f"no anchor with id {anchor_id}")
        return anchor

    def lock(self, anchor_id: int) -> Anchor:
        """The anchor, locked for the rest of the transaction (``FOR UPDATE``; SQLite
        writer sessions hold the database write lock already)."""
        anchor = self._session.scalars(
            select(Anchor)
            .where(Anchor.id == anchor_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if anchor is None:
            raise NotFoundError(f"no anchor with id {anchor_id}")
        return anchor

    def in_flight(self) -> Anchor | None:
        """The prepared or submitted anchor, if any (there is at most one)."""
        return self._session.scalars(
            select(Anchor).where(Anchor.status.in_(_IN_FLIGHT)).order_by(Anchor.id).limit(1)
        ).first()

    def latest(self) -> Anchor | None:
        """The most recently created anchor, whatever its status."""
        return self._session.scalars(select(Anchor).order_by(Anchor.id.desc()).limit(1)).first()

    def on_chain(
        self, *, after: int | None = None, seq: int | None = None, limit: int
    ) -> list[Anchor]:
        """Up to ``limit`` anchors whose transaction is mined (they have a registry
        sequence number), by that number: those above ``after``, or the one ``seq``."""
        statement = select(Anchor).where(
            Anchor.status.in_(_ON_CHAIN), Anchor.chain_seq.is_not(None)
        )
        if after is not None:
            statement = statement.where(Anchor.chain_seq > after)
        if seq is not None:
            statement = statement.where(Anchor.chain_seq == seq)
        return list(
            self._session.scalars(statement.order_by(Anchor.chain_seq, Anchor.id).limit(limit))
        )

    def count(self, *, status: AnchorStatus | None = None) -> int:
        """Number of anchors (with ``status``, if given)."""
        statement = select(func.count()).select_from(Anchor)
        if status is not None:
            statement = statement.where(Anchor.status == status)
        return int(self._session.scalar(statement) or 0)

    def add(self, anchor: Anchor) -> Anchor:
        """Insert ``anchor``; an in-flight one raises ``IntegrityError`` if another is."""
        self._session.add(anchor)
        self._session.flush()
        return anchor

    # --- transactions -----------------------------------------------------------------
    def transactions(self, anchor_id: int) -> list[AnchorTransaction]:
        """The anchor's signed transactions, oldest first."""
        return list(
            self._session.scalars(
                select(AnchorTransaction)
                .where(AnchorTransaction.anchor_id == anchor_id)
                .order_by(AnchorTransaction.id)
            )
        )

    def transactions_of(self, anchor_ids: Sequence[int]) -> dict[int, list[AnchorTransaction]]:
        """Signed transactions of several anchors (one query), oldest first per anchor."""
        found: dict[int, list[AnchorTransaction]] = {anchor_id: [] for anchor_id in anchor_ids}
        if not anchor_ids:
            return found
        rows = self._session.scalars(
            select(AnchorTransaction)
            .where(AnchorTransaction.anchor_id.in_(list(anchor_ids)))
            .order_by(AnchorTransaction.id)
        )
        for row in rows:
            found[row.anchor_id].append(row)
        return found

    def transaction(self, transaction_id: int) -> AnchorTransaction:
        """One signed transaction by id; raise :class:`NotFoundError`."""
        row = self._session.get(AnchorTransaction, transaction_id)
        if row is None:
            raise NotFoundError(f"no anchor transaction with id {transaction_id}")
        return row

    def add_transaction(self, transaction: AnchorTransaction) -> AnchorTransaction:
        """Insert a signed transaction (before it is sent)."""
        self._session.add(transaction)
        self._session.flush()
        return transaction

    def highest_nonce_in_flight(self, sender: str) -> int | None:
        """The highest nonce ``sender`` signed for an anchor still in flight, if any."""
        value = self._session.scalar(
            select(func.max(AnchorTransaction.nonce))
            .join(Anchor, Anchor.id == AnchorTransaction.anchor_id)
            .where(Anchor.sender == sender, Anchor.status.in_(_IN_FLIGHT))
        )
        return None if value is None else int(value)
