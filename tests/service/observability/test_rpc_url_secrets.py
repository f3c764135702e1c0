"""An RPC URL's credentials and path (an API key) never reach an answer or a log line.

Providers put the key in the user information (``http://user:pass@host``) or in the path
(``https://mainnet.example/v3/KEY``). Answers name the node as ``scheme://host:port``
only; log lines mask the password, the user and the path/query.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from fastapi.testclient import TestClient

from anchor_service.api.app import create_app
from anchor_service.db.models import Role
from anchor_service.db.repositories.api_keys import ApiKeyRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.observability import build_formatter, secrets_of
from anchor_service.observability.redaction import Redactor, public_url
from anchor_service.settings import Settings
from tests.support.ports import free_port

_USER = "rpcuser9"
_PASSWORD = "pw-Hunter2x"
_PATH_KEY = "f00dfacecafe4711deadbeef"


def _secret_url(port: int) -> str:
    return f"http://{_USER}:{_PASSWORD}@127.0.0.1:{port}/v3/{_PATH_KEY}?token=qq{_PATH_KEY}"


def _assert_clean(where: str, text: str) -> None:
    for secret in (_USER, _PASSWORD, _PATH_KEY, "/v3/"):
        assert secret not in text, f"{secret!r} appears in {where}:\n{text}"


def test_public_url_keeps_scheme_host_and_port_only() -> None:
    assert public_url(_secret_url(8545)) == "http://127.0.0.1:8545"
    assert public_url("https://mainnet.example/v3/KEY") == "https://mainnet.example"
    assert public_url("http://[::1]:8545/x") == "http://[::1]:8545"
    assert public_url("foo") == "foo"
    assert public_url("foo/bar?key=1") == "foo"


def test_redactor_masks_user_information_and_path_of_urls() -> None:
    line = f"Making request HTTP. URI: {_secret_url(8545)}, Method: eth_chainId"
    masked = Redactor().redact(line)
    _assert_clean("the masked line", masked)
    assert "127.0.0.1:8545" in masked and "eth_chainId" in masked


def test_audit_with_the_node_down_answers_503_without_the_url_secrets(
    make_settings: Callable[..., Settings],
) -> None:
    port = free_port()
    settings = make_settings(
        rpc_url=_secret_url(port),
        chain_id=1337,
        registry_address="0x" + "12" * 20,
        log_level="DEBUG",
    )
    database = Database.from_settings(settings)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(build_formatter("text", secrets_of(settings)))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with unit_of_work(database.writer) as session:
            token = ApiKeyRepository(session).create(Role.ADMIN, name="admin").token
        with TestClient(create_app(settings, database)) as client:
            response = client.post("/v1/admin/audit", headers={"Authorization": f"Bearer {token}"})
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        database.dispose()
    assert response.status_code == 503, response.text
    _assert_clean("the 503 answer", response.text)
    assert f"http://127.0.0.1:{port}" in response.text
    logs = stream.getvalue()
    assert f"127.0.0.1:{port}" in logs  # web3/urllib3 did log the request
    _assert_clean("the DEBUG log", logs)
