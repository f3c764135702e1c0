"""Entry ingestion for the write routes: parse, encode, then store through the writer.

Checking and encoding one entry takes tens of microseconds, so single entries are handled
on the event loop; a bulk body (up to 10,000 entries) is handled in the thread pool. So are
the receipts (:mod:`anchor_service.services.receipts`, ~50 µs a signature): one entry
receipt on the loop; a bulk answer's range receipt (one signature, and a Merkle tree
over the request's leaves) in the pool.
"""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool

from anchor_service.db.repositories.entries import StoredEntry
from anchor_service.db.writer import EntryWriter
from anchor_service.errors import InvalidEntryError
from anchor_service.ledger import encode_entry, parse_bulk, parse_entry
from anchor_service.ledger.canonical import EncodedEntry
from anchor_service.services.receipts import EntryReceipt, ReceiptSigner

__all__ = ["EntryIngest"]


class EntryIngest:
    """Turns request bodies into stored entries, with the configured limits."""

    def __init__(
        self,
        writer: EntryWriter,
        *,
        max_bulk_items: int,
        max_metadata_bytes: int,
        receipts: ReceiptSigner | None = None,
    ):
        self._writer = writer
        self._max_bulk_items = max_bulk_items
        self._max_metadata_bytes = max_metadata_bytes
        self._receipts = receipts

    def receipt(self, stored: StoredEntry) -> str | None:
        """The signed receipt of ``stored``; ``None`` when no log key is configured."""
        return None if self._receipts is None else self._receipts.receipt(stored)

    async def bulk_receipts(self, stored: list[StoredEntry]) -> list[EntryReceipt | None]:
        """The range receipts of a bulk answer (one per entry), signed in the thread pool."""
        if self._receipts is None:
            return [None] * len(stored)
        return list(await run_in_threadpool(self._receipts.range_receipts, stored))

    async def one(self, body: bytes) -> StoredEntry:
        """Store the entry in ``body``; raises InvalidEntryError or EntryConflictError."""
        encoded = encode_entry(parse_entry(body), max_metadata_bytes=self._max_metadata_bytes)
        [stored] = await self._writer.append([encoded])
        return stored

    async def bulk(self, body: bytes) -> list[StoredEntry]:
        """Store every entry of a bulk body or none (errors carry the item index)."""
        encoded = await run_in_threadpool(self._encode_bulk, body)
        return await self._writer.append(encoded, bulk=True)

    def _encode_bulk(self, body: bytes) -> list[EncodedEntry]:
        encoded: list[EncodedEntry] = []
        for index, entry in enumerate(parse_bulk(body, max_items=self._max_bulk_items)):
            try:
                encoded.append(encode_entry(entry, max_metadata_bytes=self._max_metadata_bytes))
            except InvalidEntryError as exc:
                raise exc.at_index(index) from None
        return encoded
