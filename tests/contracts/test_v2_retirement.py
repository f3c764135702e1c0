"""AnchorRegistryV2 succession rules: scheduling, the delay, cancelling, retiring, linking."""

from __future__ import annotations

from typing import Any

import pytest
from brownie import chain
from conftest import ADMIN_DELAY, ZERO_ADDRESS
from history_model import (
    head,
    history_digest,
    recorded_heads,
    retire_and_link,
    schedule_retirement,
)
from log_model import anchor, hex32, make_leaves, plain, reverts_with

LEAVES = make_leaves(64)
SIZES = (3, 8, 13)
UNAUTHORIZED = "AccessControlUnauthorizedAccount(address,bytes32)"
DEFAULT_ADMIN_ROLE = "0x" + "00" * 32
MISMATCH = "AnchorRegistryHistoryMismatch(uint256,uint256)"
PENDING = "AnchorRegistryRetirementPending(address)"
RETIRED = "AnchorRegistryRetired(address)"
NONE_SCHEDULED = "AnchorRegistryNoRetirementScheduled()"
INVALID_SUCCESSOR = "AnchorRegistryInvalidSuccessor(address)"
NOT_RETIRED = "AnchorRegistryPredecessorNotRetired(address)"


@pytest.fixture
def anchored(registry_v2: Any, anchorer: Any) -> Any:
    """The registry with the heads of LEAVES at SIZES anchored (anchors 0, 1, 2)."""
    anchor(registry_v2, anchorer, LEAVES, SIZES[0])
    anchor(registry_v2, anchorer, LEAVES, SIZES[1], old_size=SIZES[0])
    anchor(registry_v2, anchorer, LEAVES, SIZES[2], old_size=SIZES[1])
    return registry_v2


@pytest.fixture
def successor(anchored: Any, deploy_successor: Any) -> Any:
    return deploy_successor(anchored)


def schedule(registry: Any, admin: Any, successor: Any, kept: int, **change: Any) -> Any:
    """scheduleRetirement with the true replay, or with `first`, `before`, `heads` replaced."""
    heads = recorded_heads(registry)
    first = change.get("first", max(kept, 1) - 1)
    before = change.get("before", history_digest(heads[:first]))
    given = change.get("heads", heads[first:])
    return registry.scheduleRetirement(successor, kept, "0x" + before.hex(), given, {"from": admin})


def test_scheduling_records_the_kept_head_pauses_and_emits(
    anchored: Any, successor: Any, admin: Any
) -> None:
    tx = schedule(anchored, admin, successor, kept=2)

    ready = tx.timestamp + ADMIN_DELAY
    size, head_root, statement = head(LEAVES, SIZES[1])
    assert plain(anchored.succession()) == (
        successor.address, ready, False, 2, size, head_root, statement,
    )  # fmt: skip
    assert dict(tx.events["RetirementScheduled"]) == {
        "successor": successor.address,
        "kept": 2,
        "treeSize": size,
        "root": head_root,
        "readyAt": ready,
    }
    assert anchored.paused()
    assert tx.events["Paused"]["account"] == admin


def test_only_the_admin_schedules(
    anchored: Any, successor: Any, anchorer: Any, pauser: Any
) -> None:
    for account in (anchorer, pauser):
        with reverts_with(UNAUTHORIZED, account.address, DEFAULT_ADMIN_ROLE):
            schedule(anchored, account, successor, kept=2)


def test_successor_must_name_this_registry_as_predecessor(
    anchored: Any, registry_v2: Any, deploy_successor: Any, admin: Any, outsider: Any
) -> None:
    unrelated = deploy_successor(ZERO_ADDRESS)
    for candidate in (unrelated.address, outsider.address, anchored.address):
        with reverts_with(INVALID_SUCCESSOR, candidate):
            schedule(anchored, admin, candidate, kept=2)


def test_cannot_keep_more_anchors_than_there_are(anchored: Any, successor: Any, admin: Any) -> None:
    with reverts_with("AnchorRegistryInvalidKept(uint256,uint256)", 4, 3):
        schedule(anchored, admin, successor, kept=4, first=3, heads=[])


@pytest.mark.parametrize("kept", [0, 1, 2, 3])
def test_replay_with_a_changed_head_is_refused(
    anchored: Any, successor: Any, admin: Any, kept: int
) -> None:
    first = max(kept, 1) - 1
    heads = recorded_heads(anchored)[first:]
    size, head_root, _ = heads[0]
    heads[0] = (size, head_root, hex32(bytes(32)))

    with reverts_with(MISMATCH, first, 3):
        schedule(anchored, admin, successor, kept=kept, heads=heads)


def test_replay_with_a_wrong_digest_before_is_refused(
    anchored: Any, successor: Any, admin: Any
) -> None:
    with reverts_with(MISMATCH, 1, 3):
        schedule(anchored, admin, successor, kept=2, before=bytes(18))
    with reverts_with(MISMATCH, 0, 3):
        schedule(anchored, admin, successor, kept=1, before=b"\x01" + bytes(17))


def test_replay_that_stops_short_or_goes_past_the_latest_is_refused(
    anchored: Any, successor: Any, admin: Any
) -> None:
    heads = recorded_heads(anchored)
    with reverts_with(MISMATCH, 1, 3):
        schedule(anchored, admin, successor, kept=2, heads=heads[1:2])
    with reverts_with(MISMATCH, 1, 3):
        schedule(anchored, admin, successor, kept=2, heads=[*heads[1:], heads[2]])


def test_a_second_schedule_and_unpausing_wait_for_the_first(
    anchored: Any, successor: Any, admin: Any, pauser: Any
) -> None:
    schedule(anchored, admin, successor, kept=2)

    with reverts_with(PENDING, successor.address):
        schedule(anchored, admin, successor, kept=3)
    with reverts_with(PENDING, successor.address):
        anchored.unpause({"from": pauser})
    with reverts_with(PENDING, successor.address):
        anchored.verifyInclusion(0, SIZES[2], hex32(LEAVES[0]), [])


def test_retirement_waits_for_the_admin_delay(anchored: Any, successor: Any, admin: Any) -> None:
    tx = schedule(anchored, admin, successor, kept=2)
    ready = tx.timestamp + ADMIN_DELAY

    with reverts_with("AnchorRegistryRetirementNotReady(uint48)", ready):
        anchored.retire({"from": admin})
    chain.sleep(ADMIN_DELAY - 60)
    with reverts_with("AnchorRegistryRetirementNotReady(uint48)", ready):
        anchored.retire({"from": admin})
    chain.sleep(61)
    retired = anchored.retire({"from": admin})

    assert dict(retired.events["Retired"]) == {
        "successor": successor.address,
        "kept": 2,
        "treeSize": SIZES[1],
        "root": head(LEAVES, SIZES[1])[1],
    }
    assert plain(anchored.succession())[2] is True


def test_only_the_admin_retires_or_cancels(
    anchored: Any, successor: Any, admin: Any, anchorer: Any
) -> None:
    schedule(anchored, admin, successor, kept=2)
    chain.sleep(ADMIN_DELAY + 1)

    with reverts_with(UNAUTHORIZED, anchorer.address, DEFAULT_ADMIN_ROLE):
        anchored.retire({"from": anchorer})
    with reverts_with(UNAUTHORIZED, anchorer.address, DEFAULT_ADMIN_ROLE):
        anchored.cancelRetirement({"from": anchorer})


def test_nothing_to_retire_or_cancel_without_a_schedule(anchored: Any, admin: Any) -> None:
    with reverts_with(NONE_SCHEDULED):
        anchored.retire({"from": admin})
    with reverts_with(NONE_SCHEDULED):
        anchored.cancelRetirement({"from": admin})


def test_cancelling_clears_the_schedule_and_lets_anchoring_resume(
    anchored: Any, successor: Any, admin: Any, anchorer: Any, pauser: Any
) -> None:
    schedule(anchored, admin, successor, kept=2)

    tx = anchored.cancelRetirement({"from": admin})

    assert tx.events["RetirementCancelled"]["successor"] == successor.address
    assert plain(anchored.succession()) == (ZERO_ADDRESS, 0, False, 0, 0, "0x" + "00" * 32,
                                            "0x" + "00" * 32)  # fmt: skip
    anchored.unpause({"from": pauser})
    anchor(anchored, anchorer, LEAVES, 20, old_size=SIZES[2])
    with reverts_with(NOT_RETIRED, anchored.address):
        successor.link({"from": admin})


def test_retirement_is_final(anchored: Any, successor: Any, admin: Any) -> None:
    retire_and_link(anchored, admin, successor, kept=2)

    for call in (anchored.retire, anchored.cancelRetirement):
        with reverts_with(RETIRED, successor.address):
            call({"from": admin})
    with reverts_with(RETIRED, successor.address):
        schedule(anchored, admin, successor, kept=3)


def test_successor_anchors_nothing_before_it_links(
    anchored: Any, successor: Any, admin: Any, anchorer: Any
) -> None:
    with reverts_with("AnchorRegistryNotLinked(address)", anchored.address):
        anchor(successor, anchorer, LEAVES, 20)
    schedule(anchored, admin, successor, kept=2)

    with reverts_with(NOT_RETIRED, anchored.address):
        successor.link({"from": admin})
    with reverts_with("AnchorRegistryNotLinked(address)", anchored.address):
        anchor(successor, anchorer, LEAVES, 20)


def test_anyone_may_link_once_and_the_kept_head_becomes_anchor_zero(
    anchored: Any, successor: Any, admin: Any, outsider: Any
) -> None:
    schedule_retirement(anchored, admin, successor, kept=2)
    chain.sleep(ADMIN_DELAY + 1)
    anchored.retire({"from": admin})

    tx = successor.link({"from": outsider})

    size, head_root, statement = head(LEAVES, SIZES[1])
    assert dict(tx.events["HeadAnchored"]) == {
        "seq": 0, "treeSize": size, "root": head_root, "statementHash": statement,
    }  # fmt: skip
    assert dict(tx.events["PredecessorLinked"]) == {
        "predecessor": anchored.address, "kept": 2, "treeSize": size, "root": head_root,
    }  # fmt: skip
    assert plain(successor.latestHead()) == (size, head_root, 0)
    assert successor.historyDigest() == "0x" + history_digest([head(LEAVES, size)]).hex()
    with reverts_with("AnchorRegistryAlreadyLinked(address)", anchored.address):
        successor.link({"from": outsider})


def test_only_the_named_successor_can_link(
    anchored: Any, successor: Any, deploy_successor: Any, admin: Any
) -> None:
    other = deploy_successor(anchored)
    retire_and_link(anchored, admin, successor, kept=2)

    with reverts_with(NOT_RETIRED, anchored.address):
        other.link({"from": admin})


def test_a_registry_without_predecessor_has_nothing_to_link(registry_v2: Any, admin: Any) -> None:
    with reverts_with("AnchorRegistryNoPredecessor()"):
        registry_v2.link({"from": admin})


def test_keeping_every_anchor_migrates_to_the_successor(
    anchored: Any, successor: Any, admin: Any, anchorer: Any
) -> None:
    retire_and_link(anchored, admin, successor, kept=3)

    anchor(successor, anchorer, LEAVES, 40, old_size=SIZES[2])

    assert plain(successor.latestHead()) == (40, head(LEAVES, 40)[1], 1)


def test_successions_chain_registry_after_registry(
    anchored: Any, successor: Any, deploy_successor: Any, admin: Any, anchorer: Any
) -> None:
    retire_and_link(anchored, admin, successor, kept=2)
    anchor(successor, anchorer, LEAVES, 30, old_size=SIZES[1])
    third = deploy_successor(successor)

    retire_and_link(successor, admin, third, kept=2)
    anchor(third, anchorer, LEAVES, 50, old_size=30)

    assert third.predecessor() == successor.address
    assert plain(successor.succession())[0] == third.address
    assert [size for size, _, _ in recorded_heads(third)] == [30, 50]
