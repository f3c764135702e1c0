"""API-key authentication and role checks for routes.

Callers send ``Authorization: Bearer <key>``. The route dependency
(:class:`anchor_service.api.deps.ApiKeyAuth`) documents the scheme in OpenAPI and asks
the app's :class:`Authenticator` for the key's :class:`Principal`, then checks its role.
A verified key is remembered by the worker for ``ANCHOR_API_KEY_CACHE_SECONDS`` (default
5 s; 0 disables), so a revoked key stops working within that delay; unknown keys are
never cached. On a cache miss the key is checked in a short read transaction of its own, so a
writer's transaction (which holds SQLite's write lock) never waits on authentication.
Once the key is known, its request is counted against its rate limit (the app's
:class:`~anchor_service.api.rate_limit.RateLimiter`), before the role check.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from anchor_service.db.models import Role
from anchor_service.db.replicas import ReadDatabases
from anchor_service.db.repositories.api_keys import ApiKeyRepository, hash_token
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import PermissionDeniedError

__all__ = ["ApiKeyCache", "Authenticator", "Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: which API key, and its role."""

    key_id: str
    role: Role

    def require(self, role: Role) -> Principal:
        """Return self if the key's role allows ``role``; else raise PermissionDeniedError."""
        if not self.role.allows(role):
            raise PermissionDeniedError(
                f"API key {self.key_id} has role {self.role.value!r}; this needs "
                + _needed_key(role)
            )
        return self


def _needed_key(role: Role) -> str:
    """``an 'admin' key``, ``a 'writer' or 'admin' key``: the keys allowed where ``role`` is."""
    article = "an" if role.value[0] in "aeiou" else "a"
    alternative = "" if role is Role.ADMIN else " or 'admin'"
    return f"{article} {role.value!r}{alternative} key"


class ApiKeyCache:
    """A small thread-safe TTL cache of verified keys, keyed by the key's SHA-256."""

    def __init__(self, ttl_seconds: float, max_size: int = 1024) -> None:
        self._ttl = ttl_seconds
        self._max_size = max_size
        self._items: OrderedDict[bytes, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: bytes) -> Principal | None:
        if self._ttl <= 0:
            return None
        with self._lock:
            item = self._items.get(digest)
            if item is None:
                return None
            expires, principal = item
            if expires < time.monotonic():
                del self._items[digest]
                return None
            return principal

    def put(self, digest: bytes, principal: Principal) -> None:
        if self._ttl <= 0:
            return
        with self._lock:
            self._items[digest] = (time.monotonic() + self._ttl, principal)
            self._items.move_to_end(digest)
            while len(self._items) > self._max_size:
                self._items.popitem(last=False)


class Authenticator:
    """Turns a bearer token into a :class:`Principal`, or raises AuthenticationError."""

    def __init__(
        self, database: Database, cache: ApiKeyCache, *, reads: ReadDatabases | None = None
    ) -> None:
        self._database = database
        self._cache = cache
        # A read request looks its key up where it reads (a replica, see api.replica_reads).
        self._reads = reads

    def cached(self, token: str) -> Principal | None:
        """The principal for ``token`` if it was verified recently (no I/O)."""
        return self._cache.get(hash_token(token))

    def authenticate(self, token: str) -> Principal:
        """Verify ``token`` against the database (blocking I/O) and remember it."""
        database = self._database if self._reads is None else self._reads.current()
        with unit_of_work(database.reader) as session:
            key = ApiKeyRepository(session).authenticate(token)
            principal = Principal(key_id=key.id, role=key.role)
        self._cache.put(hash_token(token), principal)
        return principal
