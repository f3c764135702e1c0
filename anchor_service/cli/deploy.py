"""``anchor-service deploy [--admin ADDR] [--json]``: deploy the registry with web3.

For operators who do not use Brownie: deploys AnchorRegistry from the committed
artifact, signed by the service's key (``ANCHOR_SIGNER_KEY`` or the keystore), grants
that key the anchorer role, and writes the deployment file the service reads when
``ANCHOR_REGISTRY_ADDRESS`` is unset (``ANCHOR_DEPLOYMENT_FILE``, default
``.data/deployment.json``). The registry's address is the last line of stdout (with
``--json``, stdout is one JSON object instead).
"""

from __future__ import annotations

import argparse
import json

from eth_utils.address import is_address

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings

__all__ = ["register"]


def _address(value: str) -> str:
    if not is_address(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an Ethereum address")
    return value


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "deploy",
        help="deploy the AnchorRegistry contract and grant the signer the anchorer role",
        description=(
            "Deploy AnchorRegistry from the committed artifact with the service's signing "
            "key, grant that key the anchorer role, and write the deployment file. The "
            "address is printed as the last line of stdout."
        ),
        examples=[
            "ANCHOR_SIGNER_KEY=0x... anchor-service deploy",
            "anchor-service deploy --admin 0x1234567890AbcdEF1234567890aBcdef12345678",
            "anchor-service deploy --json | jq -r .address",
        ],
        handler=run,
        database="none",
    )
    parser.add_argument(
        "--admin",
        type=_address,
        metavar="ADDR",
        help=(
            "account that administers roles and may pause (default: the signer; another "
            "account makes the signer renounce its admin role)"
        ),
    )
    add_json_flag(parser, "print the deployment record as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.services.anchoring.deployment import deploy_and_record

    record, path = deploy_and_record(settings, admin=args.admin)
    if args.json:
        print(json.dumps({**record.to_json(), "file": str(path)}, indent=2))
        return 0
    print(f"chain id:   {record.chain_id}")
    print(f"block:      {record.block_number}")
    print(f"admin:      {record.admin}")
    print(f"anchorer:   {record.anchorer}")
    print(f"written to: {path}")
    print(record.address)
    return 0
