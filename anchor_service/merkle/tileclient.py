"""Reading a tiled log (c2sp.org/tlog-tiles) over any transport: roots, proofs, leaves.

The transport is injected as ``fetch(path) -> bytes`` (a path such as
``tile/0/x001/234``, relative to the log's prefix; it raises whatever its transport
raises for a missing resource). :class:`TileClient` fetches only the resources a tree
size requires (the spec forbids fetching partial tiles no checkpoint needs), checks each
one's length, and computes the RFC 9162 root, inclusion and consistency proofs of that
tree with the same functions the service uses over its stored tiles
(:mod:`.tilelog`). Verify the root against a signed checkpoint before trusting the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .errors import TileError
from .hashing import HASH_SIZE, leaf_hash
from .tilelog import consistency_proof_from_tiles, inclusion_proof_from_tiles, root_from_tiles
from .tilepaths import split_entry_bundle, tile_path
from .tiles import TILE_WIDTH, TileId, tile_width

__all__ = ["TileClient", "TileFetcher"]

TileFetcher = Callable[[str], bytes]
"""Fetches one resource by its path relative to the log's prefix."""


class TileClient:
    """The tree of ``size`` leaves of a tiled log, read through ``fetch``.

    Tiles are fetched once and kept (a tile cut at a fixed size never changes).
    """

    def __init__(self, fetch: TileFetcher, size: int) -> None:
        if size < 0:
            raise ValueError(f"tree size {size} is negative")
        self._fetch = fetch
        self.size = size
        self._tiles: dict[TileId, bytes] = {}

    def path(self, tile: TileId) -> str:
        """The path of ``tile`` cut at this tree's size (``.p/<W>`` when partial)."""
        return tile_path(tile.level, tile.index, self._width(tile))

    def _width(self, tile: TileId) -> int:
        width = tile_width(tile, self.size)
        if width == 0:
            raise TileError(f"tile {tile} is empty in a tree of {self.size} leaves")
        return width

    def read_tiles(self, ids: Sequence[TileId]) -> Mapping[TileId, bytes]:
        """Return the tiles ``ids`` (a ``TileReader``), fetching those not read yet."""
        for tile in ids:
            if tile not in self._tiles:
                width = self._width(tile)
                data = self._fetch(self.path(tile))
                if len(data) != width * HASH_SIZE:
                    raise TileError(
                        f"{self.path(tile)} has {len(data)} bytes, not {width * HASH_SIZE}"
                    )
                self._tiles[tile] = data
        return {tile: self._tiles[tile] for tile in ids}

    def root(self) -> bytes:
        """The root of the tree of ``size`` leaves (requires ``size >= 1``)."""
        if self.size == 0:
            raise TileError("an empty tree has no tiles")
        return root_from_tiles(self.size, self.read_tiles)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The inclusion proof of leaf ``index`` in the tree of ``size`` (default: this one)."""
        size = self.size if size is None else size
        self._require(0 <= index < size <= self.size, f"leaf {index} is not in a tree of {size}")
        return inclusion_proof_from_tiles(index, size, self.read_tiles)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """The consistency proof from the tree of ``first`` leaves to ``second`` (default: this)."""
        second = self.size if second is None else second
        self._require(
            0 <= first <= second <= self.size,
            f"sizes {first} and {second} are not in order within {self.size}",
        )
        return consistency_proof_from_tiles(first, second, self.read_tiles)

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """The leaf hashes of leaves ``[start, end)`` from the level-0 tiles."""
        self._require(
            0 <= start <= end <= self.size, f"leaves [{start}, {end}) are not in the tree"
        )
        first, last = start // TILE_WIDTH, -(-end // TILE_WIDTH)
        tiles = self.read_tiles([TileId(0, index) for index in range(first, last)])
        data = b"".join(tiles[TileId(0, index)] for index in range(first, last))
        offset = first * TILE_WIDTH
        return [
            data[(index - offset) * HASH_SIZE : (index - offset + 1) * HASH_SIZE]
            for index in range(start, end)
        ]

    def entries(self, bundle_index: int) -> list[bytes | None]:
        """The leaves of entry bundle ``bundle_index``, each checked against its leaf hash.

        A zero-length leaf whose hash is not the tile's is a leaf the log withholds
        (anchor-service serves a redacted entry so: its bytes are erased, its hash stays);
        it is returned as ``None``. Any other leaf that does not hash to the level-0
        tile's hash raises :class:`TileError` naming its index; so does a bundle of the
        wrong length.
        """
        tile = TileId(0, bundle_index)
        width = self._width(tile)
        leaves = split_entry_bundle(self._fetch(tile_path(None, bundle_index, width)), count=width)
        start = bundle_index * TILE_WIDTH
        expected = self.leaf_hashes(start, start + width)
        result: list[bytes | None] = []
        for offset, (leaf, hashed) in enumerate(zip(leaves, expected, strict=True)):
            if leaf_hash(leaf) == hashed:
                result.append(leaf)
            elif not leaf:
                result.append(None)
            else:
                raise TileError(f"leaf {start + offset} does not hash to its tile's leaf hash")
        return result

    def _require(self, condition: bool, message: str) -> None:
        if not condition:
            raise TileError(message)
