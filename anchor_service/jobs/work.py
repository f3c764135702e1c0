"""What the scheduler's jobs do: sign checkpoints, seal and anchor, follow anchors, seal on
a backlog, audit.

``checkpoint`` integrates the committed entries and signs a checkpoint
(:func:`anchor_service.services.checkpointing.integrate`); after a root mismatch it signs
nothing more in this process (the mismatch is logged as an error and counted in
``/metrics``; a restart tries again, and refuses again while the data is wrong).

``witness`` sends the newest checkpoint to the witnesses of ``ANCHOR_WITNESS_POLICY``
(:mod:`anchor_service.services.witnessing`); before anchoring a sealed head,
``seal_and_anchor`` sends that head's checkpoint until the quorum cosigns it or
``ANCHOR_ANCHOR_QUORUM_WAIT_SECONDS`` pass, and records who cosigned.

Each public job method of :class:`SchedulerWork` is one run of one job: short,
idempotent, and it never raises. A failure (chain unreachable, database down, a bug) is
logged with the exception and the next run starts afresh from the database: the job's
own interval is the retry, and :class:`~anchor_service.services.anchoring.anchorer.Anchorer` adds
its backoff for an unreachable node on top. The methods return a :class:`RunReport` for
callers that want one (``anchor-service scheduler --once``); the scheduler ignores it.
The weekly audit is the one long job (about 3 minutes for 10M entries); it reads a
snapshot, so the other jobs go on meanwhile.

Anchoring catches up by itself: when an anchor could not be sent (node unreachable) or
had to wait for the one in flight, the anchor is *due*, and each ``confirm`` run calls
:meth:`Anchorer.anchor_latest` (which follows the anchor in flight first) until the
newest sealed head is sent. A new :class:`SchedulerWork` starts with an anchor due, so a
scheduler that takes over sends sealed heads nobody anchored.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger

from anchor_service.db.repositories.batches import BatchRepository
from anchor_service.db.repositories.checkpoints import CheckpointRepository
from anchor_service.db.repositories.leaves import LeafRepository
from anchor_service.db.repositories.log_state import LogStateRepository
from anchor_service.db.repositories.witnesses import WitnessRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.services.anchoring.anchorer import Anchorer
from anchor_service.services.anchoring.views import AnchorChange, AnchorOutcome, OutcomeKind
from anchor_service.services.audit.report import AuditReport
from anchor_service.services.audit.run import audit_from_settings
from anchor_service.services.checkpointing import (
    CheckpointMismatchError,
    SignedCheckpoint,
    integrate,
)
from anchor_service.services.log_identity import (
    LogIdentity,
    load_log_identity,
    log_key_configured,
)
from anchor_service.services.sealing import SealedBatch, seal_pending
from anchor_service.services.witnessing import WitnessRounds
from anchor_service.settings import Settings
from anchor_service.tlog import quorum_met
from anchor_service.witness.client import WitnessRound

__all__ = ["AnchorerFactory", "Backlog", "RunReport", "SchedulerWork"]

logger = logging.getLogger(__name__)

AnchorerFactory = Callable[[], Anchorer]

#: Outcomes after which the newest sealed head still has to be sent.
_STILL_DUE = (OutcomeKind.UNAVAILABLE, OutcomeKind.IN_FLIGHT)

#: An identical failure is logged in full at most this often (it may repeat every run).
REPEAT_LOG_SECONDS = 600.0

#: Audit findings written to the log one by one (the rest: ``anchor-service audit``).
LOGGED_FINDINGS = 50


@dataclass(frozen=True)
class Backlog:
    """Entries stored but not sealed yet: how many, and when the oldest was stored."""

    count: int
    oldest: datetime | None


@dataclass
class RunReport:
    """What one job run did; ``problems`` lists what failed (logged already)."""

    sealed: list[SealedBatch] = field(default_factory=list)
    outcome: AnchorOutcome | None = None
    changes: list[AnchorChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No step failed (an unreachable chain or a failed anchor counts as failed)."""
        bad = (OutcomeKind.FAILED, OutcomeKind.UNAVAILABLE)
        return not self.problems and (self.outcome is None or self.outcome.kind not in bad)


def _first_line(exc: BaseException | None) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else ""


class _FailureLog:
    """Logs a failure with its traceback; the same failure again only after
    :data:`REPEAT_LOG_SECONDS` (at debug level meanwhile: a misconfigured chain fails on
    every run, every few seconds)."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, float]] = {}

    def report(self, step: str, consequence: str) -> str:
        """Call in an ``except`` block: log the exception being handled; return a line."""
        exc = sys.exc_info()[1]
        message = f"{type(exc).__name__}: {_first_line(exc)}"
        now = time.monotonic()
        previous = self._last.get(step)
        if (
            previous is not None
            and previous[0] == message
            and now - previous[1] < REPEAT_LOG_SECONDS
        ):
            logger.debug("%s failed again (%s); %s", step, message, consequence)
        else:
            self._last[step] = (message, now)
            logger.exception("%s failed; %s", step, consequence)
        return f"{step}: {message}"

    def clear(self, step: str) -> None:
        self._last.pop(step, None)


class SchedulerWork:
    """The scheduler's jobs over one database (and the chain configured in settings)."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        anchorer_factory: AnchorerFactory | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self._factory = anchorer_factory or (lambda: Anchorer.from_settings(settings, database))
        self._anchorer: Anchorer | None = None
        self._anchorer_problem: str | None = None
        self._anchor_due = True
        self._anchoring = threading.Lock()  # one anchoring step at a time in this process
        self._failures = _FailureLog()
        self._identity: LogIdentity | None = None
        self._no_log_key_said = False
        #: Why checkpoint signing stopped in this process (a root mismatch), or ``None``.
        self.checkpoint_halted: str | None = None
        self._witnesses: WitnessRounds | None = None
        self._witnesses_loaded = False
        self._witnessed_size = -1

    def checkpoint(self) -> SignedCheckpoint | None:
        """Integrate the committed entries and sign a checkpoint; ``None`` when there is
        nothing new, no log key, or signing stopped after a root mismatch."""
        if self.checkpoint_halted is not None:
            return None
        identity = self._log_identity()
        if identity is None:
            return None
        try:
            signed = integrate(
                self.database, identity, max_entries=self.settings.seal_max_batch_entries
            )
        except CheckpointMismatchError as exc:
            self.checkpoint_halted = exc.detail  # integrate logged it, with both roots
            logger.error("checkpoint signing stopped in this scheduler: %s", exc.detail)
            return None
        except Exception:
            self._failures.report("checkpoint", "trying again next run")
            return None
        self._failures.clear("checkpoint")
        return signed

    def witness(self) -> WitnessRound | None:
        """Ask the policy's witnesses to cosign the newest checkpoint (at most every
        ``ANCHOR_WITNESS_SECONDS``) until their cosignatures meet the quorum: a witness
        that was down or refused is asked again next run, one that cosigned it is not.
        ``None`` when nothing was sent (nothing new, or the quorum is met already)."""
        rounds = self._witness_rounds()
        if rounds is None or not rounds.due():
            return None
        try:
            with unit_of_work(self.database.reader) as session:
                latest = CheckpointRepository(session).latest()
                if latest is None or latest.tree_size <= self._witnessed_size:
                    return None
                stored = {
                    (row.witness_name, row.key_id)
                    for row in CheckpointRepository(session).cosignatures_for(latest.tree_size)
                }
            # The newest checkpoint, again until its quorum is met (a witness that was
            # down is asked again next run), skipping the witnesses that cosigned it.
            skip = {
                w.name
                for w in rounds.policy.witnesses
                if (w.verifier.name, w.verifier.key_id) in stored
            }
            round_ = rounds.run(latest.note.encode(), skip=skip)
            if quorum_met(rounds.policy, {*skip, *round_.cosigners}):
                self._witnessed_size = latest.tree_size
        except Exception:
            self._failures.report("witness", "trying again next run")
            return None
        self._failures.clear("witness")
        return round_

    def _await_quorum(self) -> None:
        """Before anchoring the sealed head: send its checkpoint to the witnesses until
        they meet the quorum, at most ``ANCHOR_ANCHOR_QUORUM_WAIT_SECONDS``, and record
        who cosigned (once per head); anchoring goes on without the quorum after that."""
        rounds = self._witness_rounds()
        if rounds is None:
            return
        try:
            with unit_of_work(self.database.reader) as session:
                head = BatchRepository(session).latest()
                if head is None:
                    return
                checkpoint = CheckpointRepository(session).get(head.end_index)
                recorded = WitnessRepository(session).anchor_cosigners(head.end_index)
            if recorded is not None:
                return
            if checkpoint is None:
                logger.warning(
                    "no checkpoint of the sealed head (tree size %d): no witness asked",
                    head.end_index,
                )
                return
            rounds.wait_for_quorum(
                checkpoint.note.encode(), self.settings.anchor_quorum_wait_seconds
            )
        except Exception:
            self._failures.report("waiting for the witness quorum", "anchoring without it")
        else:
            self._failures.clear("waiting for the witness quorum")

    def _witness_rounds(self) -> WitnessRounds | None:
        """The witness rounds of ``ANCHOR_WITNESS_POLICY`` (``None``: unset or unreadable,
        said once)."""
        if not self._witnesses_loaded:
            self._witnesses_loaded = True
            try:
                self._witnesses = WitnessRounds.from_settings(self.settings, self.database)
            except Exception:
                self._failures.report("loading the witness policy", "no witness is asked")
        return self._witnesses

    def _log_identity(self) -> LogIdentity | None:
        if self._identity is not None:
            return self._identity
        if not log_key_configured(self.settings):
            if not self._no_log_key_said:
                self._no_log_key_said = True
                logger.warning(
                    "no log key configured (ANCHOR_LOG_KEY_PATH or ANCHOR_LOG_KEY; create "
                    "one with `anchor-service log-key create`): no checkpoints are signed"
                )
            return None
        try:
            self._identity = load_log_identity(self.settings)
        except Exception:
            self._failures.report("loading the log key", "no checkpoint is signed")
            return None
        return self._identity

    # --- jobs -------------------------------------------------------------------------
    def seal_and_anchor(self) -> RunReport:
        """Seal everything pending, then anchor the newest sealed head."""
        report = RunReport()
        try:
            report.sealed = seal_pending(self.database, self.settings)
        except Exception:
            report.problems.append(
                self._failures.report("seal", "batches sealed before the failure stay sealed")
            )
        else:
            self._failures.clear("seal")
            if report.sealed:
                self._anchor_due = True
            else:
                logger.info("nothing to seal")
        if self._anchor_due:
            self._await_quorum()
        with self._anchoring:
            self._anchor(report)
        return report

    def confirm(self) -> RunReport:
        """Follow the anchor in flight one round; send the newest head if it is due.

        Skipped (empty report) while another job of this process is anchoring.
        """
        report = RunReport()
        if not self._anchoring.acquire(blocking=False):
            return report
        try:
            if self._anchor_due:
                self._anchor(report)
                return report
            anchorer = self._get_anchorer(report)
            if anchorer is None:
                return report
            try:
                report.changes = anchorer.confirm()  # it logs what changed
            except Exception:
                report.problems.append(self._failures.report("confirm", "trying again next run"))
            else:
                self._failures.clear("confirm")
        finally:
            self._anchoring.release()
        return report

    def seal_if_backlog(self) -> RunReport | None:
        """Seal and anchor when ``settings.seal_when_pending`` entries are waiting
        (``None``: the backlog is smaller, or the size trigger is off)."""
        threshold = self.settings.seal_when_pending
        if not threshold:
            return None
        try:
            backlog = self.backlog()
        except Exception:
            self._failures.report("counting pending entries", "trying again next run")
            return None
        self._failures.clear("counting pending entries")
        if backlog.count < threshold:
            return None
        logger.info("%d entries pending (threshold %d): sealing now", backlog.count, threshold)
        return self.seal_and_anchor()

    def audit(self) -> AuditReport | None:
        """Run the tamper audit against the registry; ``None`` when it could not run.

        Its summary is logged (as an error when something was found), and so are the
        first :data:`LOGGED_FINDINGS` findings.
        """
        try:
            report = audit_from_settings(self.settings, self.database)
        except Exception:
            self._failures.report("audit", "trying again at the next scheduled run")
            return None
        self._failures.clear("audit")
        for finding in report.findings[:LOGGED_FINDINGS]:
            logger.error("audit finding: %s", finding.line())
        return report

    # --- helpers for the scheduler ------------------------------------------------------
    def backlog(self) -> Backlog:
        """How many stored entries are not sealed yet, and when the oldest was stored."""
        with unit_of_work(self.database.reader) as session:
            latest = BatchRepository(session).latest()
            sealed = latest.end_index if latest is not None else 0
            count = LogStateRepository(session).next_index() - sealed
            oldest = LeafRepository(session).received_at(sealed) if count > 0 else None
        return Backlog(count, oldest)

    def missed_seal(self, trigger: BaseTrigger, now: datetime) -> bool:
        """Whether ``trigger`` fired (at or before ``now``) after the oldest pending entry
        was stored: a seal that should have happened while no scheduler was acting."""
        try:
            backlog = self.backlog()
        except Exception:
            self._failures.report("checking for a missed seal", "not catching up now")
            return False
        if backlog.oldest is None:
            return False
        fire: datetime | None = trigger.get_next_fire_time(None, backlog.oldest)
        if fire is None or fire > now:
            return False
        logger.info(
            "the seal due at %s did not run (%d entries pending since %s): sealing now",
            fire.isoformat(),
            backlog.count,
            backlog.oldest.isoformat(),
        )
        return True

    def mark_anchor_due(self) -> None:
        """Make the next ``confirm`` run send the newest sealed head if it is not sent."""
        self._anchor_due = True

    @property
    def anchor_due(self) -> bool:
        """Whether the newest sealed head may still need sending."""
        return self._anchor_due

    # --- internals ----------------------------------------------------------------------
    def _anchor(self, report: RunReport) -> None:
        """Anchor the newest sealed head (caller holds ``_anchoring``)."""
        anchorer = self._get_anchorer(report)
        if anchorer is None:
            return
        try:
            outcome = anchorer.anchor_latest()
        except Exception:
            self._anchor_due = True
            report.problems.append(self._failures.report("anchor", "retried next confirm run"))
            return
        self._failures.clear("anchor")
        report.outcome = outcome
        self._anchor_due = outcome.kind in _STILL_DUE
        if outcome.kind is OutcomeKind.FAILED:
            logger.error("anchoring failed: %s", outcome.message)
        elif outcome.kind is OutcomeKind.UNAVAILABLE:
            logger.warning("anchoring postponed: %s", outcome.message)
        elif outcome.kind is OutcomeKind.IN_FLIGHT:
            logger.debug("anchoring: %s", outcome.message)
        else:
            logger.info("anchoring: %s", outcome.message)

    def _get_anchorer(self, report: RunReport) -> Anchorer | None:
        """The anchorer, built on first use (building makes no request; it fails when the
        chain is not configured, which is logged once and retried every run)."""
        if self._anchorer is not None:
            return self._anchorer
        try:
            self._anchorer = self._factory()
        except Exception as exc:
            problem = f"{type(exc).__name__}: {_first_line(exc)}"
            if problem != self._anchorer_problem:
                logger.error("cannot anchor (sealing goes on): %s", problem)
                self._anchorer_problem = problem
            report.problems.append(f"anchor: {problem}")
            return None
        self._anchorer_problem = None
        return self._anchorer
