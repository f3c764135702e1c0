"""``anchor-service verify --rpc`` against a node that is not one, or a hostile one.

A good bundle checked against a wrong URL or a node answering garbage is UNVERIFIED
(exit 5, naming the node as ``scheme://host:port``), never INVALID and never a crash:
the real executable runs against a real HTTP server in a thread.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from anchor_service.dev import free_port

from .anchored import AnchoredLog
from .test_cli_verify import INDEX, cli, write

DEPTH = 300_000


def _deep_answer(body: bytes) -> bytes:
    request_id = json.loads(body or b"{}").get("id", 0) if body.startswith(b"{") else 0
    nested = "[" * DEPTH + "]" * DEPTH
    return f'{{"jsonrpc":"2.0","id":{json.dumps(request_id)},"result":{nested}}}'.encode()


_ANSWERS = {
    "deep": (200, "application/json", _deep_answer),
    "html": (200, "text/html", lambda _body: b"<html><body>It works!</body></html>"),
    "not-found": (404, "application/json", lambda _body: b'{"detail":"Not Found"}'),
}


@contextmanager
def http_server(kind: str) -> Iterator[str]:
    """A plain HTTP server answering every POST as ``kind`` says; yields its URL."""
    status, content_type, answer = _ANSWERS[kind]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            payload = answer(body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _assert_unverified(result: subprocess.CompletedProcess[str], node: str) -> None:
    returncode, stdout, stderr = result.returncode, result.stdout, result.stderr
    assert returncode == 5, f"exit {returncode}\n{stdout}\n{stderr}"
    assert "Traceback" not in stderr, stderr
    last = stdout.splitlines()[-1]
    assert last.startswith("UNVERIFIED: "), stdout
    assert node in last, stdout
    assert "INVALID" not in stdout


@pytest.mark.parametrize("kind", ["deep", "html", "not-found"])
def test_a_node_answering_garbage_leaves_a_good_bundle_unverified(
    kind: str, anchored_log: AnchoredLog, tmp_path: Path
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    with http_server(kind) as url:
        result = cli(["verify", str(path), "--rpc", f"{url}/v3/pathkey77", "--registry",
                      anchored_log.registry, "--chain-id", "1337"], tmp_path)  # fmt: skip
    _assert_unverified(result, url)
    assert "pathkey77" not in result.stdout + result.stderr


def test_a_url_that_is_no_url_leaves_a_good_bundle_unverified_naming_it(
    anchored_log: AnchoredLog, tmp_path: Path
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    result = cli(["verify", str(path), "--rpc", "foo", "--registry", anchored_log.registry],
                 tmp_path)  # fmt: skip
    _assert_unverified(result, "foo")
    assert "not a valid http(s) URL" in result.stdout


def test_an_unreachable_node_is_named_without_its_credentials(
    anchored_log: AnchoredLog, tmp_path: Path
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    node = f"http://127.0.0.1:{free_port()}"
    url = node.replace("://", "://someone:pw-secret9@") + "/v3/pathkey77"
    result = cli(["verify", str(path), "--rpc", url, "--json"], tmp_path)
    assert result.returncode == 5, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "unverified" and node in report["verdict"]
    for secret in ("someone", "pw-secret9", "pathkey77"):
        assert secret not in result.stdout + result.stderr
