"""A reorg that drops a mined anchor returns it to submitted; it is sent again and confirmed.

``evm_snapshot`` before the anchor is mined and ``evm_revert`` after remove its block the
way a reorg does (ganache does not put the transaction back in its pool).
"""

from __future__ import annotations

import pytest

from anchor_service.db.models_anchoring import AnchorStatus
from anchor_service.db.models_sealing import BatchStatus
from anchor_service.db.session import Database
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.views import ChangeKind, OutcomeKind

from .conftest import MakeAnchorer, Rpc, SealEntries
from .test_anchor_lifecycle import batch_statuses


@pytest.mark.parametrize("blocks_after_revert", [0, 3])
def test_reorged_anchor_is_sent_again_and_confirmed_once(
    blocks_after_revert: int,
    seal_entries: SealEntries,
    make_anchorer: MakeAnchorer,
    chain: ChainContext,
    database: Database,
    rpc: Rpc,
) -> None:
    size = seal_entries(3)
    anchorer = make_anchorer(confirmations=3)
    snapshot = rpc("evm_snapshot")
    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.SUBMITTED and outcome.anchor is not None
    [attempt] = outcome.anchor.attempts
    kinds = [change.kind for change in anchorer.confirm()]
    assert kinds == [ChangeKind.MINED, ChangeKind.WAITING]
    rpc("evm_mine")
    mined = anchorer.status(outcome.anchor.id)
    assert mined.block_hash is not None

    assert rpc("evm_revert", snapshot) is True
    for _ in range(blocks_after_revert):  # the height now holds other blocks
        rpc("evm_mine")
    assert chain.registry.anchor_count() == 0

    changes = anchorer.confirm()
    assert [change.kind for change in changes] == [ChangeKind.REORGED, ChangeKind.SENT]
    view = anchorer.status(mined.id)
    assert view.status is AnchorStatus.SUBMITTED and view.reorgs == 1
    assert view.block_hash is None
    assert batch_statuses(database) == [(size, BatchStatus.ANCHORED, mined.id)]

    kinds = [change.kind for change in anchorer.confirm()]
    assert kinds == [ChangeKind.MINED, ChangeKind.WAITING]
    rpc("evm_mine")
    rpc("evm_mine")
    assert [change.kind for change in anchorer.confirm()] == [ChangeKind.CONFIRMED]

    final = anchorer.status(mined.id)
    assert final.status is AnchorStatus.CONFIRMED and final.reorgs == 1
    assert final.tx_hash == attempt.tx_hash and len(final.attempts) == 1
    if blocks_after_revert:
        assert final.block_number != mined.block_number
    assert chain.registry.anchor_count() == 1
    assert batch_statuses(database) == [(size, BatchStatus.SETTLED, mined.id)]
