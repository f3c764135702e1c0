"""An in-memory tile store: the sealing and proof-serving flow the database layer implements.

A database does the same with one table, for example::

    merkle_tile(tile_level SMALLINT, tile_index BIGINT, hashes BLOB/BYTEA,
                PRIMARY KEY (tile_level, tile_index))

and the tree head ``(size, root)`` kept with the last sealed batch:

- ``read_tiles(ids)``: one ``SELECT ... WHERE (tile_level, tile_index) IN (...)``,
  returning ``{TileId: hashes}`` (absent rows simply missing);
- sealing, in one transaction: ``update = append_to_tiles(size, batch, read_tiles,
  root)``, then upsert every ``update.tiles`` row (a partial tile's blob only
  grows; :func:`require_tile_extension` checks that) and record
  ``(update.new_size, update.root)`` as the new head;
- proofs and old roots: :func:`inclusion_proof_from_tiles`,
  :func:`consistency_proof_from_tiles`, :func:`root_from_tiles` with the same
  ``read_tiles``, for any size up to the head's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .hashing import EMPTY_ROOT
from .tilelog import (
    TileUpdate,
    append_to_tiles,
    consistency_proof_from_tiles,
    inclusion_proof_from_tiles,
    root_from_tiles,
)
from .tiles import TileId, require_tile_extension

__all__ = ["MemoryTileStore"]


class MemoryTileStore:
    """Tiles in a dict, plus the current tree head. Not thread-safe."""

    def __init__(self) -> None:
        self._tiles: dict[TileId, bytes] = {}
        self._size = 0
        self._root = EMPTY_ROOT
        self.tile_reads = 0
        """Tiles read so far (each id passed to :meth:`read_tiles` counts once)."""

    @property
    def size(self) -> int:
        """Number of leaves stored."""
        return self._size

    @property
    def root(self) -> bytes:
        """Root at the current size."""
        return self._root

    @property
    def tiles(self) -> dict[TileId, bytes]:
        """A copy of the stored rows."""
        return dict(self._tiles)

    def read_tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        """Return the stored blobs of ``ids``, omitting tiles that do not exist."""
        self.tile_reads += len(ids)
        return {tile: self._tiles[tile] for tile in ids if tile in self._tiles}

    def write_tiles(self, tiles: Mapping[TileId, bytes]) -> None:
        """Store ``tiles``; each blob must extend the stored one (raises :class:`TileError`)."""
        for tile, data in tiles.items():
            require_tile_extension(tile, self._tiles.get(tile), data)
        self._tiles.update(tiles)

    def append(self, leaf_hashes: Sequence[bytes]) -> TileUpdate:
        """Seal ``leaf_hashes`` onto the log: extend the tree, write its tiles, move the head.

        Raises :class:`TileError` if the stored tiles no longer reproduce the current root.
        """
        update = append_to_tiles(self._size, leaf_hashes, self.read_tiles, self._root)
        self.write_tiles(update.tiles)
        self._size, self._root = update.new_size, update.root
        return update

    def root_at(self, size: int) -> bytes:
        """Return the root at tree size ``size``. Requires ``0 <= size <= self.size``."""
        self._require_size(size)
        return root_from_tiles(size, self.read_tiles)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Return the inclusion proof of leaf ``index`` at tree size ``size``.

        Requires ``0 <= index < size <= self.size``.
        """
        self._require_size(size)
        return inclusion_proof_from_tiles(index, size, self.read_tiles)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """Return the consistency proof from ``size1`` to ``size2``.

        Requires ``0 <= size1 <= size2 <= self.size``.
        """
        self._require_size(size2)
        return consistency_proof_from_tiles(size1, size2, self.read_tiles)

    def _require_size(self, size: int) -> None:
        if not 0 <= size <= self._size:
            raise ValueError(f"tree size {size} is not in 0..{self._size}")
