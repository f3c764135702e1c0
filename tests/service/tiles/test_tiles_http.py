"""``/tlog/tile/...`` fetched over real HTTP (the service's app served by uvicorn in a
thread), read by the tlog-tiles client of ``anchor_service.merkle``: the tiles reproduce
the sealed root, every inclusion proof and every consistency proof the API serves, and
the entry bundles reproduce the leaves; cache headers, 404s and keys as documented."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from anchor_service.api import create_app
from anchor_service.db import Role
from anchor_service.db.session import Database, unit_of_work
from anchor_service.merkle import (
    TILE_WIDTH,
    TileClient,
    TilePath,
    leaf_hash,
    root,
    split_entry_bundle,
    split_tile,
    tile_paths,
)
from anchor_service.services.redaction import redact_entry
from anchor_service.services.tiles import HashTileCache
from anchor_service.settings import Settings
from tests.support.servers import app_in_thread

from .conftest import LogBuilder

Headers = Callable[[Role], dict[str, str]]


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    with app_in_thread(app) as url:
        yield url


def _fetcher(api: str, headers: dict[str, str]) -> tuple[Callable[[str], bytes], list[str]]:
    fetched: list[str] = []

    def fetch(path: str) -> bytes:
        response = httpx.get(f"{api}/tlog/{path}", headers=headers, timeout=30)
        assert response.status_code == 200, (path, response.status_code, response.text)
        assert response.headers["content-type"] == "application/octet-stream"
        fetched.append(path)
        return response.content

    return fetch, fetched


def test_tiles_reproduce_the_root_and_every_proof_the_api_serves(
    log: LogBuilder, served: str, headers: Headers
) -> None:
    sizes = [log.head(3), log.head(4), log.head(300, batches=2)]  # 3, 7, 307 (> one tile)
    auditor = headers(Role.AUDITOR)
    head = httpx.get(f"{served}/v1/log/head", headers=auditor, timeout=30).json()
    size = head["sealed"]["tree_size"]
    assert size == sizes[-1] == 307
    fetch, fetched = _fetcher(served, {})  # hash tiles are public: no key
    client = TileClient(fetch, size)

    assert client.root().hex() == head["sealed"]["root"]
    # the root of 307 leaves: the partial tiles (leaves 256-306, the root of 0-255)
    assert sorted(fetched) == ["tile/0/001.p/51", "tile/1/000.p/1"]

    for index, external_id in enumerate(log.ids):
        bundle = httpx.get(
            f"{served}/v1/entries/{external_id}/proof", headers=auditor, timeout=30
        ).json()
        assert bundle["leaf"]["index"] == index
        tree_size = bundle["inclusion"]["tree_size"]
        assert client.inclusion_proof(index, tree_size) == [
            bytes.fromhex(node) for node in bundle["inclusion"]["path"]
        ], index
        assert client.leaf_hashes(index, index + 1) == [bytes.fromhex(bundle["leaf"]["hash"])]

    anchored = [3, 7, 154, 307]  # the heads the two-batch seal of 300 leaves anchored too
    for first, second in itertools.combinations_with_replacement(anchored, 2):
        answer = httpx.get(
            f"{served}/v1/log/consistency",
            params={"first": first, "second": second},
            headers=auditor,
            timeout=30,
        )
        if answer.status_code == 404:  # 154 is a sealed head, anchored only if it was
            assert 154 in (first, second), answer.text
            continue
        body = answer.json()
        assert client.consistency_proof(first, second) == [
            bytes.fromhex(node) for node in body["proof"]
        ], (first, second)
        assert TileClient(fetch, second).root().hex() == body["second"]["root"]
    # every tile read is one the tree of 307 leaves has: no other partial tile is fetched
    assert set(fetched) <= {str(path) for path in tile_paths(307)} | {
        "tile/0/000.p/3",
        "tile/0/000.p/7",
        "tile/0/000.p/154",
    }


def test_entry_bundles_hold_each_leafs_exact_bytes(
    log: LogBuilder, served: str, headers: Headers
) -> None:
    log.head(260)
    fetch, _ = _fetcher(served, headers(Role.AUDITOR))
    client = TileClient(fetch, 260)
    leaves = client.entries(0) + client.entries(1)  # checked against the level-0 tiles
    assert len(leaves) == 260
    hashes = client.leaf_hashes(0, 260)
    for index, leaf in enumerate(leaves):
        assert leaf is not None and leaf_hash(leaf) == hashes[index]
        assert f'"external_id":"{log.ids[index]}"'.encode() in leaf

    # gzip when accepted, identity otherwise: the same bundle
    plain = httpx.get(
        f"{served}/tlog/tile/entries/001.p/4",
        headers={**headers(Role.AUDITOR), "Accept-Encoding": "identity"},
        timeout=30,
    )
    zipped = httpx.get(f"{served}/tlog/tile/entries/001.p/4", headers=headers(Role.AUDITOR))
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes it
    assert split_entry_bundle(plain.content, count=4) == leaves[256:]


def test_a_redacted_leaf_is_a_zero_length_entry(
    log: LogBuilder, served: str, headers: Headers
) -> None:
    log.head(5)
    redact_entry(log.database, log.ids[2], reason="erasure request 17")
    fetch, _ = _fetcher(served, headers(Role.AUDITOR))
    leaves = TileClient(fetch, 5).entries(0)
    assert leaves[2] is None
    assert all(leaf is not None for position, leaf in enumerate(leaves) if position != 2)
    raw = httpx.get(f"{served}/tlog/tile/entries/000.p/5", headers=headers(Role.AUDITOR))
    assert split_entry_bundle(raw.content, count=5)[2] == b""


def test_cache_headers_content_type_and_404s(
    log: LogBuilder, served: str, headers: Headers
) -> None:
    log.head(258)
    auditor = headers(Role.AUDITOR)

    def get(path: str, key: dict[str, str] | None = None) -> httpx.Response:
        return httpx.get(f"{served}/tlog/{path}", headers=key or {}, timeout=30)

    full, partial = get("tile/0/000"), get("tile/0/001.p/2")
    assert (full.status_code, len(full.content)) == (200, TILE_WIDTH * 32)
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (partial.status_code, len(partial.content)) == (200, 64)
    assert partial.headers["cache-control"] == "public, max-age=60"
    assert partial.headers["content-type"] == "application/octet-stream"
    # a narrower partial tile (an older checkpoint's) is the prefix of the newer one
    assert get("tile/0/001.p/1").content == partial.content[:32]
    # level 1 holds the root of the full level-0 tile
    assert get("tile/1/000.p/1").content == root(split_tile(full.content))
    bundle = get("tile/entries/000", auditor)
    # private, and not immutable: a redaction erases a leaf's bytes from its bundle
    assert bundle.headers["cache-control"] == "private, max-age=3600"
    assert get("tile/entries/001.p/2", auditor).headers["cache-control"] == "private, max-age=60"

    for missing in [
        "tile/0/001",  # not full yet
        "tile/0/001.p/3",  # wider than the tree holds
        "tile/0/002.p/1",  # beyond the tree
        "tile/1/000",
        "tile/2/000.p/1",
        "tile/0/x000/000",  # not canonical
        "tile/0/0",
        "tile/00/000",
        "tile/64/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/01",
        "tile/0/000/",
        "tile/entries/001",
        "tile/entries/002.p/1",
    ]:
        answer = get(missing, auditor)
        assert answer.status_code == 404, (missing, answer.status_code, answer.text)
        assert answer.json()["error"] == "NotFound"


def test_entry_bundles_need_an_auditor_key_hash_tiles_do_not(
    log: LogBuilder, served: str, headers: Headers
) -> None:
    log.head(2)
    url = f"{served}/tlog/tile/entries/000.p/2"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers=headers(Role.WRITER)).status_code == 403
    assert httpx.get(url, headers=headers(Role.AUDITOR)).status_code == 200
    assert httpx.get(url, headers=headers(Role.ADMIN)).status_code == 200
    assert httpx.get(f"{served}/tlog/tile/0/000.p/2").status_code == 200


def test_nothing_is_served_before_the_first_seal(
    log: LogBuilder, served: str, headers: Headers
) -> None:
    log.add(3)  # stored, not sealed: no tree head covers them yet
    assert httpx.get(f"{served}/tlog/tile/0/000.p/3").status_code == 404
    assert httpx.get(f"{served}/tlog/tile/0/000.p/1").status_code == 404
    log.seal()
    fetch, fetched = _fetcher(served, {})
    stored = [
        httpx.get(f"{served}/v1/entries/{external_id}", headers=headers(Role.AUDITOR)).json()
        for external_id in log.ids
    ]
    assert TileClient(fetch, 3).leaf_hashes(0, 3) == [
        bytes.fromhex(entry["leaf_hash"]) for entry in stored
    ]
    assert fetched == [str(path) for path in tile_paths(3)] == ["tile/0/000.p/3"]


def test_hash_tiles_need_an_auditor_key_when_the_log_is_not_public(
    log: LogBuilder, settings: Settings, database: Database, headers: Headers
) -> None:
    log.head(3)
    private = create_app(settings.model_copy(update={"tlog_public": False}), database)
    with app_in_thread(private) as api:
        url = f"{api}/tlog/tile/0/000.p/3"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers=headers(Role.WRITER)).status_code == 403
        answer = httpx.get(url, headers=headers(Role.AUDITOR))
        assert answer.status_code == 200 and len(answer.content) == 96
        # behind a key, no shared cache may keep it
        assert answer.headers["cache-control"] == "private, max-age=60"


def test_a_served_hash_tile_is_served_again_without_a_database_read(
    log: LogBuilder, served: str
) -> None:
    log.head(3)
    first = httpx.get(f"{served}/tlog/tile/0/000.p/3")
    assert first.status_code == 200
    log.sql("DELETE FROM merkle_tiles")  # the worker's copy answers from now on
    again = httpx.get(f"{served}/tlog/tile/0/000.p/3")
    assert (again.status_code, again.content) == (200, first.content)
    assert httpx.get(f"{served}/tlog/tile/0/000.p/2").status_code == 500  # never cached


def test_the_hash_tile_cache_is_bounded() -> None:
    cache = HashTileCache(max_bytes=3 * 8192)
    tiles = [TilePath(0, index) for index in range(4)]
    for number, path in enumerate(tiles):
        cache.put(path, bytes([number]) * 8192)
        if number == 1:
            assert cache.get(tiles[0]) is not None  # used: kept over tile 1
    assert cache.get(tiles[1]) is None  # least recently used: dropped
    assert [cache.get(path) is not None for path in (tiles[0], tiles[2], tiles[3])] == [True] * 3
    with pytest.raises(ValueError, match="entry bundles are not cached"):
        cache.put(TilePath(None, 0), b"")


def test_a_tile_within_a_published_size_read_before_needs_no_new_read_of_the_size(
    log: LogBuilder, database: Database
) -> None:
    """The published tree only grows: the cache reads its size again only for a tile the
    size it knows does not hold."""
    cache = HashTileCache()
    log.head(3)
    with unit_of_work(database.reader) as session:
        assert cache.published_size(session, TilePath(0, 0, 3)) == 3
    log.head(2)
    with unit_of_work(database.reader) as session:
        assert cache.published_size(session, TilePath(0, 0, 2)) == 3  # held: not read again
        assert cache.published_size(session, TilePath(0, 0, 5)) == 5  # not held: read now
        assert cache.published_size(session, TilePath(0, 0, 9)) == 5  # not published yet
