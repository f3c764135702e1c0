"""The trees of statement version 2, pure: range proofs over chunked RFC 9162 trees, the
Merkle-sum nodes and their binary path form, the leaves' canonical bytes."""

from __future__ import annotations

import contextlib
import random
from hashlib import sha256

import pytest

from anchor_service.ledger.account_index import IndexLeaf
from anchor_service.ledger.account_lines import (
    AccountLine,
    CurrencyLine,
    LineNode,
    combine_lines,
    decode_path,
    encode_path,
    line_from_json,
    line_node,
    lines_from_postings,
    sums_canonical,
    sums_to_json,
)
from anchor_service.ledger.jcs import canonical_json
from anchor_service.merkle import ProofError, leaf_hash, node_hash, root
from anchor_service.merkle.ranges import (
    CHUNK_SIZE,
    chunk_roots,
    range_proof,
    root_from_range,
    subtree_root,
)


@pytest.mark.parametrize("size", [1, 2, 3, 255, 256, 257, 700, 1024, 1025])
def test_range_proofs_from_chunks_rebuild_the_rfc_9162_root(size: int) -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(size)]
    expected = root(leaves)
    assert subtree_root(leaves, node_hash) == expected
    chunks = list(chunk_roots(leaves, node_hash))
    assert len(chunks) == -(-size // CHUNK_SIZE) and subtree_root(chunks, node_hash) == expected
    rng = random.Random(size)
    ranges = {(0, size), (size - 1, size), (0, 1)}
    for _ in range(20 if size > 1 else 0):
        low, high = sorted(rng.sample(range(size + 1), 2))
        ranges.add((low, high))
    for start, end in ranges:
        if start == end:
            continue

        def leaf(i: int, start: int = start, end: int = end) -> bytes:
            # only the chunks overlapping the range may be read
            assert start // CHUNK_SIZE <= i // CHUNK_SIZE <= (end - 1) // CHUNK_SIZE
            return leaves[i]

        proof = range_proof(size, start, end, leaf, node_hash, chunks.__getitem__)
        assert root_from_range(size, start, leaves[start:end], proof, node_hash) == expected
        if proof:
            with pytest.raises(ProofError):
                root_from_range(size, start, leaves[start:end], proof[1:], node_hash)
            with pytest.raises(ProofError):
                root_from_range(size, start, leaves[start:end], [*proof, proof[0]], node_hash)
        if end - start > 1:  # a leaf dropped from the range does not rebuild the root
            shorter = leaves[start : end - 1]
            with contextlib.suppress(ProofError):
                assert root_from_range(size, start, shorter, proof, node_hash) != expected


def test_merkle_sum_root_carries_the_totals_and_the_path_round_trips() -> None:
    lines = [
        AccountLine(f"a:{n:04d}", {"IDR": CurrencyLine(n, 2 * n, 1), "USD": CurrencyLine(0, n, 2)})
        for n in range(600)
    ]
    nodes = [line_node(line) for line in lines]
    top = subtree_root(nodes, combine_lines)
    assert top.sums["IDR"] == (sum(range(600)), 2 * sum(range(600)), 600)
    assert top.sums["USD"] == (0, sum(range(600)), 1200)
    chunks = list(chunk_roots(nodes, combine_lines))
    path = range_proof(600, 300, 301, nodes.__getitem__, combine_lines, chunks.__getitem__)
    decoded = decode_path(encode_path(path))
    assert decoded == path
    assert root_from_range(600, 300, [nodes[300]], decoded, combine_lines) == top
    forged = [LineNode(path[0].hash, {"IDR": (0, 0, 0)}), *path[1:]]
    assert root_from_range(600, 300, [nodes[300]], forged, combine_lines).hash != top.hash
    with pytest.raises(ValueError):
        decode_path(encode_path(path)[:-8])


def test_leaf_bytes_are_jcs_and_lines_stream_from_sorted_postings() -> None:
    rows = [("a:1", "IDR", 0, -5), ("a:1", "IDR", 0, 2), ("a:1", "IDR", 3, 7), ("a:1", "USD", 3, 1),
            ("b:2", "IDR", 1, -4)]  # fmt: skip
    lines = list(lines_from_postings(rows))
    assert [line.to_json() for line in lines] == [
        {"account": "a:1", "currencies": {
            "IDR": {"credits": "9", "debits": "5", "entries": 2, "net": "4"},
            "USD": {"credits": "1", "debits": "0", "entries": 1, "net": "1"}}},
        {"account": "b:2", "currencies": {
            "IDR": {"credits": "0", "debits": "4", "entries": 1, "net": "-4"}}},
    ]  # fmt: skip
    for line in lines:
        assert line.canonical() == canonical_json(line.to_json())
        assert line_from_json(line.to_json()) == line
    leaf = IndexLeaf("creator:7:payouts", 12)
    assert leaf.canonical() == canonical_json(leaf.to_json())
    bad = lines[0].to_json()
    bad["currencies"]["IDR"]["net"] = "5"
    with pytest.raises(ValueError, match="net"):
        line_from_json(bad)


def test_node_sums_are_hashed_as_their_jcs_bytes() -> None:
    """The direct serialisation of a node's sums is byte for byte RFC 8785's, and hands
    over to the generic encoder where it could differ (non-ASCII codes, large counts)."""
    rng = random.Random(7)
    cases: list[dict[str, tuple[int, int, int]]] = [{}, {"\u00c9UR": (1, 2, 3)}]
    for _ in range(300):
        codes = rng.sample(["IDR", "USD", "JPY", "EUR", "SGD", "A\"B", "a\\b", "Z\u0001Y"],
                           rng.randint(1, 4))  # fmt: skip
        cases.append({
            code: (rng.randint(0, 10**31), rng.randint(0, 10**31), rng.randint(0, 2**53 - 1))
            for code in codes
        })  # fmt: skip
    for sums in cases:
        assert sums_canonical(sums) == canonical_json(sums_to_json(sums)), sums
    with pytest.raises(ValueError):  # JCS has no integer beyond 2^53 - 1; neither has this
        sums_canonical({"IDR": (1, 1, 2**53)})
    left, right = LineNode(b"\x01" * 32, {"IDR": (1, 2, 3)}), LineNode(b"\x02" * 32, {})
    expected = sha256(b"\x01" + left.hash + right.hash + canonical_json(sums_to_json(left.sums)))
    assert combine_lines(left, right).hash == expected.digest()
