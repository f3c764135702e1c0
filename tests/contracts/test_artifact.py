"""The committed artifact the service deploys from is the contract compiled here.

`anchor_service/chain/artifacts/AnchorRegistry.json` is written by
`scripts/export_artifact.py` (`make contract-artifact`); this fails as soon as
the contract, its dependencies or the compiler settings change without it.
"""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType
from typing import Any

import pytest
from conftest import REPO_ROOT


@pytest.fixture(scope="module")
def exporter() -> ModuleType:
    path = REPO_ROOT / "scripts" / "export_artifact.py"
    spec = importlib.util.spec_from_file_location("export_artifact", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def committed(exporter: ModuleType) -> dict[str, Any]:
    artifact: dict[str, Any] = json.loads(exporter.ARTIFACT_PATH.read_text())
    return artifact


@pytest.fixture(scope="module")
def fresh(exporter: ModuleType, AnchorRegistry: Any) -> dict[str, Any]:
    """The artifact of this run's compile (Brownie recompiles changed sources at start).

    Read from build/ on disk: Brownie's in-memory copy of the ABI is altered
    (it names the constructor).
    """
    build = json.loads(exporter.BUILD_PATH.read_text())
    assert build["bytecode"] == AnchorRegistry._build["bytecode"]
    artifact: dict[str, Any] = exporter.artifact_from_build(build)
    return artifact


def test_committed_abi_is_the_compiled_abi(
    committed: dict[str, Any], fresh: dict[str, Any]
) -> None:
    assert committed["abi"] == fresh["abi"], "stale artifact: run `make contract-artifact`"


def test_committed_bytecode_is_the_compiled_bytecode(
    committed: dict[str, Any], fresh: dict[str, Any]
) -> None:
    assert committed["bytecode"] == fresh["bytecode"], "stale: run `make contract-artifact`"
    assert committed["deployedBytecode"] == fresh["deployedBytecode"]


def test_committed_artifact_is_exactly_what_the_exporter_writes(
    exporter: ModuleType, fresh: dict[str, Any]
) -> None:
    assert exporter.ARTIFACT_PATH.read_text() == exporter.render(fresh)


def test_artifact_records_the_pinned_compiler_settings(committed: dict[str, Any]) -> None:
    assert committed["contractName"] == "AnchorRegistry"
    assert committed["compiler"]["version"].startswith("0.8.28+")
    assert committed["compiler"]["evmVersion"] == "shanghai"
    assert committed["compiler"]["optimizer"] == {"enabled": True, "runs": 200}


def test_artifact_deploys_code_that_matches_the_deployed_bytecode(
    AnchorRegistry: Any, admin: Any, committed: dict[str, Any]
) -> None:
    from brownie import web3

    contract = admin.deploy(AnchorRegistry, admin)

    assert "0x" + bytes(web3.eth.get_code(contract.address)).hex() == committed["deployedBytecode"]
