"""``/v1/log``, ``/v1/batches``, ``/v1/anchors``: what auditors read besides bundles."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

from fastapi.testclient import TestClient

from anchor_service import merkle
from anchor_service.db.models import Role
from anchor_service.services.anchoring.chain_context import ChainContext

from .conftest import LogBuilder

Headers = Callable[[Role], dict[str, str]]


def get(client: TestClient, headers: Headers, url: str, **params: object) -> dict:
    response = client.get(url, params=params, headers=headers(Role.AUDITOR))
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def test_consistency_between_every_pair_of_anchored_heads_verifies_in_python_and_on_chain(
    log: LogBuilder, client: TestClient, headers: Headers, chain: ChainContext
) -> None:
    sizes = [log.head(count) for count in (1, 2, 5, 8)]  # sizes 1, 3, 8, 16
    roots = {size: chain.registry.root_at(size) for size in sizes}
    for first, second in itertools.combinations_with_replacement(sizes, 2):
        body = get(client, headers, "/v1/log/consistency", first=first, second=second)
        proof = [bytes.fromhex(node) for node in body["proof"]]
        root1, root2 = (bytes.fromhex(body[key]["root"]) for key in ("first", "second"))
        assert (root1, root2) == (roots[first], roots[second])
        assert merkle.verify_consistency(first, second, proof, root1, root2)
        assert chain.registry.verify_consistency(first, second, root1, root2, proof)
        if first < second and len(proof) > 0:  # a changed node must fail on both sides
            bad = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
            assert not merkle.verify_consistency(first, second, bad, root1, root2)
            assert not chain.registry.verify_consistency(first, second, root1, root2, bad)
        assert body["second"]["anchor"]["seq"] == sizes.index(second)


def test_consistency_needs_anchored_sizes_in_order(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    first = log.head(2)
    log.add(3)
    log.seal()  # sealed, never anchored
    second = log.head(2)
    url = "/v1/log/consistency"
    auditor = headers(Role.AUDITOR)
    for query in ({"first": first, "second": 5}, {"first": 4, "second": second}):
        response = client.get(url, params=query, headers=auditor)
        assert response.status_code == 404, response.text
        assert response.json()["error"] == "NotFound"
    assert (
        client.get(url, params={"first": second, "second": first}, headers=auditor).status_code
        == 404
    )
    assert client.get(url, params={"first": 0, "second": first}, headers=auditor).status_code == 422


def test_log_head_shows_stored_sealed_anchored_and_confirmed(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    empty = get(client, headers, "/v1/log/head")
    assert (empty["entries"], empty["sealed"]["tree_size"], empty["anchored"]) == (0, 0, None)
    assert empty["sealed"]["root"] == hashlib.sha256(b"").hexdigest()
    confirmed = log.head(3)
    mined = log.head(2, confirm=False)
    log.add(4)
    head = get(client, headers, "/v1/log/head")
    assert (head["entries"], head["pending"]) == (9, 4)
    assert (head["sealed"]["tree_size"], head["sealed"]["batch_seq"]) == (mined, 1)
    assert head["anchored"]["tree_size"] == mined
    assert head["anchored"]["anchor"]["status"] == "mined"
    assert head["confirmed"]["tree_size"] == confirmed
    assert head["confirmed"]["anchor"]["status"] == "confirmed"
    assert head["anchored"]["root"] == head["sealed"]["root"]


def test_batches_page_by_seq_and_serve_the_exact_statement_anchored(
    log: LogBuilder, client: TestClient, headers: Headers, chain: ChainContext
) -> None:
    log.head(6, batches=3)  # three batches, one anchor covering them all
    seen = []
    after = None
    while True:
        params = {"limit": 2} if after is None else {"limit": 2, "after": after}
        page = get(client, headers, "/v1/batches", **params)
        seen += page["items"]
        after = page["next"]
        if after is None:
            break
    assert [batch["seq"] for batch in seen] == [0, 1, 2]
    assert [(b["start_index"], b["end_index"]) for b in seen] == [(0, 2), (2, 4), (4, 6)]
    assert all(b["status"] == "settled" and b["anchor"]["seq"] == 0 for b in seen)
    last = get(client, headers, "/v1/batches/2")
    assert last == seen[2]
    response = client.get("/v1/batches/2/statement", headers=headers(Role.AUDITOR))
    assert response.status_code == 200
    digest = hashlib.sha256(response.content).digest()
    assert digest.hex() == last["statement_hash"] == response.headers["x-statement-sha256"]
    record = chain.registry.anchor_at(0)
    assert record is not None and record.statement_hash == digest
    assert client.get("/v1/batches/3", headers=headers(Role.AUDITOR)).status_code == 404


def test_anchors_show_transaction_block_confirmations_gas_and_fee(
    log: LogBuilder, client: TestClient, headers: Headers, chain: ChainContext
) -> None:
    log.head(2)
    log.head(3, confirm=False)
    page = get(client, headers, "/v1/anchors", limit=1)
    assert [anchor["seq"] for anchor in page["items"]] == [0] and page["next"] == "0"
    rest = get(client, headers, "/v1/anchors", limit=1, after=page["next"])
    assert [anchor["seq"] for anchor in rest["items"]] == [1] and rest["next"] is None
    first, second = page["items"][0], rest["items"][0]
    assert (first["status"], second["status"]) == ("confirmed", "submitted")
    assert first["confirmations"] >= 2 and second["confirmations"] == 1
    assert first["required_confirmations"] == 2
    for anchor in (first, second):
        receipt = chain.registry.get_receipt(bytes.fromhex(anchor["tx_hash"][2:]))
        assert receipt is not None and receipt.block_number == anchor["block_number"]
        assert anchor["gas_used"] == receipt.gas_used
        assert anchor["fee_wei"] == receipt.gas_used * receipt.effective_gas_price > 0
    assert get(client, headers, "/v1/anchors/1") == second
    assert client.get("/v1/anchors/2", headers=headers(Role.AUDITOR)).status_code == 404


def test_views_need_an_auditor_or_admin_key(client: TestClient, headers: Headers) -> None:
    for url in ("/v1/log/head", "/v1/batches", "/v1/anchors"):
        assert client.get(url, headers=headers(Role.ADMIN)).status_code == 200
        assert client.get(url, headers=headers(Role.WRITER)).status_code == 403
        assert client.get(url).status_code == 401
