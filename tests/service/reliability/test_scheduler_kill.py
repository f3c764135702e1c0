"""The scheduler SIGKILLed while it seals a large backlog, and while it anchors: after a
restart the batches cover the log without gap or overlap, each head on the chain was
anchored exactly once (registry and anchors table agree), and everything settles."""

from __future__ import annotations

import random
import secrets
import time
from pathlib import Path

import pytest

from anchor_service.db.session import Database
from anchor_service.dev import DevChain
from tests.support.waiting import wait_until

from .backlog import store_backlog
from .conftest import Scale, StackEnv
from .ledger_checks import (
    assert_acknowledged_stored_once,
    assert_all_settled,
    assert_batches_contiguous,
    assert_one_anchor_per_head,
    read_shape,
    record,
)
from .stack import Scheduler

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

ANCHOR_ENTRIES = 300
SEAL_BATCHES = 20  # batches a sealing backlog is cut into


def _kill_after(scheduler: Scheduler, marker: str, delay: float) -> None:
    """SIGKILL ``scheduler`` ``delay`` s after it logs ``marker``."""

    def logged() -> bool:
        return scheduler.saw(marker)

    def alive() -> None:
        assert scheduler.alive(), f"the scheduler exited:\n{scheduler.out[-3000:]}"

    wait_until(logged, 120, f"scheduler logged {marker!r}", alive, interval=0.02)
    time.sleep(delay)
    scheduler.kill()


def _settle_and_check(
    env: dict[str, str], tmp_path: Path, url: str, ids: set[str], chain: DevChain, registry: str
) -> tuple[int, int]:
    """Run a fresh scheduler until everything is settled; check; (batches, heads)."""
    scheduler = Scheduler(env, tmp_path)
    try:

        def settled() -> bool:
            return assert_all_settled(read_shape(url))

        def alive() -> None:
            assert scheduler.alive(), f"the scheduler exited:\n{scheduler.out[-3000:]}"

        wait_until(settled, 240, "every batch settled after the restart", alive)
    finally:
        scheduler.stop()
    assert_acknowledged_stored_once(url, ids)
    shape = read_shape(url)
    assert_batches_contiguous(shape)
    return len(shape.batches), assert_one_anchor_per_head(shape, chain.rpc_url, registry)


def test_a_scheduler_killed_while_sealing_leaves_no_gap_and_no_duplicate_batch(
    scale: Scale,
    database_url: str,
    database: Database,
    chain: DevChain,
    registry_address: str,
    stack_env: StackEnv,
    tmp_path: Path,
) -> None:
    per_batch = scale.sealing_backlog // SEAL_BATCHES
    env = stack_env(
        database_url, chain.rpc_url, registry_address, seal_when_pending="1",
        seal_check_seconds="0.5", seal_max_batch_entries=str(per_batch),
    )  # fmt: skip
    rng = random.Random(secrets.randbits(32))
    ids: set[str] = set()
    sealed_at_kill: list[int] = []  # entries sealed when the scheduler died
    for _ in range(scale.scheduler_kill_rounds):
        ids.update(store_backlog(database, scale.sealing_backlog))
        before = len(read_shape(database_url).batches)
        # The backlog is sealed in SEAL_BATCHES transactions: die after a random one of
        # the first half (a moment later: maybe inside the next one).
        victim = before + rng.randrange(SEAL_BATCHES // 2)
        _kill_after(Scheduler(env, tmp_path), f"sealed batch {victim}:", rng.uniform(0, 0.05))
        shape = read_shape(database_url)
        assert_batches_contiguous(shape)  # what the killed run committed is consistent
        sealed_at_kill.append(shape.batches[-1][2] if shape.batches else 0)
        assert shape.batches[-1][2] < shape.next_index, "the kill came after the seal"
    print(f"scheduler killed while sealing: sealed at each kill {sealed_at_kill} of {len(ids)}")
    batches, heads = _settle_and_check(env, tmp_path, database_url, ids, chain, registry_address)
    record(
        "scheduler SIGKILL while sealing", rounds=scale.scheduler_kill_rounds,
        inputs=len(ids), batches=batches, anchors=heads, sealed_at_kill=sealed_at_kill, lost=0,
    )  # fmt: skip


def test_a_scheduler_killed_while_anchoring_anchors_each_head_exactly_once(
    scale: Scale,
    database_url: str,
    database: Database,
    chain: DevChain,
    registry_address: str,
    stack_env: StackEnv,
    tmp_path: Path,
) -> None:
    env = stack_env(
        database_url, chain.rpc_url, registry_address, seal_when_pending="1",
        seal_check_seconds="0.5",
    )  # fmt: skip
    rng = random.Random(secrets.randbits(32))
    ids: set[str] = set()
    rounds = 2 * scale.scheduler_kill_rounds + 1
    for _ in range(rounds):
        ids.update(store_backlog(database, ANCHOR_ENTRIES))
        # Between "sealed batch" and settled: preparing, sending, mining, confirming.
        _kill_after(Scheduler(env, tmp_path), "sealed batch", rng.uniform(0.0, 2.0))
    batches, heads = _settle_and_check(env, tmp_path, database_url, ids, chain, registry_address)
    record(
        "scheduler SIGKILL while anchoring", rounds=rounds, inputs=len(ids),
        batches=batches, anchors=heads, lost=0,
    )  # fmt: skip
