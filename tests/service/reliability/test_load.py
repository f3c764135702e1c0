"""Load: mixed traffic against PostgreSQL through 2 API workers while the scheduler seals
and anchors on ganache; afterwards every acknowledged entry is stored once, densely,
settles, and its proof verifies against the chain. No 5xx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from anchor_service.db import Role
from anchor_service.dev import DevChain
from tests.support.waiting import wait_until

from .conftest import Scale, StackEnv
from .ledger_checks import (
    assert_acknowledged_stored_once,
    assert_all_settled,
    assert_batches_contiguous,
    assert_one_anchor_per_head,
    read_shape,
    record,
    verify_proofs,
)
from .stack import Api, Scheduler
from .traffic import LoadPlan, run_load

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_mixed_load_loses_nothing_answers_no_5xx_and_every_entry_settles_with_a_valid_proof(
    scale: Scale,
    database_url: str,
    chain: DevChain,
    registry_address: str,
    stack_env: StackEnv,
    make_key: Callable[[Role], str],
    tmp_path: Path,
) -> None:
    env = stack_env(
        database_url, chain.rpc_url, registry_address,
        seal_when_pending="1", seal_check_seconds=f"{scale.seal_check_seconds:g}",
    )  # fmt: skip
    writer, auditor = make_key(Role.WRITER), make_key(Role.AUDITOR)
    api = Api(env, tmp_path)
    scheduler = Scheduler(env, tmp_path)
    try:
        plan = LoadPlan(
            seconds=scale.load_seconds,
            max_requests=scale.load_max_requests,
            clients=scale.load_clients,
        )
        traffic = run_load(api.base, writer, auditor, plan)
        print(f"load ({scale.name}): {traffic.latency_line()}")
        assert traffic.server_errors == 0, traffic.failures[:5]
        assert not traffic.failures, traffic.failures[:5]
        assert traffic.acked

        def settled() -> bool:
            return assert_all_settled(read_shape(database_url))

        wait_until(settled, 180, "every batch settled", lambda: _alive(scheduler))
        lost = assert_acknowledged_stored_once(database_url, traffic.acked)
        shape = read_shape(database_url)
        assert_batches_contiguous(shape)
        heads = assert_one_anchor_per_head(shape, chain.rpc_url, registry_address)
        proofs = verify_proofs(
            api.base, auditor, sorted(traffic.acked), chain.rpc_url, scale.proof_sample
        )
    finally:
        scheduler.stop()
        api.stop()
    record(
        "load",
        **traffic.figures(),
        inputs=len(traffic.acked),
        batches=len(shape.batches),
        anchors=heads,
        proofs_verified=proofs,
        lost=lost,
    )


def _alive(scheduler: Scheduler) -> None:
    assert scheduler.alive(), f"the scheduler exited:\n{scheduler.out[-3000:]}"
