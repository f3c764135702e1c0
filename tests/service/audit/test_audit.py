"""The tamper audit finds what was changed in the database, by index, against the chain."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from anchor_service.db.models import Entry, Role
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import free_port
from anchor_service.services.audit.report import AuditReport, FindingKind
from anchor_service.services.audit.run import AuditError, audit_from_settings, run_audit
from anchor_service.settings import Settings

from .conftest import LogBuilder, entry_payload


def audit(log: LogBuilder, **options: object) -> AuditReport:
    return audit_from_settings(log.settings, log.database, **options)  # type: ignore[arg-type]


def document_of(database: Database, index: int) -> bytes:
    with unit_of_work(database.reader) as session:
        document = session.scalar(select(Entry.document).where(Entry.leaf_index == index))
    assert document is not None
    return document


def kinds(report: AuditReport) -> set[FindingKind]:
    return set(report.counts)


def test_untouched_log_is_clean_and_every_head_checked_against_the_registry(
    log: LogBuilder,
) -> None:
    log.head(5, batches=2)
    log.head(4)
    log.add(2)  # pending entries are checked too
    report = audit(log)
    assert report.clean, [finding.line() for finding in report.findings]
    assert (report.entries_checked, report.log_size, report.sealed_size) == (11, 11, 9)
    assert report.heads_checked == [3, 5, 9] and report.batches_checked == 3
    assert report.chain_checked and report.chain_anchors == 2
    assert report.registry == log.settings.registry_address


def test_changed_amount_is_found_at_its_index_with_the_roots_it_breaks(log: LogBuilder) -> None:
    log.head(4)
    log.head(4)
    document = document_of(log.database, 2)
    assert b'"amount":"1002"' in document
    log.sql(
        "UPDATE entries SET document = :document WHERE leaf_index = 2",
        document=document.replace(b'"amount":"1002"', b'"amount":"9002"'),
    )
    report = audit(log)
    altered = report.of_kind(FindingKind.ALTERED)
    assert [(f.index, f.external_id) for f in altered] == [(2, log.ids[2])]
    assert "the sealed leaf hash is" in altered[0].detail
    roots = report.of_kind(FindingKind.ROOT_MISMATCH)
    assert [finding.tree_size for finding in roots] == [4, 8]
    assert "the registry (anchor 0)" in roots[0].detail
    assert kinds(report) == {FindingKind.ALTERED, FindingKind.ROOT_MISMATCH}


def test_changed_document_with_a_matching_leaf_hash_is_still_altered(log: LogBuilder) -> None:
    log.head(3)
    forged = document_of(log.database, 1).replace(b'"amount":"1001"', b'"amount":"1"')
    log.sql(
        "UPDATE entries SET document = :document, leaf_hash = :leaf WHERE leaf_index = 1",
        document=forged,
        leaf=hashlib.sha256(b"\x00" + forged).digest(),
    )
    report = audit(log)
    assert [(f.index, f.external_id) for f in report.of_kind(FindingKind.ALTERED)] == [
        (1, log.ids[1])
    ]


def test_deleted_row_is_found_at_its_index_and_the_roots_still_checked(log: LogBuilder) -> None:
    log.head(6)
    log.sql("DELETE FROM entries WHERE leaf_index = 4")
    report = audit(log)
    deleted = report.of_kind(FindingKind.DELETED)
    assert [finding.index for finding in deleted] == [4]
    assert kinds(report) == {FindingKind.DELETED}  # its sealed leaf stands in for the root


def test_rows_cut_off_the_end_with_the_counter_are_found_from_the_chain(
    log: LogBuilder,
) -> None:
    size = log.head(5)
    for table in ("anchor_transactions", "anchors", "batches"):  # every trace but the chain's
        log.sql(f"DELETE FROM {table}")
    log.sql("DELETE FROM merkle_tiles")
    log.sql("DELETE FROM entries WHERE leaf_index >= 3")
    log.sql("UPDATE log_state SET next_index = 3")
    report = audit(log)
    assert [finding.index for finding in report.of_kind(FindingKind.DELETED)] == [3, 4]
    roots = report.of_kind(FindingKind.ROOT_MISMATCH)
    assert [finding.tree_size for finding in roots] == [size]
    assert "cannot be recomputed: leaf 3" in roots[0].detail
    assert FindingKind.ANCHOR in kinds(report)  # the registry's head has no batch here


def test_inserted_row_is_found_at_its_index(log: LogBuilder) -> None:
    log.head(3)
    document = b'{"external_id":"forged-1","salt":"00"}'
    log.sql(
        "INSERT INTO entries (leaf_index, external_id, document, salt, leaf_hash, content_hash,"
        " received_at) VALUES (3, 'forged-1', :document, :salt, :leaf, :content, :received)",
        document=document,
        salt=bytes(16),
        leaf=hashlib.sha256(b"\x00" + document).digest(),
        content=bytes(32),
        received=datetime.now(UTC),
    )
    report = audit(log)
    inserted = report.of_kind(FindingKind.INSERTED)
    assert [(f.index, f.external_id) for f in inserted] == [(3, "forged-1")]
    assert kinds(report) == {FindingKind.INSERTED}


def test_consistent_forgery_of_entry_and_proof_storage_is_caught_by_the_roots(
    log: LogBuilder,
) -> None:
    size = log.head(8)
    forged = document_of(log.database, 5).replace(b'"amount":"1005"', b'"amount":"5"')
    leaf = hashlib.sha256(b"\x00" + forged).digest()
    log.sql(
        "UPDATE entries SET document = :document, leaf_hash = :leaf WHERE leaf_index = 5",
        document=forged,
        leaf=leaf,
    )
    with unit_of_work(log.database.reader) as session:
        tile = session.execute(
            select(Entry.leaf_hash).where(Entry.leaf_index < 8).order_by(Entry.leaf_index)
        ).scalars()
        blob = b"".join(tile)
    log.sql("UPDATE merkle_tiles SET hashes = :blob WHERE tile_level = 0", blob=blob)
    report = audit(log)
    assert report.of_kind(FindingKind.ALTERED) == []
    [root] = report.of_kind(FindingKind.ROOT_MISMATCH)
    assert root.tree_size == size
    assert "batch 0 records" in root.detail and "the registry (anchor 0) holds" in root.detail


def test_changed_statement_is_found(log: LogBuilder) -> None:
    log.head(2)
    log.sql("UPDATE batches SET statement = :statement WHERE seq = 0", statement=b"{}")
    report = audit(log)
    [statement] = report.of_kind(FindingKind.STATEMENT)
    assert (statement.seq, statement.tree_size) == (0, 2)


def test_large_log_is_scanned_in_chunks_with_heads_inside_them(
    log: LogBuilder, database: Database
) -> None:
    log.head(300, batches=3)
    log.head(400)
    log.sql("DELETE FROM entries WHERE leaf_index = 511")
    seen: list[tuple[int, int]] = []
    registry = log.anchorer.chain.registry
    report = run_audit(
        database, registry, progress=lambda d, t: seen.append((d, t)), chunk_entries=256
    )
    assert seen == [(256, 700), (512, 700), (700, 700)]
    assert report.heads_checked == [100, 200, 300, 700]
    assert [finding.index for finding in report.of_kind(FindingKind.DELETED)] == [511]
    assert kinds(report) == {FindingKind.DELETED}


def test_unreachable_chain_stops_the_audit(
    log: LogBuilder, make_settings: object, settings: Settings
) -> None:
    log.head(1)
    down = settings.model_copy(update={"rpc_url": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(AuditError, match="cannot read the chain"):
        audit_from_settings(down, log.database)
    assert audit_from_settings(down, log.database, check_chain=False).clean


def test_row_renamed_to_an_external_id_quoted_in_its_metadata_is_altered(
    log: LogBuilder, headers: Callable[[Role], dict[str, str]]
) -> None:
    """The audit compares the document's own ``external_id``, not any occurrence of it."""
    log.head(2)
    victim = f"{log.prefix}-victim-77"
    payload = entry_payload(f"{log.prefix}-carrier", 5)
    payload["metadata"] = {"external_id": victim}
    response = log.client.post("/v1/entries", json=payload, headers=headers(Role.WRITER))
    assert response.status_code == 201, response.text
    log.seal()
    log.anchor()
    assert audit(log).clean
    log.sql("UPDATE entries SET external_id = :victim WHERE leaf_index = 2", victim=victim)
    served = log.client.get(f"/v1/entries/{victim}", headers=headers(Role.AUDITOR))
    assert served.status_code == 200  # the renamed row is served under the victim's id
    report = audit(log)
    altered = report.of_kind(FindingKind.ALTERED)
    assert [(f.index, f.external_id) for f in altered] == [(2, victim)]
    assert f"names external_id {payload['external_id']!r}" in altered[0].detail
    assert kinds(report) == {FindingKind.ALTERED}
