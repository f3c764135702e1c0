"""The listening sockets of ``anchor-service serve --workers N``: one per worker.

uvicorn's own multi-worker mode binds one socket and hands it to every worker. The kernel
then wakes whichever worker gets there first, and that worker's event loop accepts every
connection waiting (up to the backlog) at once: keep-alive clients that connect together
(a load balancer's pool, a benchmark's 32 connections) all land on one worker, which
runs on one core while the others idle (measured here: 1,174-1,809 proofs/s with the
second worker at ~0 % CPU).

:func:`reuseport_sockets` binds one socket per worker on the same address with
``SO_REUSEPORT``; the kernel spreads new connections over those sockets by a hash of
their addresses, so each worker gets its share and accepts only its own.
:class:`PerWorkerSupervisor` is uvicorn's supervisor (the same restarts of dead or hung
workers, health pings and signal handling: SIGHUP replaces the workers, SIGTTIN adds one,
SIGTTOU stops one) with one change: worker ``i`` is given only socket ``i``, also when it
is replaced; an added worker gets a new socket, a stopped one's is closed. The sockets
stay open in the supervisor, so the connections the kernel queued on a dead worker's
socket are served by its replacement.
"""

from __future__ import annotations

import logging
import socket

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process

__all__ = ["PerWorkerSupervisor", "reuseport_sockets"]

logger = logging.getLogger("uvicorn.error")


def reuseport_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` TCP sockets bound to ``host:port`` with ``SO_REUSEPORT`` (not yet
    listening: each worker listens on its own). Port 0 picks a free port for all of them.

    Raises :class:`OSError` when the address cannot be bound (in use without
    ``SO_REUSEPORT``, not a local address, a privileged port).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # the same port for the others, if 0 was asked
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class PerWorkerSupervisor(Multiprocess):
    """uvicorn's multi-worker supervisor, handing worker ``i`` only ``sockets[i]``
    (one worker per socket: ``config.workers`` is ignored)."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        self.processes_num = len(sockets)

    def _process(self, index: int) -> Process:
        process = Process(self.config, [self.sockets[index]])
        process.start()
        return process

    def init_processes(self) -> None:
        for index in range(self.processes_num):
            self.processes.append(self._process(index))

    def restart_all(self) -> None:
        """Replace each worker (SIGHUP), its replacement serving before the old one stops."""
        for index, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._process(index)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                logger.error("replacement worker not ready in time; keeping worker %s", old.pid)
                return
            old.terminate()
            old.join()
            self.processes[index] = new

    def handle_ttin(self) -> None:
        """SIGTTIN: one more worker, on a new socket of its own."""
        host, port = self.sockets[0].getsockname()[:2]
        try:
            [sock] = reuseport_sockets(host, port, 1)
        except OSError as exc:
            logger.error("cannot add a worker: %s", exc)
            return
        self.sockets.append(sock)
        self.processes_num += 1
        self.processes.append(self._process(len(self.sockets) - 1))
        logger.info("added a worker (SIGTTIN): %d now", self.processes_num)

    def handle_ttou(self) -> None:
        """SIGTTOU: one worker fewer (never none); its socket is closed with it."""
        if self.processes_num <= 1:
            logger.info("one worker left: not stopping it (SIGTTOU)")
            return
        self.processes_num -= 1
        process = self.processes.pop()
        process.terminate()
        process.join()
        self.sockets.pop().close()
        logger.info("stopped a worker (SIGTTOU): %d now", self.processes_num)

    def keep_subprocess_alive(self) -> None:
        """Replace a worker that died or stopped answering health pings (uvicorn's rule,
        with the dead worker's own socket); stop when one failed to start at all."""
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                logger.error("worker %s failed to start, stopping the server", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info("worker %s died; starting another on its socket", process.pid)
            self.processes[index] = self._process(index)
