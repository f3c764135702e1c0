"""AnchorRegistryV2: anchoring, the latest head, the history digest and inclusion checks."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from history_model import ZERO_DIGEST, head, history_digest, recorded_heads
from log_model import (
    EMPTY_ROOT_HEX,
    anchor,
    flip_bit,
    hex32,
    hexes,
    make_leaves,
    plain,
    reverts_with,
    statement_hash,
)

from anchor_service.merkle import consistency_proof, inclusion_proof, root

LEAVES = make_leaves(64)
NOT_EXTENDING = "AnchorRegistryNotExtending(uint64,uint64)"
INCONSISTENT = "AnchorRegistryInconsistentHead(uint64,uint64)"
NOT_LATEST = "AnchorRegistryNotLatestHead(uint64,uint64)"


def digest_hex(value: bytes) -> str:
    return "0x" + value.hex()


def test_empty_registry_reports_the_empty_tree(registry_v2: Any) -> None:
    assert plain(registry_v2.latestHead()) == (0, EMPTY_ROOT_HEX, 0)
    assert registry_v2.anchorCount() == 0
    assert registry_v2.historyDigest() == digest_hex(ZERO_DIGEST)
    assert registry_v2.predecessor() == "0x" + "00" * 20


def test_first_anchor_records_the_head_and_emits(registry_v2: Any, anchorer: Any) -> None:
    tx = anchor(registry_v2, anchorer, LEAVES, 5)

    assert tx.return_value == 0
    assert dict(tx.events["HeadAnchored"]) == {
        "seq": 0,
        "treeSize": 5,
        "root": hex32(root(LEAVES[:5])),
        "statementHash": statement_hash(5),
    }
    assert plain(registry_v2.latestHead()) == (5, hex32(root(LEAVES[:5])), 0)
    assert registry_v2.anchorCount() == 1


def test_extensions_keep_the_latest_head_and_number_the_anchors(
    registry_v2: Any, anchorer: Any
) -> None:
    sizes = [3, 4, 11, 12, 31]
    anchor(registry_v2, anchorer, LEAVES, sizes[0])
    for seq, (old, new) in enumerate(itertools.pairwise(sizes), start=1):
        tx = anchor(registry_v2, anchorer, LEAVES, new, old_size=old)
        assert tx.return_value == seq
        assert tx.events["HeadAnchored"]["seq"] == seq

    assert registry_v2.anchorCount() == len(sizes)
    assert plain(registry_v2.latestHead()) == (31, hex32(root(LEAVES[:31])), len(sizes) - 1)


def test_history_digest_folds_in_every_head_as_the_events_record_it(
    registry_v2: Any, anchorer: Any
) -> None:
    sizes = [2, 9, 10, 40]
    anchor(registry_v2, anchorer, LEAVES, sizes[0])
    for old, new in itertools.pairwise(sizes):
        anchor(registry_v2, anchorer, LEAVES, new, old_size=old)

    heads = recorded_heads(registry_v2)

    assert heads == [head(LEAVES, size) for size in sizes]
    assert registry_v2.historyDigest() == digest_hex(history_digest(heads))


def test_history_digest_depends_on_the_statement_hash(registry_v2: Any, anchorer: Any) -> None:
    registry_v2.anchor(4, hex32(root(LEAVES[:4])), "0x" + "ab" * 32, [], {"from": anchorer})

    assert registry_v2.historyDigest() != digest_hex(history_digest([head(LEAVES, 4)]))
    assert registry_v2.historyDigest() == digest_hex(
        history_digest([(4, hex32(root(LEAVES[:4])), "0x" + "ab" * 32)])
    )


def test_first_anchor_with_a_proof_is_refused(registry_v2: Any, anchorer: Any) -> None:
    with reverts_with(INCONSISTENT, 0, 5):
        anchor(registry_v2, anchorer, LEAVES, 5, proof=consistency_proof(LEAVES[:5], 2))


def test_zero_root_is_refused(registry_v2: Any, anchorer: Any) -> None:
    with reverts_with("AnchorRegistryZeroRoot(uint64)", 5):
        registry_v2.anchor(5, "0x" + "00" * 32, statement_hash(5), [], {"from": anchorer})


@pytest.mark.parametrize("size", [0, 6, 7])
def test_size_not_above_the_latest_is_refused(registry_v2: Any, anchorer: Any, size: int) -> None:
    if size:
        anchor(registry_v2, anchorer, LEAVES, 7)
    latest = 7 if size else 0

    with reverts_with(NOT_EXTENDING, latest, size):
        anchor(registry_v2, anchorer, LEAVES, size, proof=[])


def test_rewritten_history_is_refused(registry_v2: Any, anchorer: Any) -> None:
    anchor(registry_v2, anchorer, LEAVES, 6)
    edited = list(LEAVES[:13])
    edited[2] = make_leaves(3, fork="rewritten")[2]

    with reverts_with(INCONSISTENT, 6, 13):
        anchor(registry_v2, anchorer, edited, 13, old_size=6)


def test_damaged_proof_is_refused(registry_v2: Any, anchorer: Any) -> None:
    anchor(registry_v2, anchorer, LEAVES, 6)
    proof = consistency_proof(LEAVES[:13], 6)
    for damaged in ([flip_bit(proof[0], 3), *proof[1:]], proof[:-1], [*proof, proof[0]]):
        with reverts_with(INCONSISTENT, 6, 13):
            anchor(registry_v2, anchorer, LEAVES, 13, proof=damaged)


def test_paused_registry_refuses_anchors_until_unpaused(
    registry_v2: Any, anchorer: Any, pauser: Any
) -> None:
    registry_v2.pause({"from": pauser})

    with reverts_with("EnforcedPause()"):
        anchor(registry_v2, anchorer, LEAVES, 4)
    registry_v2.unpause({"from": pauser})
    anchor(registry_v2, anchorer, LEAVES, 4)
    assert registry_v2.anchorCount() == 1


@pytest.fixture
def anchored(registry_v2: Any, anchorer: Any) -> Any:
    """The registry with the heads of LEAVES at 8 and then 21 anchored."""
    anchor(registry_v2, anchorer, LEAVES, 8)
    anchor(registry_v2, anchorer, LEAVES, 21, old_size=8)
    return registry_v2


def verify(registry: Any, index: int, size: int, leaf: bytes, proof: list[bytes]) -> bool:
    return bool(registry.verifyInclusion(index, size, hex32(leaf), hexes(proof)))


def test_every_leaf_is_included_in_the_latest_head(anchored: Any) -> None:
    for index in range(21):
        proof = inclusion_proof(LEAVES[:21], index)
        assert verify(anchored, index, 21, LEAVES[index], proof), index


def test_entries_of_earlier_heads_are_proven_against_the_latest(anchored: Any) -> None:
    # Leaf 3 was in the head of size 8; its proof now goes to the head of size 21.
    assert verify(anchored, 3, 21, LEAVES[3], inclusion_proof(LEAVES[:21], 3))
    assert not verify(anchored, 3, 21, LEAVES[3], inclusion_proof(LEAVES[:8], 3))


def test_wrong_leaf_index_or_path_is_not_included(anchored: Any) -> None:
    proof = inclusion_proof(LEAVES[:21], 5)

    assert not verify(anchored, 5, 21, LEAVES[6], proof)
    assert not verify(anchored, 6, 21, LEAVES[5], proof)
    assert not verify(anchored, 5, 21, LEAVES[5], [flip_bit(proof[0], 0), *proof[1:]])
    assert not verify(anchored, 5, 21, LEAVES[5], proof[:-1])
    assert not verify(anchored, 21, 21, LEAVES[5], proof)


@pytest.mark.parametrize("size", [8, 20, 22])
def test_inclusion_against_a_size_that_is_not_the_latest_reverts(anchored: Any, size: int) -> None:
    with reverts_with(NOT_LATEST, 21, size):
        anchored.verifyInclusion(0, size, hex32(LEAVES[0]), [])


def test_inclusion_in_an_empty_registry_reverts(registry_v2: Any) -> None:
    with reverts_with(NOT_LATEST, 0, 0):
        registry_v2.verifyInclusion(0, 0, hex32(LEAVES[0]), [])


def test_inclusion_still_verifies_while_merely_paused(anchored: Any, pauser: Any) -> None:
    anchored.pause({"from": pauser})

    assert verify(anchored, 4, 21, LEAVES[4], inclusion_proof(LEAVES[:21], 4))


def test_supports_the_registry_interface(registry_v2: Any) -> None:
    abi = {item["name"]: item for item in registry_v2.abi if item["type"] == "function"}
    names = [
        "anchor", "pause", "unpause", "scheduleRetirement", "cancelRetirement", "retire", "link",
        "latestHead", "anchorCount", "historyDigest", "predecessor", "succession",
        "verifyInclusion", "verifyConsistency",
    ]  # fmt: skip
    selectors = [registry_v2.signatures[name] for name in names]
    interface_id = 0
    for selector in selectors:
        interface_id ^= int(selector, 16)
    assert set(names) <= set(abi)

    assert registry_v2.supportsInterface(f"0x{interface_id:08x}")
    assert registry_v2.supportsInterface("0x01ffc9a7")  # IERC165
    assert not registry_v2.supportsInterface("0xffffffff")
