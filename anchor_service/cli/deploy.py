"""``anchor-service deploy (--admin ADDR --pauser ADDR | --dev) [--v1] [--json]``: deploy.

For operators who do not use Brownie: deploys AnchorRegistryV2 (``--v1``: the v1
AnchorRegistry, for a fleet that must stay on it) from the committed artifact, signed by
the service's key (``ANCHOR_SIGNER_KEY`` or the keystore), grants
that key the anchorer role and nothing else, and writes the deployment file the service
reads when ``ANCHOR_REGISTRY_ADDRESS`` is unset (``ANCHOR_DEPLOYMENT_FILE``, default
``.data/deployment.json``). The admin (a multisig) and the pauser are named with
``--admin`` and ``--pauser``; only ``--dev`` (or ``SELF``) gives those roles to the hot
signing key, with a warning saying why that is unsafe. The registry's address is the
last line of stdout (with ``--json``, stdout is one JSON object instead).
"""

from __future__ import annotations

import argparse
import json
import sys

from eth_utils.address import is_address

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings

__all__ = ["register"]

#: The value of ``--admin`` / ``--pauser`` that names the signing key itself.
SELF = "SELF"


def _holder(value: str) -> str:
    if value.upper() == SELF:
        return SELF
    if not is_address(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an Ethereum address (nor SELF)")
    return value


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "deploy",
        help="deploy the AnchorRegistryV2 contract; the signer gets only the anchorer role",
        description=(
            "Deploy AnchorRegistryV2 (--v1: the v1 AnchorRegistry) from the committed "
            "artifact with the service's signing "
            "key, grant that key the anchorer role, give the admin role to --admin (a "
            "multisig) and the pauser role to --pauser, and write the deployment file. "
            "The signing key is hot (it signs every anchor): with the admin role it could "
            "grant itself anything, so it gets admin and pauser only with --dev (a local "
            "chain) or SELF. The address is printed as the last line of stdout."
        ),
        examples=[
            "anchor-service deploy --admin 0x1234567890AbcdEF1234567890aBcdef12345678 "
            "--pauser 0x00000000000000000000000000000000DeaDBeef",
            "anchor-service deploy --dev            # local chain: the signer holds every role",
            "anchor-service deploy --dev --json | jq -r .address",
            "anchor-service deploy --dev --v1       # the v1 AnchorRegistry (rootAt/anchorAt)",
        ],
        handler=run,
        database="none",
    )
    parser.add_argument(
        "--admin",
        type=_holder,
        metavar="ADDR",
        help=(
            "account that administers roles (a multisig; the signer does not keep the role); "
            "SELF: the signing key (unsafe; default with --dev)"
        ),
    )
    parser.add_argument(
        "--pauser",
        type=_holder,
        metavar="ADDR",
        help="account that may pause anchoring; SELF: the signing key (default with --dev)",
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="local chain: admin and pauser default to the signing key (unsafe elsewhere)",
    )
    version = parser.add_mutually_exclusive_group()
    version.add_argument(
        "--v1",
        action="store_true",
        help="deploy the v1 AnchorRegistry (every head in storage, rootAt/anchorAt, no "
        "succession; roles granted after deployment) instead of AnchorRegistryV2",
    )
    version.add_argument(
        "--v2",
        action="store_true",
        help="deploy AnchorRegistryV2 (the default; latest head only in storage, heads in "
        "events, succession; every role given at construction)",
    )
    parser.add_argument(
        "--admin-delay",
        type=int,
        default=2 * 24 * 3600,
        metavar="S",
        help="AnchorRegistryV2: seconds an admin hand-over or a retirement waits (default "
        "%(default)s, two days; 0 with --dev; ignored with --v1)",
    )
    add_json_flag(parser, "print the deployment record as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.chain import Signer
    from anchor_service.services.anchoring.deployment import SELF_ADMIN_WARNING, deploy_and_record

    signer = Signer.from_settings(settings)

    def holder(value: str | None) -> str | None:
        return signer.address if value == SELF else value

    from anchor_service.chain import (
        DEFAULT_REGISTRY_ARTIFACT_PATH,
        REGISTRY_ARTIFACT_PATH,
        load_artifact,
    )

    artifact = load_artifact(REGISTRY_ARTIFACT_PATH if args.v1 else DEFAULT_REGISTRY_ARTIFACT_PATH)
    record, path = deploy_and_record(
        settings,
        admin=holder(args.admin),
        pauser=holder(args.pauser),
        dev=args.dev,
        signer=signer,
        artifact=artifact,
        admin_delay=0 if args.dev else args.admin_delay,
    )
    if record.deployer in (record.admin, record.pauser):
        print(f"warning: {SELF_ADMIN_WARNING}", file=sys.stderr)
    if args.json:
        print(json.dumps({**record.to_json(), "file": str(path)}, indent=2))
        return 0
    print(f"contract:   {record.contract_name}")
    print(f"chain id:   {record.chain_id}")
    print(f"block:      {record.block_number}")
    print(f"admin:      {record.admin}")
    print(f"pauser:     {record.pauser}")
    print(f"anchorer:   {record.anchorer}")
    print(f"written to: {path}")
    print(record.address)
    return 0
