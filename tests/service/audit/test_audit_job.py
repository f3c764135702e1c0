"""The weekly audit job: its schedule, and what a run does and logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from anchor_service.db.session import Database
from anchor_service.dev import free_port
from anchor_service.jobs.scheduler import ScheduleConfigError, build_scheduler
from anchor_service.jobs.work import SchedulerWork
from anchor_service.services.audit.report import FindingKind
from anchor_service.settings import Settings

from .conftest import LogBuilder


def audit_job(settings: Settings) -> CronTrigger | None:
    database = Database.from_settings(settings)
    try:
        scheduler = build_scheduler(settings, SchedulerWork(settings, database))
        job = scheduler.get_job("audit")
    finally:
        database.dispose()
    if job is None:
        return None
    assert (job.coalesce, job.max_instances) == (True, 1)
    assert isinstance(job.trigger, CronTrigger)
    return job.trigger


def offline(**values: object) -> Settings:
    return Settings(_env_file=None, database_url="sqlite://", **values)  # type: ignore[arg-type]


def test_audit_runs_weekly_on_sunday_at_two_in_the_schedule_time_zone() -> None:
    trigger = audit_job(offline())
    assert trigger is not None
    friday = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, friday) == datetime(
        2026, 11, 22, 2, 0, tzinfo=ZoneInfo("Asia/Jakarta")
    )


def test_audit_schedule_comes_from_settings_and_can_be_turned_off() -> None:
    trigger = audit_job(offline(audit_cron="15 3 * * *", timezone="UTC"))
    assert trigger is not None
    after = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, after) == datetime(2026, 11, 22, 3, 15, tzinfo=UTC)
    assert audit_job(offline(audit_cron="")) is None
    with pytest.raises(ScheduleConfigError, match="ANCHOR_AUDIT_CRON"):
        audit_job(offline(audit_cron="every sunday"))


def test_a_run_logs_each_finding_and_returns_the_report(
    log: LogBuilder, database: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    log.head(3)
    work = SchedulerWork(settings, database)
    clean = work.audit()
    assert clean is not None and clean.clean and clean.chain_anchors == 1
    log.sql("DELETE FROM entries WHERE leaf_index = 1")
    with caplog.at_level(logging.ERROR):
        report = work.audit()
    assert report is not None
    assert [finding.index for finding in report.of_kind(FindingKind.DELETED)] == [1]
    assert any("audit finding: DELETED (index 1)" in line for line in caplog.messages)


def test_a_run_that_cannot_reach_the_chain_logs_and_returns_none(
    log: LogBuilder, database: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    log.head(1)
    down = settings.model_copy(update={"rpc_url": f"http://127.0.0.1:{free_port()}"})
    with caplog.at_level(logging.ERROR):
        assert SchedulerWork(down, database).audit() is None
    assert any("audit failed" in line for line in caplog.messages)
