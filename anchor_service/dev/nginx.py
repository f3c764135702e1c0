"""A private nginx serving an exported tile directory in front of an API, with the
repository's own configuration (``deploy/nginx/anchor-tlog.conf.template``).

The tests and the tiles benchmark run exactly the file operators install: it is rendered
with its three variables (``NGINX_LISTEN``, ``NGINX_TILES_DIR``, ``NGINX_API``, the
``${NAME}`` substitution the official nginx image and ``envsubst`` do) and included in the
``http`` block of a minimal main configuration (pid file, logs and temporary paths in a
private directory), as a distribution's ``nginx.conf`` includes ``conf.d/*.conf``.

nginx itself is the Debian package (``apt-get install nginx``); :func:`find_nginx` looks
on ``PATH`` and in the ``sbin`` directories. When started as root its workers run as the
compiled-in user (``nobody`` or ``www-data``): the tile directory must be readable by
that user, as it must be in production.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from anchor_service.dev.chain import free_port
from anchor_service.dev.errors import NginxError

__all__ = ["TLOG_TEMPLATE", "TLOG_VARIABLES", "TlogNginx", "find_nginx", "render_template"]

TLOG_TEMPLATE = (
    Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "anchor-tlog.conf.template"
)
"""The configuration shipped for operators: tiles from an export, the rest to the API."""

TLOG_VARIABLES = ("NGINX_LISTEN", "NGINX_TILES_DIR", "NGINX_API")

_PLACEHOLDER = re.compile(r"\$\{(NGINX_[A-Z0-9_]+)\}")

_MAIN = """\
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/conf.d/*.conf;
}}
"""


def find_nginx() -> str | None:
    """The nginx executable on ``PATH`` or in ``/usr/sbin``, ``/usr/local/sbin``; else None."""
    found = shutil.which("nginx")
    if found is not None:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def render_template(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``${NGINX_...}`` replaced by its value in ``values`` (nginx's
    own ``$name`` variables are left alone). Raises :class:`NginxError` for a placeholder
    without a value."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise NginxError(f"the nginx template needs a value for ${{{name}}}")
        return values[name]

    return _PLACEHOLDER.sub(substitute, template)


class TlogNginx:
    """nginx on ``127.0.0.1:<port>`` serving ``tiles_dir`` under ``/tlog/tile/`` and
    proxying the rest to the API at ``api`` (``host:port``), configured by ``template``.

    A context manager: started (and answering on its port) on entry, stopped on exit.
    """

    def __init__(
        self,
        tiles_dir: Path,
        api: str,
        *,
        workers: int = 1,
        template: Path = TLOG_TEMPLATE,
        port: int | None = None,
    ) -> None:
        self.tiles_dir = tiles_dir.resolve()
        self.api = api
        self.workers = workers
        self.template = template
        self.port = port or free_port()
        self._prefix: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The master process's id (its workers are its children)."""
        if self._process is None:
            raise NginxError("nginx is not running")
        return self._process.pid

    def config(self) -> str:
        """The site configuration: the template with this server's values."""
        try:
            template = self.template.read_text()
        except OSError as error:
            raise NginxError(f"cannot read the nginx template {self.template}: {error}") from None
        values = {
            "NGINX_LISTEN": f"127.0.0.1:{self.port}",
            "NGINX_TILES_DIR": str(self.tiles_dir),
            "NGINX_API": self.api,
        }
        return render_template(template, values)

    def start(self, timeout: float = 20.0) -> None:
        binary = find_nginx()
        if binary is None:
            raise NginxError("nginx is not installed: `apt-get install nginx` (Debian package)")
        self._prefix = tempfile.TemporaryDirectory(prefix="anchor-nginx-")
        prefix = Path(self._prefix.name)
        prefix.chmod(0o755)  # nginx's workers (another user when started as root) write here
        (prefix / "conf.d").mkdir()
        (prefix / "conf.d" / "anchor-tlog.conf").write_text(self.config())
        main = prefix / "nginx.conf"
        main.write_text(_MAIN.format(workers=self.workers, prefix=prefix))
        log = prefix / "error.log"
        self._process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [binary, "-p", str(prefix), "-c", str(main), "-e", str(log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not _accepts(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                said = log.read_text().strip() if log.exists() else ""
                self.stop()
                raise NginxError(f"nginx did not start: {said or 'no error logged'}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop nginx (SIGTERM to its process group; SIGKILL after 10 s) and remove its files."""
        process, self._process = self._process, None
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._prefix is not None:
            self._prefix.cleanup()
            self._prefix = None

    def error_log(self) -> str:
        """What nginx logged so far (warnings and errors)."""
        if self._prefix is None:
            return ""
        log = Path(self._prefix.name) / "error.log"
        return log.read_text() if log.exists() else ""

    def __enter__(self) -> TlogNginx:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
