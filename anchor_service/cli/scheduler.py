"""``anchor-service scheduler [--once]``: the jobs process (seal, anchor, confirm).

Run exactly one per deployment, or several: only the one holding the leader lock acts
(a lease row in PostgreSQL, correct behind PgBouncer; a file lock beside a SQLite
database), the others wait and take over when it stops or its lease expires. SIGINT or
SIGTERM stops it after the running job finishes.

``--once`` seals, anchors and follows the anchor one round, prints what happened, and
exits (0 when every step worked, 1 otherwise); it does not wait for the leader lock,
like ``anchor-service seal`` and ``anchor``, which are safe beside a running scheduler.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
from types import FrameType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from anchor_service.cli.parsers import Subparsers, add_command, add_json_flag
from anchor_service.settings import Settings

if TYPE_CHECKING:
    from anchor_service.jobs.work import RunReport, SchedulerWork

__all__ = ["register"]

logger = logging.getLogger(__name__)

# APScheduler logs every run of every job at INFO ("Running job ...", and the confirm job
# runs every few seconds) and each job added; the scheduler logs its jobs itself. Its
# warnings (missed or skipped runs) and errors still show.
_CHATTY_LOGGERS = ("apscheduler.executors.default", "apscheduler.scheduler")


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "scheduler",
        help="run the jobs process: checkpoints, nightly seal + anchor, confirmations",
        description=(
            "Sign a checkpoint every ANCHOR_CHECKPOINT_SECONDS (with a log key configured), "
            "seal and anchor on ANCHOR_SEAL_CRON (in ANCHOR_TIMEZONE), follow anchors every "
            "ANCHOR_CONFIRM_INTERVAL_SECONDS, and seal when ANCHOR_SEAL_WHEN_PENDING entries "
            "wait. With ANCHOR_WITNESS_POLICY, send the newest checkpoint to the witnesses "
            "every ANCHOR_WITNESS_SECONDS, and wait (ANCHOR_ANCHOR_QUORUM_WAIT_SECONDS at most) "
            "for their quorum before anchoring. With several replicas only the leader acts; "
            "the others wait."
        ),
        examples=[
            "anchor-service scheduler",
            "anchor-service scheduler --once                 one round, e.g. from cron",
            "anchor-service scheduler --once --json | jq .ok",
        ],
        handler=run,
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="seal, anchor and follow the anchor one round now, then exit",
    )
    add_json_flag(parser, "with --once: print what happened as JSON")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.db.session import Database
    from anchor_service.jobs.leadership import leader_lock_for
    from anchor_service.jobs.scheduler import SchedulerProcess, seal_trigger
    from anchor_service.jobs.work import SchedulerWork

    seal_trigger(settings)  # refuse a bad cron expression or time zone right away
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.root.level))
    database = Database.from_settings(settings)
    try:
        work = SchedulerWork(settings, database)
        if args.once:
            return _once(work, as_json=args.json)
        process = SchedulerProcess(settings, work, leader_lock_for(settings))

        def request_stop(signum: int, _frame: FrameType | None) -> None:
            logger.info("received %s; stopping", signal.Signals(signum).name)
            process.stop()

        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            process.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0
    finally:
        database.dispose()


def _once(work: SchedulerWork, *, as_json: bool = False) -> int:
    sealed = work.seal_and_anchor()
    followed = work.confirm()
    ok = sealed.ok and followed.ok
    if as_json:
        print(json.dumps(_once_json(sealed, followed, ok), indent=2))
    else:
        _print(sealed, followed)
    return 0 if ok else 1


def _once_json(sealed: RunReport, followed: RunReport, ok: bool) -> dict[str, Any]:
    from anchor_service.api.schemas.anchors import AnchorChangeOut, AnchorOutcomeCliOut
    from anchor_service.api.schemas.batches import SealedBatchOut

    problems: list[str] = []
    for report in (sealed, followed):
        problems.extend(problem for problem in report.problems if problem not in problems)
    return {
        "ok": ok,
        "sealed": [_json(SealedBatchOut.of(batch)) for batch in sealed.sealed],
        "anchor": [
            _json(AnchorOutcomeCliOut.of_outcome(r.outcome))
            for r in (sealed, followed)
            if r.outcome is not None
        ],
        "changes": [
            _json(AnchorChangeOut.of(change)) for r in (sealed, followed) for change in r.changes
        ],
        "problems": problems,
    }


def _json(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def _print(sealed: RunReport, followed: RunReport) -> None:
    if sealed.sealed:
        for batch in sealed.sealed:
            print(
                f"sealed batch {batch.seq}: entries [{batch.start_index}, {batch.end_index}), "
                f"root {batch.root.hex()}"
            )
    elif not sealed.problems:
        print("nothing to seal")
    problems: list[str] = []
    for report in (sealed, followed):
        if report.outcome is not None:
            print(f"anchor: {report.outcome.kind}: {report.outcome.message}")
        for change in report.changes:
            print(f"anchor #{change.anchor_id}: {change.kind}: {change.message}")
        problems.extend(problem for problem in report.problems if problem not in problems)
    for problem in problems:
        print(f"failed: {problem}")
