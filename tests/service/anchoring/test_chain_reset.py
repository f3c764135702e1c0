"""The chain watch with real ganache processes: anchor, kill ganache, start a fresh one on
the same port and chain id, redeploy the registry (same deployer, same nonce: the same
address) -> degraded everywhere, nothing re-anchored, until the operator runs
``anchor-service registry migrate --to ADDRESS``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from anchor_service.api import create_app
from anchor_service.chain import AnchorCall, RegistryClient, Signer, connect
from anchor_service.cli.main import main
from anchor_service.db.models import Entry
from anchor_service.db.models_anchoring import RegistryLink
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DEV_ACCOUNT_KEYS, DevChain, free_port
from anchor_service.dev.chain_setup import DevChainSetup
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.deployment import deploy_and_record
from anchor_service.services.anchoring.views import ChangeKind, OutcomeKind
from anchor_service.services.anchoring.watch import ChainWatch
from anchor_service.settings import Settings
from tests.contracts.forged_log import ForgedLog

from .conftest import SealEntries, make_rpc


class Chains:
    """One ganache at a time on a fixed port; :meth:`reset` replaces it by a fresh one
    (its data directory moved away, as when ``.data/ganache`` is lost)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.generation = 0
        self.chain = self._start()

    def _start(self) -> DevChain:
        self.generation += 1
        return DevChain(self.root / f"ganache-{self.generation}", port=self.port).start()

    def reset(self) -> None:
        self.chain.stop()
        self.chain = self._start()

    @property
    def rpc_url(self) -> str:
        return self.chain.rpc_url


@pytest.fixture
def chains(tmp_path: Path) -> Iterator[Chains]:
    chains = Chains(tmp_path)
    try:
        yield chains
    finally:
        chains.chain.stop()


@pytest.fixture
def reset_settings(
    make_settings: Callable[..., Settings], chains: Chains, tmp_path: Path
) -> Settings:
    return make_settings(
        rpc_url=chains.rpc_url, chain_id=1337, data_dir=tmp_path / "data", confirmations=1
    )


SIGNER = Signer.from_key(DEV_ACCOUNT_KEYS[0])


def deploy(settings: Settings) -> ChainContext:
    web3 = connect(settings.rpc_url, expected_chain_id=1337)
    record, _ = deploy_and_record(settings, web3=web3, signer=SIGNER, dev=True, timeout=30)
    registry = RegistryClient(web3, record.address, chain_id=1337)
    return ChainContext(web3=web3, signer=SIGNER, registry=registry, chain_id=1337)


def confirmed_anchor(anchorer: Anchorer, rpc: Callable[..., Any]) -> None:
    outcome = anchorer.anchor_latest()
    assert outcome.kind is OutcomeKind.SUBMITTED, outcome.message
    for _ in range(8):
        anchorer.confirm()
        if anchorer.records.in_flight() is None:
            break
        rpc("evm_mine")
    assert outcome.anchor is not None
    assert anchorer.status(outcome.anchor.id).status == "confirmed"


def test_a_chain_reset_is_detected_and_nothing_is_re_anchored_until_migrate(
    chains: Chains,
    reset_settings: Settings,
    database: Database,
    seal_entries: SealEntries,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = reset_settings
    chain = deploy(settings)
    address = chain.registry.address
    running = Anchorer(database, chain, confirmations=1)  # the scheduler, still running
    seal_entries(3)
    confirmed_anchor(running, make_rpc(chain.web3))
    assert running.watch.check().ok

    chains.reset()  # ganache killed, its data gone; a fresh one on the same port
    fresh = deploy(settings)  # what `make run` does on a chain without the registry
    assert fresh.registry.address == address  # same deployer, same nonce: same address
    size = seal_entries(2)
    nonce = fresh.registry.pending_nonce(SIGNER.address)

    report = ChainWatch(database, fresh.registry, 1337).check()
    assert not report.ok
    assert "it holds no anchor, but 1 anchor(s) were confirmed in it" in report.message()
    assert "registry migrate --to ADDRESS" in report.message()

    changes = running.confirm()  # the running scheduler's next round
    assert [change.kind for change in changes] == [ChangeKind.STOPPED]
    restarted = Anchorer(database, fresh, confirmations=1)  # a restarted process
    outcome = restarted.anchor_latest()
    assert outcome.kind is OutcomeKind.FAILED
    assert outcome.anchor is not None and outcome.anchor.error_name == "RegistryDisagrees"
    assert "the chain was reset or the registry redeployed" in outcome.message
    assert fresh.registry.latest_head() is None  # not re-anchored
    assert fresh.registry.pending_nonce(SIGNER.address) == nonce  # nothing sent at all

    app_settings = settings.model_copy(update={"registry_address": address})
    with TestClient(create_app(app_settings, database)) as client:
        detail = client.get("/healthz/detail").json()
        assert detail["status"] == "degraded" and detail["chain"] == "ok"
        assert detail["registry"].startswith(f"disagrees: the registry {address} on chain 1337")
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["detail"].startswith("degraded: anchoring stopped (RegistryDisagrees)")
        metrics = client.get("/metrics").text
        assert 'anchor_anchoring_stopped{reason="RegistryDisagrees"} 1.0' in metrics

    for name, value in {
        "ANCHOR_DATABASE_URL": settings.database_url,
        "ANCHOR_RPC_URL": settings.rpc_url,
        "ANCHOR_CHAIN_ID": "1337",
        "ANCHOR_SIGNER_KEY": DEV_ACCOUNT_KEYS[0],
        "ANCHOR_DATA_DIR": str(settings.data_dir),
        "ANCHOR_CONFIRMATIONS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ANCHOR_REGISTRY_ADDRESS", raising=False)
    monkeypatch.chdir(settings.data_dir)
    assert main(["registry", "status"]) == 1
    assert "disagrees with the database" in capsys.readouterr().out

    assert main(["registry", "migrate", "--to", address, "--reason", "ganache lost", "--json"]) == 0
    moved = json.loads(capsys.readouterr().out)
    assert (moved["from"], moved["to"]) == (address, address)
    assert moved["anchor"]["outcome"] == "submitted", moved
    head = fresh.registry.latest_head()
    assert head is not None and head.tree_size == size
    with unit_of_work(database.reader) as session:
        [link] = session.scalars(select(RegistryLink)).all()
        assert (link.kind, link.reason) == ("adopt", "ganache lost")
    assert ChainWatch(database, fresh.registry, 1337).check().ok
    assert main(["registry", "status"]) == 0


def test_migrate_refuses_a_registry_that_holds_anchors(
    chains: Chains,
    reset_settings: Settings,
    database: Database,
    seal_entries: SealEntries,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = reset_settings
    chain = deploy(settings)
    seal_entries(2)
    confirmed_anchor(Anchorer(database, chain, confirmations=1), make_rpc(chain.web3))
    for name, value in {
        "ANCHOR_DATABASE_URL": settings.database_url,
        "ANCHOR_RPC_URL": settings.rpc_url,
        "ANCHOR_CHAIN_ID": "1337",
        "ANCHOR_SIGNER_KEY": DEV_ACCOUNT_KEYS[0],
        "ANCHOR_DATA_DIR": str(settings.data_dir),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(settings.data_dir)
    assert main(["registry", "status"]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["registry", "migrate", "--to", chain.registry.address]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds 1 anchor(s)" in err[0], err
    with unit_of_work(database.reader) as session:
        assert session.scalars(select(RegistryLink)).all() == []


def test_dev_says_plainly_when_its_chain_was_lost_and_gives_the_commands(
    make_settings: Callable[..., Settings],
    database: Database,
    seal_entries: SealEntries,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings(
        rpc_url=f"http://127.0.0.1:{free_port()}",
        chain_id=1337,
        data_dir=tmp_path / ".data",
        confirmations=1,
    )
    first = DevChainSetup(settings)
    assert first.chain is not None
    first.chain.start()
    try:
        address = first.prepare_registry()["ANCHOR_REGISTRY_ADDRESS"]
        web3 = connect(first.chain.rpc_url, expected_chain_id=1337)
        registry = RegistryClient(web3, address, chain_id=1337)
        chain = ChainContext(web3=web3, signer=SIGNER, registry=registry, chain_id=1337)
        seal_entries(2)
        confirmed_anchor(Anchorer(database, chain, confirmations=1), make_rpc(web3))
    finally:
        first.chain.stop()
    first.chain.db_path.rename(tmp_path / "ganache-moved-away")
    capsys.readouterr()

    again = DevChainSetup(settings)  # `make run` once more
    assert again.chain is not None
    again.chain.start()
    try:
        env = again.prepare_registry()
    finally:
        again.chain.stop()
    out = capsys.readouterr().out
    assert "THE LOCAL CHAIN WAS LOST" in out
    assert "the database recorded 1 confirmed anchor(s), the newest for tree size 2" in out
    assert f"rm -rf {settings.data_dir.resolve()}" in out
    assert f"anchor-service registry migrate --to {env['ANCHOR_REGISTRY_ADDRESS']}" in out
    assert "anchoring is stopped" in again.registry_note


def test_a_replaced_registry_and_a_head_nobody_here_anchored_stop_anchoring(
    chain: ChainContext,
    database: Database,
    seal_entries: SealEntries,
    make_anchorer: Callable[..., Anchorer],
    rpc: Callable[..., Any],
) -> None:
    seal_entries(3)
    anchorer = make_anchorer()
    confirmed_anchor(anchorer, rpc)

    # someone with the anchorer key anchors a consistent head this log never had
    with unit_of_work(database.reader) as session:
        leaves = list(session.scalars(select(Entry.leaf_hash).order_by(Entry.leaf_index)))
    forged = ForgedLog(leaves, len(leaves) + 5)
    call = AnchorCall(
        forged.size, forged.root(), bytes(32), tuple(forged.consistency_proof(len(leaves)))
    )
    registry = chain.registry
    signed = registry.build_anchor(chain.signer, call, registry.pending_nonce(chain.sender))
    assert registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=30).succeeded
    changes = anchorer.confirm()
    assert [change.kind for change in changes] == [ChangeKind.STOPPED]
    assert f"tree size {forged.size}, root 0x{forged.root().hex()}) was not anchored from here" in (
        changes[0].message
    )

    # the same address answering with another contract's code
    init = bytes.fromhex("6001600c60003960016000f300")  # deploys the 1-byte runtime 0x00
    tx = chain.web3.eth.send_transaction(
        {"from": chain.web3.eth.accounts[9], "data": "0x" + init.hex()}
    )
    other = chain.web3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    impostor = RegistryClient(chain.web3, other, chain_id=1337)
    report = ChainWatch(database, impostor, 1337).check()
    assert report.problems == (
        f"the code at {impostor.address} (1 bytes) is not AnchorRegistryV2's "
        f"({len(impostor.artifact.deployed_bytecode)} bytes): the registry was replaced by "
        "another contract",
    )
