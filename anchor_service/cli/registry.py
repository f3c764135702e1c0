"""``anchor-service registry status|migrate``: the chain watch, and moving to a new registry.

``status`` runs the chain watch once (:mod:`anchor_service.services.anchoring.watch`):
the code at the registry address, its latest head and the confirmed anchors against the
database; exit 0 when they agree, 1 when not (with what differs and what to do).

``migrate --to ADDRESS`` is the operator's explicit way out after a chain reset, a
replaced registry or a bad head: it checks the target (the expected contract, empty,
the signing key holds the anchorer role there), records the move in the database
(``registry_links``: anchors before it stay with the old history), points the
deployment file at the target, and anchors the database's newest head into it (unless
``--no-anchor``). A v2 successor (deployed with the registry in use as predecessor) is
followed by its succession: the predecessor must have retired in its favour; it is
linked and continues from the kept head. Otherwise (v1) it can only adopt an empty,
freshly deployed registry.
"""

from __future__ import annotations

import argparse
import json

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "registry",
        help="check the registry on chain against the database; move to a new one",
        description=(
            "The chain watch, and the explicit move to another registry after a chain "
            "reset, a replaced registry or a bad head (anchoring stays stopped until then)."
        ),
        examples=[
            "anchor-service registry status",
            "anchor-service registry migrate --to 0x1234567890AbcdEF1234567890aBcdef12345678",
        ],
    )
    commands = parser.add_subparsers(title="registry commands", metavar="COMMAND", required=True)
    status = add_command(
        commands,
        "status",
        help="run the chain watch once (exit 0: agrees, 1: disagrees)",
        description=(
            "Compare the registry on chain (its code, latest head and the confirmed "
            "anchors' blocks) with the database, and list the recorded registry moves."
        ),
        examples=["anchor-service registry status", "anchor-service registry status --json"],
        handler=run_status,
    )
    add_json_flag(status, "print the result as JSON")
    migrate = add_command(
        commands,
        "migrate",
        help="adopt a fresh registry and re-anchor the newest head into it",
        description=(
            "Record the move to the registry at --to (a fresh one: `anchor-service deploy`), "
            "point the deployment file at it, and anchor the database's newest head into "
            "it. The anchors recorded before stay with the old registry's history. Refused "
            "unless the target is the expected contract, holds no anchor, and the signing "
            "key holds its anchorer role. With ANCHOR_REGISTRY_ADDRESS set, it must name "
            "the target."
        ),
        examples=[
            "anchor-service registry migrate --to 0x1234567890AbcdEF1234567890aBcdef12345678",
            "anchor-service registry migrate --to 0x1234567890AbcdEF1234567890aBcdef12345678 "
            '--reason "ganache data lost"',
        ],
        handler=run_migrate,
    )
    migrate.add_argument("--to", required=True, metavar="ADDRESS", help="the registry to adopt")
    migrate.add_argument(
        "--reason",
        default="operator's migration",
        help="why (recorded with the move; default: %(default)r)",
    )
    migrate.add_argument(
        "--no-anchor", action="store_true", help="only record the move; anchor later"
    )
    add_json_flag(migrate, "print the result as JSON")


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.chain import RegistryClient, connect
    from anchor_service.db.repositories.registry_links import RegistryLinkRepository
    from anchor_service.db.session import Database, unit_of_work
    from anchor_service.services.anchoring.chain_context import registry_address_from
    from anchor_service.services.anchoring.watch import ChainWatch

    address = registry_address_from(settings)
    web3 = connect(settings.rpc_url, expected_chain_id=settings.chain_id)
    registry = RegistryClient.detect(web3, address, chain_id=settings.chain_id)
    database = Database.from_settings(settings)
    try:
        report = ChainWatch(database, registry, settings.chain_id).check()
        with unit_of_work(database.reader) as session:
            links = [
                {
                    "id": link.id,
                    "chain_id": link.chain_id,
                    "from": link.from_address,
                    "to": link.to_address,
                    "after_anchor_id": link.after_anchor_id,
                    "kind": link.kind,
                    "reason": link.reason,
                    "created_at": link.created_at.isoformat(),
                }
                for link in RegistryLinkRepository(session).all()
            ]
    finally:
        database.dispose()
    if args.json:
        body = {
            "registry": report.registry,
            "chain_id": report.chain_id,
            "ok": report.ok,
            "problems": list(report.problems),
            "message": report.message(),
            "anchors_checked": report.anchors_checked,
            "moves": links,
        }
        print(json.dumps(body, indent=2))
    else:
        print(f"registry {report.registry} on chain {report.chain_id}: {report.message()}")
        for link in links:
            print(
                f"move #{link['id']}: {link['from'] or 'none'} -> {link['to']} after anchor "
                f"#{link['after_anchor_id']} ({link['kind']}, {link['created_at']}): "
                f"{link['reason']}"
            )
    return 0 if report.ok else 1


def run_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.chain import ChainConfigError, FeePolicy, RegistryClient, Signer, connect
    from anchor_service.db.session import Database
    from anchor_service.services.anchoring.anchorer import Anchorer
    from anchor_service.services.anchoring.chain_context import (
        ChainContext,
        registry_address_from,
    )
    from anchor_service.services.anchoring.migration import (
        MigrationRefused,
        adopt_registry,
        parse_address,
    )
    from anchor_service.services.anchoring.views import OutcomeKind

    target = parse_address(args.to)
    configured = settings.registry_address
    if configured and configured.lower() != target.lower():
        raise MigrationRefused(
            f"ANCHOR_REGISTRY_ADDRESS names {configured}, not {target}: set it to {target} "
            "(here and for the service), then run this again"
        )
    try:
        previous: str | None = registry_address_from(settings)
    except ChainConfigError:
        previous = None
    web3 = connect(settings.rpc_url, expected_chain_id=settings.chain_id)
    registry = RegistryClient.detect(
        web3,
        target,
        fee_policy=FeePolicy.from_gwei(settings.max_fee_gwei),
        chain_id=settings.chain_id,
    )
    chain = ChainContext(
        web3=web3,
        signer=Signer.from_settings(settings),
        registry=registry,
        chain_id=settings.chain_id,
    )
    chain.verify()
    database = Database.from_settings(settings)
    try:
        move = adopt_registry(settings, database, chain, reason=args.reason, previous=previous)
        outcome = None
        if not args.no_anchor:
            outcome = Anchorer.from_settings(settings, database, chain).anchor_latest()
    finally:
        database.dispose()
    failed = outcome is not None and outcome.kind is OutcomeKind.FAILED
    if args.json:
        body = {
            "link_id": move.link_id,
            "chain_id": move.chain_id,
            "from": move.from_address,
            "to": move.to_address,
            "after_anchor_id": move.after_anchor_id,
            "deployment_file": move.deployment_file,
            "anchor": None
            if outcome is None
            else {"outcome": outcome.kind.value, "message": outcome.message},
        }
        print(json.dumps(body, indent=2))
        return 1 if failed else 0
    print(
        f"recorded move #{move.link_id}: {move.from_address or 'none'} -> {move.to_address} "
        f"on chain {move.chain_id}; anchors up to #{move.after_anchor_id} stay with the old "
        "registry's history"
    )
    if move.deployment_file:
        print(f"deployment file {move.deployment_file} now names {move.to_address}")
    if outcome is None:
        print("not anchored (--no-anchor): the next anchoring round anchors the newest head")
    else:
        print(f"anchor: {outcome.kind.value}: {outcome.message}")
    print(
        "restart the scheduler and the API (`make run` / `anchor-service dev` does it on its "
        "next start) so they read the new registry"
    )
    return 1 if failed else 0
