"""Stored tree tiles: the database side of :mod:`anchor_service.merkle.tilelog`.

:meth:`TileRepository.read_tiles` is the ``TileReader`` the merkle package's sealing and
proof functions take (one ``SELECT`` per call); :meth:`TileRepository.write` stores a
:class:`~anchor_service.merkle.TileUpdate` in the caller's transaction: the partial tiles
of the old tree (at most one per tile level) are extended in place, every other tile is
new and inserted (PostgreSQL: binary ``COPY``). A tile that already exists where a new
one should go violates the primary key, so nothing is ever silently overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, func, select, tuple_, update
from sqlalchemy.orm import Session

from anchor_service.db.dialect import insert_rows
from anchor_service.db.models_sealing import MerkleTile
from anchor_service.merkle import HASH_SIZE, TileError, TileId, TileUpdate, partial_tiles

__all__ = ["PUBLISHED_SIZES", "TileRepository", "published_size_from"]

#: The two tree sizes the tiles may publish, in one query (any dialect): the newest
#: signed checkpoint's and the newest sealed batch's end (``NULL`` before the first).
PUBLISHED_SIZES = (
    "SELECT (SELECT MAX(tree_size) FROM checkpoints),"
    " (SELECT end_index FROM batches ORDER BY seq DESC LIMIT 1)"
)


def published_size_from(row: Sequence[int | None]) -> int:
    """The published tree size from the row :data:`PUBLISHED_SIZES` answered: the larger."""
    checkpointed, sealed = row
    return max(int(checkpointed or 0), int(sealed or 0))


_tiles = cast(Table, MerkleTile.__table__)
_COLUMNS = ("tile_level", "tile_index", "hashes")
_PG_TYPES = ("int2", "int8", "bytea")


class TileRepository:
    """Reads and writes ``merkle_tiles``. Adds and flushes; the caller commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def read_tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        """Return the stored blobs of ``ids`` in one query, omitting tiles not stored."""
        if not ids:
            return {}
        keys = sorted({(tile.level, tile.index) for tile in ids})
        statement = select(_tiles.c.tile_level, _tiles.c.tile_index, _tiles.c.hashes).where(
            tuple_(_tiles.c.tile_level, _tiles.c.tile_index).in_(keys)
        )
        return {
            TileId(level, index): bytes(hashes)
            for level, index, hashes in self._session.execute(statement)
        }

    def write(self, update_: TileUpdate) -> None:
        """Store the tiles of ``update_`` (the store must hold exactly ``update_.old_size`` leaves).

        Raises :class:`TileError` if a partial tile no longer has the width the old size
        implies, and the database's integrity error if a new tile exists already.
        """
        partial = dict(partial_tiles(update_.old_size))
        new_rows: list[tuple[int, int, bytes]] = []
        for tile, data in sorted(update_.tiles.items()):
            width = partial.get(tile)
            if width is None:
                new_rows.append((tile.level, tile.index, data))
            else:
                self._extend(tile, width, data)
        insert_rows(self._session, _tiles, _COLUMNS, _PG_TYPES, new_rows)

    def _extend(self, tile: TileId, width: int, data: bytes) -> None:
        result = self._session.execute(
            update(_tiles)
            .where(
                _tiles.c.tile_level == tile.level,
                _tiles.c.tile_index == tile.index,
                func.length(_tiles.c.hashes) == width * HASH_SIZE,
            )
            .values(hashes=data)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise TileError(f"tile {tile} does not hold the {width} hashes expected; not extended")
