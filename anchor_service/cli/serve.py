"""``anchor-service serve``: run the HTTP API with uvicorn."""

from __future__ import annotations

import argparse
import copy
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from anchor_service.settings import Settings

__all__ = ["register"]

APP_FACTORY = "anchor_service.api.app:create_app"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP API",
        description="Run the HTTP API (uvicorn). Defaults come from ANCHOR_HOST, "
        "ANCHOR_PORT and ANCHOR_WORKERS.",
    )
    parser.add_argument("--host", help="address to bind (default: settings.host)")
    parser.add_argument("--port", type=int, help="port to bind (default: settings.port)")
    parser.add_argument("--workers", type=int, help="worker processes (default: 1)")
    parser.add_argument(
        "--no-access-log", action="store_true", help="do not log one line per request"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        log_level=settings.log_level.lower(),
        log_config=log_config(settings.log_level),
        access_log=not args.no_access_log,
        proxy_headers=False,
    )
    return 0


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging set-up, plus the service's own loggers (applied in each worker)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["service"] = {
        "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
    }
    config["handlers"]["service"] = {
        "class": "logging.StreamHandler",
        "formatter": "service",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["anchor_service"] = {
        "handlers": ["service"],
        "level": level,
        "propagate": False,
    }
    return config
