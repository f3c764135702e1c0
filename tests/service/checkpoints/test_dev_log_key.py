"""``anchor-service dev``'s log key: created on the first start under the data directory,
reused after, recorded in ``.data/dev.env`` (kept when the chain lines change), read by
the commands beside it, and masked in logs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from anchor_service.dev.settings_file import (
    dev_settings_path,
    remove_dev_settings,
    write_dev_log_key,
    write_dev_settings,
)
from anchor_service.dev.stack import DEV_LOG_KEY_FILE, prepare_log_key
from anchor_service.observability import Redactor, secrets_of
from anchor_service.services.log_identity import (
    DEV_LOG_ORIGIN,
    create_log_key,
    load_log_identity,
)
from anchor_service.settings import Settings, load_settings
from tests.support.environment import clean_anchor_environment

REGISTRY = "0x" + "ab" * 20


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_anchor_environment(monkeypatch, tmp_path)


def test_the_first_start_creates_the_dev_key_and_later_starts_reuse_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = Path(".data")
    first = prepare_log_key(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]
    path = data_dir / DEV_LOG_KEY_FILE
    assert first.log_key_path == path and first.log_origin == DEV_LOG_ORIGIN
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    said = capsys.readouterr().out
    vkey = load_log_identity(first).verifier_key
    assert "First start: created a dev log key" in said and vkey in said
    assert path.read_text().strip() not in said

    # The commands run beside dev find it through .data/dev.env.
    beside = load_settings()
    assert beside.log_key_path == path and beside.log_origin == DEV_LOG_ORIGIN
    assert load_log_identity(beside).verifier_key == vkey

    again = prepare_log_key(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]
    assert load_log_identity(again).verifier_key == vkey
    assert "First start" not in capsys.readouterr().out


def test_a_configured_log_key_is_used_and_no_dev_key_is_made(tmp_path: Path) -> None:
    own = create_log_key(tmp_path / "own.key", "example.com/log")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=Path(".data"), log_key_path=tmp_path / "own.key"
    )
    prepared = prepare_log_key(settings)
    assert prepared.log_origin == "example.com/log"
    assert load_log_identity(prepared).verifier_key == own.verifier_key
    assert not (Path(".data") / DEV_LOG_KEY_FILE).exists()


def test_the_log_lines_survive_chain_rewrites_and_removal(tmp_path: Path) -> None:
    data_dir = Path(".data")
    write_dev_log_key(data_dir, key_path=data_dir / "log.key", origin=DEV_LOG_ORIGIN)
    write_dev_settings(data_dir, rpc_url="http://127.0.0.1:8599", chain_id=1337, registry=REGISTRY)
    text = dev_settings_path(data_dir).read_text()
    assert "ANCHOR_REGISTRY_ADDRESS" in text and f"ANCHOR_LOG_ORIGIN={DEV_LOG_ORIGIN}" in text
    remove_dev_settings(data_dir)
    text = dev_settings_path(data_dir).read_text()
    assert "ANCHOR_REGISTRY_ADDRESS" not in text and "ANCHOR_LOG_KEY_PATH" in text
    assert load_settings().registry_address is None
    assert load_settings().log_origin == DEV_LOG_ORIGIN


def test_the_log_lines_apply_on_another_chain_but_not_beside_a_configured_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data_dir = Path(".data")
    write_dev_settings(data_dir, rpc_url="http://127.0.0.1:8599", chain_id=1337, registry=REGISTRY)
    write_dev_log_key(data_dir, key_path=data_dir / "log.key", origin=DEV_LOG_ORIGIN)
    monkeypatch.setenv("ANCHOR_RPC_URL", "https://rpc.example.org")
    on_other_chain = load_settings()
    assert on_other_chain.registry_address is None
    assert on_other_chain.log_key_path == data_dir / "log.key"
    monkeypatch.setenv("ANCHOR_LOG_KEY_PATH", str(tmp_path / "own.key"))
    own = load_settings()
    assert own.log_key_path == tmp_path / "own.key" and own.log_origin is None
    monkeypatch.setenv("ANCHOR_ENV", "production")
    monkeypatch.delenv("ANCHOR_LOG_KEY_PATH")
    assert load_settings().log_key_path is None


def test_log_output_masks_the_configured_log_key_and_any_note_signer_key(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from anchor_service.tlog import generate_key

    configured, _ = generate_key("example.com/log")
    other, _ = generate_key("witness.example/w1")
    redactor = Redactor(
        secrets_of(Settings(_env_file=None, log_key=SecretStr(configured)))  # type: ignore[call-arg]
    )
    masked = redactor.redact(f"loaded {configured}; peer {other}.")
    assert configured not in masked and other.split("+", 4)[4] not in masked
    name_and_id = "+".join(other.split("+", 4)[:4])
    assert masked == f"loaded ***; peer {name_and_id}+***."
