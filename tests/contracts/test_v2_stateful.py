"""Stateful (hypothesis) test of AnchorRegistryV2: random appends, anchors, refusals, pauses.

Invariants: the registry's latest head, anchor count and history digest always
equal those of the Python model (`anchor_service.merkle`, history_model), the
HeadAnchored events replay to the stored digest, and any leaf anchored so far is
proven included in the latest head.

Driven through hypothesis' RuleBasedStateMachine directly, reverting the chain to
the same snapshot before each run, for the reason given in test_stateful.py.
"""

from __future__ import annotations

from typing import Any

from brownie import chain
from history_model import Head, head, history_digest, recorded_heads
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from log_model import EMPTY_ROOT_HEX, anchor, hex32, hexes, make_leaves, plain, reverts_with

from anchor_service.merkle import inclusion_proof

ALL_LEAVES = make_leaves(600)
REWRITTEN = make_leaves(600, fork="rewritten")
NOT_EXTENDING = "AnchorRegistryNotExtending(uint64,uint64)"
INCONSISTENT = "AnchorRegistryInconsistentHead(uint64,uint64)"


class AnchoredLogV2(RuleBasedStateMachine):
    """A Python log that grows at random, anchored at random, next to the registry."""

    def __init__(self, registry: Any, anchorer: Any, pauser: Any) -> None:
        chain.revert()
        super().__init__()
        self.registry = registry
        self.anchorer = anchorer
        self.pauser = pauser
        self.size = 0  # leaves appended to the Python log
        self.heads: list[Head] = []  # anchored heads, by sequence number
        self.paused = False

    def latest(self) -> int:
        return self.heads[-1][0] if self.heads else 0

    @rule(count=st.integers(min_value=1, max_value=60))
    def append(self, count: int) -> None:
        self.size = min(len(ALL_LEAVES), self.size + count)

    @rule(back=st.integers(min_value=0, max_value=3))
    def anchor_head(self, back: int) -> None:
        """Anchor the log's head; `back` > 0 tries an older size, which must be refused."""
        size = max(0, self.size - back)
        if self.paused:
            with reverts_with("EnforcedPause()"):
                anchor(self.registry, self.anchorer, ALL_LEAVES, size, old_size=0, proof=[])
        elif size > self.latest():
            anchor(self.registry, self.anchorer, ALL_LEAVES, size, old_size=self.latest())
            self.heads.append(head(ALL_LEAVES, size))
        else:
            with reverts_with(NOT_EXTENDING, self.latest(), size):
                anchor(self.registry, self.anchorer, ALL_LEAVES, size, proof=[])

    @rule(pick=st.integers(min_value=0, max_value=2**16))
    def anchor_rewritten_history(self, pick: int) -> None:
        """Change one anchored leaf and anchor the new head: it must be refused."""
        if self.paused or not 0 < self.latest() < self.size:
            return
        leaves = list(ALL_LEAVES[: self.size])
        edited = pick % self.latest()
        leaves[edited] = REWRITTEN[edited]
        with reverts_with(INCONSISTENT, self.latest(), self.size):
            anchor(self.registry, self.anchorer, leaves, self.size, old_size=self.latest())

    @rule()
    def toggle_pause(self) -> None:
        if self.paused:
            self.registry.unpause({"from": self.pauser})
        else:
            self.registry.pause({"from": self.pauser})
        self.paused = not self.paused

    @rule(pick=st.integers(min_value=0, max_value=2**16))
    def prove_an_anchored_leaf(self, pick: int) -> None:
        latest = self.latest()
        if not latest:
            return
        index = pick % latest
        proof = inclusion_proof(ALL_LEAVES[:latest], index)
        leaf = hex32(ALL_LEAVES[index])
        assert self.registry.verifyInclusion(index, latest, leaf, hexes(proof))
        other = hex32(REWRITTEN[index])
        assert not self.registry.verifyInclusion(index, latest, other, hexes(proof))

    @invariant()
    def latest_head_matches_python(self) -> None:
        if self.heads:
            size, head_root, _ = self.heads[-1]
            expected = (size, head_root, len(self.heads) - 1)
        else:
            expected = (0, EMPTY_ROOT_HEX, 0)
        assert plain(self.registry.latestHead()) == expected
        assert self.registry.anchorCount() == len(self.heads)
        assert self.registry.paused() is self.paused

    @invariant()
    def digest_matches_python_and_the_events(self) -> None:
        digest = "0x" + history_digest(self.heads).hex()
        assert self.registry.historyDigest() == digest
        assert recorded_heads(self.registry) == self.heads


def test_registry_v2_follows_the_python_log(registry_v2: Any, anchorer: Any, pauser: Any) -> None:
    chain.snapshot()

    run_state_machine_as_test(
        lambda: AnchoredLogV2(registry_v2, anchorer, pauser),
        settings=settings(max_examples=12, stateful_step_count=15, deadline=None),
    )
