"""A crash between recording and sending, or between sending and recording, never anchors
twice and never loses the anchor: a fresh anchorer (as after a restart) finishes it."""

from __future__ import annotations

import pytest

from anchor_service.chain import TxState
from anchor_service.db.models_anchoring import AnchorStatus
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.sending import Checkpoint, CheckpointHook
from anchor_service.services.anchoring.views import AnchorView, ChangeKind, OutcomeKind

from .conftest import MakeAnchorer, Rpc, SealEntries, finish


class SimulatedCrash(BaseException):
    """Stands for the process dying at a checkpoint (not an Exception: nothing catches it)."""


def crash_at(point: Checkpoint) -> CheckpointHook:
    def hook(reached: Checkpoint, _view: AnchorView) -> None:
        if reached is point:
            raise SimulatedCrash(point.value)

    return hook


def test_crash_after_recording_before_sending_is_sent_once_after_restart(
    seal_entries: SealEntries, make_anchorer: MakeAnchorer, chain: ChainContext, rpc: Rpc
) -> None:
    size = seal_entries(4)
    with pytest.raises(SimulatedCrash):
        make_anchorer(checkpoint=crash_at(Checkpoint.RECORDED)).anchor_latest()

    restarted = make_anchorer()
    flight = restarted.records.in_flight()
    assert flight is not None and flight.status is AnchorStatus.PREPARED
    [attempt] = flight.attempts
    assert attempt.sent_at is None
    assert chain.registry.transaction_state(attempt.tx_hash) is TxState.UNKNOWN
    assert chain.registry.anchor_count() == 0

    outcome = restarted.anchor_latest()
    assert outcome.kind is OutcomeKind.IN_FLIGHT, outcome.message
    assert outcome.anchor is not None and outcome.anchor.id == flight.id
    assert outcome.anchor.status is AnchorStatus.SUBMITTED
    assert [a.tx_hash for a in outcome.anchor.attempts] == [attempt.tx_hash]  # same bytes

    final = finish(restarted, rpc)
    assert final.status is AnchorStatus.CONFIRMED and final.id == flight.id
    assert final.tx_hash == attempt.tx_hash
    assert chain.registry.anchor_count() == 1
    assert chain.registry.latest_head() is not None
    assert chain.registry.latest_head().tree_size == size  # type: ignore[union-attr]


def test_crash_after_sending_before_recording_is_not_sent_twice(
    seal_entries: SealEntries, make_anchorer: MakeAnchorer, chain: ChainContext, rpc: Rpc
) -> None:
    seal_entries(3)
    with pytest.raises(SimulatedCrash):
        make_anchorer(checkpoint=crash_at(Checkpoint.SENT)).anchor_latest()

    restarted = make_anchorer()
    flight = restarted.records.in_flight()
    assert flight is not None and flight.status is AnchorStatus.PREPARED
    [attempt] = flight.attempts
    assert attempt.sent_at is None
    assert chain.registry.transaction_state(attempt.tx_hash) is TxState.MINED
    head_block = chain.registry.head_block_number()

    for _ in range(2):  # whatever the restarted process does first, nothing is sent again
        outcome = restarted.anchor_latest()
        assert outcome.kind is OutcomeKind.IN_FLIGHT
    assert chain.registry.head_block_number() == head_block
    assert chain.registry.anchor_count() == 1

    final = finish(restarted, rpc)
    assert final.status is AnchorStatus.CONFIRMED
    assert final.tx_hash == attempt.tx_hash
    assert final.attempts[0].sent_at is not None
    assert chain.registry.anchor_count() == 1


def test_confirm_alone_finishes_an_anchor_whose_sending_was_not_recorded(
    seal_entries: SealEntries, make_anchorer: MakeAnchorer, chain: ChainContext, rpc: Rpc
) -> None:
    seal_entries(2)
    with pytest.raises(SimulatedCrash):
        make_anchorer(checkpoint=crash_at(Checkpoint.SENT)).anchor_latest()
    restarted = make_anchorer(confirmations=1)
    changes = restarted.confirm()
    assert [change.kind for change in changes] == [ChangeKind.MINED, ChangeKind.CONFIRMED]
    assert chain.registry.anchor_count() == 1
    rpc("evm_mine")
    assert restarted.anchor_latest().kind is OutcomeKind.NOTHING_TO_DO
