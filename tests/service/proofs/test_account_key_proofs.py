"""Proof bundles for account keys, on a log sealed and anchored on ganache: a key bound
to an entry's account gets the very bundle an auditor gets (and it verifies on chain);
an entry touching none of its accounts, or one redacted since, is 404 like a missing one."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.services.redaction import redact_entry
from anchor_service.verifier import Status, TrustRoot, parse_bundle, verify_bundle
from anchor_service.verifier.onchain import Web3ChainView

from .conftest import LogBuilder

Headers = Callable[[Role], dict[str, str]]


def test_an_account_key_gets_the_bundles_of_its_own_entries_only(
    log: LogBuilder,
    client: TestClient,
    database: Database,
    headers: Headers,
    chain_view: Web3ChainView,
) -> None:
    [own] = log.add(1)  # wallet:user:981 -> escrow:project:42
    other = log.add_for("wallet:user:1204")
    log.seal()
    log.anchor()
    scoped = log.account_key("wallet:user:981")

    def get(external_id: str, key: dict[str, str], query: str = "") -> tuple[int, bytes]:
        answer = client.get(f"/v1/entries/{external_id}/proof{query}", headers=key)
        return answer.status_code, answer.content

    status, body = get(own, scoped)
    assert (status, body) == get(own, headers(Role.AUDITOR))
    trust = TrustRoot.for_registry(1337, log.settings.registry_address or "", "the log's")
    report = verify_bundle(parse_bundle(body), chain_view, min_confirmations=2, trust=trust)
    assert report.status is Status.VALID, report.to_json()

    def hidden(external_id: str) -> None:
        for query in ("", "?format=tlog-proof"):
            status, body = get(external_id, scoped, query)
            missing = get("no-such-entry", scoped, query)[1]
            assert (status, body) == (404, missing.replace(b"no-such-entry", external_id.encode()))

    hidden(other)
    assert get(other, headers(Role.AUDITOR))[0] == 200

    redact_entry(database, own)  # its document, and so its accounts, are gone
    hidden(own)
    status, body = get(own, headers(Role.AUDITOR))
    assert status == 200 and parse_bundle(body).redacted
