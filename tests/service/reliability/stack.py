"""The real processes of a reliability scenario: API, scheduler, private PostgreSQL.

Each runs as a child process in its own session (process group), so a scenario can
SIGKILL it with everything it started (uvicorn's master and workers together).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.ports import free_port
from tests.support.processes import ChildProcess, service_command
from tests.support.servers import wait_for_http


class Api(ChildProcess):
    """``anchor-service serve --workers 2`` on a free loopback port, ready on return."""

    def __init__(self, env: dict[str, str], cwd: Path, *, workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__(
            service_command("serve", "--host", "127.0.0.1", "--port", str(self.port),
                            "--workers", str(workers), "--no-access-log"),
            env=env, cwd=cwd,
        )  # fmt: skip
        try:
            wait_for_http(f"{self.base}/readyz", self, timeout=60)
        except BaseException:
            self.kill()
            raise


class Scheduler(ChildProcess):
    """``anchor-service scheduler``; its log lines are in :attr:`lines`."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        super().__init__(service_command("scheduler"), env=env, cwd=cwd)


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
