"""Roles and pausing: who may anchor, grant, revoke, pause."""

from __future__ import annotations

from typing import Any

from eth_utils import keccak
from log_model import anchor, make_leaves, reverts_with

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_ADMIN_ROLE = "0x" + "00" * 32
UNAUTHORIZED = "AccessControlUnauthorizedAccount(address,bytes32)"

LEAVES = make_leaves(8)


def test_constructor_gives_admin_only_the_admin_role(registry: Any, admin: Any) -> None:
    assert registry.hasRole(DEFAULT_ADMIN_ROLE, admin)
    assert not registry.hasRole(registry.ANCHORER_ROLE(), admin)
    assert not registry.hasRole(registry.PAUSER_ROLE(), admin)


def test_constructor_refuses_the_zero_admin(AnchorRegistry: Any, admin: Any) -> None:
    with reverts_with("AnchorRegistryInvalidAdmin(address)", ZERO_ADDRESS):
        admin.deploy(AnchorRegistry, ZERO_ADDRESS)


def test_role_identifiers_are_the_hashes_of_their_names(registry: Any) -> None:
    assert registry.ANCHORER_ROLE() == "0x" + keccak(text="ANCHORER_ROLE").hex()
    assert registry.PAUSER_ROLE() == "0x" + keccak(text="PAUSER_ROLE").hex()
    assert registry.DEFAULT_ADMIN_ROLE() == DEFAULT_ADMIN_ROLE


def test_account_without_anchorer_role_cannot_anchor(registry: Any, outsider: Any) -> None:
    with reverts_with(UNAUTHORIZED, outsider.address, registry.ANCHORER_ROLE()):
        anchor(registry, outsider, LEAVES, 4)


def test_admin_without_anchorer_role_cannot_anchor(registry: Any, admin: Any) -> None:
    with reverts_with(UNAUTHORIZED, admin.address, registry.ANCHORER_ROLE()):
        anchor(registry, admin, LEAVES, 4)


def test_pauser_cannot_anchor(registry: Any, pauser: Any) -> None:
    with reverts_with(UNAUTHORIZED, pauser.address, registry.ANCHORER_ROLE()):
        anchor(registry, pauser, LEAVES, 4)


def test_admin_grants_anchorer_role_and_grantee_can_anchor(
    registry: Any, admin: Any, outsider: Any
) -> None:
    tx = registry.grantRole(registry.ANCHORER_ROLE(), outsider, {"from": admin})

    assert tx.events["RoleGranted"]["role"] == registry.ANCHORER_ROLE()
    assert tx.events["RoleGranted"]["account"] == outsider
    assert tx.events["RoleGranted"]["sender"] == admin
    anchor(registry, outsider, LEAVES, 4)
    assert registry.latestHead()[0] == 4


def test_admin_revokes_anchorer_role_and_former_anchorer_cannot_anchor(
    registry: Any, admin: Any, anchorer: Any
) -> None:
    anchor(registry, anchorer, LEAVES, 2)

    tx = registry.revokeRole(registry.ANCHORER_ROLE(), anchorer, {"from": admin})

    assert tx.events["RoleRevoked"]["account"] == anchorer
    assert not registry.hasRole(registry.ANCHORER_ROLE(), anchorer)
    with reverts_with(UNAUTHORIZED, anchorer.address, registry.ANCHORER_ROLE()):
        anchor(registry, anchorer, LEAVES, 4, old_size=2)


def test_anchorer_can_renounce_its_role(registry: Any, anchorer: Any) -> None:
    registry.renounceRole(registry.ANCHORER_ROLE(), anchorer, {"from": anchorer})

    with reverts_with(UNAUTHORIZED, anchorer.address, registry.ANCHORER_ROLE()):
        anchor(registry, anchorer, LEAVES, 4)


def test_non_admin_cannot_grant_roles(registry: Any, anchorer: Any, outsider: Any) -> None:
    with reverts_with(UNAUTHORIZED, anchorer.address, DEFAULT_ADMIN_ROLE):
        registry.grantRole(registry.ANCHORER_ROLE(), outsider, {"from": anchorer})


def test_pause_blocks_anchor(registry: Any, pauser: Any, anchorer: Any) -> None:
    tx = registry.pause({"from": pauser})

    assert tx.events["Paused"]["account"] == pauser
    assert registry.paused()
    with reverts_with("EnforcedPause()"):
        anchor(registry, anchorer, LEAVES, 4)


def test_unpause_lets_anchor_through_again(registry: Any, pauser: Any, anchorer: Any) -> None:
    registry.pause({"from": pauser})

    tx = registry.unpause({"from": pauser})

    assert tx.events["Unpaused"]["account"] == pauser
    anchor(registry, anchorer, LEAVES, 4)
    assert registry.latestHead()[0] == 4


def test_pause_keeps_views_working(registry: Any, pauser: Any, anchorer: Any) -> None:
    anchor(registry, anchorer, LEAVES, 4)

    registry.pause({"from": pauser})

    assert registry.latestHead()[0] == 4
    assert registry.anchorCount() == 1


def test_account_without_pauser_role_cannot_pause(registry: Any, anchorer: Any) -> None:
    with reverts_with(UNAUTHORIZED, anchorer.address, registry.PAUSER_ROLE()):
        registry.pause({"from": anchorer})


def test_account_without_pauser_role_cannot_unpause(registry: Any, pauser: Any, admin: Any) -> None:
    registry.pause({"from": pauser})

    with reverts_with(UNAUTHORIZED, admin.address, registry.PAUSER_ROLE()):
        registry.unpause({"from": admin})


def test_unpause_when_not_paused_reverts(registry: Any, pauser: Any) -> None:
    with reverts_with("ExpectedPause()"):
        registry.unpause({"from": pauser})
