"""``GET /v1/entries/{external_id}`` follows an entry: pending, sealed, anchored, settled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from anchor_service.db.models import Role
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.views import OutcomeKind

from .conftest import MakeAnchorer, Rpc, SealEntries


def test_entry_status_moves_from_pending_to_settled_with_batch_and_anchor(
    client: TestClient,
    auth: Callable[[Role], dict[str, str]],
    make_entry: Callable[..., dict[str, Any]],
    seal_entries: SealEntries,
    make_anchorer: MakeAnchorer,
    chain: ChainContext,
    rpc: Rpc,
) -> None:
    writer, auditor = auth(Role.WRITER), auth(Role.AUDITOR)
    first, entry = make_entry(), make_entry()
    assert client.post("/v1/entries", json=first, headers=writer).status_code == 201
    seal_entries(1)  # batch 0: `first` and one more
    assert client.post("/v1/entries", json=entry, headers=writer).status_code == 201

    def read(external_id: str = entry["external_id"]) -> dict[str, Any]:
        response = client.get(f"/v1/entries/{external_id}", headers=auditor)
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    pending = read()
    assert (pending["status"], pending["batch"], pending["anchor"]) == ("pending", None, None)

    size = seal_entries(1)
    sealed = read()
    assert sealed["status"] == "sealed" and sealed["anchor"] is None
    assert sealed["batch"]["seq"] == 1 and sealed["batch"]["tree_size"] == size

    anchorer = make_anchorer(confirmations=2)
    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.SUBMITTED and outcome.anchor is not None
    anchored = read()
    assert anchored["status"] == "anchored"
    assert anchored["anchor"] == {
        "id": outcome.anchor.id,
        "status": "submitted",
        "chain_id": 1337,
        "registry": chain.registry.address,
        "seq": None,
        "tx_hash": None,
        "block_number": None,
    }
    anchorer.confirm()
    mined = read()["anchor"]
    assert mined["status"] == "submitted" and mined["block_number"] is not None
    assert mined["tx_hash"] == "0x" + outcome.anchor.attempts[0].tx_hash.hex()

    rpc("evm_mine")
    anchorer.confirm()
    settled = read()
    assert settled["status"] == "settled"
    assert settled["anchor"]["status"] == "confirmed" and settled["anchor"]["seq"] == 0
    assert settled["batch"] == sealed["batch"]
    older = read(first["external_id"])  # batch 0 was never anchored alone: covered
    assert older["status"] == "settled" and older["batch"]["seq"] == 0
    assert older["anchor"] == settled["anchor"]
