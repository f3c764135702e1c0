"""Rate limiting per API key: 429 with Retry-After past the bucket, refilled with time."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.api.deps import state_of
from anchor_service.api.rate_limit import RateLimitedError, RateLimiter
from anchor_service.db.models import Role
from anchor_service.db.session import Database
from anchor_service.settings import Settings

MakeSettings = Callable[..., Settings]
Auth = Callable[[Role], dict[str, str]]


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(make_settings: MakeSettings, tmp_path: Path) -> Settings:
    """3 requests at once, then one a minute: no refill during a test, however slow."""
    return make_settings(rate_limit_per_minute=1, rate_limit_burst=3, data_dir=tmp_path)


def test_a_key_over_its_burst_gets_429_with_retry_after(client: TestClient, auth: Auth) -> None:
    headers = auth(Role.AUDITOR)
    statuses = [client.get("/v1/log/head", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]

    refused = client.get("/v1/log/head", headers=headers)
    assert refused.status_code == 429
    assert 50 <= int(refused.headers["retry-after"]) <= 60  # 1/min: the next token
    body = refused.json()
    assert body["error"] == "RateLimited"
    assert "rate limit" in body["detail"]
    assert set(body) == {"error", "detail", "field", "index"}


def test_other_keys_are_not_affected(client: TestClient, auth: Auth) -> None:
    busy, quiet = auth(Role.AUDITOR), auth(Role.AUDITOR)
    for _ in range(3):
        client.get("/v1/log/head", headers=busy)
    assert client.get("/v1/log/head", headers=busy).status_code == 429
    assert [client.get("/v1/log/head", headers=quiet).status_code for _ in range(3)] == [200] * 3


def test_requests_without_a_valid_key_get_401_and_cost_no_key_anything(
    client: TestClient, auth: Auth
) -> None:
    for _ in range(10):
        refused = client.get("/v1/log/head", headers={"Authorization": "Bearer nope"})
        assert refused.status_code == 401
    headers = auth(Role.AUDITOR)
    assert [client.get("/v1/log/head", headers=headers).status_code for _ in range(3)] == [200] * 3


def test_forbidden_requests_count_against_the_key(
    client: TestClient, auth: Auth, make_entry: Callable[..., dict[str, object]]
) -> None:
    headers = auth(Role.WRITER)
    assert [client.get("/v1/log/head", headers=headers).status_code for _ in range(3)] == [403] * 3
    assert client.post("/v1/entries", json=make_entry(), headers=headers).status_code == 429


def test_the_bucket_refills_with_time(app: FastAPI, client: TestClient, auth: Auth) -> None:
    clock = FakeClock()
    state_of(app).rate_limiter = RateLimiter(60, 3, clock=clock)  # as configured, a clock we move
    headers = auth(Role.AUDITOR)
    for _ in range(3):
        assert client.get("/v1/log/head", headers=headers).status_code == 200
    assert client.get("/v1/log/head", headers=headers).status_code == 429

    clock.now += 0.5
    assert client.get("/v1/log/head", headers=headers).status_code == 429
    clock.now += 0.5
    assert client.get("/v1/log/head", headers=headers).status_code == 200
    assert client.get("/v1/log/head", headers=headers).status_code == 429
    clock.now += 60
    statuses = [client.get("/v1/log/head", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # never more than the burst at once


def test_waiting_retry_after_seconds_lets_the_key_in_again(
    make_settings: MakeSettings, database: Database, auth: Auth, tmp_path: Path
) -> None:
    app = create_app(
        make_settings(rate_limit_per_minute=30, rate_limit_burst=2, data_dir=tmp_path), database
    )
    headers = auth(Role.AUDITOR)
    with TestClient(app) as client:
        first = [client.get("/v1/log/head", headers=headers) for _ in range(3)]
        assert [response.status_code for response in first] == [200, 200, 429]
        retry_after = int(first[2].headers["retry-after"])
        assert 1 <= retry_after <= 2  # 30/min: a token every 2 s
        time.sleep(retry_after)  # on the real clock, as a client would
        assert client.get("/v1/log/head", headers=headers).status_code == 200


def test_zero_per_minute_turns_limiting_off(
    make_settings: MakeSettings, database: Database, auth: Auth, tmp_path: Path
) -> None:
    app = create_app(
        make_settings(rate_limit_per_minute=0, rate_limit_burst=1, data_dir=tmp_path), database
    )
    headers = auth(Role.AUDITOR)
    with TestClient(app) as client:
        assert state_of(app).rate_limiter is None
        statuses = {client.get("/v1/log/head", headers=headers).status_code for _ in range(20)}
    assert statuses == {200}


def test_retry_after_is_whole_seconds_until_the_next_token() -> None:
    clock = FakeClock()
    limiter = RateLimiter(6, 1, clock=clock)  # a token every 10 s
    limiter.check("k")
    with pytest.raises(RateLimitedError) as refused:
        limiter.check("k")
    assert refused.value.retry_after == 10
    clock.now += 7.5
    with pytest.raises(RateLimitedError) as again:
        limiter.check("k")
    assert again.value.retry_after == 3  # 2.5 s rounded up
    clock.now += 2.5
    limiter.check("k")


def test_defaults_leave_room_for_the_ingest_benchmark() -> None:
    defaults = Settings(_env_file=None)
    assert defaults.rate_limit_per_minute >= 1500 * 60  # single POSTs at 1,500 req/s
    assert defaults.rate_limit_burst >= 1000
