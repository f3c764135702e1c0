"""Servers the tests start: the API under uvicorn (a child process or a thread), ready-checked.

A server counts as started when it answers 200 on a URL (``/healthz`` or ``/readyz``),
not when its process exists: a test that talks to it earlier races its start-up.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.ports import free_port
from tests.support.processes import ChildProcess
from tests.support.waiting import wait_until

APP_FACTORY = "anchor_service.api.app:create_app"


def uvicorn_command(port: int, *options: str) -> list[str]:
    """uvicorn serving the app factory on ``127.0.0.1:port`` (settings from the environment)."""
    return [
        sys.executable, "-m", "uvicorn", "--factory", APP_FACTORY,
        "--host", "127.0.0.1", "--port", str(port), *options,
    ]  # fmt: skip


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for_http(url: str, process: ChildProcess, timeout: float) -> None:
    """Wait until ``url`` answers 200; fail at once, with its output, if ``process`` exits."""

    def still_running() -> None:
        assert process.alive(), f"the server exited with {process.returncode}:\n{process.out}"

    wait_until(lambda: answers(url), timeout, f"{url} answering", still_running, 0.2)


@contextmanager
def app_in_thread(app: FastAPI, timeout: float = 60.0) -> Iterator[str]:
    """Serve ``app`` itself (this process's object) over real HTTP; yield its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def still_running() -> None:
        assert thread.is_alive(), "uvicorn stopped before it started"

    try:
        wait_until(lambda: server.started, timeout, "uvicorn started", still_running, 0.05)
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(30)
