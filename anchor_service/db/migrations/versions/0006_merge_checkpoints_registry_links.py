"""Merge point: the checkpoints (0005) and registry links (0005_registry_links) revisions
were written side by side from 0004; this revision joins them so `upgrade head` has one head.

Revision ID: 0006
Revises: 0005, 0005_registry_links
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | Sequence[str] | None = ("0005", "0005_registry_links")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: both parents' tables already exist."""


def downgrade() -> None:
    """Nothing to change: both parents' tables stay."""
