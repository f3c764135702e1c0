"""``witness serve --rpc --registry`` refuses checkpoints that conflict with anchored heads.

Runs against the session's ganache and a freshly deployed registry in which the test
anchors the log's heads itself.
"""

from __future__ import annotations

import sqlite3

import httpx

from anchor_service.chain import AnchorCall, RegistryClient, Signer
from anchor_service.dev import DevChain
from tests.service.witness.conftest import Log, StartWitness, WitnessProcess
from tests.support.ports import free_port

STATEMENT = bytes(range(32))


def anchor(registry: RegistryClient, signer: Signer, log: Log, size: int, old: int = 0) -> None:
    call = AnchorCall(size, log.root(size), STATEMENT, tuple(log.proof(old, size)))
    signed = registry.build_anchor(signer, call, registry.pending_nonce(signer.address))
    assert registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=30).succeeded


def refusals(witness: WitnessProcess) -> list[tuple[int, str]]:
    with sqlite3.connect(witness.state) as connection:
        rows = connection.execute("SELECT size, reason FROM witness_refusals ORDER BY id")
        return [(int(size), str(reason)) for size, reason in rows]


def test_checkpoints_conflicting_with_anchored_heads_are_refused_and_kept(
    log: Log,
    start_witness: StartWitness,
    devchain: DevChain,
    registry: RegistryClient,
    anchorer: Signer,
) -> None:
    anchor(registry, anchorer, log, 8)
    witness = start_witness("w1", None, "--rpc", devchain.rpc_url, "--registry", registry.address)

    fork = Log(fork_at=3)
    forked = witness.add_checkpoint(fork.request(0, 8))
    assert (forked.status_code, forked.content) == (409, b"0\n")
    behind = witness.add_checkpoint(log.request(0, 5))
    assert (behind.status_code, behind.content) == (409, b"0\n")
    assert [size for size, _ in refusals(witness)] == [8, 5]
    assert "anchored on chain with root" in refusals(witness)[0][1]
    assert "below the latest anchored size 8" in refusals(witness)[1][1]

    assert witness.add_checkpoint(log.request(0, 8)).status_code == 200
    assert witness.add_checkpoint(log.request(8, 12)).status_code == 200
    anchor(registry, anchorer, log, 12, old=8)
    assert witness.add_checkpoint(log.request(12, 12)).status_code == 200
    assert witness.add_checkpoint(log.request(12, 20)).status_code == 200

    text = httpx.get(f"{witness.url}/metrics", timeout=10).text
    assert 'anchor_witness_server_refusals_total{reason="chain-conflict"} 2.0' in text


def test_witness_cosigns_nothing_while_the_node_cannot_be_read(
    log: Log, start_witness: StartWitness, registry: RegistryClient
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    witness = start_witness("w1", None, "--rpc", dead, "--registry", registry.address)
    response = witness.add_checkpoint(log.request(0, 4))
    assert response.status_code == 503
    assert "cannot read the anchored heads" in response.text
    with sqlite3.connect(witness.state) as connection:
        assert connection.execute("SELECT count(*) FROM witness_checkpoints").fetchone() == (0,)
