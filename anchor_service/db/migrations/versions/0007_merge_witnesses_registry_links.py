"""Merge point: the witnesses (0006, after 0005 checkpoints) and registry links
(0005_registry_links) revisions were written side by side from 0004/0005; this revision
joins them so `upgrade head` has one head.

Revision ID: 0007
Revises: 0006, 0005_registry_links
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | Sequence[str] | None = ("0006", "0005_registry_links")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: both parents' tables already exist."""


def downgrade() -> None:
    """Nothing to change: both parents' tables stay."""
