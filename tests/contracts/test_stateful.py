"""Stateful (hypothesis) test: random appends, anchors and refused heads.

Invariant: the registry's latest head, anchor count and stored roots always
equal those of the Python model of the log (`anchor_service.merkle`).

Brownie 1.22.2's `state_machine` fixture fails on its own mypyc-compiled base
class (TypeError: _BrownieStateMachine object expected), so this drives
hypothesis' RuleBasedStateMachine directly and reverts the chain to the same
snapshot before each run, as that fixture would.
"""

from __future__ import annotations

from typing import Any

from brownie import chain
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from log_model import EMPTY_ROOT_HEX, anchor, hex32, make_leaves, plain, reverts_with

from anchor_service.merkle import root

ALL_LEAVES = make_leaves(600)
REWRITTEN = make_leaves(600, fork="rewritten")
NOT_EXTENDING = "AnchorRegistryNotExtending(uint64,uint64)"
INCONSISTENT = "AnchorRegistryInconsistentHead(uint64,uint64)"


class AnchoredLog(RuleBasedStateMachine):
    """A Python log that grows at random, anchored at random, next to the registry."""

    def __init__(self, registry: Any, anchorer: Any) -> None:
        chain.revert()
        super().__init__()
        self.registry = registry
        self.anchorer = anchorer
        self.size = 0  # leaves appended to the Python log
        self.anchored: list[int] = []  # anchored sizes, by sequence number

    def latest(self) -> int:
        return self.anchored[-1] if self.anchored else 0

    @rule(count=st.integers(min_value=1, max_value=60))
    def append(self, count: int) -> None:
        self.size = min(len(ALL_LEAVES), self.size + count)

    @rule(back=st.integers(min_value=0, max_value=3))
    def anchor_head(self, back: int) -> None:
        """Anchor the log's head; `back` > 0 tries an older size, which must be refused."""
        size = max(0, self.size - back)
        if size > self.latest():
            anchor(self.registry, self.anchorer, ALL_LEAVES, size, old_size=self.latest())
            self.anchored.append(size)
        else:
            with reverts_with(NOT_EXTENDING, self.latest(), size):
                anchor(self.registry, self.anchorer, ALL_LEAVES, size, proof=[])

    @rule(pick=st.integers(min_value=0, max_value=2**16))
    def anchor_rewritten_history(self, pick: int) -> None:
        """Change one anchored leaf and anchor the new head: it must be refused."""
        if not 0 < self.latest() < self.size:
            return
        leaves = list(ALL_LEAVES[: self.size])
        edited = pick % self.latest()
        leaves[edited] = REWRITTEN[edited]
        with reverts_with(INCONSISTENT, self.latest(), self.size):
            anchor(self.registry, self.anchorer, leaves, self.size, old_size=self.latest())

    @invariant()
    def latest_head_matches_python(self) -> None:
        if self.anchored:
            latest = self.latest()
            expected = (latest, hex32(root(ALL_LEAVES[:latest])), len(self.anchored) - 1)
        else:
            expected = (0, EMPTY_ROOT_HEX, 0)
        assert plain(self.registry.latestHead()) == expected
        assert self.registry.anchorCount() == len(self.anchored)

    @invariant()
    def previous_head_is_still_stored(self) -> None:
        if len(self.anchored) >= 2:
            size = self.anchored[-2]
            assert self.registry.rootAt(size) == hex32(root(ALL_LEAVES[:size]))


def test_registry_follows_the_python_log(registry: Any, anchorer: Any) -> None:
    chain.snapshot()

    run_state_machine_as_test(
        lambda: AnchoredLog(registry, anchorer),
        settings=settings(max_examples=12, stateful_step_count=15, deadline=None),
    )
