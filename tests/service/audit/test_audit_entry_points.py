"""The audit and redaction as the CLI and the admin API run them."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from anchor_service.cli.main import main
from anchor_service.db.models import Role
from anchor_service.dev import DevChain, free_port
from anchor_service.services.anchoring.chain_context import ChainContext

from .conftest import LogBuilder

Headers = Callable[[Role], dict[str, str]]


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    devchain: DevChain,
    chain: ChainContext,
) -> Path:
    """Environment of a CLI run in an empty working directory."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "ANCHOR_DATABASE_URL": database_url,
        "ANCHOR_RPC_URL": devchain.rpc_url,
        "ANCHOR_CHAIN_ID": "1337",
        "ANCHOR_REGISTRY_ADDRESS": chain.registry.address,
        "ANCHOR_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_cli_audit_exits_0_when_clean_and_1_with_the_tampered_index(
    log: LogBuilder, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log.head(4)
    assert main(["audit"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("clean: 4 entries (0 redacted), 1 batch, 1 tree head")
    log.sql("DELETE FROM entries WHERE leaf_index = 2")
    assert main(["audit", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["clean"] is False and report["counts"] == {"deleted": 1}
    assert [(f["kind"], f["index"]) for f in report["findings"]] == [("deleted", 2)]
    assert main(["audit"]) == 1
    text = capsys.readouterr().out
    assert text.startswith("TAMPERING FOUND: 1 finding (1 deleted)")
    assert "DELETED (index 2): no entry is stored at leaf index 2" in text


def test_cli_audit_exits_2_when_the_chain_cannot_be_read(
    log: LogBuilder,
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log.head(1)
    monkeypatch.setenv("ANCHOR_RPC_URL", f"http://127.0.0.1:{free_port()}")
    assert main(["audit"]) == 2
    assert "error: the audit could not run" in capsys.readouterr().err
    assert main(["audit", "--no-chain"]) == 0
    assert "chain not checked" in capsys.readouterr().out


def test_cli_redact_needs_yes_without_a_terminal_and_then_redacts(
    log: LogBuilder,
    cli_env: Path,
    client: TestClient,
    headers: Headers,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log.head(2)
    assert main(["redact", log.ids[1]]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert main(["redact", log.ids[1], "--yes", "--reason", "request 9", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["leaf_index"], result["reason"], result["already_redacted"]) == (
        1,
        "request 9",
        False,
    )
    bundle = client.get(f"/v1/entries/{log.ids[1]}/proof", headers=headers(Role.AUDITOR))
    assert bundle.json()["redacted"] is True
    assert main(["redact", "no-such-entry", "--yes"]) == 1


def test_admin_audit_endpoint_reports_findings_and_needs_an_admin_key(
    log: LogBuilder, client: TestClient, headers: Headers
) -> None:
    log.head(3)
    log.sql("UPDATE entries SET leaf_hash = :leaf WHERE leaf_index = 0", leaf=bytes(32))
    response = client.post("/v1/admin/audit", headers=headers(Role.ADMIN))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["clean"] is False and body["chain_checked"] is True
    assert [(f["kind"], f["index"], f["external_id"]) for f in body["findings"]] == [
        ("altered", 0, log.ids[0])
    ]
    assert client.post("/v1/admin/audit", headers=headers(Role.AUDITOR)).status_code == 403
    offline = client.post("/v1/admin/audit", params={"chain": "false"}, headers=headers(Role.ADMIN))
    assert offline.json()["chain_checked"] is False


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("tampering", "named"),
    [
        # the sqlite3 one-liner: replace() on a blob stores text
        (
            "UPDATE entries SET document = replace(document, '-1002', '-1003')"
            " WHERE external_id = :id",
            "its document is stored as text",
        ),
        (
            "UPDATE entries SET document = 42 WHERE external_id = :id",
            "its document is stored as an integer",
        ),
        (
            "UPDATE entries SET leaf_hash = substr(hex(leaf_hash), 1, 32) WHERE external_id = :id",
            "its stored leaf hash is stored as text",
        ),
        (
            "UPDATE entries SET external_id = CAST(external_id AS BLOB) WHERE external_id = :id",
            "its external id is stored as a blob",
        ),
        (
            "UPDATE entries SET leaf_index = 'two' WHERE external_id = :id",
            "its leaf index is stored as text ('two'), not as an integer",
        ),
        (
            "UPDATE entries SET leaf_index = 2.5 WHERE external_id = :id",
            "its leaf index is stored as a real number ('2.5'), not as an integer",
        ),
    ],
    ids=[
        "document-text",
        "document-integer",
        "leaf-hash-text",
        "external-id-blob",
        "leaf-index-text",
        "leaf-index-real",
    ],
)
def test_cli_audit_reports_any_stored_type_as_tampering_naming_the_entry(
    log: LogBuilder,
    cli_env: Path,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    tampering: str,
    named: str,
) -> None:
    """sqlite3 writes what it is given: a value of the wrong type is an altered entry."""
    log.head(4)
    path = make_url(database_url).database
    assert path is not None
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        changed = connection.execute(tampering, {"id": log.ids[2]}).rowcount
    assert changed == 1
    assert main(["audit"]) == 1
    text = capsys.readouterr().out
    assert text.startswith("TAMPERING FOUND: "), text
    named_entry = f"external_id {log.ids[2]!r}): "
    assert f"ALTERED (index 2, {named_entry}" in text or f"ALTERED ({named_entry}" in text, text
    assert named in text, text
