"""Fixtures for the AnchorRegistry contract tests (Brownie on ganache).

Run with `make test-contracts` (Brownie's own environment, `.venv-brownie`).
The Merkle proofs come from the project's `anchor_service.merkle`, imported
from the repository itself: it is standard library only, and the Brownie
environment does not install the service package.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import pytest  # noqa: E402

ZERO_ADDRESS = "0x" + "00" * 20
# AnchorRegistryV2's admin delay in the tests: two days, as a production deployment might use.
ADMIN_DELAY = 2 * 24 * 3600


@pytest.fixture(autouse=True)
def isolation(fn_isolation: Any) -> None:
    """Undo every test's transactions: each test starts from the module's deployments."""


@pytest.fixture(scope="module")
def admin(accounts: Any) -> Any:
    return accounts[0]


@pytest.fixture(scope="module")
def anchorer(accounts: Any) -> Any:
    return accounts[1]


@pytest.fixture(scope="module")
def pauser(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="module")
def outsider(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture(scope="module")
def registry(AnchorRegistry: Any, admin: Any, anchorer: Any, pauser: Any) -> Any:
    """A registry administered by `admin`, with `anchorer` and `pauser` granted their roles."""
    contract = admin.deploy(AnchorRegistry, admin)
    contract.grantRole(contract.ANCHORER_ROLE(), anchorer, {"from": admin})
    contract.grantRole(contract.PAUSER_ROLE(), pauser, {"from": admin})
    return contract


@pytest.fixture(scope="module")
def registry_v2(AnchorRegistryV2: Any, admin: Any, anchorer: Any, pauser: Any) -> Any:
    """An AnchorRegistryV2 without predecessor: each role held by its own account."""
    return admin.deploy(AnchorRegistryV2, ADMIN_DELAY, admin, anchorer, pauser, ZERO_ADDRESS)


@pytest.fixture(scope="module")
def deploy_successor(AnchorRegistryV2: Any, admin: Any, anchorer: Any, pauser: Any) -> Any:
    """Deploys an AnchorRegistryV2 succeeding the given registry, with the same role holders."""

    def deploy(predecessor: Any) -> Any:
        return admin.deploy(AnchorRegistryV2, ADMIN_DELAY, admin, anchorer, pauser, predecessor)

    return deploy


@pytest.fixture(scope="module")
def merkle_log_asm(MerkleLogAsmHarness: Any, admin: Any) -> Any:
    """The MerkleLogAsm library behind external pure functions (test-only contract)."""
    return admin.deploy(MerkleLogAsmHarness)


@pytest.fixture(scope="module")
def merkle_log(MerkleLogHarness: Any, admin: Any) -> Any:
    """The MerkleLog library behind external pure functions (test-only contract)."""
    return admin.deploy(MerkleLogHarness)


def pytest_configure(config: pytest.Config) -> None:
    # Brownie 1.22.2 calls its own deprecated rpc.snapshot/revert in fn_isolation.
    config.addinivalue_line("filterwarnings", "ignore:rpc\\.:FutureWarning")
