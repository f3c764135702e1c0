"""One router per resource; :data:`ROUTERS` is what the app includes, in order.

A new resource is a new module here plus one line in :data:`ROUTERS`.
"""

from fastapi import APIRouter

from anchor_service.api.routers import admin, entries, health, proofs

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    health.router,
    entries.router,
    admin.router,
    proofs.router,
]
