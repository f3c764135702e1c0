"""A private PostgreSQL primary and its streaming replica, for the read replica tests.

The primary is a :class:`~tests.service.reliability.stack.PrivatePostgres` (initdb into a
temporary directory); the replica is ``pg_basebackup -R`` of it into a second directory,
started on another port: a hot standby replaying the primary's WAL as production's would.
Both log every statement (``log_statement=all``), so a test can tell which server a
read went to.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.service.reliability.stack import PrivatePostgres
from tests.support.ports import free_port
from tests.support.waiting import wait_until

__all__ = ["LoggedPostgres", "StandbyPostgres", "wait_replayed"]

_OPTIONS = " -c log_statement=all -c log_min_messages=warning -c wal_retrieve_retry_interval=200ms"


class LoggedPostgres(PrivatePostgres):
    """A private PostgreSQL that logs every statement to :attr:`log_path`."""

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=200" + _OPTIONS
        )
        self._run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options,
             "-l", str(self.log_path), "-w", "-t", "60", "start"]
        )  # fmt: skip

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def text_since(self, since: int) -> str:
        """The log from byte ``since`` on."""
        with self.log_path.open("rb") as log:
            log.seek(since)
            return log.read().decode("utf-8", "replace")

    def reads_of(self, value: str, since: int = 0) -> int:
        """How many ``SELECT`` statements since byte ``since`` of the log were run with
        the parameter ``value`` (psycopg binds on the server: the log's ``DETAIL:
        parameters:`` line follows the statement's)."""
        lines = self.text_since(since).splitlines()
        count = 0
        statement = ""  # the last LOG record (a statement may span lines)
        for line in lines:
            if "DETAIL:  parameters:" in line:
                count += f"'{value}'" in line and "SELECT" in statement
            elif " LOG:  " in line:
                statement = line
            elif line.startswith(("\t", " ")):
                statement += line
        return count


class StandbyPostgres(LoggedPostgres):
    """A streaming replica of ``primary``: ``pg_basebackup -R`` (standby.signal and the
    primary's connection written for it), started on a port of its own."""

    def __init__(self, primary: PrivatePostgres) -> None:  # no initdb: a base backup
        self.bin_dir = primary.bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="anchor-pg-replica-"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(
            [_tool(self.bin_dir, "pg_basebackup"), "-D", str(self.data), "-h", "127.0.0.1",
             "-p", str(primary.port), "-U", "postgres", "-R", "-X", "stream",
             "-c", "fast", "--no-sync"]
        )  # fmt: skip

    def run_sql(self, sql: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()


def _tool(bin_dir: Path, name: str) -> str:
    """``name`` beside ``pg_ctl`` (``bin_dir`` may hold only links to some of the tools:
    then the directory ``pg_ctl`` links to)."""
    for directory in (bin_dir, (bin_dir / "pg_ctl").resolve().parent):
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    assert found is not None, f"{name} (the PostgreSQL client tools) is not installed"
    return found


def _scalar(url: str, sql: str) -> str:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            return str(connection.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def _lsn(value: str) -> int:
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def wait_replayed(primary: PrivatePostgres, replica: PrivatePostgres) -> None:
    """Wait until ``replica`` has replayed everything ``primary`` has written so far."""
    target = _lsn(_scalar(primary.admin_url, "SELECT pg_current_wal_lsn()::text"))

    def replayed() -> bool:
        value = _scalar(replica.admin_url, "SELECT pg_last_wal_replay_lsn()::text")
        return bool(re.fullmatch(r"[0-9A-F]+/[0-9A-F]+", value)) and _lsn(value) >= target

    wait_until(replayed, 30, "the replica replays the primary's WAL", interval=0.05)
