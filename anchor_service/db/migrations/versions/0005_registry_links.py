"""Registry links: an operator's move to another registry, after which the chain watch
compares that registry only with the anchors recorded since.

Revision ID: 0005_registry_links
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from anchor_service.db.base import UTCDateTime

revision: str = "0005_registry_links"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("from_address", sa.String(42), nullable=True),
        sa.Column("to_address", sa.String(42), nullable=False),
        sa.Column("after_anchor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("kept_size", sa.BigInteger(), nullable=True),
        sa.Column("kept_root", sa.LargeBinary(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "after_anchor_id >= 0", name=op.f("ck_registry_links_after_anchor_id_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_links")),
    )


def downgrade() -> None:
    op.drop_table("registry_links")
