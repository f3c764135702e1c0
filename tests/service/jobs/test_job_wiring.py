"""The scheduler's jobs: ids, triggers and options come from settings; bad ones refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.job import Job
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from anchor_service.db.session import Database
from anchor_service.jobs.scheduler import (
    ScheduleConfigError,
    build_scheduler,
    seal_trigger,
)
from anchor_service.jobs.work import SchedulerWork
from anchor_service.settings import Settings

from .conftest import StoreEntries


def settings_with(**values: object) -> Settings:
    return Settings(_env_file=None, database_url="sqlite://", **values)  # type: ignore[arg-type]


def jobs_of(settings: Settings, *, seal_now: bool = False) -> dict[str, Job]:
    database = Database.from_settings(settings)
    try:
        scheduler = build_scheduler(settings, SchedulerWork(settings, database), seal_now=seal_now)
        return {job.id: job for job in scheduler.get_jobs()}
    finally:
        database.dispose()


def cron_fields(trigger: CronTrigger) -> dict[str, str]:
    return {field.name: str(field) for field in trigger.fields}


def test_default_jobs_seal_nightly_at_half_past_midnight_jakarta_and_confirm_every_5_s() -> None:
    jobs = jobs_of(settings_with())
    assert set(jobs) == {"seal_and_anchor", "confirm", "audit"}  # no size trigger by default

    seal = jobs["seal_and_anchor"]
    assert isinstance(seal.trigger, CronTrigger)
    fields = cron_fields(seal.trigger)
    assert (fields["minute"], fields["hour"]) == ("30", "0")
    assert fields["day"] == fields["month"] == fields["day_of_week"] == "*"
    assert seal.trigger.timezone == ZoneInfo("Asia/Jakarta")
    after = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # 19:00 in Jakarta
    assert seal.trigger.get_next_fire_time(None, after) == datetime(
        2026, 11, 22, 0, 30, tzinfo=ZoneInfo("Asia/Jakarta")
    )

    confirm = jobs["confirm"]
    assert isinstance(confirm.trigger, IntervalTrigger)
    assert confirm.trigger.interval == timedelta(seconds=5)
    for job in jobs.values():
        assert (job.coalesce, job.max_instances) == (True, 1)
    assert seal.misfire_grace_time == 3600
    assert confirm.misfire_grace_time == 5


def test_cron_timezone_intervals_and_the_size_trigger_come_from_settings() -> None:
    jobs = jobs_of(
        settings_with(
            seal_cron="*/15 * * * 1-5",
            timezone="UTC",
            confirm_interval_seconds=2,
            seal_when_pending=5000,
            seal_check_seconds=3,
        )
    )
    assert set(jobs) == {"seal_and_anchor", "confirm", "seal_if_backlog", "audit"}
    seal = jobs["seal_and_anchor"].trigger
    assert isinstance(seal, CronTrigger) and seal.timezone == ZoneInfo("UTC")
    saturday = datetime(2026, 11, 21, 10, 7, tzinfo=UTC)
    assert seal.get_next_fire_time(None, saturday) == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    friday = datetime(2026, 11, 20, 10, 7, tzinfo=UTC)
    assert seal.get_next_fire_time(None, friday) == datetime(2026, 11, 20, 10, 15, tzinfo=UTC)
    assert jobs["confirm"].trigger.interval == timedelta(seconds=2)
    backlog = jobs["seal_if_backlog"]
    assert backlog.trigger.interval == timedelta(seconds=3)
    assert (backlog.coalesce, backlog.max_instances) == (True, 1)
    assert "5000" in backlog.name


def test_seal_now_runs_the_seal_job_at_once() -> None:
    before = datetime.now(UTC)
    job = jobs_of(settings_with(), seal_now=True)["seal_and_anchor"]
    assert job.next_run_time is not None
    assert before - timedelta(seconds=1) <= job.next_run_time <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"seal_cron": "30 0 * *"}, "ANCHOR_SEAL_CRON"),
        ({"seal_cron": "61 0 * * *"}, "ANCHOR_SEAL_CRON"),
        ({"timezone": "Asia/Atlantis"}, "ANCHOR_TIMEZONE"),
    ],
)
def test_an_invalid_cron_expression_or_time_zone_is_refused(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(ScheduleConfigError, match=message):
        seal_trigger(settings_with(**values))


def test_a_seal_missed_while_no_scheduler_ran_is_detected(
    settings: Settings, database: Database, store_entries: StoreEntries
) -> None:
    work = SchedulerWork(settings, database)
    trigger = seal_trigger(settings)  # 00:30 Asia/Jakarta = 17:30 UTC
    now = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
    assert not work.missed_seal(trigger, now)  # nothing pending

    store_entries(2, received_at=datetime(2026, 11, 21, 17, 45, tzinfo=UTC))
    assert work.backlog().count == 2
    assert not work.missed_seal(trigger, now)  # stored after 00:30: the next seal is due
    assert work.missed_seal(trigger, datetime(2026, 11, 22, 17, 31, tzinfo=UTC))


def test_entries_pending_since_before_the_last_scheduled_seal_mean_it_was_missed(
    settings: Settings, database: Database, store_entries: StoreEntries
) -> None:
    work = SchedulerWork(settings, database)
    store_entries(1, received_at=datetime(2026, 11, 21, 17, 20, tzinfo=UTC))
    store_entries(1, received_at=datetime(2026, 11, 21, 17, 50, tzinfo=UTC))
    assert work.missed_seal(seal_trigger(settings), datetime(2026, 11, 21, 18, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("weekday", "runs_on"),
    [
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("0", ["Sun"]),
        ("7", ["Sun"]),
        ("5-7", ["Fri", "Sat", "Sun"]),
        ("*/2", ["Sun", "Tue", "Thu", "Sat"]),
        ("sat,mon-tue", ["Mon", "Tue", "Sat"]),
    ],
)
def test_weekdays_are_numbered_from_sunday_as_in_cron(weekday: str, runs_on: list[str]) -> None:
    trigger = seal_trigger(settings_with(seal_cron=f"0 9 * * {weekday}", timezone="UTC"))
    fire, days = datetime(2026, 11, 21, tzinfo=UTC), set()
    for _ in range(14):
        fire = trigger.get_next_fire_time(None, fire + timedelta(seconds=1))
        days.add(fire.strftime("%a"))
    order = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert sorted(days, key=order.index) == sorted(runs_on, key=order.index)
