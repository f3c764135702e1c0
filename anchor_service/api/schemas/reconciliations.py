"""Gateway reconciliations on the wire (``/v1/reconciliations`` and ``reconcile --json``)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from anchor_service.db.models_reconciliations import Reconciliation
from anchor_service.ledger.records import reconciliation_record_id

__all__ = ["ReconciliationOut", "ReconciliationRecordOut", "ReconciliationSummaryOut"]


class ReconciliationRecordOut(BaseModel):
    """The reconciliation's record in the log: fetch its inclusion proof with
    ``GET /v1/entries/{external_id}/proof`` once its batch is anchored."""

    external_id: str = Field(examples=["~reconciliation:3f1c0e4b9a7d4e2f8b6a5c4d3e2f1a0b"])
    leaf_index: int = Field(examples=[1204])


class ReconciliationSummaryOut(BaseModel):
    """One reconciliation without its statement (the list)."""

    id: str = Field(examples=["3f1c0e4b9a7d4e2f8b6a5c4d3e2f1a0b"])
    created_at: datetime
    format: str = Field(description="The report's format: midtrans, xendit or csv.")
    gateway: str = Field(description="The entries' `metadata.gateway` reconciled.")
    period_first: date
    period_last: date
    rows: int = Field(description="Rows read from the report.")
    clean: bool = Field(description="True when every row and entry matched.")
    statement_hash: str = Field(description="SHA-256 (hex) of the statement's canonical bytes.")
    record: ReconciliationRecordOut

    @classmethod
    def of(cls, row: Reconciliation) -> ReconciliationSummaryOut:
        return cls(**_summary(row))


class ReconciliationOut(ReconciliationSummaryOut):
    """A reconciliation and its statement (canonical JSON, parsed)."""

    counts: dict[str, int] = Field(
        description="Findings per kind (matched, amount_mismatch, currency_mismatch, "
        "missing_in_ledger, missing_in_report, duplicate)."
    )
    statement: dict[str, Any] = Field(
        description="The statement; RFC 8785 (JCS) of this object hashes to `statement_hash` "
        "(byte for byte: `GET /v1/reconciliations/{id}/statement`)."
    )

    @classmethod
    def of(cls, row: Reconciliation) -> ReconciliationOut:
        statement = json.loads(row.statement)
        return cls(**_summary(row), counts=statement["counts"], statement=statement)


def _summary(row: Reconciliation) -> dict[str, Any]:
    return {
        "id": row.id,
        "created_at": row.created_at,
        "format": row.format,
        "gateway": row.gateway,
        "period_first": row.period_first,
        "period_last": row.period_last,
        "rows": row.row_count,
        "clean": row.clean,
        "statement_hash": row.statement_hash.hex(),
        "record": ReconciliationRecordOut(
            external_id=reconciliation_record_id(row.id), leaf_index=row.leaf_index
        ),
    }
