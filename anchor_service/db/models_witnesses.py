"""SQLAlchemy models for the log's witnesses (c2sp.org/tlog-witness, the log's side).

- ``witness_states``: per policy witness, the size it is known to hold (sent as the
  ``old`` size of the next request) and the outcome of the last request.
- ``witness_answers``: how many requests ended in each outcome, per witness (the
  ``/metrics`` counters: every API worker reads the same figures).
- ``anchor_witnesses``: for each anchored tree size, which witnesses had cosigned it
  when it was anchored, and whether they met the quorum.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anchor_service.db.base import Base

__all__ = ["AnchorWitnesses", "WitnessAnswerCount", "WitnessState"]


class WitnessState(Base):
    """A policy witness as the log last saw it."""

    __tablename__ = "witness_states"
    __table_args__ = (CheckConstraint("last_size >= 0", name="last_size_non_negative"),)

    witness_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    last_size: Mapped[int | None] = mapped_column(BigInteger)
    last_outcome: Mapped[str] = mapped_column(String(32))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_reason: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class WitnessAnswerCount(Base):
    """How many requests to ``witness_name`` ended in ``outcome``."""

    __tablename__ = "witness_answers"
    __table_args__ = (CheckConstraint("count >= 0", name="count_non_negative"),)

    witness_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


class AnchorWitnesses(Base):
    """The witnesses that had cosigned the head of ``tree_size`` when it was anchored."""

    __tablename__ = "anchor_witnesses"
    __table_args__ = (CheckConstraint("tree_size >= 1", name="tree_size_positive"),)

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    cosigners: Mapped[str] = mapped_column(Text)
    quorum_met: Mapped[bool] = mapped_column(Boolean)
    waited_seconds: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime]
