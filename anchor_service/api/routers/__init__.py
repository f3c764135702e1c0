"""One router per resource; :data:`ROUTERS` is what the app includes, in order.

A new resource is a new module here plus one line in :data:`ROUTERS`.
"""

from fastapi import APIRouter

from anchor_service.api.routers import (
    accounts,
    admin,
    admin_audit,
    anchors,
    batches,
    entries,
    entry_proofs,
    health,
    log,
    proofs,
    reconciliations,
    tlog,
    tlog_tiles,
)
from anchor_service.web import verify_page

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    health.router,
    entries.router,
    admin.router,
    proofs.router,
    entry_proofs.router,
    log.router,
    batches.router,
    accounts.router,
    anchors.router,
    admin_audit.router,
    reconciliations.router,
    verify_page.router,
    tlog.router,
    tlog_tiles.router,
]
