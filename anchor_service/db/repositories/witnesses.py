"""The log's view of its witnesses: known sizes, answer counts, anchors' cosigners.

Adds and flushes; the caller commits. Only the scheduler's leader writes these rows,
one round at a time, so a read-then-write upsert is enough on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchor_service.db.models_witnesses import AnchorWitnesses, WitnessAnswerCount, WitnessState

__all__ = ["WitnessOutcomeRow", "WitnessRepository"]

WitnessOutcomeRow = tuple[str, str, int | None, str, int | None]
"""``(witness name, outcome, HTTP status, reason, size now known)`` of one request."""


class WitnessRepository:
    """Reads and writes ``witness_states``, ``witness_answers`` and ``anchor_witnesses``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def known_sizes(self) -> dict[str, int]:
        """The size each witness is known to hold (witnesses never heard from are absent)."""
        rows = self._session.execute(
            select(WitnessState.witness_name, WitnessState.last_size).where(
                WitnessState.last_size.is_not(None)
            )
        )
        return {name: int(size) for name, size in rows if size is not None}

    def states(self) -> list[WitnessState]:
        """Every witness's last state, by name."""
        return list(self._session.scalars(select(WitnessState).order_by(WitnessState.witness_name)))

    def record(self, outcomes: Iterable[WitnessOutcomeRow], now: datetime | None = None) -> None:
        """Store each witness's outcome as its state (keeping the last known size when the
        outcome gives none) and count it."""
        moment = now or datetime.now(UTC)
        for name, outcome, status, reason, size in outcomes:
            state = self._session.get(WitnessState, name)
            if state is None:
                state = WitnessState(witness_name=name, last_size=size)
                self._session.add(state)
            elif size is not None:
                state.last_size = size
            state.last_outcome = outcome
            state.last_status = status
            state.last_reason = reason[:1000]
            state.updated_at = moment
            count = self._session.get(WitnessAnswerCount, (name, outcome))
            if count is None:
                self._session.add(WitnessAnswerCount(witness_name=name, outcome=outcome, count=1))
            else:
                count.count += 1
        self._session.flush()

    def answer_counts(self) -> dict[tuple[str, str], int]:
        """Requests per ``(witness name, outcome)``."""
        rows = self._session.execute(
            select(
                WitnessAnswerCount.witness_name,
                WitnessAnswerCount.outcome,
                WitnessAnswerCount.count,
            )
        )
        return {(name, outcome): int(count) for name, outcome, count in rows}

    def record_anchor(
        self, tree_size: int, cosigners: Iterable[str], *, quorum_met: bool, waited_seconds: int
    ) -> AnchorWitnesses:
        """Record which witnesses had cosigned the head of ``tree_size`` when anchored."""
        row = self._session.get(AnchorWitnesses, tree_size)
        if row is None:
            row = AnchorWitnesses(tree_size=tree_size)
            self._session.add(row)
        row.cosigners = " ".join(sorted(cosigners))
        row.quorum_met = quorum_met
        row.waited_seconds = waited_seconds
        row.recorded_at = datetime.now(UTC)
        self._session.flush()
        return row

    def anchor_cosigners(self, tree_size: int) -> AnchorWitnesses | None:
        """What was recorded for the anchor of ``tree_size``."""
        return self._session.get(AnchorWitnesses, tree_size)
