"""A private PgBouncer in transaction pooling mode, in front of the tests' PostgreSQL.

Debian's ``pgbouncer`` package (``make test`` installs it): its own ini file, log and
pid file in a temporary directory, a free port on 127.0.0.1, trust authentication, every
database forwarded to the server of ``tests.support.postgres``. PgBouncer refuses to run
as root, so as root it runs as the ``postgres`` user. Missing: the test is skipped, or
failed under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg
from sqlalchemy.engine import make_url

from tests.support.ci import skip_or_fail
from tests.support.ports import free_port
from tests.support.postgres import POSTGRES_ADMIN_URL
from tests.support.waiting import wait_until

PGBOUNCER = "/usr/sbin/pgbouncer"


def pgbouncer_binary() -> str:
    """PgBouncer's executable; skip (fail under ``CI=true``) when it is not installed."""
    found = shutil.which("pgbouncer") or (PGBOUNCER if os.access(PGBOUNCER, os.X_OK) else None)
    if found is None:
        skip_or_fail(
            "pgbouncer is not installed (Debian package pgbouncer; `make test` installs it)",
            must_run="PgBouncer tests",
        )
    return found


class PgBouncer:
    """``pgbouncer`` on a free port, ``pool_mode = transaction``; stopped on ``with`` exit.

    :meth:`url` gives a database URL through it; :meth:`pause` and :meth:`resume` stop and
    continue the process (SIGSTOP/SIGCONT: connections stall, nothing is refused), and
    :meth:`stop` ends it (every client connection is cut).
    """

    def __init__(self, *, pool_size: int = 4) -> None:
        binary = pgbouncer_binary()
        server = make_url(POSTGRES_ADMIN_URL)
        self.root = Path(tempfile.mkdtemp(prefix="anchor-pgbouncer-"))
        self.port = free_port()
        self.log = self.root / "pgbouncer.log"
        user = server.username or "postgres"
        (self.root / "userlist.txt").write_text(f'"{user}" ""\n', encoding="utf-8")
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={server.host or '127.0.0.1'} port={server.port or 5432}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 500\n"
            f"admin_users = {user}\n"
            f"logfile = {self.log}\n"
            f"pidfile = {self.root / 'pgbouncer.pid'}\n",
            encoding="utf-8",
        )
        self._user = user
        command = [binary, str(self.root / "pgbouncer.ini")]
        if os.geteuid() == 0:  # "PgBouncer should not run as root"
            shutil.chown(self.root, "postgres")
            for name in ("userlist.txt", "pgbouncer.ini"):
                shutil.chown(self.root / name, "postgres")
            runuser = shutil.which("runuser")
            assert runuser is not None, "running as root needs runuser to start PgBouncer"
            command = [runuser, "-u", "postgres", "--", *command]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            wait_until(self._answers, 30, "PgBouncer accepts connections", self._running)
        except BaseException:
            self.close()
            raise

    def url(self, database: str) -> str:
        """A SQLAlchemy URL of ``database`` through this PgBouncer."""
        return f"postgresql+psycopg://{self._user}@127.0.0.1:{self.port}/{database}"

    def show(self, what: str) -> list[dict[str, object]]:
        """``SHOW <what>`` on the admin console (simple query protocol), as dicts."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self._user, dbname="pgbouncer",
            autocommit=True, cursor_factory=psycopg.ClientCursor,
        ) as connection:  # fmt: skip
            cursor = connection.execute(f"SHOW {what}")
            names = [column.name for column in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def pause(self) -> None:
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGCONT)
            os.killpg(self.process.pid, signal.SIGINT)  # fast shutdown (SIGTERM waits)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgBouncer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _running(self) -> None:
        if self.process.poll() is not None:
            output = self.process.stdout.read() if self.process.stdout else ""
            log = self.log.read_text(encoding="utf-8") if self.log.exists() else ""
            raise AssertionError(f"pgbouncer exited ({self.process.returncode}):\n{output}{log}")

    def _answers(self) -> bool:
        try:
            self.show("VERSION")
        except psycopg.OperationalError:
            time.sleep(0.05)
            return False
        return True
