"""What an audit found: one :class:`Finding` per problem, and the :class:`AuditReport`.

Kinds of finding (:class:`FindingKind`):

- ``altered``          the entry at ``index`` no longer hashes to the leaf hash that was
  sealed (its document, salt or external id changed), or its stored leaf hash differs
- ``deleted``          no entry is stored at ``index``, though the log has that leaf
- ``inserted``         an entry is stored at ``index`` beyond the end of the log
- ``log_counter``      the log counter is below the sealed size (entries cut off the end)
- ``root_mismatch``    the root recomputed from the stored entries at ``tree_size``
  differs from the registry on chain, the batch, the anchor record or the stored tiles
- ``batch``            the batches do not follow each other (one missing, a range moved)
- ``statement``        a settlement statement no longer hashes to its recorded hash, or
  the hash anchored on chain differs
- ``anchor``           an anchor record disagrees with the registry, or a head anchored
  on chain has no batch or anchor record here
- ``proof_storage``    a stored tile lacks a leaf hash the sealed log needs
- ``unrecorded_redaction`` the entry at ``index`` is redacted, but the log holds no
  redaction record naming it (``anchor_service.ledger.records``): an erasure that left
  no public trace

Each finding says where (``index`` and ``external_id`` for entries, ``tree_size`` for
heads, ``seq`` for batches and anchors) and, in ``detail``, what differs. The report's
JSON form is :class:`anchor_service.api.schemas.audit.AuditOut`.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from anchor_service.wording import counted

__all__ = ["AuditReport", "Finding", "FindingKind"]

#: Findings kept in a report; beyond it they are only counted.
MAX_LISTED_FINDINGS = 10_000


class FindingKind(enum.StrEnum):
    """What is wrong; see the module docstring."""

    ALTERED = "altered"
    DELETED = "deleted"
    INSERTED = "inserted"
    LOG_COUNTER = "log_counter"
    ROOT_MISMATCH = "root_mismatch"
    BATCH = "batch"
    STATEMENT = "statement"
    ANCHOR = "anchor"
    PROOF_STORAGE = "proof_storage"
    UNRECORDED_REDACTION = "unrecorded_redaction"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, located by entry index, tree size or sequence number."""

    kind: FindingKind
    detail: str
    index: int | None = None
    external_id: str | None = None
    tree_size: int | None = None
    seq: int | None = None

    def line(self) -> str:
        """The finding in one line for people."""
        where = []
        if self.index is not None:
            where.append(f"index {self.index}")
        if self.external_id is not None:
            where.append(f"external_id {self.external_id!r}")
        if self.tree_size is not None:
            where.append(f"tree size {self.tree_size}")
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        located = f" ({', '.join(where)})" if where else ""
        return f"{self.kind.value.upper()}{located}: {self.detail}"


@dataclass
class AuditReport:
    """Everything one audit checked and found. ``clean`` when nothing was found."""

    entries_checked: int = 0
    redacted: int = 0
    log_size: int = 0
    sealed_size: int = 0
    batches_checked: int = 0
    heads_checked: list[int] = field(default_factory=list)
    chain_checked: bool = False
    registry: str | None = None
    chain_anchors: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    counts: Counter[FindingKind] = field(default_factory=Counter)

    def add(self, finding: Finding) -> None:
        """Record ``finding`` (listed while fewer than :data:`MAX_LISTED_FINDINGS` are)."""
        self.counts[finding.kind] += 1
        if len(self.findings) < MAX_LISTED_FINDINGS:
            self.findings.append(finding)

    @property
    def clean(self) -> bool:
        return not self.counts

    @property
    def total_findings(self) -> int:
        return sum(self.counts.values())

    def of_kind(self, kind: FindingKind) -> list[Finding]:
        """The listed findings of ``kind``."""
        return [finding for finding in self.findings if finding.kind is kind]

    def summary(self) -> str:
        """One line: clean, or how many findings of which kinds."""
        scope = (
            f"{counted(self.entries_checked, 'entry', 'entries', grouped=True)} "
            f"({self.redacted:,} redacted), {counted(self.batches_checked, 'batch', 'batches')}, "
            f"{counted(len(self.heads_checked), 'tree head')}"
        )
        chain = (
            f", {counted(self.chain_anchors, 'anchor')} in registry {self.registry}"
            if self.chain_checked
            else ", chain not checked"
        )
        if self.clean:
            return f"clean: {scope}{chain}; nothing altered, deleted or inserted"
        kinds = ", ".join(f"{count} {kind.value}" for kind, count in sorted(self.counts.items()))
        found = counted(self.total_findings, "finding")
        return f"TAMPERING FOUND: {found} ({kinds}) in {scope}{chain}"
