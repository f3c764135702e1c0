"""Response bodies of the entry routes (hashes as lower-case hex).

The models document the responses in OpenAPI. The write routes render their bodies with
:func:`render_entry` and :func:`render_bulk` instead (same shape, checked by tests):
the stored document bytes are already canonical JSON and are embedded as they are.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from anchor_service.api.schemas.common import AnchorRecord, BatchHead, tx_hex
from anchor_service.db.repositories.entries import StoredEntry
from anchor_service.ledger.rules import format_utc
from anchor_service.ledger.status import EntryStatus
from anchor_service.services.receipts import EntryReceipt

__all__ = [
    "AnchorRef",
    "BatchRef",
    "BulkEntriesOut",
    "BulkItemOut",
    "EntryOut",
    "EntryStatus",
    "ReceiptProofOut",
    "render_bulk",
    "render_entry",
]

_EXAMPLE_DOCUMENT = {
    "description": "Contribution to project 42",
    "external_id": "pay-2026-11-21-000123",
    "metadata": {"gateway": "midtrans", "gateway_ref": "MT-88123"},
    "occurred_at": "2026-11-21T01:15:00Z",
    "postings": [
        {"account": "wallet:user:981", "amount": "-150000", "currency": "IDR"},
        {"account": "escrow:project:42", "amount": "150000", "currency": "IDR"},
    ],
    "salt": "5f0c2b7e9a1d4c3b8e6f0a2d4c6b8e0f",
}


class BatchRef(BaseModel):
    """The batch that sealed an entry, and the tree head it ends with."""

    seq: int = Field(examples=[3])
    tree_size: int = Field(description="Size of the log at the batch's head.", examples=[1500])
    root: str = Field(
        description="Root of the log at tree_size, lower-case hex.",
        examples=["5e1d0c9b8a7f6e5d4c3b2a190817263544536271809f8e7d6c5b4a3928170605"],
    )

    @classmethod
    def of(cls, batch: BatchHead) -> BatchRef:
        return cls(seq=batch.seq, tree_size=batch.tree_size, root=batch.root.hex())


class AnchorRef(BaseModel):
    """The on-chain anchor covering an entry's batch (submitted, or confirmed)."""

    id: int = Field(description="The service's anchor id.", examples=[7])
    status: str = Field(description="submitted or confirmed", examples=["confirmed"])
    chain_id: int = Field(examples=[1337])
    registry: str = Field(description="AnchorRegistry address.")
    seq: int | None = Field(description="Anchor sequence number in the registry, once mined.")
    tx_hash: str | None = Field(description="0x-prefixed transaction hash, once mined.")
    block_number: int | None = Field(description="Block of the transaction, once mined.")

    @classmethod
    def of(cls, anchor: AnchorRecord) -> AnchorRef:
        return cls(
            id=anchor.id,
            status=anchor.status.value,
            chain_id=anchor.chain_id,
            registry=anchor.registry_address,
            seq=anchor.chain_seq,
            tx_hash=tx_hex(anchor.tx_hash),
            block_number=anchor.block_number,
        )


class EntryOut(BaseModel):
    """A stored entry: its leaf (index, hash, canonical document) and status."""

    external_id: str = Field(examples=["pay-2026-11-21-000123"])
    status: EntryStatus
    leaf_index: int = Field(description="Position in the log, dense from 0.", examples=[17])
    leaf_hash: str = Field(
        description="SHA-256(0x00 || document bytes), lower-case hex.",
        examples=["9d2c5f0e8b7a6c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d"],
    )
    received_at: datetime
    document: dict[str, Any] | None = Field(
        description=(
            "The stored canonical document (salt included; null once the entry was "
            "redacted); its RFC 8785 serialisation "
            "is the leaf."
        ),
        examples=[_EXAMPLE_DOCUMENT],
    )
    batch: BatchRef | None = Field(
        default=None, description="The batch that sealed the entry; null while pending or logged."
    )
    anchor: AnchorRef | None = Field(
        default=None,
        description="The anchor covering the batch once it is anchored or settled; else null.",
    )
    receipt: str | None = Field(
        default=None,
        description=(
            "The log's signed receipt, an anchor-service/receipt/v1 signed note (origin, "
            "index, leaf, received, merge-by) by the log key, the same bytes in every answer "
            "about the entry; null when the service has no log key."
        ),
    )


class ReceiptProofOut(BaseModel):
    """Where a bulk entry sits in its range receipt: its leaf index and inclusion path."""

    index: int = Field(description="The entry's leaf index (its position is index - start).")
    path: list[str] = Field(
        description="The inclusion path of the entry's leaf hash in the range receipt's tree, "
        "bottom up, each hash in base64."
    )


class BulkItemOut(BaseModel):
    """One item of a bulk request, in request order."""

    external_id: str
    status: EntryStatus
    leaf_index: int
    leaf_hash: str
    created: bool = Field(description="False when the entry was already stored (replay).")
    receipt: str | None = Field(
        description="The log's signed range receipt covering the entry, an "
        "anchor-service/range-receipt/v1 signed note (origin, start, count, root, received, "
        "merge-by), one signature for the whole request; null without a log key."
    )
    receipt_proof: ReceiptProofOut | None = Field(
        description="The entry's place in `receipt`: with the entry's leaf hash it proves the "
        "log's promise for this entry; null without a log key."
    )


class BulkEntriesOut(BaseModel):
    """Outcome of a bulk request: how many entries were new, and every item."""

    created: int = Field(examples=[2])
    existing: int = Field(examples=[0])
    entries: list[BulkItemOut]


def render_entry(
    stored: StoredEntry,
    status: EntryStatus,
    batch: BatchRef | None = None,
    anchor: AnchorRef | None = None,
    *,
    receipt: str | None = None,
    with_receipt: bool = False,
) -> bytes:
    """The JSON of :class:`EntryOut` for ``stored``, embedding its document bytes.

    ``with_receipt`` (the entry routes): the answer has ``receipt`` (``null`` without a
    log key).
    """
    fields: dict[str, Any] = {
        "external_id": stored.external_id,
        "status": status.value,
        "leaf_index": stored.leaf_index,
        "leaf_hash": stored.leaf_hash.hex(),
        "received_at": format_utc(stored.received_at),
        "batch": batch.model_dump() if batch is not None else None,
        "anchor": anchor.model_dump() if anchor is not None else None,
    }
    if with_receipt:
        fields["receipt"] = receipt
    head = json.dumps(fields, separators=(",", ":"))
    return head[:-1].encode("utf-8") + b',"document":' + stored.document + b"}"


def render_bulk(
    stored: list[StoredEntry],
    statuses: list[EntryStatus],
    receipts: list[EntryReceipt | None] | None = None,
) -> bytes:
    """The JSON of :class:`BulkEntriesOut` for ``stored`` (in request order).

    Written item by item (a 10,000-entry answer with receipts is ~10 MB): each range
    note is JSON-quoted once, a path's base64 hashes need no escaping, and an
    ``external_id`` only when it holds more than the characters the entry rules allow.
    """
    if receipts is None:
        receipts = [None] * len(stored)
    notes: dict[str, str] = {}
    items = []
    for item, status, receipt in zip(stored, statuses, receipts, strict=True):
        external_id = item.external_id
        name = f'"{external_id}"' if _PLAIN.fullmatch(external_id) else json.dumps(external_id)
        head = (
            f'{{"external_id":{name},"status":"{status.value}","leaf_index":{item.leaf_index},'
            f'"leaf_hash":"{item.leaf_hash.hex()}","created":{"true" if item.created else "false"}'
        )
        if receipt is None:
            items.append(head + ',"receipt":null,"receipt_proof":null}')
            continue
        note = notes.get(receipt.note)
        if note is None:
            note = notes[receipt.note] = json.dumps(receipt.note)
        path = '","'.join(receipt.path)
        path = f'"{path}"' if receipt.path else ""
        items.append(
            f'{head},"receipt":{note},"receipt_proof":{{"index":{receipt.index},"path":[{path}]}}}}'
        )
    created = sum(1 for item in stored if item.created)
    existing = len(stored) - created
    body = f'{{"created":{created},"existing":{existing},"entries":[{",".join(items)}]}}'
    return body.encode("utf-8")


_PLAIN = re.compile(r"[A-Za-z0-9._:-]*")
"""Text JSON writes as it is: the characters ``external_id`` may hold (no quote, no escape)."""
