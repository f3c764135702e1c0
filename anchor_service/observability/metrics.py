"""Prometheus metrics of one app: the request latency histogram and the exposition.

Two kinds of figures, so that every worker process answers ``/metrics`` with the same,
correct values:

- state of the log, batches, anchors and audits: read from the database at scrape time
  by :class:`~anchor_service.observability.collector.DatabaseCollector`, never counted in
  process memory;
- request latency (:data:`REQUEST_DURATION`), observed by the middleware in each process.
  With several worker processes, ``PROMETHEUS_MULTIPROC_DIR`` must name an empty,
  writable directory shared by them (``anchor-service serve --workers N`` sets one up);
  then each process writes its observations there and any of them exposes the sum
  (prometheus_client's multiprocess mode). Without it, one process's own figures are
  exposed, which is right for a single worker.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

__all__ = [
    "MULTIPROC_DIR_ENV",
    "REQUEST_DURATION",
    "REQUEST_DURATION_BUCKETS",
    "MetricsExporter",
    "RequestMetrics",
    "multiprocess_dir",
    "multiprocess_directory",
]

#: Environment variable that switches prometheus_client to multiprocess mode.
MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_DURATION = "anchor_http_request_duration_seconds"
REQUEST_DURATION_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def multiprocess_dir() -> str | None:
    """The multiprocess directory when prometheus_client runs in multiprocess mode."""
    return os.environ.get(MULTIPROC_DIR_ENV) or None


class RequestMetrics:
    """The request latency histogram, labelled ``method``, ``route`` and ``status``.

    ``route`` is the route's path template (``/v1/entries/{external_id}``), never the
    raw path, and ``status`` the class (``2xx``), so the label sets stay few.
    """

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.histogram = Histogram(
            REQUEST_DURATION,
            "Time to answer an HTTP request, by method, route template and status class.",
            ["method", "route", "status"],
            buckets=REQUEST_DURATION_BUCKETS,
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in _METHODS else "other"
        self.histogram.labels(method, route, f"{status // 100}xx").observe(seconds)


class MetricsExporter:
    """Everything ``/metrics`` shows for one app, rendered on demand.

    Single-process mode: a registry of its own holds the request histogram and the
    ``collectors``. Multiprocess mode: the histogram lives in the shared directory, and
    each scrape reads it back with a :class:`MultiProcessCollector` next to the
    ``collectors``.
    """

    def __init__(self, collectors: Sequence[Collector]) -> None:
        self.multiprocess = multiprocess_dir() is not None
        self._collectors = tuple(collectors)
        if self.multiprocess:
            self.requests = RequestMetrics(registry=None)
            self._registry: CollectorRegistry | None = None
        else:
            self._registry = CollectorRegistry()
            self.requests = RequestMetrics(registry=self._registry)
            for collector in self._collectors:
                self._registry.register(collector)

    def registry(self) -> CollectorRegistry:
        """The registry to expose now (a fresh one per scrape in multiprocess mode)."""
        if self._registry is not None:
            return self._registry
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        for collector in self._collectors:
            registry.register(collector)
        return registry

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition body and its content type, in the format ``accept`` prefers
        (Prometheus text by default, OpenMetrics when asked)."""
        encoder, content_type = choose_encoder(accept or "")
        return _integers_in_full(encoder(self.registry())), content_type


# A sample line whose value is an integer in exponent form ("1.17e+14"), as
# prometheus_client prints floats of 1e7 and more; an optional timestamp follows.
_EXPONENT_VALUE = re.compile(rb"^([^#\n][^\n]* )(\d(?:\.\d+)?e\+\d+)((?: \S+)?)$", re.MULTILINE)


def _integers_in_full(body: bytes) -> bytes:
    """Print integral values in full (``117000000000000``): fees in wei are read by
    people, and ``1.17e+14`` hides digits. Same value for Prometheus."""

    def full(match: re.Match[bytes]) -> bytes:
        value = float(match.group(2))
        if not value.is_integer() or value >= 1e21:
            return match.group(0)
        return match.group(1) + str(int(value)).encode("ascii") + match.group(3)

    return _EXPONENT_VALUE.sub(full, body)


@contextmanager
def multiprocess_directory(workers: int) -> Iterator[str | None]:
    """Put prometheus_client in multiprocess mode for ``workers`` > 1 server processes.

    Creates an empty temporary directory, exports it as ``PROMETHEUS_MULTIPROC_DIR`` for
    the worker processes started inside the block, and removes both afterwards. Yields
    the directory in use: the one already set in the environment, if any (left as is;
    it must be emptied between server runs), ``None`` for a single worker.
    """
    existing = multiprocess_dir()
    if existing is not None or workers <= 1:
        yield existing
        return
    with tempfile.TemporaryDirectory(prefix="anchor-metrics-") as directory:
        os.environ[MULTIPROC_DIR_ENV] = directory
        try:
            yield directory
        finally:
            os.environ.pop(MULTIPROC_DIR_ENV, None)
