"""Logging configuration: plain text or JSON lines, request ids, secrets masked.

Two formats (``ANCHOR_LOG_FORMAT``):

- ``text`` (default): ``2026-11-21 08:15:00,123 INFO anchor_service.x [<request id>]: msg``
  (``-`` in place of the id outside a request);
- ``json``: one object per line with ``time`` (RFC 3339, UTC), ``level``, ``logger``,
  ``message``, ``request_id`` (``null`` outside a request), ``pid``, ``exception`` when
  there is one, any ``extra=`` fields, and for uvicorn's access lines ``client``,
  ``method``, ``path``, ``http_version``, ``status``.

Every line passes through a :class:`~anchor_service.observability.redaction.Redactor`
built from the settings' secrets. Entry points call :func:`configure_logging` (CLI
commands) or pass :func:`uvicorn_log_config` to uvicorn (``serve``, applied in each
worker process).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any, Literal

from anchor_service.observability.redaction import Redactor, secrets_of
from anchor_service.observability.request_context import current_request_id
from anchor_service.settings import Settings

__all__ = [
    "JsonFormatter",
    "LogFormat",
    "RequestIdFilter",
    "TextFormatter",
    "build_formatter",
    "configure_logging",
    "uvicorn_log_config",
]

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
    "taskName",
}
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current request's id, or ``None``); never drops."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class TextFormatter(logging.Formatter):
    """:data:`TEXT_FORMAT`, with secrets masked in the whole line (traceback included)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        request_id = _request_id(record)
        record.request_id = request_id if request_id is not None else "-"
        try:
            return self._redactor.redact(super().format(record))
        finally:
            record.request_id = request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module docstring), secrets masked."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redactor.redact(record.getMessage()),
            "request_id": _request_id(record),
            "pid": record.process,
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            document.update(self._scrub(dict(zip(_ACCESS_FIELDS, args, strict=True))))
        if record.exc_info:
            document["exception"] = self._redactor.redact(self.formatException(record.exc_info))
        if record.stack_info:
            document["stack"] = self._redactor.redact(self.formatStack(record.stack_info))
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRIBUTES and name not in document:
                document[name] = self._scrub(value)
        return json.dumps(document, ensure_ascii=False, default=str)

    def _scrub(self, value: Any) -> Any:
        """``value`` as JSON-ready data, every string in it redacted."""
        if isinstance(value, str):
            return self._redactor.redact(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, dict):
            return {str(key): self._scrub(item) for key, item in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._scrub(item) for item in value]
        return self._redactor.redact(str(value))


def build_formatter(
    log_format: LogFormat = "text", secrets: Iterable[str] = ()
) -> logging.Formatter:
    """The formatter for ``log_format`` masking ``secrets`` (a ``logging.config`` factory)."""
    redactor = Redactor(secrets)
    if log_format == "json":
        return JsonFormatter(redactor)
    if log_format == "text":
        return TextFormatter(redactor)
    raise ValueError(f"unknown log format {log_format!r}")


def configure_logging(
    settings: Settings, stream: IO[str] | None = None, *, force: bool = False
) -> logging.Handler | None:
    """Send log records at ``settings.log_level`` or above to ``stream`` (default: the
    current ``sys.stderr``) in ``settings.log_format``; returns the handler.

    Like ``logging.basicConfig``, leaves a root logger that something else configured
    (a host program, pytest) alone and returns ``None``, unless ``force``. Calling it
    again replaces the handler it added before.
    """
    root = logging.getLogger()
    if not force and any(not isinstance(h, _ServiceHandler) for h in root.handlers):
        return None
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    handler = _ServiceHandler(stream)
    handler.setFormatter(build_formatter(settings.log_format, secrets_of(settings)))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    return handler


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn: its loggers and the root logger go to
    stderr in ``settings.log_format``, with request ids and secrets masked."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "service": {
                "()": f"{__name__}.build_formatter",
                "log_format": settings.log_format,
                "secrets": secrets_of(settings),
            },
        },
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "handlers": {
            "service": {
                "class": "logging.StreamHandler",
                "formatter": "service",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["service"], "level": settings.log_level, "propagate": False},
            "uvicorn.error": {"level": settings.log_level},
            "uvicorn.access": {"handlers": ["service"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["service"], "level": settings.log_level},
    }


def _request_id(record: logging.LogRecord) -> str | None:
    value = getattr(record, "request_id", None)
    if value is None or value == "-":
        return current_request_id()
    return str(value)


class _ServiceHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure_logging` adds: to ``stream``, else to whatever
    ``sys.stderr`` is when a record is written (so a replaced stderr is followed)."""

    def __init__(self, stream: IO[str] | None) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self._fixed = stream

    def emit(self, record: logging.LogRecord) -> None:
        if self._fixed is None:
            self.stream = sys.stderr
        super().emit(record)
