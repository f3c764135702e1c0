"""The service on AnchorRegistryV2 (the default registry): deployed with each role on
its own key by ``anchor-service deploy`` (``--v2`` is accepted and means the same),
recognised by its code, anchored into by the same Anchorer, its earlier heads read from
its ``HeadAnchored`` events, watched, and audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils.crypto import keccak
from sqlalchemy import select
from web3 import Web3

from anchor_service.chain import (
    REGISTRY_V2_ARTIFACT_PATH,
    AnchorCall,
    FeePolicy,
    RegistryClient,
    Signer,
    deploy_registry,
    load_artifact,
)
from anchor_service.chain.txbuilder import transact
from anchor_service.cli.main import main
from anchor_service.db.models import Entry
from anchor_service.db.models_anchoring import RegistryLink
from anchor_service.db.session import Database, unit_of_work
from anchor_service.dev import DevChain
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.chain_context import ChainContext, build_chain_context
from anchor_service.services.anchoring.deployment import DeploymentRecord, write_deployment
from anchor_service.services.anchoring.views import OutcomeKind
from anchor_service.services.anchoring.watch import ChainWatch
from anchor_service.services.audit.run import audit_from_settings
from anchor_service.settings import Settings
from tests.contracts.forged_log import ForgedLog

from .conftest import Rpc, SealEntries, finish, fund, settings_after_cli_deploy


@pytest.fixture
def v2_settings(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    settings: Settings,
    web3: Web3,
    signer_key: str,
    devchain: DevChain,
    capsys: pytest.CaptureFixture[str],
) -> Settings:
    """``anchor-service deploy --v2 --admin A --pauser P`` run as the CLI runs it."""
    return settings_after_cli_deploy(
        monkeypatch,
        tmp_path,
        settings,
        web3,
        signer_key,
        devchain.rpc_url,
        capsys,
        version_flag="--v2",
        contract="AnchorRegistryV2",
        artifact_path=REGISTRY_V2_ARTIFACT_PATH,
    )


def test_the_service_anchors_into_a_v2_registry_and_reads_its_events(
    v2_settings: Settings, database: Database, seal_entries: SealEntries, rpc: Rpc
) -> None:
    chain = build_chain_context(v2_settings)
    assert chain.registry.artifact.contract_name == "AnchorRegistryV2"  # the default ABI
    chain.verify()
    assert chain.registry.reads_events  # the code at the address is AnchorRegistryV2's
    assert chain.registry.artifact.contract_name == "AnchorRegistryV2"
    anchorer = Anchorer(database, chain, confirmations=2)

    sizes = []
    for count in (3, 4):
        sizes.append(seal_entries(count))
        outcome = anchorer.anchor_latest()
        assert outcome.kind is OutcomeKind.SUBMITTED, outcome.message
        view = finish(anchorer, rpc)
        assert (view.status, view.tree_size) == ("confirmed", sizes[-1])
        assert view.chain_seq == len(sizes) - 1

    registry = chain.registry
    records = registry.head_events()
    assert [(r.seq, r.tree_size) for r in records] == [(0, sizes[0]), (1, sizes[1])]
    second = registry.anchor_at(1)
    assert second is not None and second.block_number == view.block_number
    assert registry.anchor_at(2) is None
    assert registry.root_at(sizes[0]) == records[0].root
    assert registry.root_at(sizes[0] + 1) is None
    assert ChainWatch(database, registry, 1337).check().ok

    report = audit_from_settings(v2_settings, database)
    assert report.clean, report.findings
    assert report.chain_anchors == 2


def _digest(previous: bytes, seq: int, size: int, root: bytes, statement_hash: bytes) -> bytes:
    """AnchorRegistryV2's running history digest after one more head (bytes18)."""
    word = previous.ljust(32, b"\0")
    return keccak(
        word + seq.to_bytes(32, "big") + size.to_bytes(32, "big") + root + statement_hash
    )[:18]


def test_a_forged_head_is_recovered_by_succession_and_migrate_follows_it(
    database: Database,
    seal_entries: SealEntries,
    rpc: Rpc,
    web3: Web3,
    signer: Signer,
    signer_key: str,
    devchain: DevChain,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    v2 = load_artifact(REGISTRY_V2_ARTIFACT_PATH)
    admin = Signer.from_key(Account.create().key.hex())
    fund(web3, admin.address)
    old = deploy_registry(
        web3, signer, admin.address, v2, anchorer=signer.address, pauser=admin.address
    )
    old_registry = RegistryClient(web3, old.address, artifact=v2, chain_id=1337)
    chain = ChainContext(web3=web3, signer=signer, registry=old_registry, chain_id=1337)
    anchorer = Anchorer(database, chain, confirmations=2)
    for count in (3, 2):
        seal_entries(count)
        assert anchorer.anchor_latest().kind is OutcomeKind.SUBMITTED
        assert finish(anchorer, rpc).status == "confirmed"

    # the anchorer key alone blocks the registry for good: a forged head at 2^64-1
    with unit_of_work(database.reader) as session:
        leaves = list(session.scalars(select(Entry.leaf_hash).order_by(Entry.leaf_index)))
    forged = ForgedLog(leaves, 2**64 - 1)
    call = AnchorCall(
        forged.size, forged.root(), bytes(32), tuple(forged.consistency_proof(len(leaves)))
    )
    signed = old_registry.build_anchor(signer, call, old_registry.pending_nonce(signer.address))
    assert old_registry.wait_for_receipt(old_registry.send_raw(signed.raw), timeout=30).succeeded
    size = seal_entries(2)
    refused = anchorer.anchor_latest()
    assert refused.kind is OutcomeKind.FAILED and refused.anchor is not None
    assert refused.anchor.error_name == "RegistryAhead"

    # the admin (a multisig in production) retires it for a successor keeping 2 anchors
    new = deploy_registry(
        web3, signer, admin.address, v2, anchorer=signer.address, pauser=admin.address,
        predecessor=old.address,
    )  # fmt: skip
    heads = old_registry.head_events()
    assert [head.seq for head in heads] == [0, 1, 2]
    before = _digest(bytes(18), 0, heads[0].tree_size, heads[0].root, heads[0].statement_hash)
    contract = web3.eth.contract(address=old.address, abi=v2.abi)
    plan = [(h.tree_size, h.root, h.statement_hash) for h in heads[1:]]
    for function, args in (
        ("scheduleRetirement", [new.address, 2, before, plan]),
        ("retire", []),
    ):
        rpc("evm_increaseTime", 5)
        rpc("evm_mine")
        data = bytes.fromhex(contract.encode_abi(function, args=args)[2:])
        transact(web3, admin, to=old.address, data=data, chain_id=1337,
                 policy=FeePolicy(), decoder=old_registry.decoder, timeout=30)  # fmt: skip

    write_deployment(
        tmp_path / ".data" / "deployment.json", DeploymentRecord(chain_id=1337, address=old.address)
    )
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "ANCHOR_DATABASE_URL": str(database.engine.url.render_as_string(hide_password=False)),
        "ANCHOR_RPC_URL": devchain.rpc_url,
        "ANCHOR_CHAIN_ID": "1337",
        "ANCHOR_SIGNER_KEY": signer_key,
        "ANCHOR_DATA_DIR": str(tmp_path / ".data"),
        "ANCHOR_CONFIRMATIONS": "2",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ANCHOR_REGISTRY_ADDRESS", raising=False)
    assert main(["registry", "migrate", "--to", new.address, "--no-anchor", "--json"]) == 0
    moved = json.loads(capsys.readouterr().out)
    assert (moved["from"], moved["to"]) == (old.address, new.address)
    new_registry = RegistryClient(web3, new.address, artifact=v2, chain_id=1337)
    first = new_registry.latest_head()
    assert first is not None and (first.seq, first.tree_size) == (0, heads[1].tree_size)
    assert main(["registry", "status"]) == 0  # the kept head counts as ours
    capsys.readouterr()

    chain = build_chain_context(Settings(_env_file=None))  # type: ignore[call-arg]
    assert chain.registry.address == new.address  # the deployment file follows the move
    resumed = Anchorer(database, chain, confirmations=2)
    assert resumed.anchor_latest().kind is OutcomeKind.SUBMITTED
    view = finish(resumed, rpc)
    assert (view.status, view.tree_size, view.chain_seq) == ("confirmed", size, 1)
    with unit_of_work(database.reader) as session:
        [link] = session.scalars(select(RegistryLink)).all()
        assert (link.kind, link.kept_size) == ("succession", heads[1].tree_size)
