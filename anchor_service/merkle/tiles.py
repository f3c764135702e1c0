"""Tile addressing for stored trees: C2SP tlog-tiles (tiles of height 8, 256 hashes each).

Storage layout. A tile ``TileId(level, index)`` is one row: a blob of
concatenated 32-byte hashes of tree nodes ``(8 * level, 256 * index + i)`` for
``i < width``. Level-0 tiles hold the leaf hashes; a level-``L`` tile holds the
roots of 256 full level-``L - 1`` tiles. Only complete nodes are stored, so the
rightmost tile of each level may be partial (``width < 256``); its blob only
ever grows by appending, which :func:`require_tile_extension` checks.

Any complete node ``(level, index)`` lies in exactly one tile: it is the root of
``2 ** (level % 8)`` consecutive hashes of tile level ``level // 8``
(:func:`node_location`), which :func:`node_hash_from_tile` hashes up. A
log of 10M leaves has three tile levels (39,063 + 153 + 1 tiles, 320 MB);
the node reads of any proof touch at most three tiles per tile level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha256

from .errors import TileError
from .hashing import HASH_SIZE, parent_hashes
from .nodes import NodeId

__all__ = [
    "STORED_LEVELS",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileId",
    "hashes_from_tiles",
    "node_hash_from_tile",
    "node_location",
    "partial_tiles",
    "require_tile_extension",
    "split_tile",
    "tile_levels",
    "tile_width",
    "tiles_for_nodes",
]

TILE_HEIGHT = 8
"""Tree levels spanned by one tile."""

TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes in a full tile (256)."""

STORED_LEVELS = range(0, 64 * TILE_HEIGHT, TILE_HEIGHT)
"""Tree levels whose node hashes tiles store (multiples of 8), for ``CompactRange.extend``."""

_MASK = TILE_WIDTH - 1


@dataclass(frozen=True, slots=True, order=True)
class TileId:
    """Key of one stored tile: tile ``level`` (tree level ``8 * level``) and ``index`` in it."""

    level: int
    index: int


def tile_levels(size: int) -> range:
    """Return the tile levels that hold at least one hash in a tree of ``size`` leaves."""
    count = 0
    while size >> (TILE_HEIGHT * count):
        count += 1
    return range(count)


def tile_width(tile: TileId, size: int) -> int:
    """Return how many hashes ``tile`` holds in the tree of ``size`` leaves (0 to 256)."""
    complete = size >> (TILE_HEIGHT * tile.level)
    return max(0, min(TILE_WIDTH, complete - (tile.index << TILE_HEIGHT)))


def partial_tiles(size: int) -> list[tuple[TileId, int]]:
    """Return ``(tile, width)`` for each partial tile of the tree of ``size`` leaves.

    These tiles hold exactly the nodes of the compact range at ``size``
    (``compact_range_ids(size)``), so reading them restores the tree state.
    """
    result = []
    for level in tile_levels(size):
        complete = size >> (TILE_HEIGHT * level)
        if complete & _MASK:
            result.append((TileId(level, complete >> TILE_HEIGHT), complete & _MASK))
    return result


def node_location(node: NodeId) -> tuple[TileId, int, int]:
    """Return ``(tile, first, count)``: ``node`` is the root of those ``count`` tile entries."""
    sublevel = node.level % TILE_HEIGHT
    first = node.index << sublevel
    return TileId(node.level // TILE_HEIGHT, first >> TILE_HEIGHT), first & _MASK, 1 << sublevel


def tiles_for_nodes(ids: Iterable[NodeId]) -> list[TileId]:
    """Return the distinct tiles that hold the given nodes, sorted."""
    return sorted({node_location(node)[0] for node in ids})


def node_hash_from_tile(tile_data: bytes, node: NodeId) -> bytes:
    """Return the hash of ``node`` from the blob of the tile that holds it.

    Requires ``tile_data`` to be that tile (``node_location(node)[0]``) and to
    hold every entry under the node; raises :class:`TileError` if it is too short.
    """
    tile, first, count = node_location(node)
    start, stop = first * HASH_SIZE, (first + count) * HASH_SIZE
    if len(tile_data) < stop:
        held = len(tile_data) // HASH_SIZE
        raise TileError(f"tile {tile} has {held} hashes, node {node} needs {first + count}")
    if count == 1:
        return tile_data[start:stop]
    # The first level hashes adjacent pairs straight from the blob.
    row = [
        sha256(b"\x01" + tile_data[pos : pos + 2 * HASH_SIZE]).digest()
        for pos in range(start, stop, 2 * HASH_SIZE)
    ]
    while len(row) > 1:
        row = parent_hashes(row)
    return row[0]


def hashes_from_tiles(ids: Sequence[NodeId], tiles: Mapping[TileId, bytes]) -> list[bytes]:
    """Return the hashes of ``ids`` from ``tiles`` (which must include ``tiles_for_nodes(ids)``)."""
    result = []
    for node in ids:
        tile = node_location(node)[0]
        data = tiles.get(tile)
        if data is None:
            raise TileError(f"tile {tile} is missing (needed for node {node})")
        result.append(node_hash_from_tile(data, node))
    return result


def split_tile(tile_data: bytes) -> list[bytes]:
    """Return the hashes in a tile blob. Requires a whole number of 32-byte hashes, at most 256."""
    if len(tile_data) % HASH_SIZE or len(tile_data) > TILE_WIDTH * HASH_SIZE:
        raise TileError(f"a tile blob of {len(tile_data)} bytes is not 0..256 hashes")
    return [tile_data[pos : pos + HASH_SIZE] for pos in range(0, len(tile_data), HASH_SIZE)]


def require_tile_extension(tile: TileId, old: bytes | None, new: bytes) -> None:
    """Check that ``new`` may replace ``old`` as the blob of ``tile``: same hashes, possibly more.

    Raises :class:`TileError` if ``new`` is malformed or rewrites stored hashes.
    """
    split_tile(new)
    if old is not None and not new.startswith(old):
        raise TileError(f"tile {tile} would rewrite stored hashes")
