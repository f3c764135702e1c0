"""A small supervisor for ``dev``: start child processes in order, stop them together.

Children start in list order; a child with a readiness probe must pass it before the
next one starts. A child's ``after_ready`` step runs once it is ready (before the next
one starts) and may return environment variables for the children after it. When any
child exits, or the supervisor gets SIGINT/SIGTERM, every other child gets SIGTERM
(then SIGKILL after a grace period), newest first.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType

from anchor_service.dev.errors import ChildFailedError

__all__ = ["Child", "Supervisor"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Child:
    """A process to run: a name for messages, its argv, extra environment, readiness.

    ``quiet`` discards its stdout; ``after_ready`` is a set-up step run once it is ready
    (its exception stops everything) returning extra environment for later children.
    """

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    ready: Callable[[], bool] | None = None
    ready_timeout: float = 60.0
    quiet: bool = False
    after_ready: Callable[[], Mapping[str, str]] | None = None


class Supervisor:
    """Runs :class:`Child` processes until one exits or a stop signal arrives."""

    def __init__(
        self,
        children: Sequence[Child],
        *,
        grace_seconds: float = 10.0,
        on_started: Callable[[], None] | None = None,
    ) -> None:
        self._children = list(children)
        self._grace = grace_seconds
        self._on_started = on_started
        self._shared_env: dict[str, str] = {}
        self._running: list[tuple[Child, subprocess.Popen[bytes]]] = []
        self._stop_requested = False

    def run(self) -> int:
        """Start every child, wait, stop the rest; return the first exit code seen."""
        previous = {
            sig: signal.signal(sig, self._request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for child in self._children:
                self._start(child)
            if self._on_started is not None:
                self._on_started()
            return self._wait()
        except ChildFailedError as exc:
            logger.error("%s", exc)
            return 1
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _request_stop(self, signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s, stopping", signal.Signals(signum).name)
        self._stop_requested = True

    def _start(self, child: Child) -> None:
        if self._stop_requested:
            raise ChildFailedError(f"stopped before {child.name} started")
        logger.info("starting %s", child.name)
        # argv comes from code (dev_children), never from a shell or user input.
        process = subprocess.Popen(  # noqa: S603
            list(child.argv),
            env={**os.environ, **self._shared_env, **child.env},
            stdout=subprocess.DEVNULL if child.quiet else None,
        )
        self._running.append((child, process))
        if child.ready is not None:
            self._wait_ready(child, process)
        if child.after_ready is not None:
            self._shared_env.update(child.after_ready())

    def _wait_ready(self, child: Child, process: subprocess.Popen[bytes]) -> None:
        assert child.ready is not None
        deadline = time.monotonic() + child.ready_timeout
        while not child.ready():
            if process.poll() is not None:
                raise ChildFailedError(f"{child.name} exited with code {process.returncode}")
            if self._stop_requested:
                raise ChildFailedError(f"stopped while {child.name} was starting")
            if time.monotonic() > deadline:
                raise ChildFailedError(f"{child.name} not ready after {child.ready_timeout:.0f} s")
            time.sleep(0.2)
        logger.info("%s is ready", child.name)

    def _wait(self) -> int:
        while not self._stop_requested:
            for child, process in self._running:
                code = process.poll()
                if code is not None:
                    logger.warning("%s exited with code %s; stopping the others", child.name, code)
                    return code
            time.sleep(0.2)
        return 0

    def _stop_all(self) -> None:
        for child, process in reversed(self._running):
            if process.poll() is None:
                logger.info("stopping %s", child.name)
                process.terminate()
        deadline = time.monotonic() + self._grace
        for child, process in reversed(self._running):
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %.0f s; killing it", child.name, self._grace)
                process.kill()
                process.wait()
        self._running.clear()
