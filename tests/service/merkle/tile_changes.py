"""Which tiles a seal changes, computed straight from the tile layout.

Used only by the tests, to cross-check which tiles ``append_to_tiles`` writes.
"""

from __future__ import annotations

from anchor_service.merkle import TILE_HEIGHT, TILE_WIDTH, TileId, tile_levels


def tiles_to_write(old_size: int, new_size: int) -> list[tuple[TileId, int]]:
    """Return ``(tile, width)`` for every tile that changes when the tree grows to ``new_size``.

    Requires ``0 <= old_size <= new_size``. The first tile of each level may
    already exist (partial) and is rewritten with the old hashes as a prefix.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"invalid tree sizes {old_size} -> {new_size}")
    result = []
    for level in tile_levels(new_size):
        shift = TILE_HEIGHT * level
        old, new = old_size >> shift, new_size >> shift
        if new == old:
            continue
        for index in range(old >> TILE_HEIGHT, ((new - 1) >> TILE_HEIGHT) + 1):
            result.append((TileId(level, index), min(TILE_WIDTH, new - (index << TILE_HEIGHT))))
    return result
