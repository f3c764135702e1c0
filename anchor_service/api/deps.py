"""Typed dependencies for routes: the app's state and its parts, the request's session,
the caller's role.

The app's :class:`~anchor_service.api.state.AppState` is built by its lifespan and read
here only: routes take one of the ``...Dep`` aliases for the part they need
(``SettingsDep``, ``ProofReadsDep``, ...). Hot paths that should not pay for one more
dependency (entry writes) call :func:`state_of` with the request's app instead.

Dependencies without I/O are ``async def`` so FastAPI does not send them to the thread
pool. ``SessionDep`` is one unit of work per request: it commits after the route
returns and before the response is sent (scope ``function``), or rolls back if the
route raises.
Requests with unsafe methods (POST, ...) get a writer session (on SQLite it begins with
the write lock), safe ones a reader session. Entry writes do not use it: they go
through the state's ``ingest``, which commits many requests at once
(see ``anchor_service.db.writer``).
Read routes take ``ReadSessionDep`` (or ``ReadDatabaseDep``) instead: a reader session on
the database the request reads from, a read replica when ``ANCHOR_DATABASE_READ_URL`` is
set (``anchor_service.api.replica_reads`` chooses it, and runs the request again on the
primary when the replica has not replayed what it needs), else the primary.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from sqlalchemy.orm import Session
from starlette.applications import Starlette

from anchor_service.api.auth import Principal
from anchor_service.api.replica_reads import is_retry
from anchor_service.api.state import AppState
from anchor_service.db.models import Role
from anchor_service.db.replicas import ReadDatabases
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import AuthenticationError
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.chain_head import ChainHeadReader
from anchor_service.services.proofs.reads import ProofReads
from anchor_service.settings import Settings

#: Largest values a query or path parameter compared with an INTEGER (batch seq) or a
#: BIGINT column (tree sizes, registry seq) may hold: larger ones are a 422, not a 500.
DB_INT_MAX = 2**31 - 1
DB_BIGINT_MAX = 2**63 - 1

__all__ = [
    "DB_BIGINT_MAX",
    "DB_INT_MAX",
    "AccountReaderAuth",
    "AccountReaderDep",
    "AdminDep",
    "AnchorerDep",
    "ApiKeyAuth",
    "AuditorDep",
    "ChainHeadDep",
    "DatabaseDep",
    "ProofReadsDep",
    "ReadDatabaseDep",
    "ReadSessionDep",
    "ReadsDep",
    "SessionDep",
    "SettingsDep",
    "TlogReaderDep",
    "WriterDep",
    "account_reader",
    "require_role",
    "state_of",
]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def state_of(app: Starlette) -> AppState:
    """The state of ``app`` (``request.app`` in a route), built by its lifespan."""
    try:
        state: AppState = app.state.app_state
    except AttributeError:
        raise RuntimeError("the app's state is built by its lifespan, which has not run") from None
    return state


# Each reads the state straight from the request's app: one dependency each, not two.
async def get_settings(request: Request) -> Settings:
    return state_of(request.app).settings


async def get_database(request: Request) -> Database:
    return state_of(request.app).database


async def get_reads(request: Request) -> ReadDatabases:
    return state_of(request.app).reads


async def get_read_database(request: Request) -> Database:
    """The database this request reads from: a replica, or the primary."""
    return state_of(request.app).reads.current()


async def get_proof_reads(request: Request) -> ProofReads:
    return state_of(request.app).proof_reads


async def get_chain_head(request: Request) -> ChainHeadReader:
    return state_of(request.app).chain_head


def get_anchorer(request: Request) -> Anchorer:
    """Not ``async``: building the anchorer on first use reads files and waits on a lock."""
    return state_of(request.app).get_anchorer()


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
ReadsDep = Annotated[ReadDatabases, Depends(get_reads)]
ReadDatabaseDep = Annotated[Database, Depends(get_read_database)]
ProofReadsDep = Annotated[ProofReads, Depends(get_proof_reads)]
ChainHeadDep = Annotated[ChainHeadReader, Depends(get_chain_head)]
AnchorerDep = Annotated[Anchorer, Depends(get_anchorer)]


def get_session(request: Request, database: DatabaseDep) -> Iterator[Session]:
    factory = database.reader if request.method in _SAFE_METHODS else database.writer
    with unit_of_work(factory) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_read_session(database: ReadDatabaseDep) -> Iterator[Session]:
    with unit_of_work(database.reader) as session:
        yield session


#: A reader session on the database the request reads from (a replica, or the primary).
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


class ApiKeyAuth(SecurityBase):
    """Route dependency: the caller's :class:`Principal`, if its key allows ``role``.

    Raises :class:`AuthenticationError` (no, malformed, unknown or revoked key) or
    :class:`PermissionDeniedError` (valid key, role not allowed); before the role check
    the key's request is counted against its rate limit (``RateLimitedError``).
    """

    def __init__(self, role: Role) -> None:
        self.model = HTTPBearerModel(
            bearerFormat="API key",
            description="API key from `anchor-service keys create --role ROLE`.",
        )
        self.scheme_name = "ApiKey"
        self.role = role

    async def __call__(self, request: Request) -> Principal:
        return self.check(await self.principal(request), request)

    def check(self, principal: Principal, request: Request) -> Principal:
        """The caller, if its key may call the route; else PermissionDeniedError."""
        return principal.require(self.role)

    async def principal(self, request: Request) -> Principal:
        """The key's principal, after the rate limit (not yet the role check)."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError(
                "missing API key: send the header 'Authorization: Bearer <key>'"
            )
        state = state_of(request.app)
        authenticator = state.authenticator
        principal = authenticator.cached(token)
        if principal is None:
            principal = await run_in_threadpool(authenticator.authenticate, token)
        limiter = state.rate_limiter
        if limiter is not None and not is_retry():  # a read run again is counted once
            limiter.check(principal.key_id)
        return principal


def require_role(role: Role) -> ApiKeyAuth:
    """A dependency returning the caller if their key's role allows ``role`` (admin: all)."""
    return ApiKeyAuth(role)


class AccountReaderAuth(ApiKeyAuth):
    """Route dependency for reads of account data: the caller's :class:`Principal` if its
    key is an ``auditor``, ``admin`` or ``account`` key (else PermissionDeniedError, 403).

    Auditor and admin keys read every account. An ``account`` key reads only the
    accounts its patterns match: on a route whose path has an ``{account}`` parameter
    this dependency checks it already (:meth:`Principal.require_account`, 403 naming the
    key and the account); a route reading other accounts' data asks
    ``caller.require_account(account)`` or, for an entry, ``caller.may_read_entry(...)``
    (answering 404 like a missing entry when not, so as not to reveal that it exists).
    """

    def __init__(self) -> None:
        super().__init__(Role.AUDITOR)

    def check(self, principal: Principal, request: Request) -> Principal:
        principal.require_account_reader()
        account = request.path_params.get("account")
        if isinstance(account, str):
            principal.require_account(account)
        return principal


def account_reader() -> AccountReaderAuth:
    """A dependency returning the caller if it may read accounts (see
    :class:`AccountReaderAuth`)."""
    return AccountReaderAuth()


WriterDep = Annotated[Principal, Depends(require_role(Role.WRITER))]
AuditorDep = Annotated[Principal, Depends(require_role(Role.AUDITOR))]
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]
#: Reads of account data (entries, account lines, histories): auditor, admin or account
#: keys; an account key only for its own accounts (:class:`AccountReaderAuth`).
AccountReaderDep = Annotated[Principal, Depends(account_reader())]


_auditor = require_role(Role.AUDITOR)


async def tlog_reader(request: Request) -> Principal | None:
    """The caller of a ``/tlog/`` read (checkpoint, hash tiles): nobody needs a key when
    ``ANCHOR_TLOG_PUBLIC`` is true (the default; ``None``), else an auditor key (or admin)."""
    if state_of(request.app).settings.tlog_public:
        return None
    return await _auditor(request)


#: ``/tlog/`` checkpoint and hash tiles: public, or an auditor key (``ANCHOR_TLOG_PUBLIC``).
TlogReaderDep = Annotated[Principal | None, Depends(tlog_reader)]
