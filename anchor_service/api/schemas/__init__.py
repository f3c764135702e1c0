"""The API's response bodies, one pydantic model per concept, by resource.

The CLI's ``--json`` output is the same models dumped (``model_dump(mode="json")``), so
the two cannot drift. Models are built from the services' values (``Model.of(value)``),
never by validating a hand-written dict. The proof bundle and the verification report
are a file format of the light verifier install, so their models live in
:mod:`anchor_service.verifier`.

- :mod:`.entries`  entries, their status, batch and anchor
- :mod:`.batches`  batch heads, batches, seals
- :mod:`.anchors`  anchors, anchoring outcomes, confirm rounds
- :mod:`.log`      sealed and anchored heads, consistency proofs
- :mod:`.audit`    tamper audit, redaction
- :mod:`.reconciliations`  gateway reconciliations
- :mod:`.pages`    the keyset page shared by the lists
"""

from anchor_service.api.schemas.anchors import (
    AnchorChangeOut,
    AnchorOnChainOut,
    AnchorOut,
    AnchorOutcomeCliOut,
    AnchorOutcomeOut,
    AnchorPageOut,
    AnchorTransactionOut,
)
from anchor_service.api.schemas.audit import (
    AuditOut,
    FindingOut,
    RedactIn,
    RedactionOut,
    RedactionRecordOut,
)
from anchor_service.api.schemas.batches import (
    BatchAnchorOut,
    BatchHeadOut,
    BatchOut,
    BatchPageOut,
    SealedBatchOut,
    SealOut,
)
from anchor_service.api.schemas.entries import (
    AnchorRef,
    BatchRef,
    BulkEntriesOut,
    BulkItemOut,
    EntryOut,
    EntryStatus,
    ReceiptProofOut,
    render_bulk,
    render_entry,
)
from anchor_service.api.schemas.log import (
    AnchoredHeadOut,
    AnchorRefOut,
    ConsistencyOut,
    LogHeadOut,
    SealedHeadOut,
)
from anchor_service.api.schemas.pages import Page
from anchor_service.api.schemas.reconciliations import (
    ReconciliationOut,
    ReconciliationRecordOut,
    ReconciliationSummaryOut,
)

__all__ = [
    "AnchorChangeOut",
    "AnchorOnChainOut",
    "AnchorOut",
    "AnchorOutcomeCliOut",
    "AnchorOutcomeOut",
    "AnchorPageOut",
    "AnchorRef",
    "AnchorRefOut",
    "AnchorTransactionOut",
    "AnchoredHeadOut",
    "AuditOut",
    "BatchAnchorOut",
    "BatchHeadOut",
    "BatchOut",
    "BatchPageOut",
    "BatchRef",
    "BulkEntriesOut",
    "BulkItemOut",
    "ConsistencyOut",
    "EntryOut",
    "EntryStatus",
    "FindingOut",
    "LogHeadOut",
    "Page",
    "ReceiptProofOut",
    "ReconciliationOut",
    "ReconciliationRecordOut",
    "ReconciliationSummaryOut",
    "RedactIn",
    "RedactionOut",
    "RedactionRecordOut",
    "SealOut",
    "SealedBatchOut",
    "SealedHeadOut",
    "render_bulk",
    "render_entry",
]
