"""Witness rounds on the log's side, on SQLite and PostgreSQL, against real witnesses."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from anchor_service.api import create_app
from anchor_service.db.repositories.witnesses import WitnessRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.services.witnessing import WitnessRounds
from anchor_service.settings import Settings
from anchor_service.tlog import Policy, parse_policy, verify_checkpoint
from anchor_service.witness.client import WitnessOutcome
from tests.service.witness.conftest import Log, StartWitness, WitnessProcess


def witness_policy(log: Log, w1: WitnessProcess, w2: WitnessProcess) -> Policy:
    """w1 and w2, both needed (quorum 2)."""
    return parse_policy(
        f"log {log.vkey}\nwitness w1 {w1.vkey} {w1.url}\nwitness w2 {w2.vkey} {w2.url}\n"
        "group two 2 w1 w2\nquorum two\n"
    )


class Stored:
    """The cosignatures a round handed over, by tree size (the checkpoint table's job)."""

    def __init__(self) -> None:
        self.lines: dict[int, list[bytes]] = {}

    def __call__(self, session: Session, size: int, outcomes: Sequence[WitnessOutcome]) -> None:
        assert session.is_active
        for outcome in outcomes:
            assert outcome.cosignature is not None
            self.lines.setdefault(size, []).append(outcome.cosignature)


def test_rounds_keep_sizes_and_counts_and_metrics_show_them(
    log: Log, start_witness: StartWitness, settings: Settings, database: Database
) -> None:
    w1, w2 = start_witness("w1"), start_witness("w2")
    policy = witness_policy(log, w1, w2)
    stored = Stored()
    rounds = WitnessRounds(
        database, policy, timeout=2.0, min_interval=3600, store_cosignatures=stored,
        proofs=log.proof,
    )  # fmt: skip
    assert rounds.due()
    first = rounds.run(log.checkpoint(5))
    assert first.cosigners == ["w1", "w2"] and not rounds.due()
    verify_checkpoint(policy, log.checkpoint(5), b"".join(stored.lines[5]))
    with unit_of_work(database.reader) as session:
        assert WitnessRepository(session).known_sizes() == {"w1": 5, "w2": 5}

    w2.process.stop()  # w2 goes down: the next round still ends, w1 cosigns
    second = rounds.run(log.checkpoint(9))
    assert {o.witness: o.outcome for o in second.outcomes} == {
        "w1": "cosigned",
        "w2": "unreachable",
    }
    assert not second.quorum_met(policy)
    with unit_of_work(database.reader) as session:
        repository = WitnessRepository(session)
        assert repository.known_sizes() == {"w1": 9, "w2": 5}  # w2's last size is kept
        assert repository.answer_counts() == {
            ("w1", "cosigned"): 2, ("w2", "cosigned"): 1, ("w2", "unreachable"): 1,
        }  # fmt: skip
    # w1 was sent its known size: it never answered 409
    assert 'status="409"' not in httpx.get(f"{w1.url}/metrics", timeout=10).text

    with TestClient(create_app(settings, database)) as client:
        metrics = client.get("/metrics").text
    assert 'anchor_witness_requests_total{outcome="cosigned",witness="w1"} 2.0' in metrics
    assert 'anchor_witness_requests_total{outcome="unreachable",witness="w2"} 1.0' in metrics
    assert 'anchor_witness_size{witness="w1"} 9.0' in metrics


def test_quorum_wait_is_bounded_and_records_the_cosigners(
    log: Log, start_witness: StartWitness, database: Database
) -> None:
    w1, w2 = start_witness("w1"), start_witness("w2")
    policy = witness_policy(log, w1, w2)
    stored = Stored()
    rounds = WitnessRounds(
        database, policy, timeout=1.0, min_interval=0, store_cosignatures=stored,
        proofs=log.proof,
    )  # fmt: skip
    met = rounds.wait_for_quorum(log.checkpoint(4), wait_seconds=30, retry_seconds=0.2)
    assert (met.cosigners, met.quorum_met) == (("w1", "w2"), True)

    w2.process.stop()
    slept: list[float] = []
    unmet = rounds.wait_for_quorum(
        log.checkpoint(8), wait_seconds=1.5, retry_seconds=0.5, sleep=slept.append
    )
    assert (unmet.cosigners, unmet.quorum_met) == (("w1",), False)
    assert slept  # it retried before giving up
    assert len(stored.lines[8]) == 1  # w1 was asked once: later rounds skip a cosigner
    with unit_of_work(database.reader) as session:
        repository = WitnessRepository(session)
        first, second = repository.anchor_cosigners(4), repository.anchor_cosigners(8)
    assert first is not None and (first.cosigners, first.quorum_met) == ("w1 w2", True)
    assert second is not None and (second.cosigners, second.quorum_met) == ("w1", False)
