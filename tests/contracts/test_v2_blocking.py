"""The three ways the anchorer key alone blocks a registry for ever, and the way out.

Each scenario anchors the real heads of sizes 4 and 8, then one bad head that
the consistency check cannot refuse (its proof is valid: only the old head has to
be real), after which the service's real next head is refused for ever, pausing
or not:

- a forged 61-hash proof to tree size 2**64 - 1: every later anchor is NotExtending;
- one invented leaf (and one more bad head on top): every later real one is
  InconsistentHead;
- the right root (of 16 leaves) under the wrong size (12): InconsistentHead.

The way out is succession: the admin retires the registry in favour of a new one,
keeping the two good anchors; the successor links to it and the service's next
real head, proven consistent with the kept head, is accepted there.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from forged_log import ForgedLog
from history_model import head, recorded_heads, retire_and_link
from log_model import anchor, hex32, hexes, make_leaves, plain, reverts_with, statement_hash

from anchor_service.merkle import consistency_proof, inclusion_proof, root, verify_consistency

LEAVES = make_leaves(64)
GOOD = (4, 8)  # the real heads anchored before the bad one
NEXT = 20  # the service's next real head
MAX_SIZE = 2**64 - 1
NOT_EXTENDING = "AnchorRegistryNotExtending(uint64,uint64)"
INCONSISTENT = "AnchorRegistryInconsistentHead(uint64,uint64)"
RETIRED = "AnchorRegistryRetired(address)"


def forge_to_max_size(registry: Any, anchorer: Any) -> tuple[str, tuple[int, ...]]:
    forged = ForgedLog(LEAVES[:8], MAX_SIZE)
    proof = forged.consistency_proof(8)
    assert len(proof) == 61
    assert verify_consistency(8, MAX_SIZE, proof, root(LEAVES[:8]), forged.root())
    registry.anchor(
        MAX_SIZE, hex32(forged.root()), statement_hash(0), hexes(proof), {"from": anchorer}
    )
    return NOT_EXTENDING, (MAX_SIZE, NEXT)


def invent_a_leaf(registry: Any, anchorer: Any) -> tuple[str, tuple[int, ...]]:
    forked = [*LEAVES[:8], make_leaves(1, fork="invented")[0], *LEAVES[9:]]
    anchor(registry, anchorer, forked, 9, old_size=8)
    anchor(registry, anchorer, forked, 11, old_size=9)  # the key keeps going before the pause
    return INCONSISTENT, (11, NEXT)


def right_root_wrong_size(registry: Any, anchorer: Any) -> tuple[str, tuple[int, ...]]:
    # Consistent from 8 to "12" with root(16): the one proof node is the hash of leaves 8..15.
    proof = [root(LEAVES[8:16])]
    registry.anchor(
        12, hex32(root(LEAVES[:16])), statement_hash(12), hexes(proof), {"from": anchorer}
    )
    return INCONSISTENT, (12, NEXT)


Scenario = Callable[[Any, Any], tuple[str, tuple[int, ...]]]
SCENARIOS: dict[str, Scenario] = {
    "forged proof to 2**64-1": forge_to_max_size,
    "one invented leaf": invent_a_leaf,
    "right root, wrong size": right_root_wrong_size,
}


@pytest.fixture(params=list(SCENARIOS))
def blocked(request: Any, registry_v2: Any, anchorer: Any) -> tuple[Any, str, tuple[int, ...]]:
    """The registry after GOOD and the scenario's bad head; with the error the service gets."""
    anchor(registry_v2, anchorer, LEAVES, GOOD[0])
    anchor(registry_v2, anchorer, LEAVES, GOOD[1], old_size=GOOD[0])
    error, args = SCENARIOS[request.param](registry_v2, anchorer)
    return registry_v2, error, args


def anchor_next(registry: Any, anchorer: Any) -> Any:
    """The service's next anchor: its real head, proven from whatever head is on chain."""
    latest = int(registry.latestHead()[0])
    proof = consistency_proof(LEAVES[:NEXT], latest) if latest < NEXT else []
    return anchor(registry, anchorer, LEAVES, NEXT, proof=proof)


def test_bad_head_blocks_every_later_real_anchor_even_after_a_pause(
    blocked: tuple[Any, str, tuple[int, ...]], anchorer: Any, pauser: Any
) -> None:
    registry, error, args = blocked

    with reverts_with(error, *args):
        anchor_next(registry, anchorer)
    registry.pause({"from": pauser})
    registry.unpause({"from": pauser})
    with reverts_with(error, *args):
        anchor_next(registry, anchorer)


def test_succession_keeping_the_good_anchors_unblocks_the_service(
    blocked: tuple[Any, str, tuple[int, ...]],
    deploy_successor: Any,
    admin: Any,
    anchorer: Any,
    pauser: Any,
) -> None:
    registry, _, _ = blocked
    registry.pause({"from": pauser})
    successor = deploy_successor(registry)

    link = retire_and_link(registry, admin, successor, kept=len(GOOD))
    tx = anchor_next(successor, anchorer)

    assert link.events["HeadAnchored"]["seq"] == 0
    assert link.events["PredecessorLinked"]["predecessor"] == registry
    assert tx.events["HeadAnchored"]["seq"] == 1
    assert plain(successor.latestHead()) == (NEXT, hex32(root(LEAVES[:NEXT])), 1)
    proof = inclusion_proof(LEAVES[:NEXT], 13)
    assert successor.verifyInclusion(13, NEXT, hex32(LEAVES[13]), hexes(proof))


def test_retired_registry_refuses_anchors_unpausing_and_inclusion_checks(
    blocked: tuple[Any, str, tuple[int, ...]],
    deploy_successor: Any,
    admin: Any,
    anchorer: Any,
    pauser: Any,
) -> None:
    registry, _, _ = blocked
    successor = deploy_successor(registry)
    retire_and_link(registry, admin, successor, kept=len(GOOD))

    with reverts_with(RETIRED, successor.address):
        anchor_next(registry, anchorer)
    with reverts_with(RETIRED, successor.address):
        registry.unpause({"from": pauser})
    with reverts_with(RETIRED, successor.address):
        registry.pause({"from": pauser})
    size = int(registry.latestHead()[0])
    with reverts_with(RETIRED, successor.address):
        registry.verifyInclusion(0, size, hex32(LEAVES[0]), [])


def test_auditor_follows_the_link_across_one_consistent_history(
    blocked: tuple[Any, str, tuple[int, ...]], deploy_successor: Any, admin: Any, anchorer: Any
) -> None:
    registry, _, _ = blocked
    successor = deploy_successor(registry)
    retire_and_link(registry, admin, successor, kept=len(GOOD))
    anchor_next(successor, anchorer)

    # From the old registry: who succeeds it, and which of its anchors were kept.
    succession = plain(registry.succession())
    assert succession[0] == successor.address
    assert succession[2] is True  # retired
    kept = succession[3]
    assert successor.predecessor() == registry.address
    old, new = recorded_heads(registry), recorded_heads(successor)
    assert new[0] == old[kept - 1] == head(LEAVES, GOOD[-1])
    assert (succession[4], succession[5], succession[6]) == old[kept - 1]
    history = [*old[:kept], *new[1:]]
    assert [size for size, _, _ in history] == [*GOOD, NEXT]
    for (size1, root1, _), (size2, root2, _) in itertools.pairwise(history):
        proof = consistency_proof(LEAVES[:size2], size1)
        assert verify_consistency(
            size1, size2, proof, bytes.fromhex(root1[2:]), bytes.fromhex(root2[2:])
        )


def test_a_bad_first_anchor_is_left_behind_by_keeping_nothing(
    registry_v2: Any, deploy_successor: Any, admin: Any, anchorer: Any
) -> None:
    registry_v2.anchor(12, hex32(root(LEAVES[:16])), statement_hash(12), [], {"from": anchorer})
    with reverts_with(INCONSISTENT, 12, NEXT):
        anchor_next(registry_v2, anchorer)
    successor = deploy_successor(registry_v2)

    link = retire_and_link(registry_v2, admin, successor, kept=0)
    tx = anchor_next(successor, anchorer)

    assert "HeadAnchored" not in link.events
    linked = link.events["PredecessorLinked"]
    assert (linked["kept"], linked["treeSize"], linked["root"]) == (0, 0, "0x" + "00" * 32)
    assert tx.events["HeadAnchored"]["seq"] == 0
    assert plain(successor.latestHead()) == (NEXT, hex32(root(LEAVES[:NEXT])), 0)
