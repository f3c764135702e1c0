"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from anchor_service.api.deps import DatabaseDep
from anchor_service.api.errors import ERROR_RESPONSES
from anchor_service.errors import DatabaseUnavailableError

__all__ = ["router"]

logger = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])


class Status(BaseModel):
    status: str


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> Status:
    return Status(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: the database answers",
    responses={503: ERROR_RESPONSES[503]},
)
def readyz(database: DatabaseDep) -> Status:
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("readiness check failed: %s", type(exc).__name__)
        raise DatabaseUnavailableError("database unreachable") from exc
    return Status(status="ready")
