"""The real processes of a reliability scenario: API, scheduler, private PostgreSQL.

Each runs as a child process in its own session (process group), so a scenario can
SIGKILL it with everything it started (uvicorn's master and workers together).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from anchor_service.dev import free_port


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    check: Callable[[], None] | None = None,
    interval: float = 0.2,
) -> None:
    """Poll ``condition`` until it holds; fail saying ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if check is not None:
            check()
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g} s"
        time.sleep(interval)


def service_env(**values: str) -> dict[str, str]:
    """The environment without the caller's ``ANCHOR_*`` variables, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANCHOR_")}
    env.update(values)
    return env


class ServiceProcess:
    """``python -m anchor_service.cli <args>`` in its own session, output collected."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "anchor_service.cli", *args],
            env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        stream = self.process.stdout
        assert stream is not None
        self._reader = threading.Thread(
            target=lambda: self.lines.extend(iter(stream.readline, "")), daemon=True
        )
        self._reader.start()

    @property
    def out(self) -> str:
        return "".join(self.lines)

    def alive(self) -> bool:
        return self.process.poll() is None

    def saw(self, text: str, after: int = 0) -> bool:
        """Whether a line from number ``after`` on contains ``text``."""
        return any(text in line for line in self.lines[after:])

    def kill(self) -> None:
        """SIGKILL the whole process group (no clean-up runs)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)

    def stop(self) -> None:
        """SIGTERM the process group; SIGKILL what is left after 20 s."""
        with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        self.kill()


class Api(ServiceProcess):
    """``anchor-service serve --workers 2`` on a free loopback port, ready on return."""

    def __init__(self, env: dict[str, str], cwd: Path, *, workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__(
            ["serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--no-access-log"],
            env, cwd,
        )  # fmt: skip
        try:
            wait_until(self._ready, 60, "API ready", self._check)
        except BaseException:
            self.kill()
            raise

    def _check(self) -> None:
        assert self.alive(), f"the API exited:\n{self.out}"

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


class Scheduler(ServiceProcess):
    """``anchor-service scheduler``; its log lines are in :attr:`lines`."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        super().__init__(["scheduler"], env, cwd)


def _as_postgres_user(command: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    assert runuser is not None, "running as root needs runuser to start PostgreSQL"
    return [runuser, "-u", "postgres", "--", *command]


def postgres_bin_dir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` (Debian's, or on PATH)."""
    found = shutil.which("pg_ctl")
    if found is not None and shutil.which("initdb") is not None:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    return candidates[0].parent if candidates else None


class PrivatePostgres:
    """A PostgreSQL server of our own (initdb into a temporary directory, trust auth),
    so a scenario can stop and start it without touching the machine's server."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="anchor-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(
            [str(bin_dir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
             "-E", "UTF8", "--no-sync"]
        )  # fmt: skip

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(
            _as_postgres_user(command), capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, f"{command[0]} failed: {done.stdout}\n{done.stderr}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=200"
        )
        self._run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options,
             "-l", str(self.root / "server.log"), "-w", "-t", "60", "start"]
        )  # fmt: skip

    def stop(self) -> None:
        """Stop now (``-m fast``: sessions are cut, as in a restart)."""
        self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def destroy(self) -> None:
        subprocess.run(
            _as_postgres_user(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
            ),
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)
