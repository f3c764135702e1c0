"""An unreachable chain node never crashes anchoring and never loses what was recorded.

These tests run their own ganache (stopped and restarted with the same database), so the
shared one stays up for the others.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from anchor_service.chain import RegistryClient, Signer, connect
from anchor_service.db.models_anchoring import AnchorStatus
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DevChain, free_port
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.backoff import Backoff
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.sending import Checkpoint
from anchor_service.services.anchoring.views import AnchorView, ChangeKind, OutcomeKind

from .conftest import SealEntries, deploy_for, fund


@pytest.fixture
def own_chain(tmp_path: Path) -> Iterator[DevChain]:
    with DevChain(tmp_path / "ganache", port=free_port()) as chain:
        yield chain


def wait_out(backoff: Backoff) -> None:
    time.sleep(backoff.remaining() + 0.01)


def test_node_down_between_recording_and_sending_anchors_once_it_is_back(
    own_chain: DevChain, database: Database, seal_entries: SealEntries
) -> None:
    web3 = connect(own_chain.rpc_url, retries=1, timeout=2)
    signer = Signer.from_key(Account.create().key.hex())
    fund(web3, signer.address)
    context = ChainContext(
        web3=web3, signer=signer, registry=deploy_for(web3, signer), chain_id=1337
    )
    size = seal_entries(3)

    def node_dies_once(point: Checkpoint, _view: AnchorView) -> None:
        if point is Checkpoint.RECORDED and own_chain.is_running():
            own_chain.stop()

    backoff = Backoff(initial=0.05, maximum=0.2)
    anchorer = Anchorer(
        database, context, confirmations=1, backoff=backoff, checkpoint=node_dies_once
    )
    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.UNAVAILABLE
    assert outcome.retry_in is not None and outcome.retry_in > 0
    assert outcome.anchor is not None and outcome.anchor.status is AnchorStatus.PREPARED
    [attempt] = outcome.anchor.attempts

    assert anchorer.anchor_latest().kind is OutcomeKind.UNAVAILABLE  # within the backoff
    assert [change.kind for change in anchorer.confirm()] == [ChangeKind.UNAVAILABLE]
    wait_out(backoff)
    assert [change.kind for change in anchorer.confirm()] == [ChangeKind.UNAVAILABLE]
    assert backoff.failures == 2

    own_chain.start()  # same database directory: the chain is as it was
    wait_out(backoff)
    assert [change.kind for change in anchorer.confirm()] == [ChangeKind.SENT]
    assert backoff.failures == 0
    assert [change.kind for change in anchorer.confirm()] == [
        ChangeKind.MINED, ChangeKind.CONFIRMED,
    ]  # fmt: skip

    final = anchorer.status(outcome.anchor.id)
    assert final.status is AnchorStatus.CONFIRMED and final.tx_hash == attempt.tx_hash
    assert context.registry.anchor_count() == 1
    head = context.registry.latest_head()
    assert head is not None and head.tree_size == size


def test_unreachable_node_records_nothing_and_backs_off(
    database: Database, seal_entries: SealEntries
) -> None:
    seal_entries(2)
    web3 = connect(f"http://127.0.0.1:{free_port()}", retries=1, timeout=1)
    signer = Signer.from_key(Account.create().key.hex())
    registry = RegistryClient(web3, "0x5FbDB2315678afecb367f032d93F642f64180aa3", chain_id=1337)
    context = ChainContext(web3=web3, signer=signer, registry=registry, chain_id=1337)
    backoff = Backoff(initial=0.05, factor=2.0, maximum=1.0)
    anchorer = Anchorer(database, context, backoff=backoff)

    delays = []
    for _ in range(3):
        outcome = anchorer.anchor_latest()
        assert outcome.kind is OutcomeKind.UNAVAILABLE and outcome.retry_in is not None
        delays.append(outcome.retry_in)
        skipped = anchorer.anchor_latest()
        assert skipped.kind is OutcomeKind.UNAVAILABLE and "next try" in skipped.message
        wait_out(backoff)
    assert delays == [0.05, 0.1, 0.2]
    assert anchorer.confirm() == []
    with unit_of_work(database.reader) as session:
        assert AnchorRepository(session).count() == 0
