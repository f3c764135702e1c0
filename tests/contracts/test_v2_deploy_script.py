"""scripts/deploy_v2.py: one key per role; the anchorer is admin only by explicit dev choice."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import REPO_ROOT, ZERO_ADDRESS

DEFAULT_ADMIN_ROLE = "0x" + "00" * 32


@pytest.fixture(scope="module")
def deploy() -> ModuleType:
    path = REPO_ROOT / "scripts" / "deploy_v2.py"
    spec = importlib.util.spec_from_file_location("deploy_v2", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_deploy_gives_each_role_to_its_key_and_writes_the_record(
    deploy: ModuleType,
    AnchorRegistryV2: Any,
    admin: Any,
    anchorer: Any,
    pauser: Any,
    accounts: Any,
    tmp_path: Path,
) -> None:
    output = tmp_path / "deployment.json"

    record = deploy.main(admin.address, anchorer.address, pauser.address, None, str(output), "60")

    assert json.loads(output.read_text()) == record
    assert (record["admin"], record["anchorer"], record["pauser"]) == (
        admin.address, anchorer.address, pauser.address,
    )  # fmt: skip
    assert (record["chainId"], record["adminDelay"], record["predecessor"]) == (
        1337,
        60,
        ZERO_ADDRESS,
    )
    registry = AnchorRegistryV2.at(record["address"])
    assert registry.tx.block_number == record["blockNumber"]
    assert record["deployer"] == accounts[0].address
    assert registry.defaultAdmin() == admin
    assert registry.defaultAdminDelay() == 60
    assert registry.hasRole(registry.ANCHORER_ROLE(), anchorer)
    assert registry.hasRole(registry.PAUSER_ROLE(), pauser)
    assert not registry.hasRole(DEFAULT_ADMIN_ROLE, anchorer)
    assert not registry.hasRole(registry.ANCHORER_ROLE(), admin)


def test_deploy_defaults_the_pauser_to_the_admin_and_records_a_predecessor(
    deploy: ModuleType,
    AnchorRegistryV2: Any,
    admin: Any,
    anchorer: Any,
    registry_v2: Any,
    tmp_path: Path,
) -> None:
    record = deploy.main(
        admin.address,
        anchorer.address,
        None,
        None,
        str(tmp_path / "d.json"),
        None,
        registry_v2.address,
    )

    registry = AnchorRegistryV2.at(record["address"])
    assert record["pauser"] == admin.address
    assert registry.hasRole(registry.PAUSER_ROLE(), admin)
    assert record["adminDelay"] == 2 * 24 * 3600
    assert registry.predecessor() == registry_v2.address


def test_deploy_refuses_the_anchorer_as_admin(deploy: ModuleType, anchorer: Any) -> None:
    for development in (True, False):
        with pytest.raises(deploy.DeployRefused, match="must not be the anchorer"):
            deploy.choose_roles(development, anchorer.address, anchorer.address, None)


def test_deploy_makes_the_anchorer_admin_only_by_explicit_dev_choice(
    deploy: ModuleType, anchorer: Any, pauser: Any
) -> None:
    assert deploy.choose_roles(True, "anchorer", anchorer.address, pauser.address) == (
        anchorer.address, anchorer.address, pauser.address,
    )  # fmt: skip
    with pytest.raises(deploy.DeployRefused, match="development-chain choice only"):
        deploy.choose_roles(False, "anchorer", anchorer.address, pauser.address)


@pytest.mark.parametrize("missing", ["admin", "anchorer"])
def test_deploy_refuses_to_guess_a_missing_key(
    deploy: ModuleType, admin: Any, anchorer: Any, missing: str
) -> None:
    keys = {"admin": admin.address, "anchorer": anchorer.address, missing: None}

    with pytest.raises(deploy.DeployRefused, match=f"pass the {missing} address"):
        deploy.choose_roles(True, keys["admin"], keys["anchorer"], None)


def test_deploy_refuses_a_malformed_address(deploy: ModuleType, anchorer: Any) -> None:
    with pytest.raises(deploy.DeployRefused, match="is not an address"):
        deploy.choose_roles(True, "0x1234", anchorer.address, None)


def test_deploy_refuses_a_live_network_without_an_explicit_account(deploy: ModuleType) -> None:
    with pytest.raises(deploy.DeployRefused, match="explicitly loaded account"):
        deploy.choose_deployer(False, None)
