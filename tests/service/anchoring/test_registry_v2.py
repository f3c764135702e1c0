"""The service on AnchorRegistryV2 (the ABI switch, prepared): deployed with each role on
its own key by ``anchor-service deploy --v2``, recognised by its code, anchored into by
the same Anchorer, its earlier heads read from its ``HeadAnchored`` events, watched, and
audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from anchor_service.chain import (
    ANCHORER_ROLE,
    DEFAULT_ADMIN_ROLE,
    PAUSER_ROLE,
    REGISTRY_V2_ARTIFACT_PATH,
    RegistryClient,
    Signer,
    load_artifact,
)
from anchor_service.cli.main import main
from anchor_service.db.session import Database
from anchor_service.dev import DevChain
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.chain_context import build_chain_context
from anchor_service.services.anchoring.views import OutcomeKind
from anchor_service.services.anchoring.watch import ChainWatch
from anchor_service.services.audit.run import audit_from_settings
from anchor_service.settings import Settings

from .conftest import Rpc, SealEntries, finish


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
    """``anchor-service deploy --v2 --admin A --pauser P`` run as the CLI runs it; the
    service's settings then name nothing but the deployment file it wrote."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "ANCHOR_DATABASE_URL": settings.database_url,
        "ANCHOR_RPC_URL": devchain.rpc_url,
        "ANCHOR_CHAIN_ID": "1337",
        "ANCHOR_SIGNER_KEY": signer_key,
        "ANCHOR_DATA_DIR": str(tmp_path / ".data"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ANCHOR_REGISTRY_ADDRESS", raising=False)
    admin, pauser = Account.create().address, Account.create().address
    assert main(["deploy", "--v2", "--admin", admin, "--pauser", pauser, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["contractName"] == "AnchorRegistryV2"
    registry = RegistryClient(
        web3, record["address"], artifact=load_artifact(REGISTRY_V2_ARTIFACT_PATH)
    )
    signer = Signer.from_key(signer_key).address
    assert registry.has_role(DEFAULT_ADMIN_ROLE, admin) and registry.has_role(PAUSER_ROLE, pauser)
    assert registry.has_role(ANCHORER_ROLE, signer)
    assert not registry.has_role(DEFAULT_ADMIN_ROLE, signer)
    assert not registry.has_role(PAUSER_ROLE, signer)
    return settings.model_copy(
        update={
            "rpc_url": devchain.rpc_url,
            "chain_id": 1337,
            "data_dir": tmp_path / ".data",
            "deployment_file": tmp_path / ".data" / "deployment.json",
            "registry_address": None,
            "signer_key": signer_key,
            "confirmations": 2,
        }
    )


def test_the_service_anchors_into_a_v2_registry_and_reads_its_events(
    v2_settings: Settings, database: Database, seal_entries: SealEntries, rpc: Rpc
) -> None:
    chain = build_chain_context(v2_settings)
    assert not chain.registry.reads_events  # nothing asked yet: the default ABI
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
