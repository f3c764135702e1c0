"""One wire model per concept: pages, error responses, and models built from values."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from anchor_service.api import schemas
from anchor_service.api.errors import ERROR_RESPONSES, ErrorBody, error_responses
from anchor_service.api.schemas import AnchoredHeadOut, BatchHeadOut, BatchRef, Page
from anchor_service.api.schemas.batches import BatchAnchorOut
from anchor_service.ledger.status import EntryStatus
from anchor_service.services.proofs.anchored_heads import AnchoredHead
from anchor_service.services.sealing import SealedBatch, SealTimings
from anchor_service.verifier import AnchorRef, BundleAnchorOut


class _Item(BatchRef):
    pass


class _ItemPage(Page[_Item]):
    """A page of test items."""


def _items(count: int) -> list[_Item]:
    return [_Item(seq=seq, tree_size=seq + 1, root="00" * 32) for seq in range(count)]


def test_page_with_an_extra_item_names_the_last_kept_key_as_next() -> None:
    page = _ItemPage.of(_items(4), 3, key=lambda item: item.seq)
    assert [item.seq for item in page.items] == [0, 1, 2]
    assert page.next == "2"


def test_page_without_an_extra_item_is_the_last() -> None:
    assert _ItemPage.of(_items(3), 3, key=lambda item: item.seq).next is None
    assert _ItemPage.of([], 3, key=lambda item: item.seq) == _ItemPage(items=[], next=None)


def test_error_responses_take_the_shared_entries_and_route_descriptions() -> None:
    responses = error_responses(401, 404, described={409: "No anchored head yet"})
    assert responses[401] is ERROR_RESPONSES[401] and responses[404] is ERROR_RESPONSES[404]
    assert responses[409] == {"model": ErrorBody, "description": "No anchored head yet"}
    assert list(responses) == [401, 404, 409]


def test_entry_status_is_read_from_the_covering_batch() -> None:
    assert EntryStatus.of_batch(None) is EntryStatus.PENDING
    assert [EntryStatus.of_batch(s) for s in ("sealed", "anchored", "settled")] == [
        EntryStatus.SEALED,
        EntryStatus.ANCHORED,
        EntryStatus.SETTLED,
    ]
    with pytest.raises(ValueError):
        EntryStatus.of_batch("prepared")


def test_batch_head_is_built_from_a_seal_result_with_hex_hashes() -> None:
    moment = datetime(2026, 11, 21, 1, 15, tzinfo=UTC)
    sealed = SealedBatch(
        seq=2, start_index=10, end_index=15, root=b"\x01" * 32, statement=b"{}",
        statement_hash=b"\x02" * 32, period_start=moment, period_end=moment, sealed_at=moment,
        timings=SealTimings(0.0, 0.0, 0.0, 0.0),
    )  # fmt: skip
    body = BatchHeadOut.of(sealed).model_dump(mode="json")
    assert body == {
        "seq": 2,
        "start_index": 10,
        "end_index": 15,
        "tree_size": 15,
        "entry_count": 5,
        "root": "01" * 32,
        "statement_hash": "02" * 32,
        "period_start": "2026-11-21T01:15:00Z",
        "period_end": "2026-11-21T01:15:00Z",
        "sealed_at": "2026-11-21T01:15:00Z",
    }


def test_anchored_head_extends_the_bundles_anchor_object_with_its_status() -> None:
    ref = AnchorRef(
        chain_id=1337, registry="0x" + "ab" * 20, seq=4, tx_hash=b"\xcd" * 32, block_number=12
    )
    head = AnchoredHead(
        anchor_id=9, tree_size=50, root=b"\x03" * 32, statement_hash=b"\x04" * 32,
        batch_seq=1, anchor=ref, confirmed=False,
    )  # fmt: skip
    body = AnchoredHeadOut.of(head).model_dump(mode="json")
    assert body["anchor"] == {**BundleAnchorOut.of(ref).model_dump(), "status": "mined"}
    assert body["anchor"]["tx_hash"] == "0x" + "cd" * 32
    assert (body["tree_size"], body["root"], body["batch_seq"]) == (50, "03" * 32, 1)


def test_batch_anchor_leaves_hashes_of_an_unmined_anchor_null() -> None:
    class Unmined:
        id, tree_size, chain_id, registry_address = 3, 15, 1337, "0x" + "ab" * 20
        chain_seq, tx_hash, block_number = None, None, None
        status = "submitted"

    body = BatchAnchorOut.of(Unmined()).model_dump()  # type: ignore[arg-type]
    assert body == {"id": 3, "seq": None, "tree_size": 15, "tx_hash": None, "status": "submitted"}


def test_schemas_exports_every_model_of_its_modules() -> None:
    modules = (
        schemas.anchors, schemas.audit, schemas.batches, schemas.entries, schemas.log,
        schemas.pages, schemas.reconciliations,
    )  # fmt: skip
    defined = {name for module in modules for name in module.__all__}
    assert defined == set(schemas.__all__)
    assert all(getattr(schemas, name) is not None for name in schemas.__all__)


def test_the_verifier_imports_neither_the_api_nor_fastapi() -> None:
    code = (
        "import sys, anchor_service.verifier\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('anchor_service.api', "
        "'fastapi', 'sqlalchemy')))\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"
