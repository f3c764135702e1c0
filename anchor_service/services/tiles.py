"""The log's tlog-tiles resources (c2sp.org/tlog-tiles): hash tiles and entry bundles.

A resource is served only when the published tree covers it: :func:`published_head` is
the one place that says which tree head that is (the newest signed checkpoint, or a
larger sealed head). A hash tile ``tile/<L>/<N>[.p/<W>]`` is
the stored tile ``(L, N)`` (``merkle_tiles``) cut to ``W`` hashes; it exists when the
published tree holds at least ``W`` of its hashes (a full tile: all 256). Partial tiles
narrower than the published one are prefixes of it, so they are served too: they are
the partial tiles of older checkpoints. An entry bundle is the leaf bytes of the same
leaves as level-0 tile ``N``, each prefixed by its length (big-endian uint16).

A redacted entry's bytes are erased (``anchor_service.services.redaction``): its place
in a bundle is a zero-length leaf, which cannot hash to its leaf hash; a client knows
it by that and finds the redaction record in the log.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from anchor_service.db.models_sealing import Batch
from anchor_service.db.repositories.checkpoints import CheckpointRepository
from anchor_service.db.repositories.leaves import LeafRepository
from anchor_service.db.repositories.tiles import (
    PUBLISHED_SIZES,
    TileRepository,
    published_size_from,
)
from anchor_service.errors import NotFoundError
from anchor_service.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    TILE_WIDTH,
    TilePath,
    encode_entry_bundle,
    tile_width,
)

__all__ = [
    "HashTileCache",
    "PublishedHead",
    "check_published",
    "hash_tile_bytes",
    "published_head",
    "published_size",
    "read_resource",
    "read_resources",
]


@dataclass(frozen=True, slots=True)
class PublishedHead:
    """The tree head the tiles publish; ``checkpoint`` is its signed note, if there is one."""

    size: int
    root: bytes
    checkpoint: bytes | None = None


def published_head(session: Session) -> PublishedHead:
    """The tree head the tiles publish: the newest signed checkpoint, or the newest sealed
    head when that is larger (a seal since the last checkpoint, or a log without a log
    key); both are heads the log has committed to.

    ``checkpoint`` is the newest signed checkpoint as ``GET /tlog/checkpoint`` serves it
    (the note and every witness cosignature line), whichever head is published: its size
    is at most the published one, so every tile it needs is there.
    """
    checkpoints = CheckpointRepository(session)
    latest = checkpoints.latest()
    sealed = session.execute(
        select(Batch.end_index, Batch.root).order_by(Batch.seq.desc()).limit(1)
    ).first()
    note: bytes | None = None
    size, root = 0, EMPTY_ROOT
    if latest is not None:
        lines = "".join(f"{row.line}\n" for row in checkpoints.cosignatures_for(latest.tree_size))
        note = (latest.note + lines).encode("utf-8")
        size, root = latest.tree_size, bytes(latest.root)
    if sealed is not None and int(sealed[0]) > size:
        size, root = int(sealed[0]), bytes(sealed[1])
    return PublishedHead(size, root, note)


def published_size(session: Session) -> int:
    """The size of the tree the tiles publish (:func:`published_head`'s, without reading
    the checkpoint note and its cosignatures)."""
    return published_size_from(tuple(session.execute(text(PUBLISHED_SIZES)).one()))


def read_resource(session: Session, path: TilePath, size: int) -> bytes:
    """Return the bytes of ``path`` in the tree of ``size`` leaves.

    Raises :class:`NotFoundError` when that tree does not hold the resource (a tile
    beyond it, or wider than it holds), and ``RuntimeError`` when the database lacks
    what its own tree head covers (tiles or leaves missing: the store is damaged).
    """
    check_published(path, size)
    return read_resources(session, [path])[0]


def check_published(path: TilePath, size: int) -> None:
    """Raise :class:`NotFoundError` unless the tree of ``size`` leaves holds ``path``."""
    available = tile_width(path.tile, size)
    if path.width > available:
        have = "no" if available == 0 else f"only {available}"
        raise NotFoundError(
            f"{path} is not published: the log's tree of {size} leaves has {have} "
            "hashes in that tile"
        )


def hash_tile_bytes(path: TilePath, stored: bytes | None) -> bytes:
    """The bytes of hash tile ``path`` (published) from its ``stored`` tile (``None``: not
    stored); ``RuntimeError`` when the store lacks what the published tree covers."""
    data = (stored or b"")[: path.width * HASH_SIZE]
    if len(data) != path.width * HASH_SIZE:
        raise RuntimeError(f"stored tile {path.tile} is shorter than the published tree")
    return data


def read_resources(session: Session, paths: Sequence[TilePath]) -> list[bytes]:
    """Return the bytes of ``paths`` (each one within the published tree), in order.

    Hash tiles are read in one query, entry bundles' leaves in one query per run of
    consecutive bundles. Raises ``RuntimeError`` when the database lacks any of them.
    """
    tiles = TileRepository(session).read_tiles([path.tile for path in paths if not path.is_entries])
    bundles = [path for path in paths if path.is_entries]
    leaves: dict[int, bytes | None] = {}
    for first, last in _runs(sorted({path.index for path in bundles})):
        start = first * TILE_WIDTH
        end = max(p.index * TILE_WIDTH + p.width for p in bundles if first <= p.index <= last)
        documents = LeafRepository(session).documents(start, end)
        if len(documents) != end - start:
            raise RuntimeError(f"leaves [{start}, {end}) are missing from the log")
        leaves.update(zip(range(start, end), documents, strict=True))
    result = []
    for path in paths:
        if path.is_entries:
            start = path.index * TILE_WIDTH
            leaf_bytes = (leaves[index] for index in range(start, start + path.width))
            result.append(encode_entry_bundle(b"" if leaf is None else leaf for leaf in leaf_bytes))
            continue
        result.append(hash_tile_bytes(path, tiles.get(path.tile)))
    return result


def _runs(indices: Sequence[int]) -> list[tuple[int, int]]:
    """``[(first, last), ...]``: the runs of consecutive numbers in sorted ``indices``."""
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


class HashTileCache:
    """The hash tiles an API worker served, by path, up to ``max_bytes`` (least recently
    used first out). Thread-safe.

    A hash tile's path fixes its bytes forever (a partial tile's path names its width),
    and once the published tree holds it, it always does: a cached tile needs no database
    read, not even of the published head. Entry bundles are not cached (a redaction
    changes one; they hold personal data).
    """

    def __init__(self, max_bytes: int = 8 * 1024 * 1024) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._published = 0

    def published_size(self, session: Session, path: TilePath) -> int:
        """A published tree size that holds ``path`` if any does: the largest size read so
        far when it holds the path (the published tree only grows, so a resource it held
        is published still), else the size read now from the database."""
        known = self.covering_size(path)
        if known is not None:
            return known
        return self.note_published(published_size(session))

    def covering_size(self, path: TilePath) -> int | None:
        """The largest published size read so far, if it holds ``path`` (the published
        tree only grows, so a resource it held is published still); else ``None``."""
        known = self._published
        return known if tile_width(path.tile, known) >= path.width else None

    def note_published(self, size: int) -> int:
        """Remember ``size``, the published size just read; return it."""
        with self._lock:
            self._published = max(self._published, size)
        return size

    def get(self, path: TilePath) -> bytes | None:
        """The bytes of ``path`` if they were served before (and are still kept)."""
        with self._lock:
            data = self._items.get(str(path))
            if data is not None:
                self._items.move_to_end(str(path))
            return data

    def put(self, path: TilePath, data: bytes) -> None:
        """Keep ``data`` as the bytes of the hash tile ``path``."""
        if path.is_entries:
            raise ValueError("entry bundles are not cached")
        with self._lock:
            if str(path) in self._items:
                return
            self._items[str(path)] = data
            self._bytes += len(data)
            while self._bytes > self._max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)
