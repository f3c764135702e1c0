"""The service on a v1 AnchorRegistry (v1 registries exist in the field): deployed by
``anchor-service deploy --v1``, recognised by its code although the default ABI is
AnchorRegistryV2's, anchored into by the same Anchorer, its heads read with ``rootAt`` /
``anchorAt``, watched, and audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web3 import Web3

from anchor_service.chain import (
    REGISTRY_ARTIFACT_PATH,
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

from .conftest import Rpc, SealEntries, finish, settings_after_cli_deploy


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
    """``anchor-service deploy --v1 --admin A --pauser P`` run as the CLI runs it."""
    return settings_after_cli_deploy(
        monkeypatch,
        tmp_path,
        settings,
        web3,
        signer_key,
        devchain.rpc_url,
        capsys,
        version_flag="--v1",
        contract="AnchorRegistry",
        artifact_path=REGISTRY_ARTIFACT_PATH,
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
