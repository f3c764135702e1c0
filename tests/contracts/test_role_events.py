"""Role changes leave events on chain, and only the right roles anchor, pause or grant.

Complements test_access_control.py: every grant, revoke and renounce of every role is
an event naming the role, the account and who did it (so the role history can be read
back from the chain); a change that changes nothing emits nothing; and a full matrix of
account x privileged function, each call either allowed or refused with
AccessControlUnauthorizedAccount naming the missing role.
"""

from __future__ import annotations

from typing import Any

import brownie
import pytest
from eth_utils import keccak
from log_model import anchor, make_leaves, reverts_with

DEFAULT_ADMIN_ROLE = "0x" + "00" * 32
UNAUTHORIZED = "AccessControlUnauthorizedAccount(address,bytes32)"
LEAVES = make_leaves(4)
ROLE_NAMES = ("DEFAULT_ADMIN_ROLE", "ANCHORER_ROLE", "PAUSER_ROLE")


def _role(registry: Any, name: str) -> str:
    return str(getattr(registry, name)())


def _only_event(tx: Any, name: str) -> Any:
    """The one event of ``tx`` (there must be exactly one, and it must be ``name``)."""
    assert len(tx.events) == 1, f"expected one {name} event, got {list(tx.events.keys())}"
    assert name in tx.events, f"expected {name}, got {list(tx.events.keys())}"
    return tx.events[name]


def test_deploying_emits_role_granted_for_the_admin(AnchorRegistry: Any, accounts: Any) -> None:
    deployer, admin = accounts[4], accounts[5]
    contract = deployer.deploy(AnchorRegistry, admin)
    event = _only_event(contract.tx, "RoleGranted")
    assert (event["role"], event["account"], event["sender"]) == (
        DEFAULT_ADMIN_ROLE, admin, deployer,
    )  # fmt: skip


@pytest.mark.parametrize("role_name", ROLE_NAMES)
def test_grant_emits_role_granted_with_role_account_and_sender(
    registry: Any, admin: Any, outsider: Any, role_name: str
) -> None:
    role = _role(registry, role_name)
    tx = registry.grantRole(role, outsider, {"from": admin})
    event = _only_event(tx, "RoleGranted")
    assert (event["role"], event["account"], event["sender"]) == (role, outsider, admin)
    assert registry.hasRole(role, outsider)


@pytest.mark.parametrize("role_name", ROLE_NAMES)
def test_revoke_emits_role_revoked_with_role_account_and_sender(
    registry: Any, admin: Any, outsider: Any, role_name: str
) -> None:
    role = _role(registry, role_name)
    registry.grantRole(role, outsider, {"from": admin})
    tx = registry.revokeRole(role, outsider, {"from": admin})
    event = _only_event(tx, "RoleRevoked")
    assert (event["role"], event["account"], event["sender"]) == (role, outsider, admin)
    assert not registry.hasRole(role, outsider)


@pytest.mark.parametrize("role_name", ROLE_NAMES)
def test_renounce_emits_role_revoked_by_the_account_itself(
    registry: Any, admin: Any, outsider: Any, role_name: str
) -> None:
    role = _role(registry, role_name)
    registry.grantRole(role, outsider, {"from": admin})
    tx = registry.renounceRole(role, outsider, {"from": outsider})
    event = _only_event(tx, "RoleRevoked")
    assert (event["role"], event["account"], event["sender"]) == (role, outsider, outsider)


def test_changes_that_change_nothing_emit_nothing(
    registry: Any, admin: Any, anchorer: Any, outsider: Any
) -> None:
    again = registry.grantRole(registry.ANCHORER_ROLE(), anchorer, {"from": admin})
    absent = registry.revokeRole(registry.PAUSER_ROLE(), outsider, {"from": admin})
    assert len(again.events) == 0 and len(absent.events) == 0
    assert registry.hasRole(registry.ANCHORER_ROLE(), anchorer)


def test_no_one_renounces_a_role_for_another_account(
    registry: Any, anchorer: Any, outsider: Any
) -> None:
    with reverts_with("AccessControlBadConfirmation()"):
        registry.renounceRole(registry.ANCHORER_ROLE(), anchorer, {"from": outsider})


def test_handing_over_admin_leaves_the_old_admin_powerless(
    registry: Any, admin: Any, outsider: Any, anchorer: Any
) -> None:
    registry.grantRole(DEFAULT_ADMIN_ROLE, outsider, {"from": admin})
    tx = registry.renounceRole(DEFAULT_ADMIN_ROLE, admin, {"from": admin})
    assert _only_event(tx, "RoleRevoked")["account"] == admin

    with reverts_with(UNAUTHORIZED, admin.address, DEFAULT_ADMIN_ROLE):
        registry.revokeRole(registry.ANCHORER_ROLE(), anchorer, {"from": admin})
    registry.revokeRole(registry.ANCHORER_ROLE(), anchorer, {"from": outsider})
    assert not registry.hasRole(registry.ANCHORER_ROLE(), anchorer)


ROLE_GRANTED = "0x" + keccak(text="RoleGranted(bytes32,address,address)").hex()
ROLE_REVOKED = "0x" + keccak(text="RoleRevoked(bytes32,address,address)").hex()


def test_role_history_can_be_read_back_from_the_chain_logs(
    registry: Any, admin: Any, anchorer: Any, pauser: Any, outsider: Any
) -> None:
    registry.grantRole(registry.PAUSER_ROLE(), outsider, {"from": admin})
    registry.revokeRole(registry.ANCHORER_ROLE(), anchorer, {"from": admin})
    registry.renounceRole(registry.PAUSER_ROLE(), pauser, {"from": pauser})

    logs = brownie.web3.eth.get_logs({
        "address": registry.address,
        "fromBlock": registry.tx.block_number,
        "toBlock": "latest",
        "topics": [[ROLE_GRANTED, ROLE_REVOKED]],
    })  # fmt: skip
    holders: set[tuple[str, str]] = set()
    for log in sorted(logs, key=lambda item: (item["blockNumber"], item["logIndex"])):
        topic, role, account = (bytes(topic).hex() for topic in log["topics"][:3])
        pair = ("0x" + role, "0x" + account[-40:])
        holders = holders | {pair} if "0x" + topic == ROLE_GRANTED else holders - {pair}

    expected = {
        (_role(registry, name).lower(), str(account).lower())
        for name in ROLE_NAMES
        for account in (admin, anchorer, pauser, outsider)
        if registry.hasRole(_role(registry, name), account)
    }
    assert holders == expected
    assert (_role(registry, "PAUSER_ROLE").lower(), str(outsider).lower()) in holders
    assert (_role(registry, "ANCHORER_ROLE").lower(), str(anchorer).lower()) not in holders


# --- who may call what: account x privileged function -------------------------------

#: For each privileged function, the role it needs, and which accounts hold that role.
NEEDS = {
    "anchor": "ANCHORER_ROLE",
    "pause": "PAUSER_ROLE",
    "unpause": "PAUSER_ROLE",
    "grantRole": "DEFAULT_ADMIN_ROLE",
    "revokeRole": "DEFAULT_ADMIN_ROLE",
}
ALLOWED = {
    "anchor": {"anchorer"},
    "pause": {"pauser"},
    "unpause": {"pauser"},
    "grantRole": {"admin"},
    "revokeRole": {"admin"},
}


def _call(function: str, registry: Any, account: Any, pauser: Any, outsider: Any) -> Any:
    if function == "anchor":
        return anchor(registry, account, LEAVES, 4)
    if function == "pause":
        return registry.pause({"from": account})
    if function == "unpause":
        registry.pause({"from": pauser})
        return registry.unpause({"from": account})
    role = registry.ANCHORER_ROLE()
    return getattr(registry, function)(role, outsider, {"from": account})


@pytest.mark.parametrize("function", sorted(NEEDS))
@pytest.mark.parametrize("caller", ["admin", "anchorer", "pauser", "outsider"])
def test_only_the_right_role_may_call_each_privileged_function(
    registry: Any,
    admin: Any,
    anchorer: Any,
    pauser: Any,
    outsider: Any,
    function: str,
    caller: str,
) -> None:
    account = {"admin": admin, "anchorer": anchorer, "pauser": pauser, "outsider": outsider}[
        caller
    ]
    if caller in ALLOWED[function]:
        tx = _call(function, registry, account, pauser, outsider)
        assert tx.status == 1
        return
    with reverts_with(UNAUTHORIZED, account.address, _role(registry, NEEDS[function])):
        _call(function, registry, account, pauser, outsider)
    assert registry.anchorCount() == 0
    assert not registry.hasRole(registry.ANCHORER_ROLE(), outsider)
