"""``GET /v1/entries/{external_id}/proof``: the proof bundle of one entry (auditors).

The bundle is what ``anchor-service verify`` and ``POST /v1/proofs/verify`` read; it is
written by the verifier's own serialiser, so the format is defined once.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request, Response

from anchor_service.api.deps import DB_BIGINT_MAX, AuditorDep
from anchor_service.api.errors import ERROR_RESPONSES, ErrorBody
from anchor_service.db.repositories.proofs import ProofRowSource
from anchor_service.db.session import Database
from anchor_service.services.anchored_heads import AnchoredHeadIndex
from anchor_service.services.bundles import BundleService
from anchor_service.services.node_cache import NodeCache
from anchor_service.services.proof_store import ProofStore
from anchor_service.verifier import dump_bundle

__all__ = ["PROOF_THREADS", "ProofReads", "proof_reads", "router"]

router = APIRouter(prefix="/v1/entries", tags=["proofs"])
_build_lock = threading.Lock()

_EXAMPLE_BUNDLE: dict[str, Any] = {
    "version": 1,
    "entry": {
        "external_id": "pay-2026-11-21-000123",
        "occurred_at": "2026-11-21T01:15:00Z",
        "postings": [
            {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
            {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
        ],
        "salt": "5f0c2b7e9a1d4c3b8e6f0a2d4c6b8e0f",
    },
    "leaf": {"index": 17, "hash": "9d2c5f0e" + "00" * 28},
    "inclusion": {"tree_size": 50, "root": "4b1a" + "00" * 30, "path": ["7c3e" + "00" * 30]},
    "statement_hash": "e3b0" + "00" * 30,
    "anchor": {
        "chain_id": 1337,
        "registry": "0x" + "ab" * 20,
        "seq": 0,
        "tx_hash": "0x" + "cd" * 32,
        "block_number": 12,
    },
}


#: Threads per API worker that build bundles. Few on purpose: a bundle is mostly CPU work
#: under the GIL, and many runnable threads pass the GIL around more than they work
#: (measured here: 4 threads serve ~30 % more bundles per CPU second than Starlette's
#: 40-thread pool).
PROOF_THREADS = 4

T = TypeVar("T")


class ProofReads:
    """What the proof routes of one API worker share: the anchored heads and tree nodes
    it remembers, :data:`PROOF_THREADS` threads, and where it reads the rest
    (PostgreSQL: one pooled psycopg connection per thread, in autocommit mode, see
    :mod:`anchor_service.db.repositories.proofs`)."""

    def __init__(self, database: Database, threads: int = PROOF_THREADS) -> None:
        self.heads = AnchoredHeadIndex()
        self.nodes = NodeCache()
        self._rows = ProofRowSource(database, threads)
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
        with self._rows.rows() as rows:
            yield ProofStore(rows)

    def close(self) -> None:
        self._executor.shutdown(wait=False)
        self._rows.close()


def proof_reads(request: Request) -> ProofReads:
    """The app's :class:`ProofReads`, built on first use."""
    state = request.app.state
    reads: ProofReads | None = getattr(state, "proof_reads", None)
    if reads is None:
        with _build_lock:
            reads = getattr(state, "proof_reads", None)
            if reads is None:
                reads = ProofReads(state.database)
                state.proof_reads = reads
    return reads


@router.get(
    "/{external_id}/proof",
    summary="The proof bundle of one entry",
    description=(
        "A self-contained proof an auditor can verify offline (`anchor-service verify`) "
        "or with `POST /v1/proofs/verify`: the stored document with its salt, the leaf "
        "index and hash, the inclusion path, the tree head, the settlement statement "
        "hash and the anchor (chain id, registry, anchor seq, transaction, block). "
        "Against the first anchored head that includes the entry, or the anchored head of "
        "`tree_size` leaves. A head counts as anchored once its transaction is mined; "
        "its confirmations are for the verifier to check. A redacted entry's bundle has "
        '`"entry": null, "redacted": true`. **409** `EntryNotAnchored` with the entry\'s '
        "`status` (`pending`, `sealed`, `anchored`: transaction not mined yet) while no "
        "anchored head includes it; **404** for an unknown entry or a size that is not an "
        "anchored head's. Needs an `auditor` or `admin` key."
    ),
    responses={
        200: {
            "description": "The proof bundle (the body `POST /v1/proofs/verify` reads).",
            "content": {"application/json": {"example": _EXAMPLE_BUNDLE}},
        },
        **{code: ERROR_RESPONSES[code] for code in (401, 403, 404, 422)},
        409: {"model": ErrorBody, "description": "No anchored head includes the entry yet"},
    },
)
async def get_proof_bundle(
    external_id: str,
    _caller: AuditorDep,
    request: Request,
    tree_size: Annotated[
        int | None,
        Query(
            ge=1, le=DB_BIGINT_MAX, description="Size of a later anchored head to prove against."
        ),
    ] = None,
) -> Response:
    reads = proof_reads(request)

    def build(store: ProofStore) -> bytes:
        bundle = BundleService(store, reads.heads, reads.nodes).bundle(external_id, tree_size)
        return dump_bundle(bundle, indent=None)

    return Response(await reads.run(build), media_type="application/json")
