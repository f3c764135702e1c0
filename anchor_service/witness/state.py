"""The witness's state in SQLite: the latest cosigned checkpoint per origin, and refusals.

Tables::

    witness_checkpoints  origin (key), size, root, the cosigned note, when it was stored
    witness_refusals     checkpoints the witness was shown and refused, as evidence:
                         origin, size, root, reason, the request body, when

:meth:`WitnessState.advance` is a compare-and-swap: the row moves from the
``(size, root)`` the request was checked against to the new one only if it still
holds that value, in one statement, so two concurrent requests can never roll the
log back (the race c2sp.org/tlog-witness describes). The caller checks its request
against :meth:`WitnessState.latest` first, outside any lock, then advances.
Each call opens its own connection: the state is safe to share between threads.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Refusal", "StoredCheckpoint", "WitnessState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS witness_checkpoints (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL CHECK (size >= 0),
    root BLOB NOT NULL CHECK (length(root) = 32),
    note BLOB NOT NULL,
    stored_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS witness_refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    reason TEXT NOT NULL,
    request BLOB NOT NULL,
    refused_at REAL NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """The latest checkpoint the witness cosigned for an origin."""

    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class Refusal:
    """A checkpoint the witness refused, kept as evidence of the log's misbehaviour."""

    origin: str
    size: int
    root: bytes
    reason: str
    request: bytes


class WitnessState:
    """The state file at ``path`` (created with its tables on first use)."""

    def __init__(self, path: Path, *, busy_timeout_seconds: float = 30.0) -> None:
        self.path = path
        self._timeout = busy_timeout_seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        connect = sqlite3.connect(self.path, timeout=self._timeout)
        # One transaction per call: committed on success, rolled back on an error.
        with closing(connect) as connection, connection:
            yield connection

    def latest(self, origin: str) -> StoredCheckpoint | None:
        """The latest cosigned checkpoint of ``origin``; ``None`` when there is none."""
        with self._connection() as connection:
            row = connection.execute(
                "SELECT size, root FROM witness_checkpoints WHERE origin = ?", (origin,)
            ).fetchone()
        return None if row is None else StoredCheckpoint(int(row[0]), bytes(row[1]))

    def advance(
        self, origin: str, old: StoredCheckpoint | None, new: StoredCheckpoint, note: bytes
    ) -> bool:
        """Store ``new`` for ``origin`` if the stored value is still ``old``; say if it was."""
        with self._connection() as connection:
            if old is None:
                cursor = connection.execute(
                    "INSERT INTO witness_checkpoints (origin, size, root, note, stored_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO NOTHING",
                    (origin, new.size, new.root, note, time.time()),
                )
            else:
                cursor = connection.execute(
                    "UPDATE witness_checkpoints SET size = ?, root = ?, note = ?, stored_at = ?"
                    " WHERE origin = ? AND size = ? AND root = ?",
                    (new.size, new.root, note, time.time(), origin, old.size, old.root),
                )
            return cursor.rowcount == 1

    def record_refusal(self, refusal: Refusal) -> None:
        """Keep a refused checkpoint (a possible proof of log misbehaviour)."""
        with self._connection() as connection:
            connection.execute(
                "INSERT INTO witness_refusals (origin, size, root, reason, request, refused_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    refusal.origin,
                    refusal.size,
                    refusal.root,
                    refusal.reason,
                    refusal.request,
                    time.time(),
                ),
            )

    def refusals(self) -> list[Refusal]:
        """Every refusal kept, oldest first."""
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT origin, size, root, reason, request FROM witness_refusals ORDER BY id"
            ).fetchall()
        return [Refusal(str(o), int(s), bytes(r), str(why), bytes(b)) for o, s, r, why, b in rows]
