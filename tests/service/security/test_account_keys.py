"""Account keys on SQLite and PostgreSQL: their patterns stored and carried by the
principal; entries touching none of the key's accounts answered 404 like missing ones;
the account check of ``AccountReaderDep`` on a route with an ``{account}`` path.

The bundles of anchored entries (and redacted ones) are in
tests/service/proofs/test_account_key_proofs.py; every route's answer to an account key
is in test_role_matrix.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from anchor_service.api import create_app
from anchor_service.api.auth import ApiKeyCache, Authenticator, Principal
from anchor_service.api.deps import AccountReaderDep
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.errors import AccountPatternError, PermissionDeniedError
from anchor_service.ledger.account_patterns import AccountPattern
from anchor_service.settings import Settings

MakeSettings = Callable[..., Settings]
MakeEntry = Callable[..., dict[str, Any]]
Auth = Callable[[Role], dict[str, str]]
TWO_PATTERNS = ("wallet:user:981", "creator:7:*")


def _account_key(database: Database, *patterns: str) -> tuple[str, str]:
    """(token, key id) of a new account key bound to ``patterns``."""
    with unit_of_work(database.writer) as session:
        new = ApiKeyRepository(session).create(Role.ACCOUNT, name="creator", accounts=patterns)
    return new.token, new.key.id


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _postings(debit: str, credit: str) -> list[dict[str, str]]:
    return [
        {"account": debit, "amount": "-5000", "currency": "IDR"},
        {"account": credit, "amount": "5000", "currency": "IDR"},
    ]


def test_patterns_are_stored_with_the_key_and_carried_by_its_principal(
    database: Database,
) -> None:
    token, key_id = _account_key(database, *TWO_PATTERNS, "wallet:user:981")
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT api_key_id, pattern FROM api_key_accounts ORDER BY pattern")
        ).all()
    assert sorted(tuple(row) for row in rows) == [
        (key_id, "creator:7:*"),
        (key_id, "wallet:user:981"),
    ]
    authenticator = Authenticator(database, ApiKeyCache(ttl_seconds=60))
    principal = authenticator.authenticate(token)
    expected = (AccountPattern("creator:7:*"), AccountPattern("wallet:user:981"))
    assert (principal.role, principal.accounts) == (Role.ACCOUNT, expected)
    assert authenticator.cached(token) == principal  # the cache keeps the patterns
    assert principal.may_read_account("creator:7:12") and principal.may_read_account(
        "wallet:user:981"
    )
    assert not principal.may_read_account("wallet:user:1204")
    with unit_of_work(database.reader) as session:
        assert ApiKeyRepository(session).accounts_by_key() == {key_id: expected}


def test_keys_with_missing_or_misplaced_patterns_are_refused_and_nothing_is_stored(
    database: Database,
) -> None:
    refusals: list[tuple[Role, tuple[str, ...], str]] = [
        (Role.ACCOUNT, (), "needs at least one account pattern"),
        (Role.ACCOUNT, ("wallet:user:981", "creator:*:x"), "'*' before its end"),
        (Role.WRITER, ("wallet:user:981",), "'account' keys only, not for a 'writer' key"),
        (Role.AUDITOR, ("wallet:user:981",), "not for a 'auditor' key"),
    ]
    for role, patterns, reason in refusals:
        with unit_of_work(database.writer) as session, pytest.raises(AccountPatternError) as e:
            ApiKeyRepository(session).create(role, accounts=patterns)
        assert reason in e.value.detail
    with unit_of_work(database.reader) as session:
        assert ApiKeyRepository(session).count() == 0
    # The role check of api_keys survived migration 0009's rebuild of the table.
    row = {"id": "0123456789abcdef", "hash": bytes(32)}
    insert = (
        "INSERT INTO api_keys (id, role, secret_hash, created_at)"
        " VALUES (:id, :role, :hash, CURRENT_TIMESTAMP)"
    )
    with pytest.raises(IntegrityError), database.engine.begin() as connection:
        connection.execute(text(insert), {**row, "role": "root"})
    with database.engine.begin() as connection:
        connection.execute(text(insert), {**row, "role": "account"})


def test_an_account_key_reads_only_entries_touching_its_accounts(
    client: TestClient, database: Database, make_entry: MakeEntry, auth: Auth
) -> None:
    entries = {
        "own-wallet": make_entry(),  # wallet:user:981 -> escrow:project:42
        "own-creator": make_entry(postings=_postings("platform:payouts", "creator:7:12")),
        "bare-prefix": make_entry(postings=_postings("platform:payouts", "creator:7")),
        "other-user": make_entry(postings=_postings("wallet:user:1204", "escrow:project:42")),
    }
    response = client.post(
        "/v1/entries/bulk", json={"entries": list(entries.values())}, headers=auth(Role.WRITER)
    )
    assert response.status_code == 201, response.text
    ids = {name: entry["external_id"] for name, entry in entries.items()}
    auditor = auth(Role.AUDITOR)
    both, _ = _account_key(database, *TWO_PATTERNS)
    creator_only, _ = _account_key(database, "creator:7:*")

    def read(token: str, name: str) -> int:
        answer = client.get(f"/v1/entries/{ids[name]}", headers=_bearer(token))
        if answer.status_code == 200:  # the very answer an auditor gets
            assert answer.content == client.get(f"/v1/entries/{ids[name]}", headers=auditor).content
        return int(answer.status_code)

    readable = {token: [name for name in ids if read(token, name) == 200]
                for token in (both, creator_only)}  # fmt: skip
    assert readable == {both: ["own-wallet", "own-creator"], creator_only: ["own-creator"]}

    # Hidden entries are answered exactly like entries that do not exist.
    missing = client.get("/v1/entries/no-such-entry", headers=_bearer(both))
    for name in ("bare-prefix", "other-user"):
        hidden = client.get(f"/v1/entries/{ids[name]}", headers=_bearer(both))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == {
            **missing.json(),
            "detail": missing.json()["detail"].replace("no-such-entry", ids[name]),
        }
        for query in ("", "?format=tlog-proof", "?tree_size=1", "?format=tlog-proof&tree_size=1"):
            proof = client.get(f"/v1/entries/{ids[name]}/proof{query}", headers=_bearer(both))
            assert (proof.status_code, proof.json()) == (404, hidden.json()), query
    # Its own entries pass the account check: not anchored (nor checkpointed) yet.
    for query in ("", "?format=tlog-proof"):
        own = client.get(f"/v1/entries/{ids['own-creator']}/proof{query}", headers=_bearer(both))
        assert (own.status_code, own.json()["error"]) == (409, "EntryNotAnchored"), query

    # Account keys cannot write, nor read anything else.
    refused = client.post("/v1/entries", json=make_entry(), headers=_bearer(both))
    assert refused.status_code == 403
    assert "has role 'account'; this needs a 'writer' or 'admin' key" in refused.json()["detail"]
    for path in ("/v1/batches", "/v1/log/head", "/tlog/tile/entries/0/000"):
        assert client.get(path, headers=_bearer(both)).status_code == 403, path


def test_account_reader_dep_checks_the_account_of_the_path(
    settings: Settings, database: Database, auth: Auth
) -> None:
    """The dependency the account line and history routes take (``/v1/batches/{seq}/
    accounts/{account}``), on a route of its own with an ``{account}`` path parameter."""
    app = create_app(settings, database)

    def line(account: str, caller: AccountReaderDep) -> dict[str, str]:
        return {"account": account, "role": caller.role.value}

    app.add_api_route("/v1/scoped/{account}", line, methods=["GET"])
    token, key_id = _account_key(database, *TWO_PATTERNS)
    with TestClient(app) as client:
        for account in ("wallet:user:981", "creator:7:12", "creator:7:12:payouts"):
            answer = client.get(f"/v1/scoped/{account}", headers=_bearer(token))
            assert answer.json() == {"account": account, "role": "account"}
        for account in ("wallet:user:1204", "creator:7", "creator:70"):
            answer = client.get(f"/v1/scoped/{account}", headers=_bearer(token))
            assert (answer.status_code, answer.json()["error"]) == (403, "PermissionDenied")
            assert answer.json()["detail"] == (
                f"API key {key_id} may not read account {account!r}: it is bound to the "
                "accounts creator:7:*, wallet:user:981"
            )
        for role in (Role.AUDITOR, Role.ADMIN):
            answer = client.get("/v1/scoped/wallet:user:1204", headers=auth(role))
            assert answer.json() == {"account": "wallet:user:1204", "role": role.value}
        writer = client.get("/v1/scoped/wallet:user:981", headers=auth(Role.WRITER))
        assert writer.status_code == 403
        assert "needs an 'auditor', 'admin' or 'account' key" in writer.json()["detail"]
        assert client.get("/v1/scoped/wallet:user:981").status_code == 401


def test_principal_answers_for_every_role() -> None:
    account = Principal("k1", Role.ACCOUNT, (AccountPattern("creator:7:*"),))
    assert account.may_read_entry(["platform:payouts", "creator:7:1"])
    assert not account.may_read_entry(["platform:payouts"]) and not account.may_read_entry([])
    for role in (Role.AUDITOR, Role.ADMIN):
        reader = Principal("k2", role)
        assert reader.require_account("any:account") is reader and reader.may_read_entry([])
    writer = Principal("k3", Role.WRITER)
    assert not writer.may_read_account("creator:7:1") and not writer.may_read_entry(["a"])
    with pytest.raises(PermissionDeniedError, match="k3 has role 'writer'; reading account"):
        writer.require_account("creator:7:1")


def test_tlog_reads_are_refused_to_account_keys_when_not_public(
    make_settings: MakeSettings, database: Database, tmp_path: Path
) -> None:
    app = create_app(make_settings(tlog_public=False, data_dir=tmp_path), database)
    token, _ = _account_key(database, "wallet:user:981")
    with TestClient(app) as client:
        for path in ("/tlog/checkpoint", "/tlog/tile/0/000"):
            answer = client.get(path, headers=_bearer(token))
            assert (answer.status_code, answer.json()["error"]) == (403, "PermissionDenied")
