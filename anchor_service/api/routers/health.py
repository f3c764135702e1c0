"""Liveness and readiness probes, and the health of each dependency.

``/healthz`` and ``/readyz`` are the probes (``/readyz`` is 503 while the database is
unreachable; its ``detail`` says when anchoring is stopped for an operator, or when the
primary is down and the read replicas serve the reads).
``/healthz/detail`` tells an operator what is degraded: the database, the chain node and
the registry on it (the chain watch,
:mod:`anchor_service.services.anchoring.watch`). An unreachable node or a registry that
disagrees stops anchoring, not the API taking entries, so neither makes the service
unready.
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from anchor_service.api.deps import DatabaseDep, ReadsDep, SettingsDep
from anchor_service.api.errors import error_responses
from anchor_service.chain import (
    ChainConfigError,
    ChainError,
    ChainUnavailableError,
    DeploymentFileError,
    RegistryClient,
    chain_id_of,
    connect,
)
from anchor_service.db.models_anchoring import AnchorStatus
from anchor_service.db.replicas import ReadDatabases
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.db.repositories.figures import STOPPING_ERRORS
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import DatabaseUnavailableError
from anchor_service.services.anchoring.chain_context import registry_address_from
from anchor_service.services.anchoring.watch import ChainWatch
from anchor_service.settings import Settings

__all__ = ["CHAIN_TIMEOUT_SECONDS", "router"]

logger = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])

#: How long ``/healthz/detail`` waits for the chain node.
CHAIN_TIMEOUT_SECONDS = 2.0


class Status(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    detail: str | None = Field(
        default=None,
        description="Present only when something needs an operator while the service "
        "stays ready: `degraded: anchoring stopped (<reason>): <what differs and what to "
        "do>` (the newest anchor was refused by the chain watch or the check before "
        "signing; see `anchor_anchoring_stopped`).",
    )


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> Status:
    return Status(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: the database answers",
    responses=error_responses(503),
    response_model_exclude_none=True,
)
def readyz(database: DatabaseDep, reads: ReadsDep) -> Readiness:
    try:
        database.ping()
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("readiness check failed: %s", type(exc).__name__)
        if any(reads.alive(replica) for replica in reads.replicas):
            return Readiness(status="ready", detail=_PRIMARY_DOWN)
        raise DatabaseUnavailableError("database unreachable") from exc
    return Readiness(status="ready", detail=_anchoring_stopped(database))


_PRIMARY_DOWN = (
    "degraded: primary database unreachable, reads are served by the read replicas; "
    "writes answer 503 DatabaseUnavailable until it is back"
)


def _anchoring_stopped(database: Database) -> str | None:
    """``degraded: ...`` while the newest anchor is failed for a stopping reason."""
    try:
        with unit_of_work(database.reader) as session:
            newest = AnchorRepository(session).latest()
            if newest is None or newest.status != AnchorStatus.FAILED:
                return None
            name, error = newest.error_name, newest.error
    except SQLAlchemyError as exc:
        logger.warning("readiness: cannot read the anchors (%s)", type(exc).__name__)
        return None
    if name not in STOPPING_ERRORS:
        return None
    return f"degraded: anchoring stopped ({name}): {error}"


class ReplicaHealth(BaseModel):
    name: str = Field(description="`host:port/database` of the replica.")
    state: str = Field(
        description="`ok`; `replay paused`; `behind` (replay lag over "
        "`ANCHOR_DATABASE_READ_MAX_LAG_SECONDS`: left out until it catches up); `down` (a "
        "read could not reach it: left out for a few seconds); `unavailable: <reason>`; "
        "`not a replica` (it is not in recovery)."
    )
    lag_bytes: int | None = Field(
        default=None,
        description="WAL the primary has written that the replica has not replayed "
        "(absent when either cannot be asked).",
    )
    lag_seconds: float | None = Field(
        default=None,
        description="Age of the newest transaction it replayed while more waits for "
        "replay (0 when it replayed all it received).",
    )
    replay_paused: bool | None = Field(default=None, description="Absent when unavailable.")


class HealthDetail(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="`degraded` when the database or the chain is not `ok`."
    )
    database: str = Field(description="`ok`, or `unavailable: <reason>`.", examples=["ok"])
    chain: str = Field(
        description="The node at ANCHOR_RPC_URL: `ok`, `unavailable: <reason>`, or "
        "`wrong chain: <reason>` (anchoring waits meanwhile).",
        examples=["unavailable: cannot reach the chain node"],
    )
    registry: str = Field(
        default="not configured",
        description="The chain watch: `ok` when the code at the registry address is the "
        "registry's, its latest head was anchored from here and the confirmed anchors are "
        "still in canonical blocks; `disagrees: <what differs and what to do>` after a "
        "chain reset, a replaced registry or a head nobody here anchored (anchoring is "
        "stopped); `not configured`; `unknown: <reason>` while the node is not `ok`.",
        examples=["ok"],
    )
    replicas: list[ReplicaHealth] | None = Field(
        default=None,
        description="The read replicas of `ANCHOR_DATABASE_READ_URL` (absent when none); "
        "a replica that is not `ok` does not make the status `degraded`: reads go to "
        "the primary meanwhile.",
    )


@router.get(
    "/healthz/detail",
    summary="Health of the database and the chain node",
    description="Always 200 while the process answers; `status` is `degraded` when the "
    "database or the chain node is unreachable (the node is asked for its chain id, "
    f"waiting at most {CHAIN_TIMEOUT_SECONDS:g} s). With read replicas, `replicas` "
    "gives each one's state and replay lag.",
    response_model_exclude_none=True,
)
def health_detail(database: DatabaseDep, settings: SettingsDep, reads: ReadsDep) -> HealthDetail:
    try:
        database.ping()
        database_state = "ok"
    except (SQLAlchemyError, OSError) as exc:
        database_state = f"unavailable: {type(exc).__name__}"
    chain_state = _chain_state(settings.rpc_url, settings.chain_id)
    if chain_state != "ok":
        registry_state = f"unknown: the chain node is {chain_state.split(':')[0]}"
    elif database_state != "ok":
        registry_state = "unknown: the database is unavailable"
    else:
        registry_state = _registry_state(settings, database)
    degraded = (
        database_state != "ok" or chain_state != "ok" or registry_state.startswith("disagrees")
    )
    return HealthDetail(
        status="degraded" if degraded else "ok",
        database=database_state,
        chain=chain_state,
        registry=registry_state,
        replicas=_replicas(reads),
    )


def _replicas(reads: ReadDatabases) -> list[ReplicaHealth] | None:
    if not reads.configured:
        return None
    return [
        ReplicaHealth(
            name=state.name,
            state=state.state,
            lag_bytes=state.lag_bytes,
            lag_seconds=state.lag_seconds,
            replay_paused=state.replay_paused,
        )
        for state in reads.states()
    ]


def _registry_state(settings: Settings, database: Database) -> str:
    """The chain watch's verdict on the configured registry (see the field's doc)."""
    try:
        address = registry_address_from(settings)
    except (ChainConfigError, DeploymentFileError):
        return "not configured"
    try:
        web3 = connect(settings.rpc_url, timeout=CHAIN_TIMEOUT_SECONDS, retries=0)
        registry = RegistryClient.detect(web3, address, chain_id=settings.chain_id)
        report = ChainWatch(database, registry, settings.chain_id).check()
    except ChainUnavailableError as exc:
        return f"unknown: {exc.detail}"
    except ChainError as exc:
        logger.warning("health: chain watch failed: %s", exc.detail)
        return f"unknown: {type(exc).__name__}"
    except SQLAlchemyError as exc:
        return f"unknown: {type(exc).__name__}"
    return "ok" if report.ok else f"disagrees: {report.message()}"


def _chain_state(rpc_url: str, expected_chain_id: int) -> str:
    try:
        actual = chain_id_of(connect(rpc_url, timeout=CHAIN_TIMEOUT_SECONDS, retries=0))
    except ChainUnavailableError as exc:  # its message never holds the URL
        return f"unavailable: {exc.detail}"
    except ChainError as exc:  # public endpoint: the class only, not the node's words
        logger.warning("health: chain node check failed: %s", exc.detail)
        return f"unavailable: {type(exc).__name__}"
    if actual != expected_chain_id:
        return f"wrong chain: the node's chain id is {actual}, expected {expected_chain_id}"
    return "ok"
