"""The service asks its witnesses: real API, scheduler and ``witness serve`` processes.

Two witnesses cosign (quorum 2 of three; the third is down): the checkpoint served at
``GET /tlog/checkpoint`` carries both cosignatures and satisfies the policy, and
``/metrics`` counts each witness's answers. Before anchoring a sealed head, the
scheduler's work waits (bounded) for the quorum on that head and records the cosigners.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.repositories.witnesses import WitnessRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.jobs.work import SchedulerWork
from anchor_service.services.log_identity import LogIdentity, create_log_key
from anchor_service.tlog import PolicyNotSatisfiedError, parse_policy, verify_checkpoint
from tests.service.conftest import MakeSettings
from tests.service.witness.conftest import StartWitness, create_witness_key, post_entries
from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.servers import wait_for_http
from tests.support.waiting import wait_until

ORIGIN = "test.example/anchor/witnessed"
MakeEntry = Callable[..., dict[str, Any]]


def witness_policy(tmp_path: Path, identity: LogIdentity, start_witness: StartWitness) -> Path:
    """w1 and w2 running and trusting the log, w3 down; quorum: 2 of the three."""
    trusts_log = f"log {identity.verifier_key}\nquorum none\n"
    w1, w2 = start_witness("w1", trusts_log), start_witness("w2", trusts_log)
    w3_key = tmp_path / "w3.key"
    w3 = create_witness_key(w3_key, "witness.example/w3")
    path = tmp_path / "witnesses.policy"
    path.write_text(
        f"log {identity.verifier_key}\n"
        f"witness w1 {w1.vkey} {w1.url}\n"
        f"witness w2 {w2.vkey} {w2.url}\n"
        f"witness w3 {w3} http://127.0.0.1:{free_port()}\n"
        "group two 2 w1 w2 w3\n"
        "quorum two\n"
    )
    return path


def test_served_checkpoint_carries_the_quorum_of_cosignatures(
    database_url: str,
    database: Database,
    tmp_path: Path,
    start_witness: StartWitness,
    make_entry: MakeEntry,
) -> None:
    identity = create_log_key(tmp_path / "log.key", ORIGIN)
    policy_file = witness_policy(tmp_path, identity, start_witness)
    policy = parse_policy(policy_file.read_bytes())
    port = free_port()
    env = service_env(
        ANCHOR_DATABASE_URL=database_url,
        ANCHOR_DATA_DIR=str(tmp_path),
        ANCHOR_LOG_KEY_PATH=str(tmp_path / "log.key"),
        ANCHOR_LOG_ORIGIN=ORIGIN,
        ANCHOR_CHECKPOINT_SECONDS="1",
        ANCHOR_WITNESS_POLICY=str(policy_file),
        ANCHOR_WITNESS_SECONDS="1",
        ANCHOR_WITNESS_TIMEOUT_SECONDS="2",
        ANCHOR_CONFIRM_INTERVAL_SECONDS="3600",  # no chain in this test
        ANCHOR_AUDIT_CRON="",
        ANCHOR_METRICS_CACHE_SECONDS="0",
    )
    base_url = f"http://127.0.0.1:{port}"
    with unit_of_work(database.writer) as session:
        token = ApiKeyRepository(session).create(Role.WRITER, name="witnessed").token
    serve = service_command("serve", "--host", "127.0.0.1", "--port", str(port))
    with (
        ChildProcess(serve, env=env, cwd=tmp_path) as api,
        ChildProcess(service_command("scheduler"), env=env, cwd=tmp_path) as scheduler,
    ):
        wait_for_http(f"{base_url}/readyz", api, 60)
        posted = []
        for _ in range(3):
            response = httpx.post(
                f"{base_url}/v1/entries", json=make_entry(),
                headers={"Authorization": f"Bearer {token}"}, timeout=10,
            )  # fmt: skip
            assert response.status_code == 201, response.text
            posted.append(response.json()["leaf_index"])

        def cosigned() -> bool:
            response = httpx.get(f"{base_url}/tlog/checkpoint", timeout=10)
            if response.status_code != 200:
                return False
            try:
                verified = verify_checkpoint(policy, response.content)
            except PolicyNotSatisfiedError:
                return False
            return verified.checkpoint.size > max(posted)

        def scheduler_alive() -> None:
            assert scheduler.alive(), f"the scheduler exited:\n{scheduler.out}"

        wait_until(cosigned, 60, "a served checkpoint meeting the quorum", scheduler_alive, 0.3)
        content = httpx.get(f"{base_url}/tlog/checkpoint", timeout=10).content
        assert set(verify_checkpoint(policy, content).cosigners) == {"w1", "w2"}
        metrics = httpx.get(f"{base_url}/metrics", timeout=10).text
    assert 'anchor_witness_requests_total{outcome="cosigned",witness="w1"}' in metrics
    assert 'anchor_witness_requests_total{outcome="unreachable",witness="w3"}' in metrics


def test_nightly_anchor_waits_for_the_quorum_and_records_the_cosigners(
    make_settings: MakeSettings,
    database: Database,
    tmp_path: Path,
    start_witness: StartWitness,
    make_entry: MakeEntry,
) -> None:
    identity = create_log_key(tmp_path / "log.key", ORIGIN)
    policy_file = witness_policy(tmp_path, identity, start_witness)
    settings = make_settings(
        log_key_path=tmp_path / "log.key",
        log_origin=ORIGIN,
        witness_policy=policy_file,
        witness_timeout_seconds=2,
        anchor_quorum_wait_seconds=10,
        registry_address=None,
        deployment_file=tmp_path / "no-deployment.json",
    )
    with TestClient(create_app(settings, database)) as client:
        post_entries(client, database, make_entry, 2)
    work = SchedulerWork(settings, database)
    report = work.seal_and_anchor()  # no chain configured: the anchor itself cannot be sent
    assert report.sealed
    size = report.sealed[-1].end_index
    with unit_of_work(database.reader) as session:
        recorded = WitnessRepository(session).anchor_cosigners(size)
        known = WitnessRepository(session).known_sizes()
    assert recorded is not None
    assert (recorded.cosigners, recorded.quorum_met) == ("w1 w2", True)
    assert known["w1"] == known["w2"] == size
