"""The scheduler's ``witness`` job targets the newest checkpoint until its quorum is met.

A witness that is down when the newest checkpoint is first sent is asked again on the
next run (the log is quiet: no newer checkpoint comes to carry it), while a witness
that cosigned it already is not; once the quorum is met the job sends nothing more
until a newer checkpoint is signed. Real ``witness serve`` processes, the real
scheduler work on the test database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.db.session import Database
from anchor_service.jobs.work import SchedulerWork
from anchor_service.services.log_identity import create_log_key
from anchor_service.tlog import PolicyNotSatisfiedError, parse_policy, verify_checkpoint
from tests.service.conftest import MakeSettings
from tests.service.witness.conftest import StartWitness, create_witness_key, post_entries
from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.servers import wait_for_http

ORIGIN = "test.example/anchor/witness-job"
MakeEntry = Callable[..., dict[str, Any]]


def test_the_newest_checkpoint_is_sent_again_until_its_quorum_is_met(
    make_settings: MakeSettings,
    database: Database,
    tmp_path: Path,
    start_witness: StartWitness,
    make_entry: MakeEntry,
) -> None:
    identity = create_log_key(tmp_path / "log.key", ORIGIN)
    trusts_log = f"log {identity.verifier_key}\nquorum none\n"
    w1 = start_witness("w1", trusts_log)
    late_port = free_port()  # w2: down for now
    late_key = tmp_path / "w2.key"
    late_vkey = create_witness_key(late_key, "witness.example/w2")
    policy_file = tmp_path / "witnesses.policy"
    policy_file.write_text(
        f"log {identity.verifier_key}\n"
        f"witness w1 {w1.vkey} {w1.url}\n"
        f"witness w2 {late_vkey} http://127.0.0.1:{late_port}\n"
        "group both 2 w1 w2\n"
        "quorum both\n"
    )
    policy = parse_policy(policy_file.read_bytes())
    settings = make_settings(
        log_key_path=tmp_path / "log.key",
        log_origin=ORIGIN,
        witness_policy=policy_file,
        witness_seconds=0,
        witness_timeout_seconds=2,
    )
    with TestClient(create_app(settings, database)) as client:
        post_entries(client, database, make_entry, 2)
        work = SchedulerWork(settings, database)
        signed = work.checkpoint()
        assert signed is not None

        first = work.witness()
        assert first is not None
        assert {o.witness: o.outcome for o in first.outcomes} == {
            "w1": "cosigned",
            "w2": "unreachable",
        }
        served = client.get("/tlog/checkpoint").content
        with pytest.raises(PolicyNotSatisfiedError, match=r"cosigned by w1\)"):
            verify_checkpoint(policy, served)

        # w2 comes up; the log stays quiet (no newer checkpoint): the same one goes
        # again, to w2 only.
        late_state = tmp_path / "w2.db"
        late_policy = tmp_path / "w2-logs.policy"
        late_policy.write_text(trusts_log)
        late = ChildProcess(
            service_command(
                "witness", "serve", "--key", str(late_key), "--policy", str(late_policy),
                "--state", str(late_state), "--listen", f"127.0.0.1:{late_port}",
            ),
            env=service_env(ANCHOR_DATA_DIR=str(tmp_path)),
        )  # fmt: skip
        with late:
            wait_for_http(f"http://127.0.0.1:{late_port}/healthz", late, 60)
            assert work.checkpoint() is None  # nothing new to sign
            second = work.witness()
            assert second is not None
            assert [(o.witness, o.outcome) for o in second.outcomes] == [("w2", "cosigned")]
            served = client.get("/tlog/checkpoint").content
            verified = verify_checkpoint(policy, served)
            assert verified.checkpoint.size == 2
            assert set(verified.cosigners) == {"w1", "w2"}
            assert work.witness() is None  # its quorum is met: nothing more to send
