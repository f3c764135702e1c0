"""Metrics read from the database at scrape time, so every worker process agrees.

:class:`DatabaseCollector` runs a handful of small queries
(:func:`~anchor_service.db.repositories.figures.read_figures`: the log counter row, a
``GROUP BY`` over batches and over anchors, the newest confirmed and the in-flight
anchor) at most once per ``cache_seconds``; ages are computed from the cached times at
each scrape. A table that does not exist yet (database not migrated that far) leaves
its metrics out; a database that cannot be read gives ``anchor_metrics_database_up 0``
and no other database figure, never a failed scrape.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from anchor_service.db.repositories.figures import DatabaseFigures, read_figures
from anchor_service.db.session import Database

__all__ = ["DatabaseCollector", "DatabaseFigures", "read_figures"]

logger = logging.getLogger(__name__)


class DatabaseCollector(Collector):
    """A Prometheus collector of :class:`DatabaseFigures`, cached ``cache_seconds``."""

    def __init__(
        self,
        database: Database,
        *,
        cache_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._database = database
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._now = now
        self._lock = threading.Lock()
        self._cached: tuple[float, DatabaseFigures] | None = None

    def figures(self) -> DatabaseFigures:
        """The figures, from the cache when younger than ``cache_seconds``."""
        with self._lock:
            moment = self._monotonic()
            if self._cached is not None and moment - self._cached[0] < self._cache_seconds:
                return self._cached[1]
            with self._database.engine.connect() as connection:
                figures = read_figures(connection)
            self._cached = (moment, figures)
            return figures

    def describe(self) -> Iterator[Metric]:
        """The metric names (no samples), so registering does not query the database."""
        yield from _families(None, self._now())

    def collect(self) -> Iterator[Metric]:
        try:
            figures = self.figures()
        except SQLAlchemyError as exc:
            logger.warning("metrics: cannot read the database (%s)", type(exc).__name__)
            yield _gauge(_UP, _UP_HELP, 0)
            return
        yield from _families(figures, self._now())


def _families(figures: DatabaseFigures | None, now: datetime) -> Iterator[Metric]:
    """The metric families of ``figures``; ``None`` gives them without samples (describe).

    A family whose figure is ``None`` (its table does not exist yet, or no anchor has
    been confirmed) has no sample.
    """
    f = figures
    yield _gauge(_UP, _UP_HELP, None if f is None else 1)
    yield _counter(
        "anchor_entries_ingested",
        "Entries stored since the log began (the log counter).",
        None if f is None else f.ingested,
    )
    yield _gauge(
        "anchor_entries_pending",
        "Entries stored but not sealed yet.",
        None if f is None else f.ingested - (f.sealed_size or 0),
    )
    yield _gauge(
        "anchor_log_size",
        "Leaves in the sealed log (its tree size).",
        None if f is None else f.sealed_size,
    )
    yield _counter(
        "anchor_batches_sealed",
        "Batches sealed since the log began.",
        None if f is None or f.batches is None else sum(f.batches.values()),
    )
    yield _by_status("anchor_batches", "Batches by status.", None if f is None else f.batches)
    yield _by_status("anchor_anchors", "Anchors by status.", None if f is None else f.anchors)
    anchored = f is not None and f.anchors is not None
    last = f.last_confirmed_at if f is not None else None
    yield _gauge(
        "anchor_last_anchor_age_seconds",
        "Seconds since the newest confirmed anchor was confirmed (absent: none yet).",
        None if last is None else max(0.0, (now - last).total_seconds()),
    )
    yield _gauge(
        "anchor_last_anchor_gas_used",
        "Gas used by the newest confirmed anchor's transaction.",
        f.last_gas_used if f is not None and last is not None else None,
    )
    yield _gauge(
        "anchor_last_anchor_fee_wei",
        "Fee in wei paid by the newest confirmed anchor's transaction.",
        f.last_fee_wei if f is not None and last is not None else None,
    )
    yield _counter(
        "anchor_anchor_gas_used",
        "Gas used by all final anchor transactions (confirmed, or failed once mined).",
        f.gas_used_total if f is not None and anchored else None,
    )
    yield _counter(
        "anchor_anchor_fees_wei",
        "Fees in wei paid by all final anchor transactions (confirmed, or failed once mined).",
        f.fee_wei_total if f is not None and anchored else None,
    )
    since = f.in_flight_since if f is not None else None
    yield _gauge(
        "anchor_confirmation_lag_seconds",
        "Seconds since the anchor in flight was first submitted (0: none in flight).",
        None if not anchored else 0.0 if since is None else max(0.0, (now - since).total_seconds()),
    )

    yield _gauge(
        "anchor_checkpoint_size",
        "Tree size of the newest signed checkpoint (0: none yet).",
        None if f is None else f.checkpoint_size,
    )
    signed = f.last_checkpoint_at if f is not None else None
    yield _gauge(
        "anchor_last_checkpoint_age_seconds",
        "Seconds since the newest checkpoint was signed (absent: none yet).",
        None if signed is None else max(0.0, (now - signed).total_seconds()),
    )
    yield _counter(
        "anchor_checkpoint_mismatches",
        "Checkpoints refused because the tiles' root was not the stored leaves' root "
        "(any: signing stopped; alert).",
        None if f is None else f.checkpoint_mismatches,
    )
    stopped = GaugeMetricFamily(
        "anchor_anchoring_stopped",
        "1 while anchoring is stopped for a reason an operator must resolve (label: the "
        "newest anchor's error, e.g. HeadMismatch, RegistryDisagrees), else 0.",
        labels=["reason"],
    )
    if anchored and f is not None:
        stopped.add_metric([f.stopped_by or ""], 1 if f.stopped_by else 0)
    yield stopped
    yield from _witness_families(f)


def _witness_families(f: DatabaseFigures | None) -> Iterator[Metric]:
    """The log's witness requests by witness and outcome, and each witness's known size."""
    answers = CounterMetricFamily(
        "anchor_witness_requests",
        "add-checkpoint requests to each policy witness, by outcome (cosigned, stale, "
        "conflict, forbidden, unknown-origin, bad-proof, timeout, ...).",
        labels=["witness", "outcome"],
    )
    for (witness, outcome), count in sorted(((f and f.witness_answers) or {}).items()):
        answers.add_metric([witness, outcome], count)
    yield answers
    sizes = GaugeMetricFamily(
        "anchor_witness_size",
        "The tree size each policy witness last cosigned (or said it holds).",
        labels=["witness"],
    )
    for witness, size in sorted(((f and f.witness_sizes) or {}).items()):
        sizes.add_metric([witness], size)
    yield sizes


_UP = "anchor_metrics_database_up"
_UP_HELP = "Whether the database figures could be read at this scrape (1) or not (0)."


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    if value is not None:
        family.add_metric([], value)
    return family


def _counter(name: str, documentation: str, value: float | None) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation)
    if value is not None:
        family.add_metric([], value)
    return family


def _by_status(name: str, documentation: str, counts: dict[str, int] | None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["status"])
    for status, count in (counts or {}).items():
        family.add_metric([status], count)
    return family
