"""Reads from a real streaming replica (``ANCHOR_DATABASE_READ_URL``): proofs served by
the replica verify against the chain; what the replica has not replayed yet (replay
paused) is answered by the primary, never a 404 or a wrong proof; with the replica
stopped the primary answers; with the primary stopped the replica serves the reads and
writes get a clean 503. Which server a read went to is read from the servers' own
statement logs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.settings import Settings
from anchor_service.verifier import Status, TrustRoot, parse_bundle, verify_bundle
from anchor_service.verifier.onchain import Web3ChainView
from tests.support.waiting import wait_until

from .conftest import LogBuilder, Pair

pytestmark = pytest.mark.postgres

Headers = Callable[[Role], dict[str, str]]


def _trust(log: LogBuilder) -> TrustRoot:
    return TrustRoot.for_registry(1337, log.settings.registry_address or "", "the log's")


def _verified(client: TestClient, headers: Headers, log: LogBuilder, view: Web3ChainView,
              external_id: str) -> None:  # fmt: skip
    response = client.get(f"/v1/entries/{external_id}/proof", headers=headers(Role.AUDITOR))
    assert response.status_code == 200, response.text
    bundle = parse_bundle(response.content)
    report = verify_bundle(bundle, view, min_confirmations=2, trust=_trust(log))
    assert report.status is Status.VALID, report.to_json()
    assert bundle.leaf_index == log.ids.index(external_id)


def test_proofs_are_read_from_the_replica_and_verify(
    pair: Pair, log: LogBuilder, client: TestClient, headers: Headers, chain_view: Web3ChainView
) -> None:
    log.head(5, batches=2)
    headers(Role.AUDITOR)  # the key is created on the primary: let the replica have it
    pair.replayed()
    since = pair.primary.log_size(), pair.replica.log_size()
    for external_id in log.ids:
        _verified(client, headers, log, chain_view, external_id)
        entry = client.get(f"/v1/entries/{external_id}", headers=headers(Role.AUDITOR))
        assert entry.status_code == 200 and entry.json()["status"] == "settled", entry.text
    for external_id in log.ids:
        assert pair.replica.reads_of(external_id, since[1]) == 2  # the proof and the entry
        assert pair.primary.reads_of(external_id, since[0]) == 0
    batch = client.get("/v1/batches/1", headers=headers(Role.AUDITOR))
    assert batch.status_code == 200 and batch.json()["seq"] == 1, batch.text


def test_what_the_replica_has_not_replayed_is_answered_by_the_primary(
    pair: Pair, log: LogBuilder, client: TestClient, headers: Headers, chain_view: Web3ChainView
) -> None:
    log.head(3)
    auditor = headers(Role.AUDITOR)
    pair.replayed()
    pair.replica.run_sql("SELECT pg_wal_replay_pause()")
    try:
        size = log.head(4)  # entries, a batch and an anchor the replica does not have
        since = pair.primary.log_size(), pair.replica.log_size()
        for external_id in log.ids:  # old and new: every proof is there and verifies
            _verified(client, headers, log, chain_view, external_id)
        new = log.ids[-1]
        assert pair.replica.reads_of(new, since[1]) >= 1  # asked first: not there
        assert pair.primary.reads_of(new, since[0]) >= 1  # answered by the primary
        entry = client.get(f"/v1/entries/{new}", headers=auditor)
        assert entry.status_code == 200 and entry.json()["leaf_index"] == size - 1, entry.text
        admin = headers(Role.ADMIN)  # a key the replica does not know: the primary does
        batch = client.get("/v1/batches/1", headers=admin)
        assert batch.status_code == 200 and batch.json()["end_index"] == size, batch.text
        proof = client.get(f"/v1/entries/{log.ids[0]}/proof", params={"tree_size": size},
                           headers=auditor)  # fmt: skip
        assert proof.status_code == 200 and parse_bundle(proof.content).tree_size == size
        detail = client.get("/healthz/detail").json()["replicas"]
        assert detail[0]["name"] == f"127.0.0.1:{pair.replica.port}/anchor"
        assert detail[0]["state"] == "replay paused" and detail[0]["lag_bytes"] > 0, detail
    finally:
        pair.replica.run_sql("SELECT pg_wal_replay_resume()")
    pair.replayed()
    detail = client.get("/healthz/detail").json()["replicas"]
    assert detail[0]["state"] == "ok", detail


_SNAPSHOT = "REPEATABLE READ"  # the audit's one snapshot (nothing else here asks for it)


def test_the_admin_audit_scans_a_replica_and_the_primary_when_it_is_behind(
    pair: Pair, log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    log.head(3)
    admin = headers(Role.ADMIN)
    pair.replayed()
    since = pair.primary.log_size(), pair.replica.log_size()
    report = client.post("/v1/admin/audit", headers=admin)
    assert report.status_code == 200 and report.json()["clean"], report.text
    assert _SNAPSHOT in pair.replica.text_since(since[1])
    assert _SNAPSHOT not in pair.primary.text_since(since[0])
    pair.replica.run_sql("SELECT pg_wal_replay_pause()")
    try:
        log.head(2)  # on chain and on the primary; the replica's audit would not know it
        since = pair.primary.log_size(), pair.replica.log_size()
        report = client.post("/v1/admin/audit", headers=admin)
        assert report.status_code == 200 and report.json()["clean"], report.text
        assert _SNAPSHOT in pair.replica.text_since(since[1])
        assert _SNAPSHOT in pair.primary.text_since(since[0])
    finally:
        pair.replica.run_sql("SELECT pg_wal_replay_resume()")


def test_a_replica_behind_by_more_than_the_maximum_lag_is_left_out_until_it_catches_up(
    pair: Pair,
    make_settings: Callable[..., Settings],
    database: Database,
    make_key: Callable[[Role], str],
    make_entry: Callable[..., dict[str, object]],
) -> None:
    settings = make_settings(database_read_max_lag_seconds=0.5)
    auditor = {"Authorization": f"Bearer {make_key(Role.AUDITOR)}"}
    writer = {"Authorization": f"Bearer {make_key(Role.WRITER)}"}
    with TestClient(create_app(settings, database)) as client:
        old = make_entry()
        assert client.post("/v1/entries", json=old, headers=writer).status_code == 201
        pair.replayed()

        def state() -> str:
            return str(client.get("/healthz/detail").json()["replicas"][0]["state"])

        wait_until(lambda: state() == "ok", 10, "the replica is used")
        pair.replica.run_sql("SELECT pg_wal_replay_pause()")
        try:
            new = client.post("/v1/entries", json=make_entry(), headers=writer)
            assert new.status_code == 201, new.text
            wait_until(lambda: state() == "behind", 10, "the replica is left out")
            since = pair.primary.log_size(), pair.replica.log_size()
            read = client.get(f"/v1/entries/{old['external_id']}", headers=auditor)
            assert read.status_code == 200, read.text
            assert pair.primary.reads_of(str(old["external_id"]), since[0]) == 1
            assert pair.replica.reads_of(str(old["external_id"]), since[1]) == 0
        finally:
            pair.replica.run_sql("SELECT pg_wal_replay_resume()")
        wait_until(lambda: state() == "ok", 10, "the replica is used again once it caught up")
        since = pair.primary.log_size(), pair.replica.log_size()
        read = client.get(f"/v1/entries/{old['external_id']}", headers=auditor)
        assert read.status_code == 200, read.text
        assert pair.replica.reads_of(str(old["external_id"]), since[1]) == 1


def test_with_the_replica_stopped_the_primary_answers(
    pair: Pair, log: LogBuilder, client: TestClient, headers: Headers, chain_view: Web3ChainView
) -> None:
    log.head(3)
    auditor = headers(Role.AUDITOR)
    pair.replayed()
    pair.replica.stop()
    try:
        since = pair.primary.log_size()
        for external_id in log.ids:
            _verified(client, headers, log, chain_view, external_id)
            entry = client.get(f"/v1/entries/{external_id}", headers=auditor)
            assert entry.status_code == 200, entry.text
            assert pair.primary.reads_of(external_id, since) == 2
        assert client.get("/v1/anchors", headers=auditor).status_code == 200
        detail = client.get("/healthz/detail").json()
        assert detail["status"] == "ok" and detail["database"] == "ok", detail
        assert detail["replicas"][0]["state"].startswith("unavailable"), detail
    finally:
        pair.replica.start()


def test_with_the_primary_stopped_reads_come_from_the_replica_and_writes_get_503(
    pair: Pair,
    log: LogBuilder,
    client: TestClient,
    headers: Headers,
    chain_view: Web3ChainView,
    make_entry: Callable[..., dict[str, object]],
) -> None:
    log.head(4)
    auditor, writer = headers(Role.AUDITOR), headers(Role.WRITER)
    pair.replayed()
    pair.primary.stop()
    try:
        for external_id in log.ids:
            _verified(client, headers, log, chain_view, external_id)
        assert client.get(f"/v1/entries/{log.ids[0]}", headers=auditor).status_code == 200
        write = client.post("/v1/entries", json=make_entry(), headers=writer)
        assert write.status_code == 503, write.text
        assert write.json()["error"] == "DatabaseUnavailable", write.text
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["detail"].startswith("degraded: primary database unreachable")
        unknown = client.get("/v1/entries/nobody-has-this/proof", headers=auditor)
        assert unknown.status_code == 503, unknown.text  # only the primary could say 404
    finally:
        pair.primary.start()


def test_with_the_replica_down_after_a_primary_restart_reads_still_answer(
    pair: Pair,
    make_settings: Callable[..., Settings],
    make_key: Callable[[Role], str],
    make_entry: Callable[..., dict[str, object]],
) -> None:
    settings = make_settings()
    database = Database.from_settings(settings)
    auditor = {"Authorization": f"Bearer {make_key(Role.AUDITOR)}"}
    writer = {"Authorization": f"Bearer {make_key(Role.WRITER)}"}
    try:
        with TestClient(create_app(settings, database)) as client:
            entry = make_entry()
            assert client.post("/v1/entries", json=entry, headers=writer).status_code == 201
            pair.primary.stop()  # the connections the write used stay in the pool
            pair.primary.start()
            pair.replica.stop()
            try:
                read = client.get(f"/v1/entries/{entry['external_id']}", headers=auditor)
                assert read.status_code == 200, read.text  # not a 503 for a stale connection
            finally:
                pair.replica.start()
    finally:
        database.dispose()
