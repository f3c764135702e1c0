"""Deploy AnchorRegistry with Brownie, grant the anchorer role, record the deployment.

    brownie run scripts/deploy.py main [ANCHORER] [ACCOUNT_ID] [OUTPUT] --network NETWORK

- `ANCHORER`: address that gets ANCHORER_ROLE (the service's signing key).
  Required on a live network; on a development network it defaults to the
  deploying account.
- `ACCOUNT_ID`: a Brownie keystore account (`brownie accounts new <id>`),
  loaded explicitly; Brownie asks for its password. Required on any network
  that is not a development one: the script refuses to run without it, and it
  never takes a private key on the command line. On a development network it
  defaults to the chain's first unlocked account.
- `OUTPUT`: where to write the deployment record (default
  `.data/deployments/AnchorRegistry-<chain id>.json`).

The deploying account becomes the admin (DEFAULT_ADMIN_ROLE) and also gets
PAUSER_ROLE, so it can stop anchoring in an emergency. The record is JSON:
`contractName`, `network`, `chainId`, `address`, `blockNumber`, `txHash`,
`deployer`, `anchorer`, `abi` (repository path of the committed artifact the
service reads, `anchor_service/chain/artifacts/AnchorRegistry.json`) and
`matchesArtifact` (whether the deployed code is the committed artifact's).
The last lines printed are `ANCHOR_CHAIN_ID=...` and `ANCHOR_REGISTRY_ADDRESS=...`
for the service's environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from brownie import AnchorRegistry, accounts, chain, network, web3
from brownie._config import CONFIG

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACT = Path("anchor_service") / "chain" / "artifacts" / "AnchorRegistry.json"


class DeployRefused(SystemExit):
    """The script will not deploy with the arguments it was given."""


def is_development() -> bool:
    """Whether the active network is a local development chain Brownie launched or attached to."""
    return CONFIG.network_type == "development"


def choose_deployer(development: bool, account_id: str | None) -> Any:
    """Return the deploying account: the explicitly loaded one, or a dev chain's first account."""
    if account_id:
        return accounts.load(account_id)
    if not development:
        raise DeployRefused(
            f"refusing to deploy on '{network.show_active()}' without an explicitly loaded "
            "account: pass the id of a Brownie account (brownie accounts new <id>)"
        )
    return accounts[0]


def choose_anchorer(development: bool, anchorer: str | None, deployer: Any) -> str:
    """Return the address to grant ANCHORER_ROLE to."""
    if anchorer:
        return str(web3.to_checksum_address(anchorer))
    if not development:
        raise DeployRefused("pass the anchorer address (the service's signing key)")
    return str(deployer.address)


def default_output(chain_id: int) -> Path:
    return REPO_ROOT / ".data" / "deployments" / f"AnchorRegistry-{chain_id}.json"


def main(
    anchorer: str | None = None, account_id: str | None = None, output: str | None = None
) -> dict[str, Any]:
    development = is_development()
    deployer = choose_deployer(development, account_id)
    anchorer_address = choose_anchorer(development, anchorer, deployer)
    print(f"network: {network.show_active()} (chain id {chain.id})")
    print(f"account: {deployer.address}")

    registry = deployer.deploy(AnchorRegistry, deployer.address)
    deploy_tx = registry.tx
    registry.grantRole(registry.ANCHORER_ROLE(), anchorer_address, {"from": deployer})
    registry.grantRole(registry.PAUSER_ROLE(), deployer.address, {"from": deployer})

    committed = json.loads((REPO_ROOT / ARTIFACT).read_text())
    deployed_code = "0x" + bytes(web3.eth.get_code(registry.address)).hex()
    record = {
        "contractName": "AnchorRegistry",
        "network": network.show_active(),
        "chainId": chain.id,
        "address": registry.address,
        "blockNumber": deploy_tx.block_number,
        "txHash": deploy_tx.txid,
        "deployer": deployer.address,
        "anchorer": anchorer_address,
        "abi": ARTIFACT.as_posix(),
        "matchesArtifact": deployed_code == committed["deployedBytecode"],
    }
    path = Path(output) if output else default_output(chain.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")

    print(f"address: {registry.address}")
    print(f"block:   {deploy_tx.block_number}")
    print(f"anchorer: {anchorer_address}")
    if not record["matchesArtifact"]:
        print(f"WARNING: deployed code differs from {ARTIFACT}: run `make contract-artifact`")
    print(f"deployment written to {path}")
    print(f"ANCHOR_CHAIN_ID={chain.id}")
    print(f"ANCHOR_REGISTRY_ADDRESS={registry.address}")
    return record
