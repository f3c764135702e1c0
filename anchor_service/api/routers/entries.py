"""``/v1/entries``: write entries (writers) and read them back (auditors)."""

from __future__ import annotations

import dataclasses
import json

from fastapi import APIRouter, Request, Response, status

from anchor_service.api.auth import hide_unreadable_entry
from anchor_service.api.deps import AccountReaderDep, ReadSessionDep, WriterDep, state_of
from anchor_service.api.errors import error_responses
from anchor_service.api.ingest import EntryIngest
from anchor_service.api.openapi import json_body
from anchor_service.api.schemas.entries import (
    AnchorRef,
    BatchRef,
    BulkEntriesOut,
    EntryOut,
    render_bulk,
    render_entry,
)
from anchor_service.db.models_sealing import BatchStatus
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.checkpoints import CheckpointRepository
from anchor_service.db.repositories.entries import EntryRepository, StoredEntry
from anchor_service.ledger import BulkEntriesIn, EntryIn, canonical_json
from anchor_service.ledger.schema import EXAMPLE_BULK, EXAMPLE_ENTRY
from anchor_service.ledger.status import EntryStatus

__all__ = ["entry_answer", "router"]

router = APIRouter(prefix="/v1/entries", tags=["entries"])

_WRITE_ERRORS = error_responses(401, 403, 409, 413, 422)
_READ_ERRORS = error_responses(401, 403, 404)


def _ingest(request: Request) -> EntryIngest:
    # Not a dependency: the write routes are hot, and each dependency costs CPU.
    return state_of(request.app).ingest


def _status(_stored: StoredEntry) -> EntryStatus:
    return EntryStatus.PENDING


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EntryOut,
    summary="Store one entry (idempotent on external_id)",
    description=(
        "Validates the entry, stores its canonical document with a fresh salt and assigns "
        "the next leaf index. **201** when stored now; **200** with the stored entry when "
        "the same external_id was already stored with the same body (its `document` "
        "without the `salt`: only the 201 answer, and auditors, see the salt); **409** "
        "when it was stored with a different body. Both 201 and 200 carry `receipt`: the "
        "log's signed promise (an `anchor-service/receipt/v1` signed note, see docs/api.md) "
        "to have the leaf in a signed checkpoint by `merge-by`; a replay gets the same "
        "receipt. Needs a `writer` or `admin` key."
    ),
    responses={
        200: {"model": EntryOut, "description": "Already stored (replay)"},
        **_WRITE_ERRORS,
    },
    openapi_extra=json_body(EntryIn, "One ledger entry.", [EXAMPLE_ENTRY]),
)
async def create_entry(_caller: WriterDep, request: Request) -> Response:
    return await entry_answer(_ingest(request), request)


async def entry_answer(ingest: EntryIngest, request: Request) -> Response:
    """The answer to ``POST /v1/entries`` (the caller checked already): this route's,
    and :mod:`anchor_service.api.lanes`'s."""
    stored = await ingest.one(await request.body())
    receipt = ingest.receipt(stored)
    if not stored.created:
        stored = _without_salt(stored)
    return Response(
        render_entry(stored, _status(stored), receipt=receipt, with_receipt=True),
        status_code=status.HTTP_201_CREATED if stored.created else status.HTTP_200_OK,
        media_type="application/json",
        headers={"Location": f"{router.prefix}/{stored.external_id}"},
    )


def _without_salt(stored: StoredEntry) -> StoredEntry:
    """A replay's answer: whoever guessed an entry's body must not learn its salt."""
    document = json.loads(stored.document)
    document.pop("salt", None)
    return dataclasses.replace(stored, document=canonical_json(document))


@router.post(
    "/bulk",
    status_code=status.HTTP_201_CREATED,
    response_model=BulkEntriesOut,
    summary="Store up to 10,000 entries, all or none",
    description=(
        "Each item follows the rules of `POST /v1/entries`. If any item is invalid or "
        "conflicts, nothing is stored and the error names the item's `index`. Items "
        "already stored with the same body are returned as they are (`created: false`). "
        "**201** when at least one entry was stored now, else **200**. Every item carries "
        "`receipt`, the log's signed promise for the whole request (an "
        "`anchor-service/range-receipt/v1` signed note over the Merkle root of the "
        "request's leaves, one signature), and `receipt_proof`, the item's index and "
        "inclusion path in it (see docs/api.md). Needs a `writer` or `admin` key."
    ),
    responses={
        200: {"model": BulkEntriesOut, "description": "Every item already stored"},
        **_WRITE_ERRORS,
    },
    openapi_extra=json_body(
        BulkEntriesIn, "Entries in the order they should be logged.", [EXAMPLE_BULK]
    ),
)
async def create_entries_bulk(_caller: WriterDep, request: Request) -> Response:
    ingest = _ingest(request)
    stored = await ingest.bulk(await request.body())
    receipts = await ingest.bulk_receipts(stored)
    created = any(item.created for item in stored)
    return Response(
        render_bulk(stored, [_status(item) for item in stored], receipts),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )


@router.get(
    "/{external_id}",
    response_model=EntryOut,
    summary="Read one entry",
    description=(
        "`status` is `pending` until a signed checkpoint includes the entry (every "
        "`ANCHOR_CHECKPOINT_SECONDS`, see `GET /tlog/checkpoint`), then `logged`; "
        "`sealed` once the nightly seal covers it, with the "
        "`batch` (seq and tree head) that sealed it; `anchored` once an anchor covering "
        "the batch is sent to the chain, and `settled` once that anchor is confirmed, "
        "with the `anchor` (id, registry seq, transaction, block). `receipt` is the entry's "
        "signed entry receipt (`anchor-service/receipt/v1`), the same bytes a single `POST` "
        "answered (an entry stored in bulk gets one too, besides its range receipt). Needs an "
        "`auditor` or `admin` key, "
        "or an `account` key bound to one of the entry's accounts: to any other `account` "
        "key an entry touching none of its accounts is **404** like a missing one."
    ),
    responses=_READ_ERRORS,
)
def get_entry(
    external_id: str, caller: AccountReaderDep, session: ReadSessionDep, request: Request
) -> Response:
    entry = EntryRepository(session).get(external_id)
    hide_unreadable_entry(caller, external_id, entry.document)
    stored = StoredEntry(
        external_id=entry.external_id,
        leaf_index=entry.leaf_index,
        leaf_hash=entry.leaf_hash,
        document=entry.document if entry.document is not None else b"null",  # redacted
        received_at=entry.received_at,
        created=False,
    )
    receipt = _ingest(request).receipt(stored)  # the same bytes as a single POST's
    batch = BatchRepository(session).covering(entry.leaf_index)
    if batch is None:
        checkpoint = CheckpointRepository(session).latest()
        logged = checkpoint is not None and checkpoint.tree_size > entry.leaf_index
        status = EntryStatus.of_batch(None, logged=logged)
        body = render_entry(stored, status, receipt=receipt, with_receipt=True)
        return Response(body, media_type="application/json")
    anchor = None
    if batch.status != BatchStatus.SEALED and batch.anchor_id is not None:
        anchor = AnchorRef.of(AnchorRepository(session).get(batch.anchor_id))
    status = EntryStatus.of_batch(batch.status)
    body = render_entry(
        stored, status, BatchRef.of(batch), anchor, receipt=receipt, with_receipt=True
    )
    return Response(body, media_type="application/json")
