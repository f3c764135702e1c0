"""Sealing and proof serving over stored tiles; storage is injected as a tile reader.

The database layer supplies one function, ``read_tiles(ids) -> {TileId: blob}``
(omitting tiles it does not have), and writes the blobs these functions return;
everything else is here and pure:

- :func:`append_to_tiles` reads the partial tiles at the current size (at most
  one per tile level), rebuilds the :class:`CompactRange`, appends the batch
  and returns the new root and the tiles to write. Cost: O(batch + log n).
- :func:`inclusion_proof_from_tiles`, :func:`consistency_proof_from_tiles` and
  :func:`root_from_tiles` read O(log n) nodes from a bounded number of tiles
  in a single ``read_tiles`` call, for any tree size up to the stored one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .compact import CompactRange, compact_range_ids
from .errors import TileError
from .hashing import HASH_SIZE
from .nodes import NodeId, consistency_nodes, inclusion_nodes
from .tiles import (
    STORED_LEVELS,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileId,
    hashes_from_tiles,
    partial_tiles,
    tiles_for_nodes,
)

__all__ = [
    "TileReader",
    "TileUpdate",
    "append_to_tiles",
    "consistency_proof_from_tiles",
    "inclusion_proof_from_tiles",
    "load_compact_range",
    "read_node_hashes",
    "root_from_tiles",
]

TileReader = Callable[[Sequence[TileId]], Mapping[TileId, bytes]]
"""Reads tiles by id in one round trip; the result omits tiles that are not stored."""


@dataclass(frozen=True, slots=True)
class TileUpdate:
    """The result of appending a batch: new head, state, and the tile blobs to write."""

    old_size: int
    new_size: int
    root: bytes
    compact_range: CompactRange
    tiles: dict[TileId, bytes]


def read_node_hashes(ids: Sequence[NodeId], read_tiles: TileReader) -> list[bytes]:
    """Return the hashes of the complete nodes ``ids``, reading their tiles in one call."""
    return hashes_from_tiles(ids, read_tiles(tiles_for_nodes(ids)))


def load_compact_range(size: int, read_tiles: TileReader) -> CompactRange:
    """Return the :class:`CompactRange` at ``size`` from stored tiles.

    Requires the stored tree to have at least ``size`` leaves.
    """
    return CompactRange(size, read_node_hashes(compact_range_ids(size), read_tiles))


def root_from_tiles(size: int, read_tiles: TileReader) -> bytes:
    """Return the root of the tree of ``size`` leaves. Requires ``size`` <= the stored size."""
    return load_compact_range(size, read_tiles).root()


def inclusion_proof_from_tiles(index: int, size: int, read_tiles: TileReader) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

    Requires ``0 <= index < size`` <= the stored size.
    """
    nodes = inclusion_nodes(index, size)
    return nodes.rehash(read_node_hashes(nodes.ids, read_tiles))


def consistency_proof_from_tiles(size1: int, size2: int, read_tiles: TileReader) -> list[bytes]:
    """Return the consistency proof from tree size ``size1`` to ``size2``.

    Requires ``0 <= size1 <= size2`` <= the stored size.
    """
    nodes = consistency_nodes(size1, size2)
    return nodes.rehash(read_node_hashes(nodes.ids, read_tiles))


def append_to_tiles(
    old_size: int,
    leaf_hashes: Sequence[bytes],
    read_tiles: TileReader,
    old_root: bytes | None = None,
) -> TileUpdate:
    """Append ``leaf_hashes`` to the stored tree of ``old_size`` leaves; return what to write.

    Requires the stored tree to have exactly ``old_size`` leaves (its partial
    tiles must have the widths that size implies) and 32-byte leaf hashes.
    When ``old_root`` (the last sealed head's root) is given, the state read
    from the tiles must reproduce it. Raises :class:`TileError` otherwise.
    Writing ``TileUpdate.tiles`` (replacing rows with the same key) brings the
    store to ``new_size``; nothing is written here.
    """
    partial = partial_tiles(old_size)
    stored = read_tiles([tile for tile, _ in partial])
    for tile, width in partial:
        data = stored.get(tile)
        if data is None or len(data) != width * HASH_SIZE:
            held = "no tile" if data is None else f"{len(data) // HASH_SIZE} hashes"
            raise TileError(f"tile {tile} should hold {width} hashes at size {old_size}: {held}")
    compact = CompactRange(old_size, hashes_from_tiles(compact_range_ids(old_size), stored))
    if old_root is not None and compact.root() != old_root:
        raise TileError(
            f"stored tiles give root {compact.root().hex()} at size {old_size},"
            f" not the sealed root {old_root.hex()}"
        )
    runs = compact.extend(leaf_hashes, STORED_LEVELS)
    tiles: dict[TileId, bytes] = {}
    for run in runs:
        tile_level = run.level // TILE_HEIGHT
        first = TileId(tile_level, run.start >> TILE_HEIGHT)
        prefix = stored.get(first, b"") if run.start % TILE_WIDTH else b""
        data = prefix + b"".join(run.hashes)
        step = TILE_WIDTH * HASH_SIZE
        for offset in range(0, len(data), step):
            tiles[TileId(tile_level, first.index + offset // step)] = data[offset : offset + step]
    return TileUpdate(old_size, compact.size, compact.root(), compact, tiles)
