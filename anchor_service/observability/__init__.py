"""Metrics and logs: Prometheus ``/metrics``, request ids, structured and redacted logs.

- :func:`install_observability` (the app factory calls it): request-id middleware,
  request latency histogram, ``GET /metrics``;
- :func:`configure_logging` (CLI entry points) and :func:`uvicorn_log_config` (``serve``):
  text or JSON lines, the request id on every record, secrets masked;
- :class:`DatabaseCollector`: log, batch and anchor figures read from the database at
  scrape time, so several worker processes agree.
"""

from anchor_service.observability.collector import DatabaseCollector, DatabaseFigures
from anchor_service.observability.install import METRICS_PATH, install_observability
from anchor_service.observability.logging_setup import (
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    build_formatter,
    configure_logging,
    uvicorn_log_config,
)
from anchor_service.observability.metrics import MULTIPROC_DIR_ENV, MetricsExporter, RequestMetrics
from anchor_service.observability.middleware import RequestContextMiddleware
from anchor_service.observability.redaction import Redactor, secrets_of
from anchor_service.observability.request_context import REQUEST_ID_HEADER, current_request_id

__all__ = [
    "METRICS_PATH",
    "MULTIPROC_DIR_ENV",
    "REQUEST_ID_HEADER",
    "DatabaseCollector",
    "DatabaseFigures",
    "JsonFormatter",
    "MetricsExporter",
    "Redactor",
    "RequestContextMiddleware",
    "RequestIdFilter",
    "RequestMetrics",
    "TextFormatter",
    "build_formatter",
    "configure_logging",
    "current_request_id",
    "install_observability",
    "secrets_of",
    "uvicorn_log_config",
]
