"""The chain node stopped for a while as the scheduler anchors: the scheduler keeps
running and waits, ``/healthz/detail`` shows the chain unavailable, the API keeps taking
entries; once the node is back (same port, same chain data) the anchor completes and
everything settles with proofs that verify on the chain."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
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
from .traffic import entry

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

ENTRIES = 50


def _post(api: Api, writer: str, prefix: str) -> list[str]:
    ids = [f"{prefix}-{n}" for n in range(ENTRIES)]
    response = httpx.post(
        f"{api.base}/v1/entries/bulk", json={"entries": [entry(i) for i in ids]},
        headers={"Authorization": f"Bearer {writer}"}, timeout=120,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return ids


def _health(api: Api) -> dict[str, str]:
    response = httpx.get(f"{api.base}/healthz/detail", timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_anchoring_waits_while_the_chain_node_is_down_and_resumes_when_it_is_back(
    scale: Scale,
    database_url: str,
    chain: DevChain,
    registry_address: str,
    stack_env: StackEnv,
    make_key: Callable[[Role], str],
    tmp_path: Path,
) -> None:
    env = stack_env(
        database_url, chain.rpc_url, registry_address, seal_when_pending="1",
        seal_check_seconds="1",
    )  # fmt: skip
    writer, auditor = make_key(Role.WRITER), make_key(Role.AUDITOR)
    api = Api(env, tmp_path)
    scheduler = Scheduler(env, tmp_path)

    def alive() -> None:
        assert scheduler.alive(), f"the scheduler exited:\n{scheduler.out[-3000:]}"

    try:
        assert _health(api)["chain"] == "ok"
        ids = _post(api, writer, "before-outage")
        wait_until(lambda: scheduler.saw("sealed batch"), 120, "first seal", alive, 0.02)
        chain.stop()  # as the scheduler starts anchoring the head
        down_since = len(scheduler.lines)
        ids += _post(api, writer, "during-outage")  # the API still takes entries
        health = _health(api)
        assert health["status"] == "degraded" and health["chain"].startswith("unavailable")
        assert health["database"] == "ok"
        wait_until(
            lambda: scheduler.saw("chain unavailable", down_since), 60,
            "the scheduler notices the node is down", alive,
        )  # fmt: skip
        time.sleep(scale.outage_seconds)
        alive()
        assert not assert_all_settled(read_shape(database_url))  # it waits: nothing lost

        chain.start()  # same port, same chain data
        wait_until(
            lambda: assert_all_settled(read_shape(database_url)), 240,
            "everything settled after the node came back", alive,
        )  # fmt: skip
        assert _health(api) == {  # the same chain came back: the registry agrees
            "status": "ok",
            "database": "ok",
            "chain": "ok",
            "registry": "ok",
        }
        lost = assert_acknowledged_stored_once(database_url, set(ids))
        shape = read_shape(database_url)
        assert_batches_contiguous(shape)
        heads = assert_one_anchor_per_head(shape, chain.rpc_url, registry_address)
        proofs = verify_proofs(api.base, auditor, ids, chain.rpc_url, scale.proof_sample)
    finally:
        scheduler.stop()
        api.stop()
    record(
        "chain node stopped", outage_s=scale.outage_seconds, inputs=len(ids),
        batches=len(shape.batches), anchors=heads, proofs_verified=proofs, lost=lost,
    )  # fmt: skip
