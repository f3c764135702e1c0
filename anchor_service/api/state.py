"""The application's state: what the routes of one API worker share.

One :class:`AppState` per app, built by the app's lifespan (:mod:`anchor_service.api.app`)
when the worker starts and closed when it stops; routes reach it, or one of its parts,
through the dependencies in :mod:`anchor_service.api.deps`. Building it makes no request
to the database or the chain, so a worker starts while either is down.

The anchorer is the one part built on first use (:meth:`AppState.get_anchorer`): building
it needs the chain configured (a registry address, a signing key), and an API without
them must still serve everything else. Once built it is kept, so its backoff after an
unreachable node holds across requests. Tests may put their own in :attr:`anchorer`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from anchor_service.api.auth import ApiKeyCache, Authenticator
from anchor_service.api.ingest import EntryIngest
from anchor_service.api.rate_limit import RateLimiter, rate_limiter_from
from anchor_service.db.replicas import ReadDatabases
from anchor_service.db.session import Database
from anchor_service.db.writer import EntryWriter
from anchor_service.observability.metrics import MetricsExporter
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.chain_head import ChainHeadReader
from anchor_service.services.proofs.reads import ProofReads
from anchor_service.services.receipts import ReceiptSigner
from anchor_service.settings import Settings

__all__ = ["AppState"]


@dataclass(eq=False)
class AppState:
    """Settings, database and the long-lived objects of one API worker."""

    settings: Settings
    database: Database
    #: The primary and the read replicas (``ANCHOR_DATABASE_READ_URL``) reads go to.
    reads: ReadDatabases
    #: Entry writes: parsing, then the group-committing writer (closed with the state).
    ingest: EntryIngest
    writer: EntryWriter
    authenticator: Authenticator
    #: ``None`` when rate limiting is off (``ANCHOR_RATE_LIMIT_PER_MINUTE=0``).
    rate_limiter: RateLimiter | None
    #: ``None`` when metrics are off (``ANCHOR_METRICS_ENABLED=false``).
    metrics: MetricsExporter | None
    #: The proof routes' caches, threads and connections (closed with the state).
    proof_reads: ProofReads
    #: The chain's newest block, for the confirmations ``/v1/anchors`` shows.
    chain_head: ChainHeadReader
    #: Built by :meth:`get_anchorer` on first use.
    anchorer: Anchorer | None = None
    _anchorer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        database: Database,
        *,
        metrics: MetricsExporter | None,
        reads: ReadDatabases | None = None,
    ) -> AppState:
        """The state of an app serving ``settings`` from ``database`` (and its reads from
        the replicas of ``reads``, if any).

        No I/O but reading the log key (receipts), so a key that cannot be used stops
        the start with its one-line :class:`~anchor_service.errors.LogKeyError`.
        """
        writer = EntryWriter(database, max_group_entries=settings.max_bulk_items)
        reads = reads if reads is not None else ReadDatabases(database)
        return cls(
            settings=settings,
            database=database,
            reads=reads,
            ingest=EntryIngest(
                writer,
                max_bulk_items=settings.max_bulk_items,
                max_metadata_bytes=settings.max_metadata_bytes,
                receipts=ReceiptSigner.from_settings(settings),
            ),
            writer=writer,
            authenticator=Authenticator(
                database, ApiKeyCache(ttl_seconds=settings.api_key_cache_seconds), reads=reads
            ),
            rate_limiter=rate_limiter_from(settings),
            metrics=metrics,
            proof_reads=ProofReads(database, reads=reads),
            chain_head=ChainHeadReader.from_settings(settings),
        )

    def get_anchorer(self) -> Anchorer:
        """The anchorer, built from the settings and database on first use.

        A build that fails (chain not configured) raises and is tried again next time.
        """
        anchorer = self.anchorer
        if anchorer is None:
            with self._anchorer_lock:
                anchorer = self.anchorer
                if anchorer is None:
                    anchorer = Anchorer.from_settings(self.settings, self.database)
                    self.anchorer = anchorer
        return anchorer

    def close(self) -> None:
        """Finish the queued entry writes, stop the proof threads and their connections."""
        self.writer.close()
        self.proof_reads.close()
