"""Request latency: one series per route template, method and status class."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from anchor_service.observability.metrics import MULTIPROC_DIR_ENV, multiprocess_directory

from .scrape import Samples, scrape, value

DURATION = "anchor_http_request_duration_seconds"


def count(samples: Samples, method: str, route: str, status: str) -> float:
    return value(samples, f"{DURATION}_count", method=method, route=route, status=status)


def test_requests_are_labelled_by_route_template_not_raw_path(client: TestClient) -> None:
    for external_id in ("pay-1", "pay-2", "pay-3"):
        assert client.get(f"/v1/entries/{external_id}").status_code == 401
    client.get("/healthz")
    samples = scrape(client)

    assert count(samples, "GET", "/v1/entries/{external_id}", "4xx") == 3
    assert count(samples, "GET", "/healthz", "2xx") == 1
    routes = {dict(labels).get("route") for name, labels in samples if name.startswith(DURATION)}
    assert not any(route and "pay-" in route for route in routes)


def test_unknown_paths_and_methods_share_bounded_labels(client: TestClient) -> None:
    for path in ("/wp-admin", "/random/1", "/random/2"):
        assert client.get(path).status_code == 404
    assert client.request("BREW", "/healthz").status_code == 405
    samples = scrape(client)

    assert count(samples, "GET", "unmatched", "4xx") == 3
    assert count(samples, "other", "/healthz", "4xx") == 1


def test_bucket_counts_and_sum_describe_the_observed_latencies(client: TestClient) -> None:
    client.get("/healthz")
    samples = scrape(client)
    labels = {"method": "GET", "route": "/healthz", "status": "2xx"}
    assert value(samples, f"{DURATION}_bucket", le="+Inf", **labels) == 1
    assert 0 < value(samples, f"{DURATION}_sum", **labels) < 30


def test_several_workers_get_a_fresh_shared_directory_removed_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MULTIPROC_DIR_ENV, raising=False)
    with multiprocess_directory(1) as single:
        assert single is None and MULTIPROC_DIR_ENV not in os.environ
    with multiprocess_directory(3) as shared:
        assert shared is not None and os.environ[MULTIPROC_DIR_ENV] == shared
        assert Path(shared).is_dir() and not any(Path(shared).iterdir())
    assert not Path(shared).exists() and MULTIPROC_DIR_ENV not in os.environ


def test_a_directory_chosen_by_the_operator_is_used_and_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MULTIPROC_DIR_ENV, str(tmp_path))
    with multiprocess_directory(4) as shared:
        assert shared == str(tmp_path)
    assert tmp_path.is_dir() and os.environ[MULTIPROC_DIR_ENV] == str(tmp_path)
