"""``/tlog/tile/...``: the log's hash tiles and entry bundles (c2sp.org/tlog-tiles).

Paths, encodings and content type are the spec's (``anchor_service.merkle.tilepaths``);
what is served is decided by ``anchor_service.services.tiles``. Full tiles never change
and are cached for a year (``immutable``); partial tiles briefly; entry bundles an hour
at most (a redaction changes one). Hash tiles are public
unless ``ANCHOR_TLOG_PUBLIC`` is false (``TlogReaderDep``, the one place that decides);
entry bundles hold personal data and always need an auditor key, so their caching is
``private`` (a shared cache must not hand them to anyone else).

Each app keeps the hash tiles it served (:class:`~anchor_service.services.tiles.HashTileCache`):
a tile's path fixes its bytes, so a repeated request needs no database read.
"""

from __future__ import annotations

import gzip
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.applications import Starlette

from anchor_service.api.deps import AuditorDep, ReadDatabaseDep, TlogReaderDep, state_of
from anchor_service.api.errors import error_responses
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import NotFoundError
from anchor_service.merkle import TilePath, parse_tile_path
from anchor_service.services.tiles import HashTileCache, read_resource

__all__ = ["BUNDLE_SECONDS", "CONTENT_TYPE", "FULL_CACHE", "PARTIAL_SECONDS", "router"]

router = APIRouter(prefix="/tlog", tags=["tlog"])

CONTENT_TYPE = "application/octet-stream"
FULL_CACHE = "max-age=31536000, immutable"
"""Caching of a full tile or bundle (prefixed by ``public`` or ``private``)."""
PARTIAL_SECONDS = 60
"""How long a partial tile or bundle may be cached."""
BUNDLE_SECONDS = 3600
"""How long a full entry bundle may be cached (privately): not immutable, since a
redaction erases a leaf's bytes from its bundle."""


_caches: WeakKeyDictionary[Starlette, HashTileCache] = WeakKeyDictionary()

_PATH_DOC = (
    "`<N>` is the tile index in 3-digit path elements, all but the last prefixed with `x` "
    "(index 1234067: `x001/x234/067`); `.p/<W>` marks a partial tile of `W` (1-255) "
    "entries. Only resources of the published tree (the newest signed checkpoint, or a "
    "larger sealed head) exist: "
    "**404** for any other path, for a width wider than the tree holds, or a path not "
    "spelled canonically. Full tiles: `Cache-Control: public, max-age=31536000, "
    "immutable`; partial: `max-age=60`."
)


@router.get(
    "/tile/entries/{tail:path}",
    summary="An entry bundle (tlog-tiles)",
    description=(
        "`GET /tlog/tile/entries/<N>[.p/<W>]`: the exact leaf bytes (canonical JSON "
        "documents) of leaves `256*N` to `256*N+W-1`, each prefixed by its length as a "
        "big-endian uint16. A redacted entry is a zero-length leaf (its bytes are erased; "
        "its leaf hash stays in level-0 tile `N`, and the log holds its redaction record). "
        "Compressed with gzip when the client accepts it. "
        + _PATH_DOC.split(" Full tiles:")[0]
        + " Cached privately only (`private, max-age=3600` when full, `max-age=60` when "
        "partial): not immutable, since a redaction erases a leaf's bytes. Needs an "
        "`auditor` or `admin` key: entries hold personal data."
    ),
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE: {}}, "description": "The entry bundle."},
        **error_responses(401, 403, 404),
    },
)
async def entry_bundle(
    tail: str, request: Request, _caller: AuditorDep, database: ReadDatabaseDep
) -> Response:
    path = _parse(f"tile/entries/{tail}")
    data = await run_in_threadpool(_read, database, path, _cache_of(request.app))
    return _respond(path, data, request, private=True)


@router.get(
    "/tile/{tail:path}",
    summary="A hash tile (tlog-tiles)",
    description=(
        "`GET /tlog/tile/<L>/<N>[.p/<W>]`: the 32-byte Merkle tree hashes of tile `N` at "
        "level `L` (0-63), 256 of them (8,192 bytes) when full; level 0 holds leaf "
        "hashes, level `L` the roots of full level `L-1` tiles. Any C2SP tlog-tiles "
        "client computes roots and proofs from them. " + _PATH_DOC + " Public unless "
        "`ANCHOR_TLOG_PUBLIC=false`, which requires an `auditor` or `admin` key."
    ),
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE: {}}, "description": "The hash tile."},
        **error_responses(401, 403, 404),
    },
)
async def hash_tile(
    tail: str, request: Request, caller: TlogReaderDep, database: ReadDatabaseDep
) -> Response:
    path = _parse(f"tile/{tail}")
    if path.is_entries:  # "tile/entries/..." is the route above; this is unreachable
        raise NotFoundError(f"{path} is an entry bundle")
    cache = _cache_of(request.app)
    data = cache.get(path)
    if data is None:  # PostgreSQL: read on the event loop; else on a thread
        data = await state_of(request.app).proof_reads.hash_tile(path, cache)
        if data is None:
            data = await run_in_threadpool(_read, database, path, cache)
        cache.put(path, data)
    return _respond(path, data, request, private=caller is not None)


def _parse(raw: str) -> TilePath:
    try:
        return parse_tile_path(raw)
    except ValueError as error:
        raise NotFoundError(str(error)) from None


def _read(database: Database, path: TilePath, cache: HashTileCache) -> bytes:
    with unit_of_work(database.reader) as session:
        return read_resource(session, path, cache.published_size(session, path))


def _cache_of(app: Starlette) -> HashTileCache:
    """The app's hash tile cache (one per app: tests run several apps in one process)."""
    cache = _caches.get(app)
    if cache is None:
        cache = _caches.setdefault(app, HashTileCache())
    return cache


def _respond(path: TilePath, data: bytes, request: Request, *, private: bool) -> Response:
    scope = "private" if private else "public"
    if not path.is_full:
        cache = f"max-age={PARTIAL_SECONDS}"
    elif path.is_entries:
        cache = f"max-age={BUNDLE_SECONDS}"
    else:
        cache = FULL_CACHE
    headers = {"Cache-Control": f"{scope}, {cache}"}
    if path.is_entries:
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            data = gzip.compress(data, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
    return Response(content=data, media_type=CONTENT_TYPE, headers=headers)
