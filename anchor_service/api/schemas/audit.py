"""The tamper audit and redaction on the wire (``POST /v1/admin/...`` and the CLI's
``audit --json`` and ``redact --json``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from anchor_service.services.audit.report import AuditReport, Finding
from anchor_service.services.redaction import MAX_REASON_LENGTH, Redaction

__all__ = ["AuditOut", "FindingOut", "RedactIn", "RedactionOut", "RedactionRecordOut"]


class FindingOut(BaseModel):
    """One problem the audit found."""

    kind: str = Field(examples=["altered"])
    index: int | None = Field(description="Leaf index of the entry concerned.")
    external_id: str | None
    tree_size: int | None = Field(description="Tree size of the head concerned.")
    seq: int | None = Field(description="Batch or anchor sequence number concerned.")
    detail: str

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        return cls(
            kind=finding.kind.value,
            index=finding.index,
            external_id=finding.external_id,
            tree_size=finding.tree_size,
            seq=finding.seq,
            detail=finding.detail,
        )


class AuditOut(BaseModel):
    """What the audit checked and found."""

    clean: bool = Field(description="True when nothing was found.")
    summary: str
    entries_checked: int
    redacted: int
    log_size: int
    sealed_size: int
    batches_checked: int
    heads_checked: list[int] = Field(description="Tree sizes whose roots were recomputed.")
    chain_checked: bool
    registry: str | None
    chain_anchors: int = Field(description="Anchors read from the registry.")
    seconds: float
    counts: dict[str, int] = Field(description="Findings per kind.")
    findings_listed: int
    findings: list[FindingOut] = Field(description="The first 10,000 findings.")

    @classmethod
    def of(cls, report: AuditReport) -> AuditOut:
        return cls(
            clean=report.clean,
            summary=report.summary(),
            entries_checked=report.entries_checked,
            redacted=report.redacted,
            log_size=report.log_size,
            sealed_size=report.sealed_size,
            batches_checked=report.batches_checked,
            heads_checked=list(report.heads_checked),
            chain_checked=report.chain_checked,
            registry=report.registry,
            chain_anchors=report.chain_anchors,
            seconds=round(report.seconds, 3),
            counts={kind.value: count for kind, count in sorted(report.counts.items())},
            findings_listed=len(report.findings),
            findings=[FindingOut.of(finding) for finding in report.findings],
        )


class RedactIn(BaseModel):
    """Why the entry is redacted (stored with it; no personal data here)."""

    reason: str | None = Field(
        default=None,
        max_length=MAX_REASON_LENGTH,
        description="Free text without NUL characters.",
        examples=["UU PDP erasure request #2026-0142"],
    )

    @field_validator("reason")
    @classmethod
    def _no_nul(cls, reason: str | None) -> str | None:
        if reason is not None and "\x00" in reason:
            raise ValueError("must not contain NUL characters")
        return reason


class RedactionRecordOut(BaseModel):
    """The log leaf recording the redaction (sealed and anchored like any entry)."""

    external_id: str = Field(examples=["~redaction:17"])
    leaf_index: int
    leaf_hash: str


class RedactionOut(BaseModel):
    """The redacted entry: what is kept of it, and the record of its redaction."""

    external_id: str
    leaf_index: int
    leaf_hash: str = Field(description="Kept: every proof of the log still holds.")
    redacted_at: datetime
    reason: str | None
    already_redacted: bool = Field(description="True when it had been redacted before.")
    record: RedactionRecordOut = Field(
        description="The redaction record appended to the log (a leaf of kind `redaction`)."
    )

    @classmethod
    def of(cls, redaction: Redaction) -> RedactionOut:
        return cls(
            external_id=redaction.external_id,
            leaf_index=redaction.leaf_index,
            leaf_hash=redaction.leaf_hash.hex(),
            redacted_at=redaction.redacted_at,
            reason=redaction.reason,
            already_redacted=redaction.already,
            record=RedactionRecordOut(
                external_id=redaction.record.external_id,
                leaf_index=redaction.record.leaf_index,
                leaf_hash=redaction.record.leaf_hash.hex(),
            ),
        )
