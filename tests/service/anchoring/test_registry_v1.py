"""The service on a v1 AnchorRegistry (v1 registries exist in the field): deployed by
``anchor-service deploy --v1``, recognised by its code although the default ABI is
AnchorRegistryV2's, anchored into by the same Anchorer, its heads read with ``rootAt`` /
``anchorAt``, watched, and audited."""

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
    REGISTRY_ARTIFACT_PATH,
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
def v1_settings(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    settings: Settings,
    web3: Web3,
    signer_key: str,
    devchain: DevChain,
    capsys: pytest.CaptureFixture[str],
) -> Settings:
    """``anchor-service deploy --v1 --admin A --pauser P`` run as the CLI runs it; the
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
    assert main(["deploy", "--v1", "--admin", admin, "--pauser", pauser, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["contractName"] == "AnchorRegistry"
    registry = RegistryClient(
        web3, record["address"], artifact=load_artifact(REGISTRY_ARTIFACT_PATH)
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


def test_deploy_without_a_version_flag_deploys_v2_and_v1_and_v2_flags_exclude_each_other(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    signer_key: str,
    devchain: DevChain,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANCHOR_RPC_URL", devchain.rpc_url)
    monkeypatch.setenv("ANCHOR_CHAIN_ID", "1337")
    monkeypatch.setenv("ANCHOR_SIGNER_KEY", signer_key)
    monkeypatch.setenv("ANCHOR_DATA_DIR", str(tmp_path / ".data"))
    monkeypatch.delenv("ANCHOR_REGISTRY_ADDRESS", raising=False)
    assert main(["deploy", "--dev", "--json"]) == 0
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert record["contractName"] == "AnchorRegistryV2"
    assert "warning: the signing key is also admin and pauser" in captured.err
    written = json.loads((tmp_path / ".data" / "deployment.json").read_text(encoding="utf-8"))
    assert written["address"] == record["address"]
    with pytest.raises(SystemExit) as exit_info:
        main(["deploy", "--dev", "--v1", "--v2"])
    assert exit_info.value.code != 0
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_service_anchors_into_a_v1_registry_and_reads_rootat_and_anchorat(
    v1_settings: Settings, database: Database, seal_entries: SealEntries, rpc: Rpc
) -> None:
    chain = build_chain_context(v1_settings)
    assert chain.registry.artifact.contract_name == "AnchorRegistryV2"  # the default ABI
    chain.verify()
    assert chain.registry.artifact.contract_name == "AnchorRegistry"  # the code says v1
    assert not chain.registry.reads_events
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
    assert registry.anchor_count() == 2
    second = registry.anchor_at(1)
    assert second is not None and second.tree_size == sizes[1]
    assert second.block_number == view.block_number
    assert registry.anchor_at(2) is None
    first = registry.anchor_at(0)
    assert first is not None and registry.root_at(sizes[0]) == first.root
    assert registry.root_at(sizes[0] + 1) is None
    assert ChainWatch(database, registry, 1337).check().ok

    report = audit_from_settings(v1_settings, database)
    assert report.clean, report.findings
    assert report.chain_anchors == 2
