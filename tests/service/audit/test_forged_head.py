"""A registry whose latest head is a forged 2^64-1 one (the anchorer key alone can do it).

The audit ends quickly with the finding that names it, bounded by the log's size and
not by the chain's claim; anchoring refuses with the real cause (not a database error:
2^64-1 does not fit in a BIGINT) and sends nothing.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import select

from anchor_service.chain import AnchorCall
from anchor_service.db.models import Entry
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.db.session import unit_of_work
from anchor_service.services.anchoring.views import OutcomeKind
from anchor_service.services.audit.report import FindingKind
from anchor_service.services.audit.run import audit_from_settings
from tests.contracts.forged_log import ForgedLog

from .conftest import LogBuilder

MAX_SIZE = 2**64 - 1


def forge_max_head(log: LogBuilder) -> None:
    """Anchor, with the log's own anchorer key, a head of 2^64-1 leaves whose first
    leaves are the log's real ones (a valid consistency proof from the real head)."""
    with unit_of_work(log.database.reader) as session:
        leaves = list(session.scalars(select(Entry.leaf_hash).order_by(Entry.leaf_index)))
    forged = ForgedLog(leaves, MAX_SIZE)
    chain = log.anchorer.chain
    call = AnchorCall(
        MAX_SIZE,
        forged.root(),
        hashlib.sha256(b"forged statement").digest(),
        tuple(forged.consistency_proof(len(leaves))),
    )
    registry = chain.registry
    signed = registry.build_anchor(chain.signer, call, registry.pending_nonce(chain.sender))
    receipt = registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=30)
    assert receipt.succeeded
    head = registry.latest_head()
    assert head is not None and head.tree_size == MAX_SIZE


def test_audit_of_a_registry_at_2_64_minus_1_ends_quickly_with_the_finding(
    log: LogBuilder,
) -> None:
    log.head(4)
    forge_max_head(log)
    started = time.monotonic()
    report = audit_from_settings(log.settings, log.database)
    elapsed = time.monotonic() - started
    details = [finding.detail for finding in report.of_kind(FindingKind.ANCHOR)]
    assert any(
        detail.startswith(
            f"the registry's latest head {MAX_SIZE} (2^64-1) is not a head of this log"
        )
        for detail in details
    ), details
    assert report.entries_checked == 4
    assert elapsed < 60, f"the audit took {elapsed:.0f} s"  # today: 11 minutes at 100 % CPU


def test_anchoring_after_a_forged_head_names_the_cause_and_sends_nothing(
    log: LogBuilder,
) -> None:
    log.head(3)
    forge_max_head(log)
    log.add(2)
    log.seal()
    before = log.anchorer.chain.registry.pending_nonce(log.anchorer.chain.sender)
    outcome = log.anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED, outcome.message
    assert outcome.anchor is not None and outcome.anchor.error_name == "RegistryAhead"
    assert f"tree size {MAX_SIZE} (2^64-1)) is not a head of this log" in outcome.message
    assert "database" not in outcome.message.replace("database restored", "")
    after = log.anchorer.chain.registry.pending_nonce(log.anchorer.chain.sender)
    assert after == before  # no transaction
    with unit_of_work(log.database.reader) as session:
        stored = AnchorRepository(session).latest()
        assert stored is not None and stored.error_name == "RegistryAhead"
