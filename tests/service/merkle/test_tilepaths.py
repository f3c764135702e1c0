"""tlog-tiles paths and entry bundles (c2sp.org/tlog-tiles), and the tile client over
the spec's resources cut from a stored tree: roots and proofs equal the reference ones."""

from __future__ import annotations

import pytest

from anchor_service.merkle import (
    MAX_ENTRY_SIZE,
    MemoryTileStore,
    TileClient,
    TileError,
    TilePath,
    consistency_proof,
    encode_entry_bundle,
    inclusion_proof,
    leaf_hash,
    parse_tile_path,
    root,
    split_entry_bundle,
    tile_path,
    tile_paths,
)


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 0, 256, "tile/0/000"),
        (0, 1234067, 256, "tile/0/x001/x234/067"),  # the spec's example
        (1, 17, 3, "tile/1/017.p/3"),
        (63, 1000, 255, "tile/63/x001/000.p/255"),
        (None, 5, 1, "tile/entries/005.p/1"),
        (None, 999999, 256, "tile/entries/x999/999"),
    ],
)
def test_paths_round_trip(level: int | None, index: int, width: int, path: str) -> None:
    assert tile_path(level, index, width) == path
    assert parse_tile_path(path) == TilePath(level, index, width)
    assert str(parse_tile_path(path)) == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/x000/001",  # index 1 is 001
        "tile/0/01",
        "tile/0/0001",
        "tile/01/000",
        "tile/64/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/07",
        "tile/0/001/234",  # all but the last element start with x
        "tile/0/x001",
        "tile/entries/000.p/",
        "/tile/0/000",
        "tile/-1/000",
        "tile/0/000/",
    ],
)
def test_non_canonical_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match=r"tlog-tiles path|canonical|width|level"):
        parse_tile_path(path)


def test_the_resources_of_a_tree_size_are_the_specs_examples() -> None:
    paths = [str(path) for path in tile_paths(70_000)]
    assert len([p for p in paths if p.startswith("tile/0/") and ".p/" not in p]) == 273
    assert [p for p in paths if ".p/" in p] == [
        "tile/0/273.p/112",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    ]
    assert "tile/1/000" in paths
    assert [str(path) for path in tile_paths(256)] == ["tile/0/000", "tile/1/000.p/1"]
    assert [str(path) for path in tile_paths(257, entries=True)] == [
        "tile/0/000",
        "tile/entries/000",
        "tile/0/001.p/1",
        "tile/entries/001.p/1",
        "tile/1/000.p/1",
    ]
    assert list(tile_paths(0)) == []


def test_entry_bundles_are_uint16_length_prefixed() -> None:
    leaves = [b"", b"a", b"x" * MAX_ENTRY_SIZE]
    bundle = encode_entry_bundle(leaves)
    assert bundle[:5] == b"\x00\x00\x00\x01a" and bundle[5:7] == b"\xff\xff"
    assert split_entry_bundle(bundle, count=3) == leaves
    with pytest.raises(TileError, match="65536 bytes is over the 65535 limit"):
        encode_entry_bundle([b"x" * (MAX_ENTRY_SIZE + 1)])
    with pytest.raises(TileError, match="truncated in leaf 2"):
        split_entry_bundle(bundle[:-1])
    with pytest.raises(TileError, match="truncated in the length of leaf 1"):
        split_entry_bundle(b"\x00\x00\x00")
    with pytest.raises(TileError, match="holds 3 leaves, not 4"):
        split_entry_bundle(bundle, count=4)


def _served(store: MemoryTileStore, leaves: list[bytes]) -> dict[str, bytes]:
    """Every resource of the store's tree, as a static server would hold them."""
    files: dict[str, bytes] = {}
    for path in tile_paths(store.size, entries=True):
        if path.is_entries:
            start = path.index * 256
            files[str(path)] = encode_entry_bundle(leaves[start : start + path.width])
        else:
            files[str(path)] = store.tiles[path.tile][: path.width * 32]
    return files


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 513, 70_000])
def test_the_client_reproduces_roots_and_proofs(size: int) -> None:
    leaves = [b"leaf %d" % n for n in range(size)]
    hashes = [leaf_hash(leaf) for leaf in leaves]
    store = MemoryTileStore()
    store.append(hashes)
    files = _served(store, leaves)
    client = TileClient(files.__getitem__, size)
    assert client.root() == root(hashes) == store.root
    checks = sorted({0, 1, size // 3, size // 2, size - 2, size - 1} & set(range(size)))
    for index in checks:
        assert client.inclusion_proof(index) == inclusion_proof(hashes, index)
        smaller = max(index, 1)
        assert client.consistency_proof(smaller) == consistency_proof(hashes[:size], smaller)
    assert client.leaf_hashes(0, size) == hashes
    last = (size - 1) // 256
    assert client.entries(last) == leaves[last * 256 : (last + 1) * 256]


def test_the_client_refuses_wrong_tiles_and_leaves() -> None:
    leaves = [b"leaf %d" % n for n in range(300)]
    store = MemoryTileStore()
    store.append([leaf_hash(leaf) for leaf in leaves])
    files = _served(store, leaves)
    files["tile/0/001.p/44"] = files["tile/0/001.p/44"][:-1]
    with pytest.raises(TileError, match=r"tile/0/001.p/44 has 1407 bytes, not 1408"):
        TileClient(files.__getitem__, 300).root()

    forged = [*leaves[:256]]
    forged[7] = b"forged"
    files["tile/entries/000"] = encode_entry_bundle(forged)
    with pytest.raises(TileError, match="leaf 7 does not hash"):
        TileClient(files.__getitem__, 300).entries(0)
    withheld = [*leaves[:256]]
    withheld[9] = b""  # a redacted leaf: erased bytes, the hash stays in the tile
    files["tile/entries/000"] = encode_entry_bundle(withheld)
    read = TileClient(files.__getitem__, 300).entries(0)
    assert read[9] is None and read[8] == leaves[8]
    with pytest.raises(TileError, match="empty in a tree of 300"):
        TileClient(files.__getitem__, 300).entries(2)
    with pytest.raises(TileError, match="not in a tree"):
        TileClient(files.__getitem__, 300).inclusion_proof(300)
