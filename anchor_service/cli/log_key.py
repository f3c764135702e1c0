"""``anchor-service log-key``: create the log's note signing key, show its verifier key."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "log-key",
        help="create the log's checkpoint signing key, show its verifier key",
        description=(
            "The log signs its checkpoints (C2SP signed notes) with an Ed25519 key named for\n"
            "its origin. The signer key stays in a file of mode 0600 (ANCHOR_LOG_KEY_PATH)\n"
            "or a secret (ANCHOR_LOG_KEY); the verifier key is public: auditors put it in\n"
            "their trust policy (`anchor-service policy export`)."
        ),
        examples=[
            "anchor-service log-key create --origin ledger.example.co.id/anchor/v1 \\",
            "    --path /etc/anchor/log.key          the verifier key is the last line",
            "anchor-service log-key show",
        ],
    )
    commands = parser.add_subparsers(title="log-key commands", metavar="COMMAND", required=True)

    create = add_command(
        commands,
        "create",
        help="create a key file (mode 0600) and print the verifier key (last line)",
        description=(
            "Create a new Ed25519 log key named ORIGIN and write it to FILE with mode 0600.\n"
            "An existing file is kept unless --force. Then set ANCHOR_LOG_KEY_PATH=FILE and\n"
            "ANCHOR_LOG_ORIGIN=ORIGIN for the API and the scheduler, and publish the\n"
            "verifier key (printed as the last line)."
        ),
        examples=[
            "anchor-service log-key create --origin ledger.example.co.id/anchor/v1 "
            "--path /etc/anchor/log.key",
            "ANCHOR_LOG_ORIGIN=... ANCHOR_LOG_KEY_PATH=... anchor-service log-key create",
        ],
        handler=run_create,
        needs_server=False,
        database="none",
    )
    create.add_argument("--origin", help="the log's origin line (default: ANCHOR_LOG_ORIGIN)")
    create.add_argument(
        "--path", type=Path, metavar="FILE", help="key file to write (default: ANCHOR_LOG_KEY_PATH)"
    )
    create.add_argument(
        "--force", action="store_true", help="replace an existing key file (a new key!)"
    )
    add_json_flag(create, "print origin, key id, file and verifier key as JSON")

    show = add_command(
        commands,
        "show",
        help="print the configured log key's origin and verifier key (last line)",
        description=(
            "Load the configured log key (ANCHOR_LOG_KEY or ANCHOR_LOG_KEY_PATH), check it\n"
            "(file mode 0600, name = ANCHOR_LOG_ORIGIN) and print its verifier key."
        ),
        examples=[
            "anchor-service log-key show",
            "anchor-service log-key show --json | jq -r .verifier_key",
        ],
        handler=run_show,
        needs_server=False,
        database="none",
    )
    add_json_flag(show, "print origin, key id, source and verifier key as JSON")


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.services.log_identity import create_log_key

    target: Settings | Path = args.path if args.path is not None else settings
    identity = create_log_key(target, args.origin, force=args.force)
    path = args.path if args.path is not None else settings.log_key_path
    if args.json:
        print(
            json.dumps(
                _json(identity.origin, identity.key_id_hex, str(path), identity.verifier_key),
                indent=2,
            )
        )
        return 0
    print(
        f"wrote the log key for '{identity.origin}' (key id {identity.key_id_hex}) "
        f"to {path} (mode 0600)"
    )
    print(f"configure: ANCHOR_LOG_KEY_PATH={path} ANCHOR_LOG_ORIGIN={identity.origin}")
    print("verifier key (public; auditors put it in their policy):")
    print(identity.verifier_key)
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.services.log_identity import load_log_identity

    identity = load_log_identity(settings)
    source = "ANCHOR_LOG_KEY" if settings.log_key is not None else str(settings.log_key_path)
    if args.json:
        print(
            json.dumps(
                _json(identity.origin, identity.key_id_hex, source, identity.verifier_key), indent=2
            )
        )
        return 0
    print(f"origin:  {identity.origin}")
    print(f"key id:  {identity.key_id_hex}")
    print(f"key:     {source}")
    print(identity.verifier_key)
    return 0


def _json(origin: str, key_id: str, source: str, verifier_key: str) -> dict[str, str]:
    return {"origin": origin, "key_id": key_id, "source": source, "verifier_key": verifier_key}
