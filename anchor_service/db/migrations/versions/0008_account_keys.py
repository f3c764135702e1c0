"""Account keys: the ``account`` role, and the account patterns each such key may read.

``api_keys.role`` may now be ``account``; ``api_key_accounts`` holds the patterns of
those keys (``wallet:user:981``, ``creator:7:*``), one row each.

SQLite cannot alter a CHECK constraint in place, so there ``api_keys`` is rebuilt (batch
mode) from its full definition, so that no constraint is lost on the way.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anchor_service.db.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_ROLES = "role IN ('writer', 'auditor', 'admin')"
_NEW_ROLES = "role IN ('writer', 'auditor', 'admin', 'account')"


def _api_keys(roles: str) -> sa.Table:
    """``api_keys`` as 0001 made it, with the role check ``roles``, for SQLite's batch
    mode to copy from (reflection would drop the CHECK constraint)."""
    return sa.Table(
        "api_keys",
        sa.MetaData(),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("secret_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.CheckConstraint(roles, name="ck_api_keys_role"),
    )


def _set_role_check(old: str, new: str) -> None:
    with op.batch_alter_table("api_keys", copy_from=_api_keys(old)) as batch:
        batch.drop_constraint(op.f("ck_api_keys_role"), type_="check")
        batch.create_check_constraint(op.f("ck_api_keys_role"), sa.text(new))


def upgrade() -> None:
    _set_role_check(_OLD_ROLES, _NEW_ROLES)
    op.create_table(
        "api_key_accounts",
        sa.Column("api_key_id", sa.String(32), nullable=False),
        sa.Column("pattern", sa.String(128), nullable=False),
        sa.CheckConstraint(
            "length(pattern) >= 1", name=op.f("ck_api_key_accounts_pattern_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_api_key_accounts_api_key_id_api_keys"),
        ),
        sa.PrimaryKeyConstraint("api_key_id", "pattern", name=op.f("pk_api_key_accounts")),
    )


def downgrade() -> None:
    # Account keys have no role to fall back to, and deleting them silently would take
    # away access someone was given: refuse instead.
    keys = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM api_keys WHERE role = 'account'"))
        .scalar_one()
    )
    if keys:
        raise RuntimeError(
            f"cannot downgrade below 0008: {keys} API key(s) with the role 'account' "
            "(revoked ones included); delete them from api_key_accounts and api_keys first"
        )
    op.drop_table("api_key_accounts")
    _set_role_check(_NEW_ROLES, _OLD_ROLES)
