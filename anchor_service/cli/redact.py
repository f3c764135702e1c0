"""``anchor-service redact EXTERNAL_ID [--reason TEXT] [--yes] [--json]``: erase an entry.

Deletes the entry's document, salt, content hash and postings and keeps its leaf hash,
so every proof still holds (see :mod:`anchor_service.services.redaction`). It cannot be
undone, so it asks for the external id again on a terminal unless ``--yes`` is given;
without a terminal ``--yes`` is required.

Exit status: 0 redacted (or already redacted), 1 unknown or pending entry, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.ledger.rules import REDACTION_REASON_MAX_LENGTH
from anchor_service.settings import Settings

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "redact",
        help="erase an entry's personal data, keeping its leaf hash (irreversible)",
        description=(
            "Delete the document, salt, content hash and postings of a sealed entry and "
            "keep its leaf hash: every other proof still verifies, and the entry's proof "
            "bundle says it was redacted. Irreversible."
        ),
        examples=[
            'anchor-service redact pay-2026-11-21-000123 --reason "PDP request 42"',
            'anchor-service redact pay-2026-11-21-000123 --reason "PDP request 42" --yes --json',
        ],
        handler=run,
    )
    parser.add_argument("external_id", metavar="EXTERNAL_ID", help="the entry to redact")
    parser.add_argument(
        "--reason",
        metavar="TEXT",
        help=f"why (stored with the entry, at most {REDACTION_REASON_MAX_LENGTH} characters; "
        "no personal data), e.g. an erasure request number",
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_json_flag(parser, "print the result as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    external_id: str = args.external_id
    if args.reason is not None and len(args.reason) > REDACTION_REASON_MAX_LENGTH:
        print(
            f"error: --reason is longer than {REDACTION_REASON_MAX_LENGTH} characters",
            file=sys.stderr,
        )
        return 2
    if not args.yes and not _confirmed(external_id):
        return 2
    from anchor_service.api.schemas.audit import RedactionOut
    from anchor_service.db.session import Database
    from anchor_service.services.redaction import redact_entry

    database = Database.from_settings(settings)
    try:
        redaction = redact_entry(database, external_id, reason=args.reason)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps(RedactionOut.of(redaction).model_dump(mode="json"), indent=2))
    elif redaction.already:
        print(
            f"entry {external_id!r} (leaf {redaction.leaf_index}) was already redacted; "
            f"its redaction record is leaf {redaction.record.leaf_index}"
        )
    else:
        print(
            f"redacted entry {external_id!r} (leaf {redaction.leaf_index}): document, salt "
            f"and postings deleted; leaf hash {redaction.leaf_hash.hex()} kept; redaction "
            f"record {redaction.record.external_id!r} appended at leaf "
            f"{redaction.record.leaf_index}"
        )
    return 0


def _confirmed(external_id: str) -> bool:
    if not sys.stdin.isatty():
        print("error: redaction cannot be undone: pass --yes to confirm", file=sys.stderr)
        return False
    answer = input(
        f"Redacting erases the document of {external_id!r} for good. "
        "Type its external_id to confirm: "
    )
    if answer.strip() != external_id:
        print("not confirmed; nothing changed", file=sys.stderr)
        return False
    return True
