"""AnchorRegistryV2 roles: each key holds one role, the admin is handed over only after a delay."""

from __future__ import annotations

from typing import Any

import pytest
from brownie import chain
from conftest import ADMIN_DELAY, ZERO_ADDRESS
from eth_utils import keccak
from history_model import schedule_retirement
from log_model import anchor, make_leaves, reverts_with

LEAVES = make_leaves(8)
DEFAULT_ADMIN_ROLE = "0x" + "00" * 32
UNAUTHORIZED = "AccessControlUnauthorizedAccount(address,bytes32)"


def roles_of(registry: Any, account: Any) -> set[str]:
    names = {
        "admin": DEFAULT_ADMIN_ROLE,
        "anchorer": registry.ANCHORER_ROLE(),
        "pauser": registry.PAUSER_ROLE(),
    }
    return {name for name, role in names.items() if registry.hasRole(role, account)}


def test_constructor_gives_each_role_to_its_own_account(
    registry_v2: Any, admin: Any, anchorer: Any, pauser: Any, outsider: Any
) -> None:
    assert roles_of(registry_v2, admin) == {"admin"}
    assert roles_of(registry_v2, anchorer) == {"anchorer"}
    assert roles_of(registry_v2, pauser) == {"pauser"}
    assert roles_of(registry_v2, outsider) == set()
    assert registry_v2.defaultAdmin() == admin
    assert registry_v2.owner() == admin
    assert registry_v2.defaultAdminDelay() == ADMIN_DELAY


def test_deploying_emits_one_role_granted_per_role(
    AnchorRegistryV2: Any, accounts: Any, admin: Any, anchorer: Any, pauser: Any
) -> None:
    deployer = accounts[4]
    contract = deployer.deploy(AnchorRegistryV2, 0, admin, anchorer, pauser, ZERO_ADDRESS)

    granted = [(e["role"], e["account"], e["sender"]) for e in contract.tx.events["RoleGranted"]]
    assert granted == [
        (DEFAULT_ADMIN_ROLE, admin, deployer),
        (contract.ANCHORER_ROLE(), anchorer, deployer),
        (contract.PAUSER_ROLE(), pauser, deployer),
    ]
    assert roles_of(contract, deployer) == set()


@pytest.mark.parametrize("missing", ["anchorer", "pauser"])
def test_constructor_refuses_a_zero_role_holder(
    AnchorRegistryV2: Any, admin: Any, anchorer: Any, pauser: Any, missing: str
) -> None:
    holders = {"anchorer": anchorer, "pauser": pauser, missing: ZERO_ADDRESS}
    role = "ANCHORER_ROLE" if missing == "anchorer" else "PAUSER_ROLE"

    with reverts_with(
        "AnchorRegistryInvalidRoleHolder(bytes32,address)",
        "0x" + keccak(text=role).hex(),
        ZERO_ADDRESS,
    ):
        admin.deploy(
            AnchorRegistryV2, 0, admin, holders["anchorer"], holders["pauser"], ZERO_ADDRESS
        )


def test_constructor_refuses_a_zero_admin(
    AnchorRegistryV2: Any, admin: Any, anchorer: Any, pauser: Any
) -> None:
    with reverts_with("AccessControlInvalidDefaultAdmin(address)", ZERO_ADDRESS):
        admin.deploy(AnchorRegistryV2, 0, ZERO_ADDRESS, anchorer, pauser, ZERO_ADDRESS)


def test_no_role_but_the_anchorer_anchors(
    registry_v2: Any, admin: Any, pauser: Any, outsider: Any
) -> None:
    for account in (admin, pauser, outsider):
        with reverts_with(UNAUTHORIZED, account.address, registry_v2.ANCHORER_ROLE()):
            anchor(registry_v2, account, LEAVES, 4)


def test_no_role_but_the_pauser_pauses(
    registry_v2: Any, admin: Any, anchorer: Any, outsider: Any
) -> None:
    for account in (admin, anchorer, outsider):
        with reverts_with(UNAUTHORIZED, account.address, registry_v2.PAUSER_ROLE()):
            registry_v2.pause({"from": account})


def test_the_anchorer_key_cannot_retire_grant_or_take_the_admin_role(
    registry_v2: Any, deploy_successor: Any, anchorer: Any
) -> None:
    successor = deploy_successor(registry_v2)

    with reverts_with(UNAUTHORIZED, anchorer.address, DEFAULT_ADMIN_ROLE):
        schedule_retirement(registry_v2, anchorer, successor, kept=0)
    with reverts_with(UNAUTHORIZED, anchorer.address, DEFAULT_ADMIN_ROLE):
        registry_v2.grantRole(registry_v2.PAUSER_ROLE(), anchorer, {"from": anchorer})
    with reverts_with(UNAUTHORIZED, anchorer.address, DEFAULT_ADMIN_ROLE):
        registry_v2.beginDefaultAdminTransfer(anchorer, {"from": anchorer})


def test_the_admin_role_is_never_granted_directly(
    registry_v2: Any, admin: Any, outsider: Any
) -> None:
    with reverts_with("AccessControlEnforcedDefaultAdminRules()"):
        registry_v2.grantRole(DEFAULT_ADMIN_ROLE, outsider, {"from": admin})


def test_the_admin_role_moves_only_after_the_delay_and_acceptance(
    registry_v2: Any, admin: Any, outsider: Any
) -> None:
    tx = registry_v2.beginDefaultAdminTransfer(outsider, {"from": admin})
    schedule = tx.timestamp + ADMIN_DELAY

    with reverts_with("AccessControlEnforcedDefaultAdminDelay(uint48)", schedule):
        registry_v2.acceptDefaultAdminTransfer({"from": outsider})
    chain.sleep(ADMIN_DELAY + 1)
    registry_v2.acceptDefaultAdminTransfer({"from": outsider})

    assert registry_v2.defaultAdmin() == outsider
    assert roles_of(registry_v2, admin) == set()


def test_the_admin_grants_the_anchorer_role_to_a_new_key(
    registry_v2: Any, admin: Any, anchorer: Any, outsider: Any
) -> None:
    registry_v2.revokeRole(registry_v2.ANCHORER_ROLE(), anchorer, {"from": admin})
    registry_v2.grantRole(registry_v2.ANCHORER_ROLE(), outsider, {"from": admin})

    anchor(registry_v2, outsider, LEAVES, 4)
    with reverts_with(UNAUTHORIZED, anchorer.address, registry_v2.ANCHORER_ROLE()):
        anchor(registry_v2, anchorer, LEAVES, 8, old_size=4)
