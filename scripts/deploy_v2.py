"""Deploy AnchorRegistryV2 with each role on its own key, and record the deployment.

    brownie run scripts/deploy_v2.py main ADMIN ANCHORER [PAUSER] [ACCOUNT_ID] [OUTPUT]
        [DELAY] [PREDECESSOR] --network NETWORK

- `ADMIN`: the cold key that administers roles and retires the registry
  (AccessControlDefaultAdminRules: handed over in two steps after DELAY).
  Required. It must not be the anchorer: the anchorer is the service's hot
  signing key, and a stolen hot key that is also admin could grant itself every
  role and retire the registry. The one exception is a development chain, and
  only as an explicit choice: pass the word `anchorer` as ADMIN.
- `ANCHORER`: the service's signing key (ANCHORER_ROLE). Required.
- `PAUSER`: the key that may pause anchoring (PAUSER_ROLE); default: ADMIN.
- `ACCOUNT_ID`: a Brownie keystore account that pays for the deployment
  (`brownie accounts new <id>`), loaded explicitly. Required on any network
  that is not a development one; on a development chain it defaults to the
  chain's first unlocked account. It gets no role.
- `OUTPUT`: the deployment record (default
  `.data/deployments/AnchorRegistryV2-<chain id>.json`).
- `DELAY`: seconds of the admin delay, for admin hand-overs and retirements
  (default two days).
- `PREDECESSOR`: the registry this one succeeds (see IAnchorRegistry); default none.

The record is JSON: `contractName`, `network`, `chainId`, `address`,
`blockNumber`, `txHash`, `deployer`, `admin`, `anchorer`, `pauser`,
`adminDelay`, `predecessor`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from brownie import AnchorRegistryV2, accounts, chain, network, web3
from brownie._config import CONFIG

REPO_ROOT = Path(__file__).resolve().parents[1]
ZERO_ADDRESS = "0x" + "00" * 20
DEFAULT_DELAY = 2 * 24 * 3600
ANCHORER_IS_ADMIN = "anchorer"


class DeployRefused(SystemExit):
    """The script will not deploy with the arguments it was given."""


def is_development() -> bool:
    """Whether the active network is a local development chain Brownie launched or attached to."""
    return CONFIG.network_type == "development"


def choose_deployer(development: bool, account_id: str | None) -> Any:
    """Return the paying account: the explicitly loaded one, or a dev chain's first account."""
    if account_id:
        return accounts.load(account_id)
    if not development:
        raise DeployRefused(
            f"refusing to deploy on '{network.show_active()}' without an explicitly loaded "
            "account: pass the id of a Brownie account (brownie accounts new <id>)"
        )
    return accounts[0]


def _address(value: str, what: str) -> str:
    if not web3.is_address(value):
        raise DeployRefused(f"{what} {value!r} is not an address")
    return str(web3.to_checksum_address(value))


def choose_roles(
    development: bool, admin: str | None, anchorer: str | None, pauser: str | None
) -> tuple[str, str, str]:
    """Return `(admin, anchorer, pauser)`, refusing an admin that is the anchorer's hot key."""
    if not anchorer:
        raise DeployRefused("pass the anchorer address (the service's signing key)")
    anchorer = _address(anchorer, "anchorer")
    if not admin:
        raise DeployRefused("pass the admin address (a cold key, not the anchorer)")
    if admin == ANCHORER_IS_ADMIN:
        if not development:
            raise DeployRefused(
                f"'{ANCHORER_IS_ADMIN}' as admin is a development-chain choice only: pass the "
                "address of a cold admin key"
            )
        admin = anchorer
    else:
        admin = _address(admin, "admin")
        if admin == anchorer:
            raise DeployRefused(
                "the admin must not be the anchorer's hot key; on a development chain, pass "
                f"'{ANCHORER_IS_ADMIN}' as admin to choose that explicitly"
            )
    return admin, anchorer, _address(pauser, "pauser") if pauser else admin


def default_output(chain_id: int) -> Path:
    return REPO_ROOT / ".data" / "deployments" / f"AnchorRegistryV2-{chain_id}.json"


def main(
    admin: str | None = None,
    anchorer: str | None = None,
    pauser: str | None = None,
    account_id: str | None = None,
    output: str | None = None,
    delay: str | int | None = None,
    predecessor: str | None = None,
) -> dict[str, Any]:
    development = is_development()
    admin, anchorer, pauser = choose_roles(development, admin, anchorer, pauser)
    deployer = choose_deployer(development, account_id)
    admin_delay = DEFAULT_DELAY if delay in (None, "") else int(delay)
    previous = _address(predecessor, "predecessor") if predecessor else ZERO_ADDRESS
    print(f"network: {network.show_active()} (chain id {chain.id})")
    print(f"account: {deployer.address}")

    registry = deployer.deploy(AnchorRegistryV2, admin_delay, admin, anchorer, pauser, previous)
    deploy_tx = registry.tx
    record = {
        "contractName": "AnchorRegistryV2",
        "network": network.show_active(),
        "chainId": chain.id,
        "address": registry.address,
        "blockNumber": deploy_tx.block_number,
        "txHash": deploy_tx.txid,
        "deployer": deployer.address,
        "admin": admin,
        "anchorer": anchorer,
        "pauser": pauser,
        "adminDelay": admin_delay,
        "predecessor": previous,
    }
    path = Path(output) if output else default_output(chain.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")

    print(f"address:  {registry.address}")
    print(f"block:    {deploy_tx.block_number}")
    print(f"admin:    {admin}")
    print(f"anchorer: {anchorer}")
    print(f"pauser:   {pauser}")
    if admin == anchorer:
        print("WARNING: the anchorer is also the admin (development choice)")
    print(f"deployment written to {path}")
    return record
