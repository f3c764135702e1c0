"""Node hashes remembered across requests, so that most proofs cost a single query.

Proofs are made of *complete* tree nodes (:mod:`anchor_service.merkle.nodes`), and a
complete node never changes in an append-only log. :class:`NodeCache` remembers the
hashes of the nodes it had to read from tiles other than the leaf's own; the leaf's own
level-0 tile is read in the same query as its entry (and not remembered: proofs ask for
random leaves). Of the nodes hashed up from that tile, the big ones (32 leaves and more:
:data:`REMEMBERED_SUBLEVEL`) are remembered too: they are 14 of a tile's 254 node hashes
but cost ~220 of the ~250 hashes a path through the tile needs. A full tile's 14 are
hashed together (254 hashes) and kept as one 448-byte blob per tile, apart from the
other nodes: ~550 bytes a tile in memory, so the 39,000 leaf tiles of a 10M-entry log
take ~21 MB (as single nodes, at ~205 bytes each, they took ~110 MB and, at the
100,000-node limit, pushed each other out: a proof at 10M hashed ~200 more times than
at 200k). The upper tiles those
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
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    NodeId,
    TileError,
    TileId,
    TileReader,
    hashes_from_tiles,
    node_hash_from_tile,
    parent_hashes,
    tiles_for_nodes,
)

__all__ = ["REMEMBERED_SUBLEVEL", "NodeCache"]

#: Nodes of a given tile (the leaf's) at this height in their tile and above (2**5 = 32
#: leaves and more) are remembered; the smaller ones are cheaper to hash again.
REMEMBERED_SUBLEVEL = 5

_FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE
# A full tile's big nodes in one blob: its 8 nodes of 32 entries, 4 of 64, 2 of 128.
_TOP_SPAN = HASH_SIZE << REMEMBERED_SUBLEVEL  # the entries under one node of 32
_FIRST_TOP = NodeId(REMEMBERED_SUBLEVEL, 0)  # that node, in a blob of its 32 entries

def _top_offsets() -> dict[int, int]:
    """Where each sublevel's nodes start in a tile's blob of big nodes ({5: 0, 6: 8, 7: 12})."""
    offsets, offset = {}, 0
    for sublevel in range(REMEMBERED_SUBLEVEL, TILE_HEIGHT):
        offsets[sublevel] = offset
        offset += TILE_WIDTH >> sublevel
    return offsets


_TOP_OFFSETS = _top_offsets()
_TOPS_PER_TILE = sum(TILE_WIDTH >> sublevel for sublevel in _TOP_OFFSETS)  # 8 + 4 + 2


class NodeCache:
    """Up to ``max_nodes`` node hashes (0: remember none, nor any tile's big nodes) and the
    big nodes of up to ``max_tiles`` full leaf tiles; the oldest go first when full.

    Reads take no lock (a dict lookup is atomic); writes do.
    """

    def __init__(self, max_nodes: int = 100_000, max_tiles: int = 100_000) -> None:
        self._max = max_nodes
        self._nodes: dict[tuple[int, int], bytes] = {}
        # Upper tiles (level 1 and above: one per 65,536 leaves) the nodes came from.
        self._max_tiles = max(max_nodes // 64, 16)
        self._tiles: dict[TileId, bytes] = {}
        # The big nodes of full tiles that were given (leaf tiles), one blob per tile.
        self._max_tops = max_tiles if max_nodes > 0 else 0
        self._tops: dict[tuple[int, int], bytes] = {}
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
                if len(blob) == _FULL_TILE_BYTES:  # its big nodes are final: all at once
                    tile_index = (index << sublevel) >> TILE_HEIGHT
                    tops = self._tile_tops(level // TILE_HEIGHT, tile_index, blob)
                    slot = _TOP_OFFSETS[sublevel] + (index & ((TILE_WIDTH >> sublevel) - 1))
                    result.append(tops[slot * HASH_SIZE : (slot + 1) * HASH_SIZE])
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

    def _tile_tops(self, tile_level: int, tile_index: int, blob: bytes) -> bytes:
        """The big nodes of a full tile (8 of 32 entries, 4 of 64, 2 of 128), as one blob:
        remembered, or hashed from ``blob`` and remembered (254 hashes)."""
        key = (tile_level, tile_index)
        tops = self._tops.get(key)
        if tops is not None:
            return tops
        row = [
            node_hash_from_tile(blob[start : start + _TOP_SPAN], _FIRST_TOP)
            for start in range(0, _FULL_TILE_BYTES, _TOP_SPAN)
        ]
        nodes = list(row)
        while len(row) > 2:  # up to the two halves; the tile's root is not in it
            row = parent_hashes(row)
            nodes.extend(row)
        tops = b"".join(nodes)
        if self._max_tops > 0:
            with self._lock:
                self._tops[key] = tops
                while len(self._tops) > self._max_tops:
                    del self._tops[next(iter(self._tops))]
        return tops

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
        """Node hashes remembered (a full tile's big nodes count as 14)."""
        return len(self._nodes) + len(self._tops) * _TOPS_PER_TILE

    def _remember(self, nodes: Sequence[NodeId], hashes: Sequence[bytes]) -> None:
        if self._max <= 0:
            return
        with self._lock:
            for node, value in zip(nodes, hashes, strict=True):
                self._nodes[(node.level, node.index)] = value
            while len(self._nodes) > self._max:
                del self._nodes[next(iter(self._nodes))]
