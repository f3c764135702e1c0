"""``anchor-service serve``: run the HTTP API with uvicorn."""

from __future__ import annotations

import argparse

from anchor_service.cli.parsers import Subparsers, add_command
from anchor_service.observability.logging_setup import uvicorn_log_config
from anchor_service.settings import Settings

__all__ = ["register"]

APP_FACTORY = "anchor_service.api.app:create_app"


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "serve",
        help="run the HTTP API",
        description="Run the HTTP API (uvicorn). Defaults come from ANCHOR_HOST, "
        "ANCHOR_PORT and ANCHOR_WORKERS.",
        examples=[
            "anchor-service serve",
            "anchor-service serve --host 0.0.0.0 --port 8000 --workers 4 --no-access-log",
        ],
        handler=run,
    )
    parser.add_argument("--host", help="address to bind (default: settings.host)")
    parser.add_argument("--port", type=int, help="port to bind (default: settings.port)")
    parser.add_argument("--workers", type=int, help="worker processes (default: 1)")
    parser.add_argument(
        "--no-access-log", action="store_true", help="do not log one line per request"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from anchor_service.api.server_protocol import TimedHttpToolsProtocol
    from anchor_service.observability.metrics import multiprocess_directory

    workers = args.workers or settings.workers
    with multiprocess_directory(workers):  # request metrics shared by the workers
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=workers,
            log_level=settings.log_level.lower(),
            log_config=uvicorn_log_config(settings),
            access_log=not args.no_access_log,
            proxy_headers=False,
            http=TimedHttpToolsProtocol,  # httptools with header and body read timeouts
        )
    return 0
