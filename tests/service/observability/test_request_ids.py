"""Request ids: taken from X-Request-ID when valid, echoed, and on every log record meanwhile."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from anchor_service.observability import RequestIdFilter, build_formatter

logger = logging.getLogger("anchor_service.tests.request_ids")


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """JSON lines of every ``anchor_service`` record at INFO or above, as the service writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(build_formatter("json"))
    handler.addFilter(RequestIdFilter())
    package = logging.getLogger("anchor_service")
    level = package.level
    package.addHandler(handler)
    package.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        package.removeHandler(handler)
        package.setLevel(level)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def logging_app(app: FastAPI) -> FastAPI:
    """The test app plus routes that log (async, and sync: run in the thread pool) or fail."""

    @app.get("/test/log-async")
    async def log_async(request: Request) -> dict[str, str]:
        logger.info("async route ran")
        return {"request_id": request.state.request_id}

    @app.get("/test/log-sync")
    def log_sync() -> dict[str, str]:
        logger.warning("sync route ran")
        return {}

    @app.get("/test/fail")
    def fail() -> None:
        raise RuntimeError("boom")

    return app


def test_a_valid_caller_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "req-2026.11:abc_DEF"})
    assert response.headers["X-Request-ID"] == "req-2026.11:abc_DEF"


@pytest.mark.parametrize(
    "offered", [None, "", "has space", 'quote"d', "x" * 129, "ünï".encode("latin-1")]
)
def test_a_missing_or_invalid_request_id_is_replaced_by_a_fresh_one(
    client: TestClient, offered: str | bytes | None
) -> None:
    headers: dict[str, str | bytes] = {} if offered is None else {"X-Request-ID": offered}
    first = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    second = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    assert first != second
    for generated in (first, second):
        assert len(generated) == 32 and int(generated, 16) >= 0


def test_error_responses_carry_the_request_id_too(client: TestClient) -> None:
    response = client.get("/v1/entries/nope", headers={"X-Request-ID": "unauth-1"})
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "unauth-1"


def test_log_records_written_while_handling_a_request_carry_its_id(
    logging_app: FastAPI, json_logs: io.StringIO
) -> None:
    with TestClient(logging_app) as client:
        body = client.get("/test/log-async", headers={"X-Request-ID": "async-1"}).json()
        client.get("/test/log-sync", headers={"X-Request-ID": "sync-1"})
    logger.info("outside any request")

    assert body == {"request_id": "async-1"}
    by_message = {record["message"]: record for record in records(json_logs)}
    assert by_message["async route ran"]["request_id"] == "async-1"
    assert by_message["sync route ran"]["request_id"] == "sync-1"
    assert by_message["sync route ran"]["level"] == "WARNING"
    assert by_message["sync route ran"]["logger"] == logger.name
    assert by_message["outside any request"]["request_id"] is None


def test_an_unhandled_error_is_logged_with_the_request_id(
    logging_app: FastAPI, json_logs: io.StringIO
) -> None:
    with TestClient(logging_app, raise_server_exceptions=False) as client:
        response = client.get("/test/fail", headers={"X-Request-ID": "fail-1"})
    assert response.status_code == 500
    [error] = [r for r in records(json_logs) if r["message"].startswith("unhandled error")]
    assert error["request_id"] == "fail-1"
    assert "RuntimeError: boom" in error["exception"]
