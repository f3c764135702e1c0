"""The audit's checks of records against each other and the registry (no leaf data).

- :func:`check_batches`: batches follow each other, statements hash to their hash;
- :func:`check_anchor_records`: every anchor recorded as mined matches the registry's
  anchor of the same sequence number;
- :func:`check_registry_heads`: every head in the registry is a batch's head, with its
  statement hash, and was sent from here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from anchor_service.chain import AnchorRecord, AuditError, ChainError
from anchor_service.db.models_anchoring import Anchor, AnchorStatus
from anchor_service.db.models_sealing import Batch
from anchor_service.services.audit.report import AuditReport, Finding, FindingKind

__all__ = [
    "AuditError",
    "RegistryReader",
    "check_anchor_records",
    "check_batches",
    "check_registry_heads",
    "read_registry",
]


class RegistryReader(Protocol):
    """The registry reads the audit needs (``RegistryClient`` has them)."""

    @property
    def address(self) -> str: ...

    def anchor_count(self) -> int: ...

    def anchor_at(self, seq: int) -> AnchorRecord | None: ...


def read_registry(registry: RegistryReader) -> list[AnchorRecord]:
    """Every anchor in the registry, by sequence number."""
    try:
        count = registry.anchor_count()
        records = [registry.anchor_at(seq) for seq in range(count)]
    except ChainError as exc:
        raise AuditError(f"cannot read the registry {registry.address}: {exc}") from exc
    return [record for record in records if record is not None]


def check_batches(batches: Sequence[Batch], report: AuditReport) -> None:
    end = 0
    for position, batch in enumerate(batches):
        report.batches_checked += 1
        if batch.seq != position or batch.start_index != end:
            report.add(
                Finding(
                    FindingKind.BATCH,
                    f"batch {batch.seq} covers [{batch.start_index}, {batch.end_index}) but "
                    f"batch number {position} should start at leaf {end}",
                    seq=batch.seq,
                )
            )
        end = batch.end_index
        if hashlib.sha256(batch.statement).digest() != batch.statement_hash:
            report.add(
                Finding(
                    FindingKind.STATEMENT,
                    f"the statement bytes of batch {batch.seq} hash to "
                    f"{hashlib.sha256(batch.statement).hexdigest()}, not the recorded "
                    f"{batch.statement_hash.hex()}",
                    tree_size=batch.end_index,
                    seq=batch.seq,
                )
            )


def check_anchor_records(
    anchors: Iterable[Anchor],
    chain: Sequence[AnchorRecord],
    registry: RegistryReader,
    registry_for: Callable[[str], RegistryReader] | None,
    report: AuditReport,
) -> None:
    """Every anchor recorded as mined matches the registry's anchor of its seq."""
    by_seq = {record.seq: record for record in chain}
    for anchor in anchors:
        status = AnchorStatus(anchor.status)
        if anchor.chain_seq is None or status not in (
            AnchorStatus.SUBMITTED,
            AnchorStatus.CONFIRMED,
        ):
            continue
        seq = anchor.chain_seq
        try:
            if anchor.registry_address.lower() == registry.address.lower():
                record = by_seq.get(seq) or registry.anchor_at(seq)
            elif registry_for is not None:
                record = registry_for(anchor.registry_address).anchor_at(seq)
            else:
                continue
        except ChainError as exc:
            raise AuditError(f"cannot read anchor {seq} from the registry: {exc}") from exc
        if record is None:
            if status is AnchorStatus.CONFIRMED:  # a mined one may just have been reorged
                report.add(
                    Finding(
                        FindingKind.ANCHOR,
                        f"anchor record {anchor.id} is confirmed as registry anchor {seq} of "
                        f"{anchor.registry_address}, which has no such anchor",
                        tree_size=anchor.tree_size,
                        seq=seq,
                    )
                )
            continue
        differences = [
            f"{name} {found} (recorded: {expected})"
            for name, found, expected in (
                ("tree size", record.tree_size, anchor.tree_size),
                ("root", record.root.hex(), anchor.root.hex()),
                ("statement hash", record.statement_hash.hex(), anchor.statement_hash.hex()),
                ("block", record.block_number, anchor.block_number),
            )
            if found != expected
        ]
        if differences:
            report.add(
                Finding(
                    FindingKind.ANCHOR,
                    f"registry anchor {seq} differs from anchor record {anchor.id}: "
                    + "; ".join(differences),
                    tree_size=anchor.tree_size,
                    seq=seq,
                )
            )


def check_registry_heads(
    chain: Sequence[AnchorRecord],
    batches: Sequence[Batch],
    anchors: Sequence[Anchor],
    report: AuditReport,
) -> None:
    """Every head in the registry is a batch's head, with its statement, sent from here."""
    by_end = {batch.end_index: batch for batch in batches}
    sent = {(anchor.tree_size, anchor.root) for anchor in anchors}
    for record in chain:
        batch = by_end.get(record.tree_size)
        if batch is None:
            report.add(
                Finding(
                    FindingKind.ANCHOR,
                    f"the registry holds a head of tree size {record.tree_size} (anchor "
                    f"{record.seq}) but no batch here ends at that size",
                    tree_size=record.tree_size,
                    seq=record.seq,
                )
            )
            continue
        if record.statement_hash != batch.statement_hash:
            report.add(
                Finding(
                    FindingKind.STATEMENT,
                    f"the registry holds statement hash {record.statement_hash.hex()} for "
                    f"tree size {record.tree_size}; batch {batch.seq} records "
                    f"{batch.statement_hash.hex()}",
                    tree_size=record.tree_size,
                    seq=batch.seq,
                )
            )
        if (record.tree_size, record.root) not in sent:
            report.add(
                Finding(
                    FindingKind.ANCHOR,
                    f"no anchor record here sent the registry's anchor {record.seq} (tree "
                    f"size {record.tree_size}, root {record.root.hex()})",
                    tree_size=record.tree_size,
                    seq=record.seq,
                )
            )
