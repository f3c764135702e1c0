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

Account keys (role ``account``) carry the account patterns they were created with
(:mod:`anchor_service.ledger.account_patterns`), cached with the key: a route that reads
one account's data asks :meth:`Principal.require_account`, a route that reads an entry
asks :meth:`Principal.may_read_entry` (and answers 404 when not, like for a missing entry).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from anchor_service.db.models import Role
from anchor_service.db.replicas import ReadDatabases
from anchor_service.db.repositories.api_keys import ApiKeyRepository, hash_token
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import NotFoundError, PermissionDeniedError
from anchor_service.ledger.account_patterns import AccountPattern, document_accounts

__all__ = ["ApiKeyCache", "Authenticator", "Principal", "hide_unreadable_entry"]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: which API key, its role, and (account keys) its account patterns."""

    key_id: str
    role: Role
    accounts: tuple[AccountPattern, ...] = ()

    def require(self, role: Role) -> Principal:
        """Return self if the key's role allows ``role``; else raise PermissionDeniedError."""
        if not self.role.allows(role):
            raise PermissionDeniedError(
                f"API key {self.key_id} has role {self.role.value!r}; this needs "
                + _needed_key(role)
            )
        return self

    def require_account_reader(self) -> Principal:
        """Return self for a key that may read some accounts' data (``auditor``,
        ``admin``, ``account``); else raise PermissionDeniedError."""
        if not (self.role.reads_every_account or self.role is Role.ACCOUNT):
            raise PermissionDeniedError(
                f"API key {self.key_id} has role {self.role.value!r}; this needs an "
                "'auditor', 'admin' or 'account' key"
            )
        return self

    def may_read_account(self, account: str) -> bool:
        """Whether this key may read ``account``: auditor and admin keys every account,
        account keys those one of their patterns matches, writer keys none."""
        if self.role.reads_every_account:
            return True
        return self.role is Role.ACCOUNT and any(p.matches(account) for p in self.accounts)

    def may_read_entry(self, accounts: Iterable[str]) -> bool:
        """Whether this key may read an entry whose postings touch ``accounts``: auditor
        and admin keys any entry, account keys one touching at least one of theirs."""
        if self.role.reads_every_account:
            return True
        return any(self.may_read_account(account) for account in accounts)

    def require_account(self, account: str) -> Principal:
        """Return self if this key may read ``account``; else raise PermissionDeniedError
        naming the key and the account."""
        if self.may_read_account(account):
            return self
        if self.role is Role.ACCOUNT:
            bound = ", ".join(pattern.text for pattern in self.accounts)
            raise PermissionDeniedError(
                f"API key {self.key_id} may not read account {account!r}: it is bound to "
                f"the accounts {bound}"
            )
        raise PermissionDeniedError(
            f"API key {self.key_id} has role {self.role.value!r}; reading account "
            f"{account!r} needs an 'auditor' or 'admin' key, or an 'account' key bound to it"
        )


def hide_unreadable_entry(caller: Principal, external_id: str, document: bytes | None) -> None:
    """Raise the very NotFoundError of a missing entry when ``caller`` may not read the
    entry ``external_id`` (stored ``document``): an account key learns nothing about
    entries that touch none of its accounts, not even that they exist. Redacted
    entries (no document left) touch no account for this purpose."""
    if caller.role.reads_every_account:
        return
    if not caller.may_read_entry(document_accounts(document)):
        raise NotFoundError(f"no entry with external_id {external_id!r}")


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
            keys = ApiKeyRepository(session)
            key = keys.authenticate(token)
            accounts = keys.accounts_of(key.id) if key.role is Role.ACCOUNT else ()
            principal = Principal(key_id=key.id, role=key.role, accounts=accounts)
        self._cache.put(hash_token(token), principal)
        return principal
