"""API keys: creation, authentication, listing, revocation; account keys' patterns.

A key looks like ``ak_<16 hex id>_<43 url-safe chars>``: the id is public (shown by
``keys list``, used by ``keys revoke``); the rest carries 256 random bits. Only the
SHA-256 of the whole key is stored. A fast unsalted hash is enough here: with 256 bits of
entropy the key cannot be brute-forced from its hash, which is why slow password hashes
(bcrypt, argon2) are for low-entropy passwords, not for random tokens.

An ``account`` key carries one or more account patterns (table ``api_key_accounts``,
grammar in :mod:`anchor_service.ledger.account_patterns`), checked when the key is
created; keys of other roles carry none.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anchor_service.db.models import ApiKey, ApiKeyAccount, Role
from anchor_service.errors import AccountPatternError, AuthenticationError, NotFoundError
from anchor_service.ledger.account_patterns import AccountPattern, parse_account_patterns

__all__ = ["KEY_PREFIX", "ApiKeyRepository", "NewApiKey", "hash_token"]

KEY_PREFIX = "ak_"
_TOKEN_RE = re.compile(r"ak_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")


def hash_token(token: str) -> bytes:
    """SHA-256 of the whole key, as stored."""
    return hashlib.sha256(token.encode("utf-8")).digest()


@dataclass(frozen=True)
class NewApiKey:
    """A freshly created key: the stored row and the token (shown once, never stored)."""

    key: ApiKey
    token: str
    accounts: tuple[AccountPattern, ...] = ()


class ApiKeyRepository:
    """Stores and checks API keys. Adds and flushes; the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(
        self, role: Role, *, name: str | None = None, accounts: Iterable[str] = ()
    ) -> NewApiKey:
        """Create a key with ``role``; the returned token is the only copy of the secret.

        An ``account`` key needs ``accounts``, its account patterns (duplicates dropped);
        other roles take none. Raises :class:`AccountPatternError` (nothing stored).
        """
        patterns = _patterns_for(role, accounts)
        key_id = secrets.token_hex(8)
        token = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        key = ApiKey(
            id=key_id,
            role=role,
            name=name,
            secret_hash=hash_token(token),
            created_at=datetime.now(UTC),
            revoked_at=None,
        )
        self._session.add(key)
        self._session.flush()  # the key before its patterns (foreign key)
        if patterns:
            self._session.add_all(
                ApiKeyAccount(api_key_id=key_id, pattern=pattern.text) for pattern in patterns
            )
            self._session.flush()
        return NewApiKey(key=key, token=token, accounts=patterns)

    def accounts_of(self, key_id: str) -> tuple[AccountPattern, ...]:
        """The account patterns of key ``key_id``, sorted (none for other roles)."""
        texts = self._session.scalars(
            select(ApiKeyAccount.pattern).where(ApiKeyAccount.api_key_id == key_id)
        )
        # Sorted here, not in SQL: PostgreSQL's collation may order ':' unlike SQLite.
        return tuple(sorted(AccountPattern(text) for text in texts))

    def accounts_by_key(self) -> dict[str, tuple[AccountPattern, ...]]:
        """The account patterns of every key that has some, by key id (for listings)."""
        found: dict[str, list[AccountPattern]] = {}
        rows = self._session.execute(select(ApiKeyAccount.api_key_id, ApiKeyAccount.pattern))
        for key_id, text in rows:
            found.setdefault(key_id, []).append(AccountPattern(text))
        return {key_id: tuple(sorted(patterns)) for key_id, patterns in found.items()}

    def authenticate(self, token: str) -> ApiKey:
        """Return the active key matching ``token``; raise :class:`AuthenticationError`."""
        match = _TOKEN_RE.fullmatch(token)
        if match is None:
            raise AuthenticationError("malformed API key")
        key = self._session.get(ApiKey, match.group(1))
        if key is None or not hmac.compare_digest(key.secret_hash, hash_token(token)):
            raise AuthenticationError("unknown API key")
        if key.revoked_at is not None:
            raise AuthenticationError("API key has been revoked")
        return key

    def list(self) -> list[ApiKey]:
        """All keys, oldest first (revoked ones included)."""
        return list(self._session.scalars(select(ApiKey).order_by(ApiKey.created_at)))

    def get(self, key_id: str) -> ApiKey:
        """A key by id; raise :class:`NotFoundError` if unknown."""
        key = self._session.get(ApiKey, key_id)
        if key is None:
            raise NotFoundError(f"no API key with id {key_id!r}")
        return key

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by id (idempotent); raise :class:`NotFoundError` if unknown."""
        key = self.get(key_id)
        if key.revoked_at is None:
            key.revoked_at = datetime.now(UTC)
            self._session.flush()
        return key

    def count(self) -> int:
        """Number of keys ever created (revoked included)."""
        return int(self._session.scalar(select(func.count()).select_from(ApiKey)) or 0)


def _patterns_for(role: Role, accounts: Iterable[str]) -> tuple[AccountPattern, ...]:
    """The checked patterns of a new key of ``role``; raise :class:`AccountPatternError`."""
    texts = list(accounts)
    if role is Role.ACCOUNT:
        return parse_account_patterns(texts)
    if texts:
        raise AccountPatternError(
            f"account patterns are for 'account' keys only, not for a {role.value!r} key"
        )
    return ()
