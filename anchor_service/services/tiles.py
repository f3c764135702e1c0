"""The log's tlog-tiles resources (c2sp.org/tlog-tiles): hash tiles and entry bundles.

A resource is served only when the published tree covers it: :func:`published_size` is
the one place that says which tree size that is. A hash tile ``tile/<L>/<N>[.p/<W>]`` is
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

from sqlalchemy.orm import Session

from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.leaves import LeafRepository
from anchor_service.db.repositories.tiles import TileRepository
from anchor_service.errors import NotFoundError
from anchor_service.merkle import (
    HASH_SIZE,
    TILE_WIDTH,
    TilePath,
    encode_entry_bundle,
    tile_width,
)

__all__ = ["published_size", "read_resource"]


def published_size(session: Session) -> int:
    """The size of the tree the tiles publish: the newest signed tree head's.

    THE SWITCH POINT for signed checkpoints: until the checkpoints table exists this is
    the newest sealed batch's size (sealed heads are the ones the log commits to; their
    tiles are the stored ones). Once checkpoints land it becomes the newest signed
    checkpoint's size.
    """
    batch = BatchRepository(session).latest()
    return 0 if batch is None else batch.end_index


def read_resource(session: Session, path: TilePath, size: int) -> bytes:
    """Return the bytes of ``path`` in the tree of ``size`` leaves.

    Raises :class:`NotFoundError` when that tree does not hold the resource (a tile
    beyond it, or wider than it holds), and ``RuntimeError`` when the database lacks
    what its own tree head covers (tiles or leaves missing: the store is damaged).
    """
    available = tile_width(path.tile, size)
    if path.width > available:
        have = "no" if available == 0 else f"only {available}"
        raise NotFoundError(
            f"{path} is not published: the log's tree of {size} leaves has {have} "
            "hashes in that tile"
        )
    if path.is_entries:
        return _entry_bundle(session, path)
    stored = TileRepository(session).read_tiles([path.tile]).get(path.tile, b"")
    data = stored[: path.width * HASH_SIZE]
    if len(data) != path.width * HASH_SIZE:
        raise RuntimeError(f"stored tile {path.tile} is shorter than the published tree")
    return data


def _entry_bundle(session: Session, path: TilePath) -> bytes:
    start = path.index * TILE_WIDTH
    leaves = LeafRepository(session).documents(start, start + path.width)
    if len(leaves) != path.width:
        raise RuntimeError(f"leaves [{start}, {start + path.width}) are missing from the log")
    return encode_entry_bundle(b"" if leaf is None else leaf for leaf in leaves)
