"""``GET /v1/entries/{external_id}/proof``: bundles that verify against the real chain."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from anchor_service.db.models import Role
from anchor_service.verifier import Status, TrustRoot, parse_bundle, verify_bundle
from anchor_service.verifier.onchain import Web3ChainView

from .conftest import LogBuilder


def pinned(log: LogBuilder) -> TrustRoot:
    """The log's own registry, as its operator would publish it."""
    return TrustRoot.for_registry(1337, log.settings.registry_address or "", "the log's")


Headers = Callable[[Role], dict[str, str]]


def proof(client: TestClient, headers: Headers, external_id: str, **query: int) -> dict:
    response = client.get(
        f"/v1/entries/{external_id}/proof", params=query, headers=headers(Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def test_every_bundle_verifies_against_the_chain_with_its_first_anchored_head(
    log: LogBuilder, client: TestClient, headers: Headers, chain_view: Web3ChainView
) -> None:
    first = log.head(5, batches=2)
    second = log.head(4)
    for index, external_id in enumerate(log.ids):
        bundle = parse_bundle(proof(client, headers, external_id))
        assert bundle.leaf_index == index
        assert bundle.tree_size == (first if index < first else second)
        assert bundle.anchor.seq == (0 if index < first else 1)
        report = verify_bundle(bundle, chain_view, min_confirmations=2, trust=pinned(log))
        assert report.status is Status.VALID, report.to_json()


def test_a_later_anchored_head_can_be_asked_for_by_its_size(
    log: LogBuilder, client: TestClient, headers: Headers, chain_view: Web3ChainView
) -> None:
    first = log.head(3)
    second = log.head(6)
    for external_id in log.ids[:first]:
        body = proof(client, headers, external_id, tree_size=second)
        bundle = parse_bundle(body)
        assert (bundle.tree_size, bundle.anchor.seq) == (second, 1)
        report = verify_bundle(bundle, chain_view, min_confirmations=1, trust=pinned(log))
        assert report.status is Status.VALID


def test_bundle_json_follows_the_format(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    size = log.head(3)
    body = proof(client, headers, log.ids[1])
    assert list(body) == ["version", "entry", "leaf", "inclusion", "statement_hash", "anchor"]
    assert body["version"] == 1 and "redacted" not in body
    assert body["entry"]["external_id"] == log.ids[1] and len(body["entry"]["salt"]) == 32
    assert body["leaf"]["index"] == 1 and body["inclusion"]["tree_size"] == size
    for value in [body["leaf"]["hash"], body["inclusion"]["root"], body["statement_hash"]]:
        assert len(value) == 64 and value == value.lower() and not value.startswith("0x")
    anchor = body["anchor"]
    assert anchor["tx_hash"].startswith("0x") and len(anchor["tx_hash"]) == 66
    assert anchor["registry"] == log.settings.registry_address
    assert (anchor["chain_id"], anchor["seq"]) == (1337, 0)


def test_a_mined_but_unconfirmed_anchor_is_served_and_its_confirmations_checked(
    log: LogBuilder, client: TestClient, headers: Headers, chain_view: Web3ChainView
) -> None:
    log.head(2, confirm=False)  # mined: 1 of the 2 confirmations
    bundle = parse_bundle(proof(client, headers, log.ids[0]))
    report = verify_bundle(bundle, chain_view, min_confirmations=1, trust=pinned(log))
    assert report.status is Status.VALID
    strict = verify_bundle(bundle, chain_view, min_confirmations=5, trust=pinned(log))
    assert strict.status is Status.INVALID
    assert not strict.check("confirmations").ok


def test_entry_without_an_anchored_head_is_409_with_its_status(
    log: LogBuilder, client: TestClient, headers: Headers, rpc: Callable[..., object]
) -> None:
    log.add(2)

    def refused(external_id: str) -> dict:
        response = client.get(f"/v1/entries/{external_id}/proof", headers=headers(Role.AUDITOR))
        assert response.status_code == 409, response.text
        body: dict = response.json()
        assert body["error"] == "EntryNotAnchored"
        return body

    assert refused(log.ids[0])["status"] == "pending"
    log.seal()
    body = refused(log.ids[1])
    assert body["status"] == "sealed" and "leaf 1" in body["detail"]
    rpc("miner_stop")
    try:
        outcome = log.anchorer.anchor_latest()  # sent, not mined
        assert outcome.anchor is not None and not outcome.anchor.mined
        assert refused(log.ids[0])["status"] == "anchored"
    finally:
        rpc("miner_start")
    log.anchorer.confirm()
    assert proof(client, headers, log.ids[0])["leaf"]["index"] == 0


def test_unknown_entry_and_sizes_that_are_not_anchored_heads_are_404(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    first = log.head(3)
    second = log.head(3)

    def status(external_id: str, **query: int) -> int:
        response = client.get(
            f"/v1/entries/{external_id}/proof", params=query, headers=headers(Role.AUDITOR)
        )
        return response.status_code

    assert status("no-such-entry") == 404
    assert status(log.ids[0], tree_size=second - 1) == 404  # not the size of any head
    assert status(log.ids[first], tree_size=first) == 404  # the head does not include it
    assert status(log.ids[first], tree_size=second) == 200
    assert status(log.ids[0], tree_size=0) == 422


def test_proofs_need_an_auditor_or_admin_key(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    log.head(1)
    url = f"/v1/entries/{log.ids[0]}/proof"
    assert client.get(url, headers=headers(Role.ADMIN)).status_code == 200
    assert client.get(url, headers=headers(Role.WRITER)).status_code == 403
    assert client.get(url).status_code == 401
