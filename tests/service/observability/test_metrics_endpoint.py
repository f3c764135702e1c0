"""/metrics: every named metric, with values read from the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.engine import URL

from anchor_service.api import create_app
from anchor_service.api.deps import state_of
from anchor_service.db import migrate
from anchor_service.db.session import Database
from anchor_service.dev import free_port
from anchor_service.observability.collector import DatabaseCollector
from anchor_service.observability.metrics import MetricsExporter
from anchor_service.settings import Settings
from tests.support.clocks import ManualClock

from .conftest import PostEntries
from .scrape import names, parse, scrape, value

DATABASE_METRICS = {
    "anchor_metrics_database_up",
    "anchor_entries_ingested_total",
    "anchor_entries_pending",
    "anchor_log_size",
    "anchor_batches_sealed_total",
    "anchor_batches",
    "anchor_anchors",
    "anchor_anchor_gas_used_total",
    "anchor_anchor_fees_wei_total",
    "anchor_confirmation_lag_seconds",
}


def test_metrics_answer_without_an_api_key_and_expose_every_database_metric(
    client: TestClient,
) -> None:
    samples = scrape(client)

    assert names(samples) >= DATABASE_METRICS
    assert value(samples, "anchor_metrics_database_up") == 1
    assert value(samples, "anchor_entries_ingested_total") == 0
    assert value(samples, "anchor_confirmation_lag_seconds") == 0
    # No anchor confirmed yet: no age, no gas or fee of a last anchor.
    assert not {
        "anchor_last_anchor_age_seconds",
        "anchor_last_anchor_gas_used",
        "anchor_last_anchor_fee_wei",
    } & names(samples)


def test_entry_and_batch_figures_follow_ingest_and_sealing(
    client: TestClient, post_entries: PostEntries, seal: Callable[[], int]
) -> None:
    post_entries(3)
    samples = scrape(client)
    assert value(samples, "anchor_entries_ingested_total") == 3
    assert value(samples, "anchor_entries_pending") == 3
    assert value(samples, "anchor_log_size") == 0
    assert value(samples, "anchor_batches_sealed_total") == 0

    assert seal() == 1
    post_entries(2)
    samples = scrape(client)
    assert value(samples, "anchor_entries_ingested_total") == 5
    assert value(samples, "anchor_entries_pending") == 2
    assert value(samples, "anchor_log_size") == 3
    assert value(samples, "anchor_batches_sealed_total") == 1
    assert value(samples, "anchor_batches", status="sealed") == 1
    assert value(samples, "anchor_batches", status="settled") == 0

    assert seal() == 1
    samples = scrape(client)
    assert value(samples, "anchor_entries_pending") == 0
    assert value(samples, "anchor_log_size") == 5
    assert value(samples, "anchor_batches_sealed_total") == 2


def test_database_figures_are_cached_for_the_configured_seconds(
    database: Database, post_entries: PostEntries
) -> None:
    clock = ManualClock(100.0)
    collector = DatabaseCollector(database, cache_seconds=5.0, monotonic=clock)
    assert collector.figures().ingested == 0

    post_entries(2)
    clock.now += 4.9
    assert collector.figures().ingested == 0  # still cached
    clock.now += 0.2
    assert collector.figures().ingested == 2


def test_metrics_route_is_absent_when_disabled_but_request_ids_stay(
    make_settings: Callable[..., Settings], database: Database
) -> None:
    app = create_app(make_settings(metrics_enabled=False), database)
    with TestClient(app) as client:
        response = client.get("/metrics", headers={"X-Request-ID": "no-metrics-1"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "no-metrics-1"
    assert state_of(app).metrics is None


def test_unreachable_database_gives_database_up_zero_and_the_scrape_still_succeeds() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/anchor"  # nothing listens
    database = Database.from_settings(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    try:
        body, _content_type = MetricsExporter([DatabaseCollector(database)]).render()
    finally:
        database.dispose()
    samples = parse(body.decode())
    assert value(samples, "anchor_metrics_database_up") == 0
    assert "anchor_entries_ingested_total" not in names(samples)


def test_tables_of_later_migrations_are_skipped_when_missing(tmp_path: Path) -> None:
    url = URL.create("sqlite", database=str(tmp_path / "old.db")).render_as_string()
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    migrate.upgrade(settings, "0001")  # entries and log_state only: no batches, no anchors
    database = Database.from_settings(settings)
    try:
        body, _content_type = MetricsExporter([DatabaseCollector(database)]).render()
    finally:
        database.dispose()
    samples = parse(body.decode())
    assert value(samples, "anchor_metrics_database_up") == 1
    assert value(samples, "anchor_entries_ingested_total") == 0
    assert value(samples, "anchor_entries_pending") == 0
    assert not {"anchor_log_size", "anchor_batches_sealed_total", "anchor_batches"} & names(samples)
    assert not {"anchor_anchors", "anchor_confirmation_lag_seconds"} & names(samples)


def test_openmetrics_is_served_when_the_scraper_asks_for_it(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


def test_large_integer_values_are_printed_as_integers_not_exponents() -> None:
    class Fees:
        def collect(self) -> Iterator[Metric]:
            yield GaugeMetricFamily("anchor_last_anchor_fee_wei", "fee", value=117_000_000_000_000)
            yield GaugeMetricFamily("anchor_ratio", "a fraction", value=0.25)

    exporter = MetricsExporter([Fees()])
    for accept in (None, "application/openmetrics-text; version=1.0.0"):
        body, _ = exporter.render(accept)
        lines = body.decode().splitlines()
        assert "anchor_last_anchor_fee_wei 117000000000000" in lines, body.decode()
        assert "anchor_ratio 0.25" in lines
