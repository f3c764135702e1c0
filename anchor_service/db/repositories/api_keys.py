"""API keys: creation, authentication, listing, revocation.

A key looks like ``ak_<16 hex id>_<43 url-safe chars>``: the id is public (shown by
``keys list``, used by ``keys revoke``); the rest carries 256 random bits. Only the
SHA-256 of the whole key is stored. A fast unsalted hash is enough here: with 256 bits of
entropy the key cannot be brute-forced from its hash, which is why slow password hashes
(bcrypt, argon2) are for low-entropy passwords, not for random tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anchor_service.db.models import ApiKey, Role
from anchor_service.errors import AuthenticationError, NotFoundError

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


class ApiKeyRepository:
    """Stores and checks API keys. Adds and flushes; the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(self, role: Role, *, name: str | None = None) -> NewApiKey:
        """Create a key with ``role``; the returned token is the only copy of the secret."""
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
        self._session.flush()
        return NewApiKey(key=key, token=token)

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
