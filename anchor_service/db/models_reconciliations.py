"""SQLAlchemy model of gateway reconciliations (``anchor_service.services.reconciliation``).

A row keeps the statement's exact canonical bytes and their SHA-256, and the leaf index
of the reconciliation's record in the log (``~reconciliation:<id>``), whose document
commits to that hash.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from anchor_service.db.base import Base

__all__ = ["Reconciliation"]


class Reconciliation(Base):
    """One reconciliation of a gateway report: its statement and its record leaf."""

    __tablename__ = "reconciliations"
    __table_args__ = (
        CheckConstraint("length(statement_hash) = 32", name="statement_hash_length"),
        CheckConstraint("length(report_sha256) = 32", name="report_sha256_length"),
        CheckConstraint("leaf_index >= 0", name="leaf_index_non_negative"),
        CheckConstraint("period_last >= period_first", name="period_ordered"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime]
    format: Mapped[str] = mapped_column(String(16))
    gateway: Mapped[str] = mapped_column(String(64))
    period_first: Mapped[date] = mapped_column(Date)
    period_last: Mapped[date] = mapped_column(Date)
    report_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    row_count: Mapped[int] = mapped_column(Integer)
    clean: Mapped[bool] = mapped_column(Boolean)
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    statement_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf_index: Mapped[int] = mapped_column(BigInteger, unique=True)
