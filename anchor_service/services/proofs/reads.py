"""What the proof reads of one API worker share: caches, threads and connections.

Proof bundles and consistency proofs are the API's busiest reads. A worker keeps one
:class:`ProofReads` for its lifetime (the app's state builds it at start-up and closes
it at shutdown): the anchored heads and tree nodes it has seen
(:class:`~anchor_service.services.proofs.anchored_heads.AnchoredHeadIndex`,
:class:`~anchor_service.services.proofs.node_cache.NodeCache`), :data:`PROOF_THREADS`
threads that build bundles, and where they read the rest (PostgreSQL: one pooled psycopg
connection per thread, in autocommit mode; SQLite: a reader session; see
:mod:`anchor_service.db.repositories.proofs`).

On PostgreSQL a bundle starts on the event loop instead (:meth:`ProofReads.run_prefetched`):
its one query goes out on an asynchronous connection
(:mod:`anchor_service.db.repositories.proof_connections`) and the bundle is built from
that row and the caches right there. Only a bundle that needs more (a tile not
remembered, an anchored head not seen yet, a redaction record, an error naming the
entry's status) is built again on a proof thread, from the start, with the row it has.
Hash tiles the worker has not cached are read on the event loop too
(:meth:`ProofReads.hash_tile`). Measured on ``proof_bench --quick``: 2,301 → ~3,100
proofs/s and p99 30.6 → 16-17 ms, with the proof lane (``anchor_service.api.lanes``).

With read replicas, threads and connections per replica too: a request reads where
:meth:`~anchor_service.db.replicas.ReadDatabases.current` says (the caches hold only
what never changes, so they serve every database alike).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from anchor_service.db.dialect import is_postgresql
from anchor_service.db.replicas import ReadDatabases
from anchor_service.db.repositories.proof_connections import AsyncProofConnections
from anchor_service.db.repositories.proofs import (
    POOL_WAIT_SECONDS,
    REPLICA_WAIT_SECONDS,
    AnchorRow,
    CheckpointRead,
    EntryRow,
    ProofRows,
    ProofRowSource,
)
from anchor_service.db.session import Database
from anchor_service.merkle import TileId, TilePath
from anchor_service.services.proofs.anchored_heads import AnchoredHeadIndex
from anchor_service.services.proofs.node_cache import NodeCache
from anchor_service.services.proofs.store import ProofStore
from anchor_service.services.tiles import HashTileCache, check_published, hash_tile_bytes

__all__ = ["PROOF_THREADS", "ProofReads"]

#: Threads per API worker that build bundles. Few on purpose: a bundle is mostly CPU work
#: under the GIL, and many runnable threads pass the GIL around more than they work
#: (measured here: 4 threads serve ~30 % more bundles per CPU second than Starlette's
#: 40-thread pool).
PROOF_THREADS = 4

T = TypeVar("T")


class ProofReads:
    """What the proof routes of one API worker share: the anchored heads and tree nodes
    it remembers, :data:`PROOF_THREADS` threads, and where it reads the rest."""

    def __init__(
        self,
        database: Database,
        threads: int = PROOF_THREADS,
        *,
        reads: ReadDatabases | None = None,
    ) -> None:
        self.heads = AnchoredHeadIndex()
        self.nodes = NodeCache()
        self._reads = reads
        self._rows = ProofRowSource(database, threads)
        # Keyed by the replica's Database (compared by identity).
        self._replica_rows = {
            replica.database: ProofRowSource(
                replica.database, threads, wait_seconds=REPLICA_WAIT_SECONDS
            )
            for replica in (reads.replicas if reads is not None else ())
        }
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="proofs")
        self._entries = _async_connections(database, threads, POOL_WAIT_SECONDS)
        self._replica_entries = {
            replica.database: _async_connections(replica.database, threads, REPLICA_WAIT_SECONDS)
            for replica in (reads.replicas if reads is not None else ())
        }

    async def run(
        self, work: Callable[[ProofStore], T], prefetched: _PrefetchedRows | None = None
    ) -> T:
        """``work(store)`` on one of the proof threads (with the request's context); with
        ``prefetched``, the store answers what that holds without reading it again."""
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(context.run, self._with_store, work, prefetched)
        )

    async def run_prefetched(
        self, work: Callable[[ProofStore], T], external_id: str, tree_size: int | None
    ) -> T:
        """``work(store)`` for a bundle of ``external_id`` (against ``tree_size``): on the
        event loop over the entry row read asynchronously, when that row and the caches
        are all ``work`` reads; else on a proof thread, from the start, reading the rest
        there (on SQLite: all of it, as :meth:`run`).

        ``work`` must read the entry through ``store.entry_with_checkpoint(external_id,
        tree_size)`` or ``store.entry(external_id)`` and have no effect before its reads.
        """
        connections = self._loop_connections()
        if connections is None:
            return await self.run(work)
        row, checkpoint = await connections.entry_with_checkpoint(external_id, tree_size)
        prefetched = _PrefetchedRows(external_id, tree_size, row, checkpoint)
        try:
            return work(ProofStore(prefetched))
        except _NeedsMoreReads:
            return await self.run(work, prefetched)

    async def hash_tile(self, path: TilePath, cache: HashTileCache) -> bytes | None:
        """The bytes of hash tile ``path`` read on the event loop (PostgreSQL), checked
        against the published tree as :func:`~anchor_service.services.tiles.read_resource`
        does (``NotFoundError`` when not published); ``None`` on SQLite, where the caller
        reads it on a thread."""
        connections = self._loop_connections()
        if connections is None:
            return None
        size = cache.covering_size(path)
        if size is None:
            size = cache.note_published(await connections.published_size())
        check_published(path, size)
        return hash_tile_bytes(path, await connections.tile(path.tile))

    def _loop_connections(self) -> AsyncProofConnections | None:
        """The event loop's connections to where this request reads (``None``: SQLite)."""
        if self._reads is None:
            return self._entries
        return self._replica_entries.get(self._reads.current(), self._entries)

    def _with_store(
        self, work: Callable[[ProofStore], T], prefetched: _PrefetchedRows | None
    ) -> T:
        with self._source().rows() as rows:
            if prefetched is not None:
                rows = prefetched.reading_more(rows)
            return work(ProofStore(rows))

    @contextmanager
    def store(self) -> Iterator[ProofStore]:
        """A store for one request; an unreachable database is ``DatabaseUnavailableError``."""
        with self._source().rows() as rows:
            yield ProofStore(rows)

    def _source(self) -> ProofRowSource:
        """Where this request's proof threads read: a replica, or the primary."""
        if self._reads is None:
            return self._rows
        return self._replica_rows.get(self._reads.current(), self._rows)

    async def aclose(self) -> None:
        """Close the event loop's connections (before :meth:`close`, in the same loop)."""
        for entries in (self._entries, *self._replica_entries.values()):
            if entries is not None:
                await entries.close()

    def close(self) -> None:
        self._executor.shutdown(wait=False)
        self._rows.close()
        for source in self._replica_rows.values():
            source.close()


def _async_connections(database: Database, size: int, wait: float) -> AsyncProofConnections | None:
    if not is_postgresql(database.engine):
        return None
    return AsyncProofConnections(database.engine, size, wait)


class _NeedsMoreReads(Exception):
    """A bundle built from its prefetched entry row needs another read."""


class _PrefetchedRows:
    """:class:`~anchor_service.db.repositories.proofs.ProofRows` answering one entry's
    row (read already) from memory and every other read from ``more`` (none: each
    raises :class:`_NeedsMoreReads`)."""

    def __init__(
        self,
        external_id: str,
        tree_size: int | None,
        row: EntryRow | None,
        checkpoint: CheckpointRead | None,
        more: ProofRows | None = None,
    ) -> None:
        self._key = (external_id, tree_size)
        self._row = row
        self._checkpoint = checkpoint
        self._more = more

    def reading_more(self, more: ProofRows) -> _PrefetchedRows:
        """The same row, with the other reads from ``more``."""
        external_id, tree_size = self._key
        return _PrefetchedRows(external_id, tree_size, self._row, self._checkpoint, more)

    def _rows(self) -> ProofRows:
        if self._more is None:
            raise _NeedsMoreReads
        return self._more

    def entry(self, external_id: str) -> EntryRow | None:
        if external_id == self._key[0]:
            return self._row
        return self._rows().entry(external_id)

    def entry_with_checkpoint(
        self, external_id: str, tree_size: int | None
    ) -> tuple[EntryRow | None, CheckpointRead | None]:
        if (external_id, tree_size) == self._key:
            return self._row, self._checkpoint
        return self._rows().entry_with_checkpoint(external_id, tree_size)

    def tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        return self._rows().tiles(ids)

    def mined_anchors(self) -> list[AnchorRow]:
        return self._rows().mined_anchors()

    def entry_status(self, leaf_index: int) -> str:
        return self._rows().entry_status(leaf_index)

    def checkpoint_size(self, leaf_index: int) -> int | None:
        return self._rows().checkpoint_size(leaf_index)

    def checkpoint_note(self, tree_size: int) -> bytes | None:
        return self._rows().checkpoint_note(tree_size)
