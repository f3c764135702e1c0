"""Metrics and logs: Prometheus ``/metrics``, request ids, structured and redacted logs.

- :func:`configure_logging` (CLI entry points) and :func:`uvicorn_log_config` (``serve``):
  text or JSON lines, the request id on every record, secrets masked;
- :func:`~anchor_service.observability.install.install_observability` (the app factory
  calls it): request-id middleware, request latency histogram, ``GET /metrics``;
- :class:`~anchor_service.observability.collector.DatabaseCollector`: log, batch and
  anchor figures read from the database at scrape time, so several worker processes
  agree.

Only the logging side is imported here: it is what every command, ``verify`` in the
verifier-only install too, sets up. The metrics side needs the ``server`` extra
(Prometheus, FastAPI, SQLAlchemy); import it from :mod:`.install`, :mod:`.collector`,
:mod:`.metrics` and :mod:`.middleware`.
"""

from anchor_service.observability.logging_setup import (
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    build_formatter,
    configure_logging,
    uvicorn_log_config,
)
from anchor_service.observability.redaction import Redactor, secrets_of
from anchor_service.observability.request_context import REQUEST_ID_HEADER, current_request_id

__all__ = [
    "REQUEST_ID_HEADER",
    "JsonFormatter",
    "Redactor",
    "RequestIdFilter",
    "TextFormatter",
    "build_formatter",
    "configure_logging",
    "current_request_id",
    "secrets_of",
    "uvicorn_log_config",
]
