"""A local ganache chain run as a child process, for ``make run`` and the tests.

``node_modules/.bin/ganache`` (installed by ``npm ci``) is started with a deterministic
wallet (the public test-only accounts of :mod:`anchor_service.dev.accounts`), chain id
1337, the ``shanghai`` hardfork (ganache 7.9 knows nothing newer) and a database
directory, so a persistent directory keeps the chain across restarts.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from anchor_service.dev.errors import DevChainError

if TYPE_CHECKING:
    from anchor_service.settings import Settings

__all__ = ["DevChain", "find_ganache", "free_port"]

logger = logging.getLogger(__name__)

_REPO_ROOT = Path(__file__).resolve().parents[2]


def find_ganache(explicit: Path | None = None) -> Path:
    """The ganache executable: ``explicit``, else ``node_modules/.bin/ganache`` in the
    working directory or the repository root, else ``ganache`` on ``PATH``.

    Raises :class:`DevChainError` saying what to install when it (or ``node``) is
    missing.
    """
    if shutil.which("node") is None:
        raise DevChainError("Node.js is not installed (no `node` on PATH); install Node >= 18")
    candidates = (
        [explicit]
        if explicit is not None
        else [
            Path.cwd() / "node_modules" / ".bin" / "ganache",
            _REPO_ROOT / "node_modules" / ".bin" / "ganache",
        ]
    )
    for candidate in candidates:
        if candidate is not None and candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    if explicit is None and (found := shutil.which("ganache")) is not None:
        return Path(found)
    where = explicit or "node_modules/.bin/ganache"
    raise DevChainError(f"ganache not found at {where}; run `npm ci` in the repository root")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the OS's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class DevChain:
    """One ganache process; use as a context manager or call :meth:`start`/:meth:`stop`."""

    def __init__(
        self,
        db_path: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8546,
        chain_id: int = 1337,
        ganache: Path | None = None,
        startup_timeout: float = 30.0,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.db_path = Path(db_path)
        self.host = host
        self.port = port
        self.chain_id = chain_id
        self.startup_timeout = startup_timeout
        self._ganache = ganache
        self._extra_args = tuple(extra_args)
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, startup_timeout: float = 30.0) -> DevChain:
        """The chain ``make run`` uses: database in ``settings.data_dir / "ganache"``,
        host and port from ``settings.rpc_url`` (which must be local plain HTTP), chain
        id ``settings.chain_id``.
        """
        url = urllib.parse.urlsplit(settings.rpc_url)
        if url.scheme != "http" or url.hostname not in ("127.0.0.1", "localhost"):
            raise DevChainError(
                f"a local dev chain needs rpc_url http://127.0.0.1:PORT, not {url.scheme}://"
                f"{url.hostname}"
            )
        return cls(
            settings.data_dir / "ganache",
            host="127.0.0.1",
            port=url.port or 8545,
            chain_id=settings.chain_id,
            startup_timeout=startup_timeout,
        )

    @property
    def rpc_url(self) -> str:
        """``http://host:port`` of the JSON-RPC endpoint."""
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """Process id while running."""
        return self._process.pid if self._process is not None else None

    def is_running(self) -> bool:
        """Whether the ganache process is alive."""
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        """The full command line ganache is started with."""
        return [
            str(find_ganache(self._ganache)),
            "--wallet.deterministic",
            "--chain.chainId", str(self.chain_id),
            "--chain.hardfork", "shanghai",
            "--database.dbPath", str(self.db_path),
            "--server.host", self.host,
            "--server.port", str(self.port),
            "--logging.quiet",
            *self._extra_args,
        ]  # fmt: skip

    def start(self) -> DevChain:
        """Start ganache and return once it answers ``eth_chainId`` with the chain id."""
        if self.is_running():
            return self
        command = self.command()
        if _port_in_use(self.host, self.port):
            raise DevChainError(f"port {self.port} on {self.host} is already in use")
        self.db_path.mkdir(parents=True, exist_ok=True)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        logger.info("starting ganache on %s (database %s)", self.rpc_url, self.db_path)
        # stdout carries ganache's banner (the public dev keys): discarded.
        process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr
        )
        self._process = process
        try:
            self._wait_until_ready(process)
        except BaseException:
            self.stop()
            raise
        logger.info("ganache ready on %s (pid %d)", self.rpc_url, process.pid)
        return self

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if process.poll() is not None:
                raise DevChainError(
                    f"ganache exited with code {process.returncode}: {self._stderr_tail()}"
                )
            chain_id = _rpc_chain_id(self.rpc_url)
            if chain_id is not None:
                if chain_id != self.chain_id:
                    raise DevChainError(
                        f"{self.rpc_url} answers chain id {chain_id}, expected {self.chain_id}"
                    )
                return
            if time.monotonic() >= deadline:
                raise DevChainError(
                    f"ganache did not answer on {self.rpc_url} within {self.startup_timeout:g} s"
                )
            time.sleep(0.1)

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace").strip()
        return text[-2000:] or "(no output)"

    def stop(self, timeout: float = 10.0) -> None:
        """Stop ganache (SIGTERM, then SIGKILL after ``timeout`` s); safe to call twice."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                logger.warning("ganache pid %d ignored SIGTERM; killing it", process.pid)
                process.kill()
                process.wait(timeout=timeout)
            logger.info("ganache stopped (pid %d)", process.pid)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> DevChain:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _rpc_chain_id(url: str) -> int | None:
    """``eth_chainId`` of ``url``, ``None`` while nothing answers."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(  # noqa: S310 - http URL built from host and port
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=1.0) as response:  # noqa: S310  # nosec B310
            result = json.loads(response.read())["result"]
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return None
    return int(result, 16)
