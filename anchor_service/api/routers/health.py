"""Liveness and readiness probes, and the health of each dependency.

``/healthz`` and ``/readyz`` are the probes (``/readyz`` is 503 while the database is
unreachable). ``/healthz/detail`` tells an operator what is degraded: the database and
the chain node (an unreachable node does not stop the API taking entries, only
anchoring, so it does not make the service unready).
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from anchor_service.api.deps import DatabaseDep, SettingsDep
from anchor_service.api.errors import error_responses
from anchor_service.chain import ChainError, ChainUnavailableError, chain_id_of, connect
from anchor_service.errors import DatabaseUnavailableError

__all__ = ["CHAIN_TIMEOUT_SECONDS", "router"]

logger = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])

#: How long ``/healthz/detail`` waits for the chain node.
CHAIN_TIMEOUT_SECONDS = 2.0


class Status(BaseModel):
    status: str


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> Status:
    return Status(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: the database answers",
    responses=error_responses(503),
)
def readyz(database: DatabaseDep) -> Status:
    try:
        database.ping()
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("readiness check failed: %s", type(exc).__name__)
        raise DatabaseUnavailableError("database unreachable") from exc
    return Status(status="ready")


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


@router.get(
    "/healthz/detail",
    summary="Health of the database and the chain node",
    description="Always 200 while the process answers; `status` is `degraded` when the "
    "database or the chain node is unreachable (the node is asked for its chain id, "
    f"waiting at most {CHAIN_TIMEOUT_SECONDS:g} s).",
)
def health_detail(database: DatabaseDep, settings: SettingsDep) -> HealthDetail:
    try:
        database.ping()
        database_state = "ok"
    except (SQLAlchemyError, OSError) as exc:
        database_state = f"unavailable: {type(exc).__name__}"
    chain_state = _chain_state(settings.rpc_url, settings.chain_id)
    degraded = database_state != "ok" or chain_state != "ok"
    return HealthDetail(
        status="degraded" if degraded else "ok", database=database_state, chain=chain_state
    )


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
