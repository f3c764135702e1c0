"""Ingest -> seal -> anchor -> confirmed -> settled, on a real ganache and both databases."""

from __future__ import annotations

import hashlib

from anchor_service import merkle
from anchor_service.chain import AnchorCall
from anchor_service.db.models_anchoring import AnchorStatus
from anchor_service.db.models_sealing import BatchStatus
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.views import ChangeKind, OutcomeKind

from .conftest import MakeAnchorer, Rpc, SealEntries


def batch_statuses(database: Database) -> list[tuple[int, BatchStatus, int | None]]:
    with unit_of_work(database.reader) as session:
        return [
            (batch.end_index, BatchStatus(batch.status), batch.anchor_id)
            for batch in BatchRepository(session).page(limit=1000)
        ]


def test_sealed_head_is_anchored_confirmed_and_its_batches_settled(
    seal_entries: SealEntries,
    make_anchorer: MakeAnchorer,
    chain: ChainContext,
    database: Database,
    rpc: Rpc,
) -> None:
    size = seal_entries(5)
    anchorer = make_anchorer(confirmations=3)

    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.SUBMITTED, outcome.message
    anchor = outcome.anchor
    assert anchor is not None
    assert (anchor.status, anchor.tree_size, anchor.from_size) == (AnchorStatus.SUBMITTED, size, 0)
    assert anchor.consistency_proof == ()
    assert len(anchor.attempts) == 1 and anchor.attempts[0].nonce == 3  # deploy + 2 grants
    assert batch_statuses(database) == [(size, BatchStatus.ANCHORED, anchor.id)]

    changes = anchorer.confirm()  # ganache mined it at once: 1 of 3 confirmations
    assert [change.kind for change in changes] == [ChangeKind.MINED, ChangeKind.WAITING]
    assert (changes[1].confirmations, changes[1].required) == (1, 3)
    rpc("evm_mine")
    assert [change.kind for change in anchorer.confirm()] == [ChangeKind.WAITING]
    rpc("evm_mine")
    changes = anchorer.confirm()
    assert [change.kind for change in changes] == [ChangeKind.CONFIRMED]
    assert anchorer.confirm() == []

    view = anchorer.status(anchor.id)
    assert view.status is AnchorStatus.CONFIRMED and view.confirmed_at is not None
    assert view.chain_seq == 0 and view.tx_hash == anchor.attempts[0].tx_hash
    receipt = chain.registry.get_receipt(anchor.attempts[0].tx_hash)
    assert receipt is not None
    assert (view.block_number, view.block_hash) == (receipt.block_number, receipt.block_hash)
    assert view.fee_wei == receipt.gas_used * receipt.effective_gas_price > 0
    assert batch_statuses(database) == [(size, BatchStatus.SETTLED, anchor.id)]

    assert chain.registry.anchor_count() == 1
    record = chain.registry.anchor_at(0)
    assert record is not None
    with unit_of_work(database.reader) as session:
        batch = BatchRepository(session).get(0)
        assert record.statement_hash == hashlib.sha256(batch.statement).digest()
        assert (record.tree_size, record.root) == (size, batch.root)

    outcome = make_anchorer().anchor_latest()
    assert outcome.kind is OutcomeKind.NOTHING_TO_DO
    assert "already anchored" in outcome.message


def test_newest_head_is_anchored_with_a_consistency_proof_and_covers_older_batches(
    seal_entries: SealEntries,
    make_anchorer: MakeAnchorer,
    chain: ChainContext,
    database: Database,
    rpc: Rpc,
) -> None:
    first = seal_entries(3)
    anchorer = make_anchorer(confirmations=1)
    assert anchorer.anchor_latest().kind is OutcomeKind.SUBMITTED
    assert [change.kind for change in anchorer.confirm()] == [
        ChangeKind.MINED, ChangeKind.CONFIRMED,
    ]  # fmt: skip
    middle = seal_entries(4)
    newest = seal_entries(2)

    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.SUBMITTED
    anchor = outcome.anchor
    assert anchor is not None
    assert (anchor.from_size, anchor.tree_size) == (first, newest)
    assert len(anchor.consistency_proof) > 0
    first_root = chain.registry.root_at(first)
    assert first_root is not None
    assert merkle.verify_consistency(
        first, newest, list(anchor.consistency_proof), first_root, anchor.root
    )
    anchorer.confirm()
    statuses = batch_statuses(database)
    assert [(size, status) for size, status, _ in statuses] == [
        (first, BatchStatus.SETTLED),
        (middle, BatchStatus.SETTLED),
        (newest, BatchStatus.SETTLED),
    ]
    assert statuses[1][2] == statuses[2][2] == anchor.id
    assert chain.registry.anchor_count() == 2
    assert chain.registry.root_at(middle) is None  # covered, never anchored itself


def test_anchor_in_flight_is_followed_instead_of_sending_another(
    seal_entries: SealEntries, make_anchorer: MakeAnchorer, chain: ChainContext, rpc: Rpc
) -> None:
    seal_entries(2)
    anchorer = make_anchorer(confirmations=2)
    first = anchorer.anchor_latest()
    assert first.kind is OutcomeKind.SUBMITTED and first.anchor is not None
    newest = seal_entries(3)

    again = make_anchorer(confirmations=2).anchor_latest()
    assert again.kind is OutcomeKind.IN_FLIGHT
    assert again.anchor is not None and again.anchor.id == first.anchor.id
    assert chain.registry.anchor_count() == 1

    rpc("evm_mine")
    outcome = anchorer.anchor_latest()  # confirms the first, then anchors the newest head
    assert outcome.kind is OutcomeKind.SUBMITTED, outcome.message
    assert outcome.anchor is not None and outcome.anchor.tree_size == newest
    assert anchorer.status(first.anchor.id).status is AnchorStatus.CONFIRMED


def test_nothing_to_do_before_anything_is_sealed(
    make_anchorer: MakeAnchorer, chain: ChainContext
) -> None:
    outcome = make_anchorer().anchor_latest()
    assert outcome.kind is OutcomeKind.NOTHING_TO_DO
    assert outcome.anchor is None
    assert make_anchorer().confirm() == []
    assert chain.registry.anchor_count() == 0


def test_registry_ahead_of_our_log_fails_without_sending(
    seal_entries: SealEntries, make_anchorer: MakeAnchorer, chain: ChainContext
) -> None:
    size = seal_entries(2)
    foreign = [merkle.leaf_hash(f"other-{i}".encode()) for i in range(size + 3)]
    call = AnchorCall(size + 3, merkle.root(foreign), b"\x01" * 32)
    registry = chain.registry
    signed = registry.build_anchor(chain.signer, call, registry.pending_nonce(chain.sender))
    assert registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=10).succeeded

    outcome = make_anchorer().anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED
    anchor = outcome.anchor
    assert anchor is not None and anchor.status is AnchorStatus.FAILED
    assert anchor.error_name == "RegistryAhead" and anchor.attempts == ()
    assert (anchor.from_size, anchor.tree_size) == (size + 3, size)
    assert f"size {size + 3}" in (anchor.error or "")

    repeated = make_anchorer().anchor_latest()
    assert repeated.anchor is not None and repeated.anchor.id == anchor.id  # no new row
    assert registry.anchor_count() == 1


def test_registry_root_differing_from_ours_fails_without_sending(
    seal_entries: SealEntries, make_anchorer: MakeAnchorer, chain: ChainContext
) -> None:
    seal_entries(4)
    forged = [merkle.leaf_hash(f"forged-{i}".encode()) for i in range(2)]
    registry = chain.registry
    call = AnchorCall(2, merkle.root(forged), b"\x02" * 32)
    signed = registry.build_anchor(chain.signer, call, registry.pending_nonce(chain.sender))
    assert registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=10).succeeded

    outcome = make_anchorer().anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED
    assert outcome.anchor is not None and outcome.anchor.error_name == "RootMismatch"
    assert registry.anchor_count() == 1
