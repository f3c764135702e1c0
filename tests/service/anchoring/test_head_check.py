"""Check before signing: a head whose root does not recompute from the stored leaves is
refused with ``HeadMismatch``: no transaction, an error log naming both roots, and
``anchor_anchoring_stopped{reason="HeadMismatch"}`` at 1."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from anchor_service.db.models_sealing import Batch, MerkleTile
from anchor_service.db.session import Database, unit_of_work
from anchor_service.merkle import root
from anchor_service.services.anchoring.views import OutcomeKind

from .conftest import MakeAnchorer, Rpc, SealEntries, finish

FORGED_ROOT = bytes.fromhex("ab" * 32)


def leaf_hashes(database: Database) -> list[bytes]:
    from anchor_service.db.models import Entry

    with unit_of_work(database.reader) as session:
        return list(session.scalars(select(Entry.leaf_hash).order_by(Entry.leaf_index)))


def metric_line(client: TestClient, name: str) -> str:
    text = client.get("/metrics").text
    lines = [line for line in text.splitlines() if line.startswith(name + "{")]
    assert len(lines) == 1, lines
    return lines[0]


def test_a_corrupted_batch_root_is_refused_before_signing(
    make_anchorer: MakeAnchorer,
    seal_entries: SealEntries,
    database: Database,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    size = seal_entries(4)
    with unit_of_work(database.writer) as session:
        session.execute(update(Batch).values(root=FORGED_ROOT))
    anchorer = make_anchorer()
    registry = anchorer.chain.registry
    nonce = registry.pending_nonce(anchorer.chain.sender)
    with caplog.at_level(logging.ERROR):
        outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED, outcome.message
    assert outcome.anchor is not None and outcome.anchor.error_name == "HeadMismatch"
    real = root(leaf_hashes(database))
    assert f"the stored leaves give root {real.hex()} at tree size {size}" in outcome.message
    assert f"records root {FORGED_ROOT.hex()}" in outcome.message
    assert registry.pending_nonce(anchorer.chain.sender) == nonce  # nothing was sent
    assert registry.latest_head() is None
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(real.hex() in line and FORGED_ROOT.hex() in line for line in errors), errors
    assert metric_line(client, "anchor_anchoring_stopped") == (
        'anchor_anchoring_stopped{reason="HeadMismatch"} 1.0'
    )

    again = make_anchorer().anchor_latest()  # every later try refuses too, one record
    assert again.kind is OutcomeKind.FAILED and again.anchor is not None
    assert again.anchor.id == outcome.anchor.id


def test_a_corrupted_tile_is_refused_before_signing(
    make_anchorer: MakeAnchorer,
    seal_entries: SealEntries,
    database: Database,
    client: TestClient,
    rpc: Rpc,
) -> None:
    seal_entries(3)
    anchorer = make_anchorer()
    assert anchorer.anchor_latest().kind is OutcomeKind.SUBMITTED
    assert finish(anchorer, rpc).status == "confirmed"
    assert metric_line(client, "anchor_anchoring_stopped") == (
        'anchor_anchoring_stopped{reason=""} 0.0'
    )
    size = seal_entries(3)
    with unit_of_work(database.writer) as session:
        tile = session.get(MerkleTile, (0, 0))
        assert tile is not None
        at = 4 * 32  # leaf 4: sealed after the anchored head of size 3
        tile.hashes = tile.hashes[:at] + bytes([tile.hashes[at] ^ 1]) + tile.hashes[at + 1 :]
    head = anchorer.chain.registry.latest_head()
    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED, outcome.message
    assert outcome.anchor is not None and outcome.anchor.error_name == "HeadMismatch"
    assert f"at tree size {size}, but" in outcome.message
    assert "the stored tiles give" in outcome.message
    assert anchorer.chain.registry.latest_head() == head  # nothing anchored


def test_an_intact_head_passes_and_later_checks_hash_only_the_new_leaves(
    make_anchorer: MakeAnchorer, seal_entries: SealEntries, rpc: Rpc
) -> None:
    anchorer = make_anchorer()
    for count in (2, 3):
        size = seal_entries(count)
        outcome = anchorer.anchor_latest()
        assert outcome.kind is OutcomeKind.SUBMITTED, outcome.message
        view = finish(anchorer, rpc)
        assert (view.status, view.tree_size) == ("confirmed", size)
