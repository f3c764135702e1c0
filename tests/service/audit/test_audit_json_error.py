"""``anchor-service audit --json`` prints a JSON error document when it cannot run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anchor_service.cli.main import main
from anchor_service.dev import free_port


def _audit_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **env: str
) -> tuple[int, dict[str, object], str]:
    for name, value in {"ANCHOR_LOG_LEVEL": "WARNING", **env}.items():
        monkeypatch.setenv(name, value)
    code = main(["audit", "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_chain_down_prints_a_json_error_document_and_exits_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    database_url: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    port = free_port()
    code, document, err = _audit_json(
        monkeypatch,
        capsys,
        ANCHOR_DATABASE_URL=database_url,
        ANCHOR_RPC_URL=f"http://u:pw-sekrit7@127.0.0.1:{port}/v3/pathkey55",
        ANCHOR_REGISTRY_ADDRESS="0x" + "34" * 20,
    )
    assert code == 2
    assert document["error"] == "AuditCannotRun"
    assert f"http://127.0.0.1:{port}" in str(document["detail"])
    assert "unreachable" in str(document["detail"])
    assert "pw-sekrit7" not in json.dumps(document) + err
    assert "pathkey55" not in json.dumps(document) + err
    assert "the audit could not run" in err


def test_database_down_prints_a_json_error_document_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    code, document, _err = _audit_json(
        monkeypatch,
        capsys,
        ANCHOR_DATABASE_URL=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing",
    )
    assert code == 2
    assert document["error"] == "AuditCannotRun" and document["detail"]
