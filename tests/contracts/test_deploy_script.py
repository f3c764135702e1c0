"""scripts/deploy.py: deploys, grants roles, records the deployment; refuses unsafe live runs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import REPO_ROOT

DEFAULT_ADMIN_ROLE = "0x" + "00" * 32


@pytest.fixture(scope="module")
def deploy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy", REPO_ROOT / "scripts" / "deploy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_deploy_grants_roles_and_writes_the_record(
    deploy: ModuleType, AnchorRegistry: Any, admin: Any, outsider: Any, tmp_path: Path
) -> None:
    output = tmp_path / "deployment.json"

    record = deploy.main(outsider.address, None, str(output))

    assert json.loads(output.read_text()) == record
    assert record["chainId"] == 1337
    assert record["deployer"] == admin.address
    assert record["anchorer"] == outsider.address
    assert record["abi"] == "anchor_service/chain/artifacts/AnchorRegistry.json"
    assert record["matchesArtifact"] is True
    registry = AnchorRegistry.at(record["address"])
    assert registry.tx.block_number == record["blockNumber"]
    assert registry.hasRole(registry.ANCHORER_ROLE(), outsider)
    assert registry.hasRole(registry.PAUSER_ROLE(), admin)
    assert registry.hasRole(DEFAULT_ADMIN_ROLE, admin)
    assert not registry.hasRole(registry.ANCHORER_ROLE(), admin)


def test_deploy_on_a_development_chain_defaults_to_the_first_account(
    deploy: ModuleType, admin: Any
) -> None:
    assert deploy.is_development()
    assert deploy.choose_deployer(True, None) == admin
    assert deploy.choose_anchorer(True, None, admin) == admin.address


def test_deploy_refuses_a_live_network_without_an_explicit_account(deploy: ModuleType) -> None:
    with pytest.raises(deploy.DeployRefused, match="explicitly loaded account"):
        deploy.choose_deployer(False, None)


def test_deploy_refuses_a_live_network_without_an_anchorer(deploy: ModuleType, admin: Any) -> None:
    with pytest.raises(deploy.DeployRefused, match="anchorer address"):
        deploy.choose_anchorer(False, None, admin)
