"""PostgreSQL restarted under load (a private server, not the machine's): while it is
down writes and /readyz answer a clean ``503 DatabaseUnavailable`` (no other 5xx), and
once it is back the same API processes store again, without a restart. Entries that got
a 503 are sent again afterwards; nothing acknowledged is lost or stored twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from anchor_service.db import Role, migrate
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.settings import Settings
from tests.support.ci import skip_or_fail
from tests.support.waiting import wait_until

from .conftest import Scale, StackEnv
from .ledger_checks import assert_acknowledged_stored_once, record
from .stack import Api, PrivatePostgres, postgres_bin_dir
from .traffic import LoadPlan, Traffic, entry, run_load

pytestmark = pytest.mark.postgres


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        reason = "initdb and pg_ctl (the PostgreSQL server package) are not installed"
        skip_or_fail(reason, must_run="PostgreSQL tests")
    server = PrivatePostgres(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


def _database(server: PrivatePostgres) -> tuple[str, str, str]:
    """A migrated database on ``server``; (url, writer key, auditor key)."""
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('CREATE DATABASE "anchor"'))
    admin.dispose()
    url = server.url("anchor")
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    migrate.upgrade(settings)
    database = Database.from_settings(settings)
    try:
        with unit_of_work(database.writer) as session:
            keys = ApiKeyRepository(session)
            writer = keys.create(Role.WRITER, name="writer").token
            auditor = keys.create(Role.AUDITOR, name="auditor").token
    finally:
        database.dispose()
    return url, writer, auditor


def _probe_down(base: str, writer: str) -> None:
    """While the database is down: /readyz and a write answer 503 DatabaseUnavailable."""
    ready = httpx.get(f"{base}/readyz", timeout=30)
    assert ready.status_code == 503, ready.text
    assert ready.json()["error"] == "DatabaseUnavailable", ready.text
    write = httpx.post(
        f"{base}/v1/entries", json=entry(f"probe-{time.monotonic_ns()}"),
        headers={"Authorization": f"Bearer {writer}"}, timeout=30,
    )  # fmt: skip
    assert write.status_code == 503, write.text
    body = write.json()
    assert body["error"] == "DatabaseUnavailable" and body["detail"], body


def test_a_postgres_restart_gives_clean_503s_and_the_api_recovers_by_itself(
    scale: Scale,
    private_postgres: PrivatePostgres,
    stack_env: StackEnv,
    tmp_path: Path,
) -> None:
    url, writer, auditor = _database(private_postgres)
    api = Api(stack_env(url, ANCHOR_LOG_LEVEL="WARNING"), tmp_path)
    traffic = Traffic()
    plan = LoadPlan(
        seconds=scale.outage_seconds + 12, max_requests=scale.load_max_requests,
        clients=4, allow_unavailable=True,
    )  # fmt: skip
    try:
        loader = threading.Thread(target=run_load, args=(api.base, writer, auditor, plan, traffic))
        loader.start()
        time.sleep(3)
        private_postgres.stop()
        _probe_down(api.base, writer)
        time.sleep(scale.outage_seconds)
        _probe_down(api.base, writer)
        private_postgres.start()
        headers = {"Authorization": f"Bearer {writer}"}

        def writes_again() -> bool:
            response = httpx.post(
                f"{api.base}/v1/entries", json=entry(f"back-{time.monotonic_ns()}"),
                headers=headers, timeout=30,
            )  # fmt: skip
            return response.status_code == 201

        wait_until(writes_again, 60, "writes succeed after the restart", interval=0.5)
        assert httpx.get(f"{api.base}/readyz", timeout=30).status_code == 200
        assert api.alive()
        loader.join(timeout=plan.seconds + 120)
        assert not loader.is_alive()
        print(f"postgres restart: {traffic.latency_line()}; {len(traffic.unavailable)} got 503")
        assert not traffic.failures, traffic.failures[:5]
        assert traffic.server_errors == 0

        retried = sorted(traffic.unavailable - traffic.acked)
        for start in range(0, len(retried), 1000):
            response = httpx.post(
                f"{api.base}/v1/entries/bulk",
                json={"entries": [entry(i) for i in retried[start : start + 1000]]},
                headers=headers, timeout=120,
            )  # fmt: skip
            assert response.status_code in (200, 201), response.text
    finally:
        api.stop()
    lost = assert_acknowledged_stored_once(url, traffic.acked | set(retried))
    record(
        "postgres restart under load", **traffic.figures(),
        expected_503=traffic.expected_503, retried=len(retried),
        inputs=len(traffic.acked | set(retried)), lost=lost,
    )  # fmt: skip
