"""SQLAlchemy models: entries, the log counter row, API keys and their account patterns.

Hashes and salts are raw ``bytes`` here; hex belongs to the JSON layer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from anchor_service.db.base import Base
from anchor_service.roles import Role

__all__ = ["LOG_STATE_ID", "ApiKey", "ApiKeyAccount", "Entry", "LogState", "Role"]

#: Primary key of the single ``log_state`` row.
LOG_STATE_ID = 1


class Entry(Base):
    """One stored ledger entry: its exact leaf bytes, salt, hashes and leaf index.

    A redacted entry (``redacted_at`` set; see ``anchor_service.services.redaction``) has
    lost its document, salt and content hash; its leaf hash stays, so the log's proofs
    still hold.
    """

    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint("leaf_index >= 0", name="leaf_index_non_negative"),
        CheckConstraint("length(salt) = 16", name="salt_length"),
        CheckConstraint("length(leaf_hash) = 32", name="leaf_hash_length"),
        CheckConstraint("length(content_hash) = 32", name="content_hash_length"),
        CheckConstraint(
            "(redacted_at IS NULL AND document IS NOT NULL AND salt IS NOT NULL"
            " AND content_hash IS NOT NULL)"
            " OR (redacted_at IS NOT NULL AND document IS NULL AND salt IS NULL"
            " AND content_hash IS NULL)",
            name="redaction_state",
        ),
    )

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    content_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    received_at: Mapped[datetime]
    redacted_at: Mapped[datetime | None]
    redaction_reason: Mapped[str | None] = mapped_column(String(200))


class LogState(Base):
    """The single row (``id = 1``) holding the log counter.

    ``next_index`` is the leaf index the next entry receives; writers lock this row for
    the rest of their transaction, so indices stay dense from 0.
    """

    __tablename__ = "log_state"
    __table_args__ = (
        CheckConstraint(f"id = {LOG_STATE_ID}", name="single_row"),
        CheckConstraint("next_index >= 0", name="next_index_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_index: Mapped[int] = mapped_column(BigInteger)


class ApiKey(Base):
    """An API key: public id, role, and the SHA-256 of the whole token (never the token)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="role",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda roles: [role.value for role in roles],
        )
    )
    name: Mapped[str | None] = mapped_column(String(100))
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ApiKeyAccount(Base):
    """One account pattern of an ``account`` key (``wallet:user:981``, ``creator:7:*``;
    grammar in :mod:`anchor_service.ledger.account_patterns`). Keys of other roles have
    none; an ``account`` key has at least one."""

    __tablename__ = "api_key_accounts"
    __table_args__ = (CheckConstraint("length(pattern) >= 1", name="pattern_not_empty"),)

    api_key_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("api_keys.id"), primary_key=True, autoincrement=False
    )
    pattern: Mapped[str] = mapped_column(String(128), primary_key=True)
