"""API key roles: what each kind of key may do.

A plain value, apart from the database model that stores it, so the command line can
offer the roles without importing the database layer.
"""

from __future__ import annotations

import enum

__all__ = ["Role"]


class Role(enum.StrEnum):
    """What an API key may do: writers post entries, auditors read, admins do both;
    account keys read only what touches the accounts their patterns name (see
    :mod:`anchor_service.ledger.account_patterns` and ``Principal.may_read_account``)."""

    WRITER = "writer"
    AUDITOR = "auditor"
    ADMIN = "admin"
    ACCOUNT = "account"

    def allows(self, required: Role) -> bool:
        """True when a key with this role may act where ``required`` is needed."""
        return self is required or self is Role.ADMIN

    @property
    def reads_every_account(self) -> bool:
        """True for the roles that read every account's entries (auditor and admin)."""
        return self in (Role.AUDITOR, Role.ADMIN)
