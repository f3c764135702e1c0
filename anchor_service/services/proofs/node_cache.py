"""Node hashes remembered across requests, so that most proofs cost a single query.

Proofs are made of *complete* tree nodes (:mod:`anchor_service.merkle.nodes`), and a
complete node never changes in an append-only log. :class:`NodeCache` remembers the
hashes of the nodes it had to read from tiles other than the leaf's own; the leaf's own
level-0 tile is read in the same query as its entry (and not remembered: proofs ask for
random leaves). Of the nodes hashed up from that tile, the big ones (32 leaves and more:
:data:`REMEMBERED_SUBLEVEL`) are remembered too: they are ~7 of a tile's 255 node hashes
but cost ~220 of the ~250 hashes a path through the tile needs. The upper tiles those
nodes come from (level 1 and above, one per 65,536 leaves) are remembered too; a tile
only grows, so one too short for a node is read again. A proof in a log of 10M leaves
needs about 16 nodes above its leaf's tile, shared with many other proofs: after a few
hundred requests no second query is needed.

Whatever a proof is built from, it is checked against the anchored root before it is
served, so a remembered node can never make a wrong proof pass. After restoring the
database from a backup or replacing the log, restart the API workers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from anchor_service.merkle import (
    TILE_HEIGHT,
    NodeId,
    TileError,
    TileId,
    TileReader,
    hashes_from_tiles,
    node_hash_from_tile,
    tiles_for_nodes,
)

__all__ = ["REMEMBERED_SUBLEVEL", "NodeCache"]

#: Nodes of a given tile (the leaf's) at this height in their tile and above (2**5 = 32
#: leaves and more) are remembered; the smaller ones are cheaper to hash again.
REMEMBERED_SUBLEVEL = 5


class NodeCache:
    """Up to ``max_nodes`` node hashes (0: remember none); the oldest go first when full.

    Reads take no lock (a dict lookup is atomic); writes do.
    """

    def __init__(self, max_nodes: int = 100_000) -> None:
        self._max = max_nodes
        self._nodes: dict[tuple[int, int], bytes] = {}
        # Upper tiles (level 1 and above: one per 65,536 leaves) the nodes came from.
        self._max_tiles = max(max_nodes // 64, 16)
        self._tiles: dict[TileId, bytes] = {}
        self._lock = threading.Lock()

    def hashes(
        self,
        ids: Sequence[NodeId],
        fetch: TileReader,
        known: Mapping[TileId, bytes] | None = None,
    ) -> list[bytes]:
        """The hashes of the complete nodes ``ids``: from the ``known`` tile blobs, from
        memory, or from the tiles ``fetch`` reads (one call for all that are missing).

        Raises :class:`~anchor_service.merkle.TileError` when a tile is missing or short.
        """
        given = {(tile.level, tile.index): blob for tile, blob in (known or {}).items()}
        remembered = self._nodes
        result: list[bytes] = []
        missing: list[tuple[int, NodeId]] = []
        hashed: list[NodeId] = []  # big nodes hashed up from a given tile, to remember
        hashes: list[bytes] = []
        for position, node in enumerate(ids):
            level, index = node.level, node.index
            sublevel = level % TILE_HEIGHT
            blob = given.get((level // TILE_HEIGHT, (index << sublevel) >> TILE_HEIGHT))
            if blob is not None:
                if sublevel < REMEMBERED_SUBLEVEL:
                    result.append(node_hash_from_tile(blob, node))
                    continue
                cached = remembered.get((level, index))
                if cached is None:
                    cached = node_hash_from_tile(blob, node)
                    hashed.append(node)
                    hashes.append(cached)
                result.append(cached)
                continue
            cached = remembered.get((level, index))
            if cached is None:
                missing.append((position, node))
                cached = b""
            result.append(cached)
        if missing:
            nodes = [node for _, node in missing]
            read = self._from_tiles(nodes, fetch)
            for (position, _), value in zip(missing, read, strict=True):
                result[position] = value
            self._remember(nodes, read)
        if hashed:
            self._remember(hashed, hashes)
        return result

    def _from_tiles(self, nodes: Sequence[NodeId], fetch: TileReader) -> list[bytes]:
        """Hash ``nodes`` up from remembered upper tiles, reading the tiles that are not
        remembered or too short for them (a tile only grows) in one ``fetch``."""
        tiles: dict[TileId, bytes] = {}
        wanted = tiles_for_nodes(nodes)
        for tile in wanted:
            blob = self._tiles.get(tile)
            if blob is not None:
                tiles[tile] = blob
        try:
            return hashes_from_tiles(nodes, tiles)
        except TileError:
            pass
        fetched = fetch(wanted)
        tiles.update(fetched)
        if self._max > 0:
            with self._lock:
                for tile, blob in fetched.items():
                    if tile.level > 0:
                        self._tiles[tile] = blob
                while len(self._tiles) > self._max_tiles:
                    del self._tiles[next(iter(self._tiles))]
        return hashes_from_tiles(nodes, tiles)

    def __len__(self) -> int:
        return len(self._nodes)

    def _remember(self, nodes: Sequence[NodeId], hashes: Sequence[bytes]) -> None:
        if self._max <= 0:
            return
        with self._lock:
            for node, value in zip(nodes, hashes, strict=True):
                self._nodes[(node.level, node.index)] = value
            while len(self._nodes) > self._max:
                del self._nodes[next(iter(self._nodes))]
