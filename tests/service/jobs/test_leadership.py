"""The leader lock: one scheduler acts, the others wait (and say so), then take over.

On PostgreSQL the lock is a lease (a row with an expiry and a fencing token); the tests
through a real PgBouncer in transaction mode are in test_pgbouncer.py."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from anchor_service.db.engine import normalize_database_url
from anchor_service.db.session import Database
from anchor_service.jobs.leadership import (
    FileLeaderLock,
    PostgresLeaderLock,
    leader_lock_for,
    wait_for_leadership,
)
from anchor_service.jobs.scheduler import SchedulerProcess
from anchor_service.jobs.work import SchedulerWork
from anchor_service.settings import Settings
from tests.support.processes import ChildProcess, service_command, service_env
from tests.support.waiting import wait_until


def pg_settings(url: str, **values: object) -> Settings:
    return Settings(_env_file=None, database_url=url, **values)  # type: ignore[arg-type]


def take_lease_over(url: str, name: str = "scheduler", seconds: float = 1.0) -> int:
    """Another holder takes lease ``name`` for ``seconds`` (as one would after the
    leader stalled past the expiry); the new fencing token."""
    engine = create_engine(normalize_database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "UPDATE leases SET holder = 'someone else', token = token + 1,"
                        " expires_at = now() + make_interval(secs => :seconds)"
                        " WHERE name = :name RETURNING token"
                    ),
                    {"name": name, "seconds": seconds},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def clear_leases(url: str) -> None:
    """No lease held: a test starts as the first scheduler on its database."""
    engine = create_engine(normalize_database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("DELETE FROM leases"))
    finally:
        engine.dispose()


@pytest.fixture
def locks(postgres_url: str) -> Iterator[list[PostgresLeaderLock]]:
    clear_leases(postgres_url)
    made: list[PostgresLeaderLock] = []
    yield made
    for lock in made:
        lock.close()


@pytest.mark.postgres
def test_postgres_lease_is_held_by_one_holder_until_released(
    postgres_url: str, locks: list[PostgresLeaderLock]
) -> None:
    first, second = (
        PostgresLeaderLock(pg_settings(postgres_url)),
        PostgresLeaderLock(pg_settings(postgres_url)),
    )
    locks += [first, second]
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.still_held() and not second.still_held()
    holder = second.holder()
    assert holder is not None and f":{os.getpid()} #" in holder
    first_token = first.token
    assert first_token is not None and f"fencing token {first_token}" in first.describe()
    first.release()
    assert not first.still_held() and second.holder() is None
    assert second.try_acquire() and second.still_held()
    assert second.token == first_token + 1  # a new holder, the next fencing token


@pytest.mark.postgres
def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew_it(
    postgres_url: str, locks: list[PostgresLeaderLock], caplog: pytest.LogCaptureFixture
) -> None:
    settings = pg_settings(postgres_url, leader_retry_seconds=0.1, leader_lease_seconds=0.5)
    first, second = PostgresLeaderLock(settings), PostgresLeaderLock(settings)
    locks += [first, second]
    assert first.try_acquire()
    assert not second.try_acquire()
    time.sleep(0.6)  # first stalls: no renewal, the lease expires on the database's clock
    assert second.try_acquire()
    caplog.set_level(logging.ERROR, logger="anchor_service.db.leases")
    assert not first.still_held()  # past its margin: it no longer trusts the lease
    assert not first.try_acquire()  # and cannot take it back while second renews it
    assert second.still_held()


@pytest.mark.postgres
def test_a_renewal_refused_by_the_database_loses_the_lease(
    postgres_url: str, locks: list[PostgresLeaderLock], caplog: pytest.LogCaptureFixture
) -> None:
    first = PostgresLeaderLock(pg_settings(postgres_url))
    locks.append(first)
    assert first.try_acquire() and first.token is not None
    assert take_lease_over(postgres_url) == first.token + 1
    caplog.set_level(logging.ERROR, logger="anchor_service.db.leases")
    assert not first.still_held()
    assert any("expired or changed hands" in r.message for r in caplog.records)


@pytest.mark.postgres
def test_a_waiting_scheduler_says_so_once_a_minute_and_acquires_when_free(
    postgres_url: str, locks: list[PostgresLeaderLock], caplog: pytest.LogCaptureFixture
) -> None:
    holder = PostgresLeaderLock(pg_settings(postgres_url))
    waiter = PostgresLeaderLock(pg_settings(postgres_url))
    locks += [holder, waiter]
    assert holder.try_acquire()
    stop = threading.Event()
    result: list[bool] = []
    caplog.set_level(logging.INFO, logger="anchor_service.jobs.leadership")
    thread = threading.Thread(
        target=lambda: result.append(wait_for_leadership(waiter, stop, retry_seconds=0.02))
    )
    thread.start()
    time.sleep(0.5)  # about 25 tries
    waiting = [r for r in caplog.records if "another scheduler holds the lock" in r.message]
    assert len(waiting) == 1
    assert "anchor-service scheduler" in waiting[0].message  # names the holder
    holder.release()
    thread.join(timeout=5)
    assert result == [True] and waiter.still_held()


@pytest.mark.postgres
def test_the_leader_stops_its_jobs_when_the_lease_is_lost_then_leads_again(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clear_leases(postgres_url)
    settings = pg_settings(postgres_url, leader_retry_seconds=0.1, leader_lease_seconds=0.6)
    database = Database.from_settings(settings)
    process = SchedulerProcess(
        settings, SchedulerWork(settings, database), leader_lock_for(settings)
    )
    caplog.set_level(logging.INFO)
    thread = threading.Thread(target=process.run)
    thread.start()
    try:
        wait_until(lambda: process.leading)
        take_lease_over(postgres_url, seconds=0.5)
        wait_until(lambda: any("leader lock was lost" in r.message for r in caplog.records))
        wait_until(lambda: sum("leader lock acquired" in r.message for r in caplog.records) == 2)
        wait_until(lambda: process.leading)
    finally:
        process.stop()
        thread.join(timeout=10)
        database.dispose()
    assert not thread.is_alive()


def test_file_lock_admits_one_holder_and_losing_the_file_counts_as_lost(tmp_path: Path) -> None:
    path = tmp_path / "anchor.db.scheduler-lock"
    first, second = FileLeaderLock(path), FileLeaderLock(path)
    assert first.try_acquire()
    assert not second.try_acquire()
    assert second.holder() is not None and f":{os.getpid()}" in (second.holder() or "")
    first.release()
    assert second.try_acquire() and second.still_held()
    path.unlink()
    assert not second.still_held()
    second.release()


def test_sqlite_schedulers_lock_a_file_beside_the_database(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/x/anchor.db")  # type: ignore[call-arg]
    lock = leader_lock_for(settings)
    assert isinstance(lock, FileLeaderLock)
    assert lock.path == tmp_path / "x" / "anchor.db.scheduler-lock"


# --- two real scheduler processes on one PostgreSQL database -------------------------


def start_scheduler(postgres_url: str, cwd: Path) -> ChildProcess:
    """``anchor-service scheduler`` on ``postgres_url``; its log lines (stderr) collected."""
    env = service_env(
        ANCHOR_DATABASE_URL=postgres_url,
        ANCHOR_LEADER_RETRY_SECONDS="0.2",
        ANCHOR_LOG_LEVEL="INFO",
        ANCHOR_RPC_URL="http://127.0.0.1:9",  # nothing to anchor to; sealing still runs
    )
    return ChildProcess(service_command("scheduler"), env=env, cwd=cwd, output="stderr")


@pytest.mark.postgres
def test_two_schedulers_on_one_database_one_acts_the_other_waits_then_takes_over(
    postgres_url: str, tmp_path: Path
) -> None:
    clear_leases(postgres_url)
    first = start_scheduler(postgres_url, tmp_path)
    try:
        wait_until(lambda: first.has("leader lock acquired"), timeout=30)
        second = start_scheduler(postgres_url, tmp_path)
        try:
            wait_until(
                lambda: second.has(
                    rf"another scheduler holds the lock \(anchor-service scheduler \S+:{first.pid}"
                ),
                timeout=30,
            )
            time.sleep(1.0)  # five more tries: still waiting, never acting
            assert not second.has("leader lock acquired")
            assert not second.has("job seal_and_anchor")

            first.send_signal(signal.SIGTERM)
            assert first.wait(timeout=20) == 0
            wait_until(lambda: second.has("leader lock acquired"), timeout=20)
            wait_until(lambda: second.has("job seal_and_anchor"))
        finally:
            second.send_signal(signal.SIGINT)
            assert second.wait(timeout=20) == 0
    finally:
        if first.alive():
            first.kill()
        first.join_output()
    assert first.has("scheduler stopped") and second.has("scheduler stopped")
