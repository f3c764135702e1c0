"""The scheduler process: its jobs, their triggers, and leadership across replicas.

Jobs (:func:`job_specs`), all ``coalesce=True`` and ``max_instances=1``:

- ``seal_and_anchor``: cron ``settings.seal_cron`` in ``settings.timezone`` (default
  00:30 Asia/Jakarta): seal what is pending, anchor the newest head. A run up to an hour
  late still happens (``misfire_grace_time``); a seal missed while no scheduler was
  acting is caught up when one takes the lead (:meth:`SchedulerWork.missed_seal`).
- ``checkpoint``: every ``settings.checkpoint_seconds`` (0: off, the seal integrates and
  signs then), only with a log key configured: integrate the committed entries and sign
  a C2SP checkpoint.
- ``witness``: every ``settings.witness_seconds`` (at least 1 s), only with
  ``settings.witness_policy``: send the newest checkpoint to the witnesses.
- ``confirm``: every ``settings.confirm_interval_seconds``: follow the anchor in flight
  to settled, and send a head that could not be sent before.
- ``seal_if_backlog``: every ``settings.seal_check_seconds``, only when
  ``settings.seal_when_pending`` is set: seal and anchor once that many entries wait.
- ``audit``: cron ``settings.audit_cron`` (default Sundays 02:00; empty: off): the tamper
  audit against the registry (:mod:`anchor_service.services.audit.run`); findings are
  logged as errors.

:class:`SchedulerProcess` runs them only while it holds the leader lock
(:mod:`anchor_service.jobs.leadership`): it waits for the lock (saying so once a
minute), starts the jobs, checks the lock every ``settings.leader_retry_seconds``, and
stops the jobs when it is lost or the process is asked to stop (waiting for a running
job to finish), then releases it. A ``BackgroundScheduler`` runs the jobs so that the
main thread is free to watch the lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from anchor_service.errors import ScheduleConfigError
from anchor_service.jobs.crontab import crontab_trigger
from anchor_service.jobs.leadership import LeaderLock, wait_for_leadership
from anchor_service.jobs.work import SchedulerWork
from anchor_service.services.log_identity import log_key_configured
from anchor_service.settings import Settings

__all__ = [
    "JobSpec",
    "ScheduleConfigError",
    "SchedulerProcess",
    "audit_trigger",
    "build_scheduler",
    "job_specs",
    "seal_trigger",
]

logger = logging.getLogger(__name__)

#: A nightly seal that starts up to this late (a busy or paused process) still runs.
SEAL_MISFIRE_GRACE_SECONDS = 3600
#: A weekly audit that starts up to this late still runs.
AUDIT_MISFIRE_GRACE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: id, what it runs, when, and how late a run may still start."""

    id: str
    func: Callable[[], object]
    trigger: BaseTrigger
    misfire_grace_time: int
    description: str


def schedule_timezone(settings: Settings) -> ZoneInfo:
    """``settings.timezone`` as a zone; :class:`ScheduleConfigError` when unknown."""
    try:
        return ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleConfigError(
            f"ANCHOR_TIMEZONE {settings.timezone!r} is not a known time zone "
            "(use an IANA name such as Asia/Jakarta or UTC)"
        ) from exc


def seal_trigger(settings: Settings) -> CronTrigger:
    """The cron trigger of ``seal_and_anchor``; :class:`ScheduleConfigError` when invalid."""
    return _cron_trigger("ANCHOR_SEAL_CRON", settings.seal_cron, settings)


def _cron_trigger(variable: str, expression: str, settings: Settings) -> CronTrigger:
    """``expression`` (the value of ``variable``) in the settings' time zone."""
    zone = schedule_timezone(settings)
    try:
        return crontab_trigger(expression, zone)
    except ValueError as exc:
        raise ScheduleConfigError(
            f"{variable} {expression!r} is not a cron expression "
            f"(minute hour day month weekday, weekday 0 or 7 = Sunday): {exc}"
        ) from exc


def _every(job_id: str, func: Callable[[], object], seconds: float, description: str) -> JobSpec:
    """A job run every ``seconds``; a run up to one interval (at least 1 s) late still starts."""
    return JobSpec(
        id=job_id,
        func=func,
        trigger=IntervalTrigger(seconds=seconds),
        misfire_grace_time=max(1, round(seconds)),
        description=description,
    )


def job_specs(settings: Settings, work: SchedulerWork) -> list[JobSpec]:
    """The jobs for ``settings``, in the order they are added."""
    confirm_every = settings.confirm_interval_seconds
    specs = [
        JobSpec(
            id="seal_and_anchor",
            func=work.seal_and_anchor,
            trigger=seal_trigger(settings),
            misfire_grace_time=SEAL_MISFIRE_GRACE_SECONDS,
            description=f"seal and anchor ({settings.seal_cron} {settings.timezone})",
        ),
        _every(
            "confirm", work.confirm, confirm_every, f"follow anchors (every {confirm_every:g} s)"
        ),
    ]
    if settings.checkpoint_seconds > 0 and not log_key_configured(settings):
        logger.warning(
            "no log key configured (ANCHOR_LOG_KEY_PATH or ANCHOR_LOG_KEY; create one with "
            "`anchor-service log-key create`): no checkpoints are signed"
        )
    elif settings.checkpoint_seconds > 0:
        every = settings.checkpoint_seconds
        specs.append(
            _every("checkpoint", work.checkpoint, every, f"sign a checkpoint (every {every:g} s)")
        )
    if settings.witness_policy is not None:
        witness_every = max(settings.witness_seconds, 1.0)
        specs.append(
            _every(
                "witness",
                work.witness,
                witness_every,
                f"ask the witnesses to cosign (every {witness_every:g} s)",
            )
        )
    if settings.seal_when_pending:
        check_every = settings.seal_check_seconds
        specs.append(
            _every(
                "seal_if_backlog",
                work.seal_if_backlog,
                check_every,
                f"seal when {settings.seal_when_pending} entries are pending "
                f"(checked every {check_every:g} s)",
            )
        )
    if settings.audit_cron:
        specs.append(
            JobSpec(
                id="audit",
                func=work.audit,
                trigger=audit_trigger(settings),
                misfire_grace_time=AUDIT_MISFIRE_GRACE_SECONDS,
                description=f"tamper audit ({settings.audit_cron} {settings.timezone})",
            )
        )
    return specs


def audit_trigger(settings: Settings) -> CronTrigger:
    """The cron trigger of ``audit``; :class:`ScheduleConfigError` when invalid."""
    return _cron_trigger("ANCHOR_AUDIT_CRON", settings.audit_cron, settings)


def build_scheduler(
    settings: Settings, work: SchedulerWork, *, seal_now: bool = False
) -> BackgroundScheduler:
    """A scheduler (not started) with the jobs of :func:`job_specs`; ``seal_now`` makes
    ``seal_and_anchor`` run once right after the start (then on its cron)."""
    zone = schedule_timezone(settings)
    specs = job_specs(settings, work)
    scheduler = BackgroundScheduler(
        timezone=zone,
        executors={"default": ThreadPoolExecutor(max_workers=len(specs) + 1)},
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    for spec in specs:
        options: dict[str, Any] = {}
        if seal_now and spec.id == "seal_and_anchor":
            options["next_run_time"] = datetime.now(zone)
        scheduler.add_job(
            spec.func,
            trigger=spec.trigger,
            id=spec.id,
            name=spec.description,
            misfire_grace_time=spec.misfire_grace_time,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            **options,
        )
    return scheduler


class SchedulerProcess:
    """Leads when it can: waits for the leader lock, runs the jobs while it holds it."""

    def __init__(
        self,
        settings: Settings,
        work: SchedulerWork,
        lock: LeaderLock,
        *,
        check_seconds: float | None = None,
    ) -> None:
        self.settings = settings
        self.work = work
        self.lock = lock
        self.check_seconds = (
            check_seconds if check_seconds is not None else settings.leader_retry_seconds
        )
        self._stop = threading.Event()
        self._leading = threading.Event()

    @property
    def leading(self) -> bool:
        """Whether this process holds the lock and runs the jobs right now."""
        return self._leading.is_set()

    def stop(self) -> None:
        """Ask :meth:`run` to return (from any thread, or a signal handler)."""
        self._stop.set()

    def run(self) -> None:
        """Lead whenever possible until :meth:`stop`; releases the lock on the way out."""
        seal_trigger(self.settings)  # a bad cron or zone fails before waiting for the lock
        try:
            while not self._stop.is_set():
                if not wait_for_leadership(self.lock, self._stop, retry_seconds=self.check_seconds):
                    break
                try:
                    self._lead()
                finally:
                    self._leading.clear()
                    self.lock.release()
                if not self._stop.is_set():
                    logger.warning("no longer the leader; waiting to take the lock again")
        finally:
            self.lock.close()
        logger.info("scheduler stopped")

    def _lead(self) -> None:
        zone = schedule_timezone(self.settings)
        self.work.mark_anchor_due()
        seal_now = self.work.missed_seal(seal_trigger(self.settings), datetime.now(zone))
        scheduler = build_scheduler(self.settings, self.work, seal_now=seal_now)
        scheduler.start()
        self._leading.set()
        for job in scheduler.get_jobs():
            logger.info("job %s: %s; next run %s", job.id, job.name, job.next_run_time)
        try:
            while not self._stop.wait(self.check_seconds):
                if not self.lock.still_held():
                    logger.error("the leader lock was lost; stopping the jobs")
                    break
        finally:
            logger.info("stopping the jobs (waiting for a running one to finish)")
            scheduler.shutdown(wait=True)
