"""Redaction: an entry's document, salt and content hash may be erased; its leaf hash stays.

``entries.document``, ``salt`` and ``content_hash`` become nullable; ``redacted_at`` and
``redaction_reason`` record the erasure. A check keeps the two states apart: either the
entry is whole and not redacted, or all three are erased and ``redacted_at`` is set.

SQLite cannot alter columns in place, so there the table is rebuilt (batch mode) from
its full definition, so that no constraint is lost on the way.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from anchor_service.db.base import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REDACTION_STATE = (
    "(redacted_at IS NULL AND document IS NOT NULL AND salt IS NOT NULL"
    " AND content_hash IS NOT NULL)"
    " OR (redacted_at IS NOT NULL AND document IS NULL AND salt IS NULL"
    " AND content_hash IS NULL)"
)


def _entries(*, redactable: bool) -> sa.Table:
    """``entries`` before (as 0001 made it) or after this migration, for SQLite's batch
    mode to copy from (reflection would drop the CHECK constraints)."""
    extra: list[sa.Column[Any] | sa.CheckConstraint] = []
    if redactable:
        extra = [
            sa.Column("redacted_at", UTCDateTime(), nullable=True),
            sa.Column("redaction_reason", sa.String(200), nullable=True),
            sa.CheckConstraint(_REDACTION_STATE, name="ck_entries_redaction_state"),
        ]
    return sa.Table(
        "entries",
        sa.MetaData(),
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=redactable),
        sa.Column("salt", sa.LargeBinary(16), nullable=redactable),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("content_hash", sa.LargeBinary(32), nullable=redactable),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        *extra,
        sa.PrimaryKeyConstraint("leaf_index", name="pk_entries"),
        sa.UniqueConstraint("external_id", name="uq_entries_external_id"),
        sa.CheckConstraint("leaf_index >= 0", name="ck_entries_leaf_index_non_negative"),
        sa.CheckConstraint("length(salt) = 16", name="ck_entries_salt_length"),
        sa.CheckConstraint("length(leaf_hash) = 32", name="ck_entries_leaf_hash_length"),
        sa.CheckConstraint("length(content_hash) = 32", name="ck_entries_content_hash_length"),
    )


def upgrade() -> None:
    with op.batch_alter_table("entries", copy_from=_entries(redactable=False)) as batch:
        batch.add_column(sa.Column("redacted_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("redaction_reason", sa.String(200), nullable=True))
        batch.alter_column("document", existing_type=sa.LargeBinary(), nullable=True)
        batch.alter_column("salt", existing_type=sa.LargeBinary(16), nullable=True)
        batch.alter_column("content_hash", existing_type=sa.LargeBinary(32), nullable=True)
        batch.create_check_constraint(op.f("ck_entries_redaction_state"), sa.text(_REDACTION_STATE))


def downgrade() -> None:
    # Redacted entries have nothing to put back into NOT NULL columns, and deleting them
    # would tear holes in the log: refuse instead.
    redacted = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM entries WHERE redacted_at IS NOT NULL"))
        .scalar_one()
    )
    if redacted:
        raise RuntimeError(
            f"cannot downgrade below 0004: {redacted} entries are redacted and their "
            "documents cannot be restored"
        )
    with op.batch_alter_table("entries", copy_from=_entries(redactable=True)) as batch:
        batch.drop_constraint(op.f("ck_entries_redaction_state"), type_="check")
        batch.alter_column("content_hash", existing_type=sa.LargeBinary(32), nullable=False)
        batch.alter_column("salt", existing_type=sa.LargeBinary(16), nullable=False)
        batch.alter_column("document", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("redaction_reason")
        batch.drop_column("redacted_at")
