"""RFC 9162 Merkle log core: hashing, roots, proofs, verification, tree state and tile storage.

Pure and standard-library only: no I/O, no settings, no third-party imports.
Hashes are 32-byte ``bytes`` throughout; leaf indices are 0-based.

Modules, one job each:

- :mod:`.hashing`   ``leaf_hash``, ``hash_leaves``, ``node_hash``, ``EMPTY_ROOT``
- :mod:`.tree`      ``root``, ``inclusion_proof``, ``consistency_proof`` over a list of leaf hashes
- :mod:`.verify`    ``verify_*`` (bool, never raise) and ``check_*`` (raise with the reason)
- :mod:`.errors`    the error tree
- :mod:`.nodes`     ``NodeId(level, index)``; which stored nodes a proof needs, and ``rehash``
- :mod:`.compact`   ``CompactRange``: O(log n) tree state, append in O(batch)
- :mod:`.tiles`     C2SP tlog-tiles addressing (tiles of 256 hashes, height 8)
- :mod:`.tilelog`   sealing and proof serving over an injected tile reader
- :mod:`.tilepaths` tlog-tiles resource paths (``tile/<L>/<N>[.p/<W>]``), entry bundles
- :mod:`.tileclient` ``TileClient``: roots, proofs and leaves from a tiled log's resources
- :mod:`.store`     ``MemoryTileStore``, the in-memory reference for the database layer
- :mod:`.ranges`    proofs of a run of consecutive leaves from stored 256-leaf chunk roots
"""

from .compact import CompactRange, NodeRun, compact_range_ids
from .errors import MerkleError, ProofError, RootMismatchError, TileError, VerificationError
from .hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    hash_leaves,
    leaf_hash,
    node_hash,
    parent_hashes,
    require_hash_sizes,
)
from .nodes import NodeId, ProofNodes, consistency_nodes, inclusion_nodes, range_nodes
from .ranges import CHUNK_SIZE, chunk_roots, range_proof, root_from_range, subtree_root
from .store import MemoryTileStore
from .tileclient import TileClient, TileFetcher
from .tilelog import (
    TileReader,
    TileUpdate,
    append_to_tiles,
    consistency_proof_from_tiles,
    inclusion_proof_from_tiles,
    load_compact_range,
    read_node_hashes,
    root_from_tiles,
)
from .tilepaths import (
    MAX_ENTRY_SIZE,
    MAX_TILE_LEVEL,
    TilePath,
    encode_entry_bundle,
    parse_tile_path,
    split_entry_bundle,
    tile_path,
    tile_paths,
)
from .tiles import (
    STORED_LEVELS,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileId,
    hashes_from_tiles,
    node_hash_from_tile,
    node_location,
    partial_tiles,
    require_tile_extension,
    split_tile,
    tile_levels,
    tile_width,
    tiles_for_nodes,
)
from .tree import consistency_proof, inclusion_proof, root
from .verify import (
    check_consistency,
    check_inclusion,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "CHUNK_SIZE",
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_ENTRY_SIZE",
    "MAX_TILE_LEVEL",
    "STORED_LEVELS",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "CompactRange",
    "MemoryTileStore",
    "MerkleError",
    "NodeId",
    "NodeRun",
    "ProofError",
    "ProofNodes",
    "RootMismatchError",
    "TileClient",
    "TileError",
    "TileFetcher",
    "TileId",
    "TilePath",
    "TileReader",
    "TileUpdate",
    "VerificationError",
    "append_to_tiles",
    "check_consistency",
    "check_inclusion",
    "chunk_roots",
    "compact_range_ids",
    "consistency_nodes",
    "consistency_proof",
    "consistency_proof_from_tiles",
    "encode_entry_bundle",
    "hash_leaves",
    "hashes_from_tiles",
    "inclusion_nodes",
    "inclusion_proof",
    "inclusion_proof_from_tiles",
    "leaf_hash",
    "load_compact_range",
    "node_hash",
    "node_hash_from_tile",
    "node_location",
    "parent_hashes",
    "parse_tile_path",
    "partial_tiles",
    "range_nodes",
    "range_proof",
    "read_node_hashes",
    "require_hash_sizes",
    "require_tile_extension",
    "root",
    "root_from_inclusion_proof",
    "root_from_range",
    "root_from_tiles",
    "split_entry_bundle",
    "split_tile",
    "subtree_root",
    "tile_levels",
    "tile_path",
    "tile_paths",
    "tile_width",
    "tiles_for_nodes",
    "verify_consistency",
    "verify_inclusion",
]
