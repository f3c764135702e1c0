"""SQLAlchemy model of the leases: who may act alone (the scheduler, the on-demand audit).

``leases`` holds one row per lease name (``scheduler``, ``audit``): the holder's id, the
fencing token (raised by one each time the lease changes hands), and when it was taken,
last renewed, and expires, all on the database's clock. See
:mod:`anchor_service.db.leases` for how it is taken, renewed and lost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from anchor_service.db.base import Base

__all__ = ["Lease"]


class Lease(Base):
    """The lease ``name``: held by ``holder`` (fencing ``token``) until ``expires_at``."""

    __tablename__ = "leases"
    __table_args__ = (CheckConstraint("token >= 1", name="token_positive"),)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    token: Mapped[int] = mapped_column(BigInteger)
    acquired_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
