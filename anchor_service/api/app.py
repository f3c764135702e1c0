"""The FastAPI application factory (``uvicorn --factory anchor_service.api.app:create_app``)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from anchor_service import __version__
from anchor_service.api.body_limit import BodyLimitMiddleware
from anchor_service.api.docs import install_docs, install_root
from anchor_service.api.errors import install_error_handlers
from anchor_service.api.hardening import RequestTargetMiddleware
from anchor_service.api.lanes import LanesMiddleware
from anchor_service.api.openapi import install_openapi
from anchor_service.api.rate_limit import install_rate_limit
from anchor_service.api.replica_reads import ReplicaReadMiddleware
from anchor_service.api.routers import ROUTERS
from anchor_service.api.state import AppState
from anchor_service.db.replicas import ReadDatabases
from anchor_service.db.session import Database
from anchor_service.ledger import BulkEntriesIn, EntryIn
from anchor_service.observability.install import install_observability
from anchor_service.observability.metrics import MetricsExporter
from anchor_service.settings import Settings, load_settings

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

_DESCRIPTION = """
Ledger entries in, an append-only RFC 9162 Merkle log out, anchored on an EVM chain.

Authenticate with `Authorization: Bearer <API key>` (create keys with
`anchor-service keys create --role writer|auditor|admin`). Writers post entries,
auditors read, admins do both.

Errors are JSON: `{"error": "EntryConflict", "detail": "...", "field": null, "index": null}`.
"""

_TAGS = [
    {"name": "entries", "description": "Write ledger entries and read them back."},
    {"name": "proofs", "description": "Proof bundles of entries, and their verification."},
    {"name": "log", "description": "Tree heads and consistency proofs between anchored heads."},
    {"name": "batches", "description": "Sealed batches and their settlement statements."},
    {"name": "anchors", "description": "Tree heads recorded on chain."},
    {"name": "operations", "description": "Probes for orchestration."},
    {"name": "admin", "description": "Operations run on demand by an admin (seal)."},
    {"name": "tlog", "description": "The log as C2SP tlog-tiles: hash tiles, entry bundles."},
]


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the API. Reads :class:`Settings` from the environment when none is given
    (:func:`~anchor_service.settings.load_settings`: the dev settings file too).

    The database engine is created here (connections open lazily) and disposed when the
    app shuts down, unless the caller passed its own ``database``. The app's
    :class:`AppState` (the entry writer, the proof threads, ...) is built when the app
    starts and closed when it stops (its lifespan); routes reach it through
    :mod:`anchor_service.api.deps`.
    """
    settings = settings if settings is not None else load_settings()
    owns_database = database is None
    database = database if database is not None else Database.from_settings(settings)
    reads = ReadDatabases.from_settings(settings, database)  # replica engines connect lazily
    metrics: MetricsExporter | None = None  # set below, before the app can start

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _tune_garbage_collector()
        reads.start()  # the replicas' lag, measured in a thread
        state = AppState.build(settings, database, metrics=metrics, reads=reads)
        app.state.app_state = state  # the one place it is stored; deps.state_of reads it
        yield
        await state.proof_reads.aclose()  # its event-loop connections, in this loop
        state.close()
        reads.dispose()
        if owns_database:
            database.dispose()

    app = FastAPI(
        title="anchor-service",
        version=__version__,
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # no redirect of "/path/" to "/path": starlette builds its Location from the
        # Host header, which the client chooses
        redirect_slashes=False,
    )
    install_error_handlers(app)
    install_rate_limit(app)
    app.add_middleware(LanesMiddleware, owner=app)  # innermost: after the checks below
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestTargetMiddleware)
    app.add_middleware(ReplicaReadMiddleware, reads=reads)  # reads: replica, else primary
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app, [EntryIn, BulkEntriesIn])
    install_docs(app)
    install_root(app)
    metrics = install_observability(app, settings, database)  # outermost middleware, /metrics
    return app


def _tune_garbage_collector() -> None:
    """Collect young objects less often; a server process allocates in bursts.

    Parsing a 10,000-entry body creates a few hundred thousand short-lived containers;
    with the default threshold (700) the collector runs hundreds of times per request and
    doubles its cost. Objects alive at start-up (modules, the app) are moved out of the
    collector's way with ``gc.freeze()``.
    """
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
