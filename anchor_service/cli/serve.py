"""``anchor-service serve``: run the HTTP API with uvicorn."""

from __future__ import annotations

import argparse
import logging
import sys

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
        "ANCHOR_PORT and ANCHOR_WORKERS. With several workers each gets its own "
        "listening socket on the port (SO_REUSEPORT): the kernel spreads connections "
        "over the workers, so every core serves.",
        examples=[
            "anchor-service serve",
            "anchor-service serve --host 0.0.0.0 --port 8000 --workers 4 --no-access-log",
        ],
        handler=run,
    )
    parser.add_argument("--host", help="address to bind (default: settings.host)")
    parser.add_argument("--port", type=int, help="port to bind (default: settings.port)")
    parser.add_argument(
        "--workers", type=int, help="worker processes, one socket each (default: 1)"
    )
    parser.add_argument(
        "--no-access-log", action="store_true", help="do not log one line per request"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from anchor_service.api.listeners import PerWorkerSupervisor, reuseport_sockets
    from anchor_service.api.server_protocol import TimedHttpToolsProtocol
    from anchor_service.observability.metrics import multiprocess_directory

    workers = args.workers or settings.workers
    host, port = args.host or settings.host, args.port or settings.port
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings),
        access_log=not args.no_access_log,
        proxy_headers=False,
        http=TimedHttpToolsProtocol,  # httptools with header and body read timeouts
    )
    with multiprocess_directory(workers):  # request metrics shared by the workers
        if workers <= 1:
            server = uvicorn.Server(config)
            server.run()
            return 0 if server.started else 1  # uvicorn logged why
        try:
            sockets = reuseport_sockets(host, port, workers)
        except OSError as exc:  # uvicorn would log it and exit 3 (a failed start)
            print(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        try:
            logging.getLogger("uvicorn.error").info(
                "listening on %s:%d, one socket per worker (%d)", host, port, workers
            )
            PerWorkerSupervisor(config, sockets).run()
        finally:
            for sock in sockets:
                sock.close()
    return 0
