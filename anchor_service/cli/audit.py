"""``anchor-service audit [--json] [--no-chain]``: look for tampering in the stored log.

Recomputes every leaf hash from the stored documents and the root of every sealed and
anchored head from the stored entries, and compares them with the batches, the proof
storage and the registry on chain; reports each altered, deleted or inserted entry by
index and external id (see :mod:`anchor_service.services.audit.run`). Progress goes to
stderr (redrawn in place on a terminal).

Exit status: 0 clean, 1 tampering found, 2 the audit could not run (database or chain
unreachable, chain misconfigured); with ``--json`` that case prints
``{"error": "AuditCannotRun", "detail": "..."}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING, TextIO

from anchor_service.cli.database_check import refuse_missing_database
from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.cli.progress import ProgressLine
from anchor_service.errors import AnchorServiceError
from anchor_service.settings import Settings

if TYPE_CHECKING:
    from anchor_service.services.audit.report import AuditReport
    from anchor_service.services.audit.run import Progress

__all__ = ["EXIT_CANNOT_RUN", "EXIT_TAMPERED", "register", "render_report"]

logger = logging.getLogger(__name__)

EXIT_TAMPERED = 1
EXIT_CANNOT_RUN = 2


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "audit",
        help="recompute the log from the database and compare it with the chain",
        description=(
            "Recompute every leaf hash and every anchored root from the stored data and "
            "compare them with the registry on chain; report each altered, deleted or "
            "inserted entry by index and external_id.\n\n"
            "exit status: 0 clean, 1 tampering found, 2 the audit could not run."
        ),
        examples=[
            "anchor-service audit",
            "anchor-service audit --no-chain          the database alone",
            "anchor-service audit --json > audit.json || echo 'findings or failure'",
        ],
        handler=run,
        database="checks",
    )
    add_json_flag(parser, "print the report as JSON")
    parser.add_argument(
        "--no-chain",
        action="store_true",
        help="check the database alone (do not read the registry)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from anchor_service.api.schemas.audit import AuditOut
    from anchor_service.db.session import Database
    from anchor_service.services.audit.run import audit_from_settings

    database: Database | None = None
    try:
        refuse_missing_database(settings)  # before opening it would create an empty one
        database = Database.from_settings(settings)
        report = audit_from_settings(
            settings, database, check_chain=not args.no_chain, progress=_progress(sys.stderr)
        )
    except (AnchorServiceError, SQLAlchemyError) as exc:
        detail = exc.detail if isinstance(exc, AnchorServiceError) else str(exc).splitlines()[0]
        print(f"error: the audit could not run: {detail}", file=sys.stderr)
        if args.json:  # a script reading stdout gets a document, not nothing
            print(json.dumps({"error": "AuditCannotRun", "detail": detail}, indent=2))
        return EXIT_CANNOT_RUN
    finally:
        if database is not None:
            database.dispose()
    if args.json:
        print(json.dumps(AuditOut.of(report).model_dump(mode="json"), indent=2))
    else:
        print(render_report(report))
    return 0 if report.clean else EXIT_TAMPERED


def render_report(report: AuditReport) -> str:
    """The report for people: the summary, then one line per finding."""
    lines = [report.summary()]
    lines += [f"  {finding.line()}" for finding in report.findings]
    unlisted = report.total_findings - len(report.findings)
    if unlisted:
        lines.append(f"  ... and {unlisted:,} more (counted, not listed)")
    lines.append(
        f"log size {report.log_size:,}, sealed {report.sealed_size:,}; {report.seconds:.1f} s"
    )
    return "\n".join(lines)


def _progress(stream: TextIO) -> Progress:
    """A progress line redrawn in place on a terminal; a log line every 10 s otherwise."""
    return ProgressLine("audit", logger=logger, stream=stream, interval=10.0)
