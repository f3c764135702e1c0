"""Typed dependencies for routes: settings, the request's session, the caller's role.

Dependencies without I/O are ``async def`` so FastAPI does not send them to the thread
pool. ``SessionDep`` is one unit of work per request: it commits after the route
returns and before the response is sent (scope ``function``), or rolls back if the
route raises.
Requests with unsafe methods (POST, ...) get a writer session (on SQLite it begins with
the write lock), safe ones a reader session. Entry writes do not use it: they go
through ``app.state.ingest``, which commits many requests at once
(see ``anchor_service.db.writer``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from anchor_service.api.auth import ApiKeyAuth, Principal
from anchor_service.db.models import Role
from anchor_service.db.session import Database, unit_of_work
from anchor_service.settings import Settings

#: Largest values a query or path parameter compared with an INTEGER (batch seq) or a
#: BIGINT column (tree sizes, registry seq) may hold: larger ones are a 422, not a 500.
DB_INT_MAX = 2**31 - 1
DB_BIGINT_MAX = 2**63 - 1

__all__ = [
    "DB_BIGINT_MAX",
    "DB_INT_MAX",
    "AdminDep",
    "AuditorDep",
    "DatabaseDep",
    "SessionDep",
    "SettingsDep",
    "WriterDep",
    "require_role",
]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]


def get_session(request: Request, database: DatabaseDep) -> Iterator[Session]:
    factory = database.reader if request.method in _SAFE_METHODS else database.writer
    with unit_of_work(factory) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def require_role(role: Role) -> ApiKeyAuth:
    """A dependency returning the caller if their key's role allows ``role`` (admin: all)."""
    return ApiKeyAuth(role)


WriterDep = Annotated[Principal, Depends(require_role(Role.WRITER))]
AuditorDep = Annotated[Principal, Depends(require_role(Role.AUDITOR))]
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]

