"""What the proof reads of one API worker share: caches, threads and connections.

Proof bundles and consistency proofs are the API's busiest reads. A worker keeps one
:class:`ProofReads` for its lifetime (the app's state builds it at start-up and closes
it at shutdown): the anchored heads and tree nodes it has seen
(:class:`~anchor_service.services.proofs.anchored_heads.AnchoredHeadIndex`,
:class:`~anchor_service.services.proofs.node_cache.NodeCache`), :data:`PROOF_THREADS`
threads that build bundles, and where they read the rest (PostgreSQL: one pooled psycopg
connection per thread, in autocommit mode; SQLite: a reader session; see
:mod:`anchor_service.db.repositories.proofs`). With read replicas, a pool per replica too:
a request reads where :meth:`~anchor_service.db.replicas.ReadDatabases.current` says
(the caches hold only what never changes, so they serve every database alike).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from anchor_service.db.replicas import ReadDatabases
from anchor_service.db.repositories.proofs import REPLICA_WAIT_SECONDS, ProofRowSource
from anchor_service.db.session import Database
from anchor_service.services.proofs.anchored_heads import AnchoredHeadIndex
from anchor_service.services.proofs.node_cache import NodeCache
from anchor_service.services.proofs.store import ProofStore

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

    async def run(self, work: Callable[[ProofStore], T]) -> T:
        """``work(store)`` on one of the proof threads (with the request's context)."""
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(context.run, self._with_store, work)
        )

    def _with_store(self, work: Callable[[ProofStore], T]) -> T:
        with self.store() as store:
            return work(store)

    @contextmanager
    def store(self) -> Iterator[ProofStore]:
        """A store for one request; an unreachable database is ``DatabaseUnavailableError``."""
        source = self._rows
        if self._reads is not None:
            source = self._replica_rows.get(self._reads.current(), source)
        with source.rows() as rows:
            yield ProofStore(rows)

    def close(self) -> None:
        self._executor.shutdown(wait=False)
        self._rows.close()
        for source in self._replica_rows.values():
            source.close()
