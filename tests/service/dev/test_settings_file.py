"""The dev settings file: ``anchor-service dev`` writes ``<data_dir>/dev.env`` (its local
chain's RPC URL, chain id, registry and a reference to the PUBLIC dev account), and
:func:`~anchor_service.settings.load_settings` (what the CLI and the API use) reads it
from that directory, below anything configured, never with ``ANCHOR_ENV=production`` nor
for another chain. Without a signing key the error names the settings and that file."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from anchor_service.chain import Signer, SignerError
from anchor_service.dev import DEV_ACCOUNT_KEYS, DevChain
from anchor_service.dev.chain_setup import DevChainSetup
from anchor_service.dev.settings_file import DEV_SETTINGS_FILE, write_dev_settings
from anchor_service.settings import Settings, load_settings
from tests.support.environment import clean_anchor_environment
from tests.support.processes import service_command, service_env

REGISTRY = "0x" + "ab" * 20


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_anchor_environment(monkeypatch, tmp_path)


def _write(tmp_path: Path, **values: Any) -> Path:
    record = {"rpc_url": "http://127.0.0.1:8599", "chain_id": 1337, "registry": REGISTRY}
    record.update(values)
    return write_dev_settings(tmp_path / ".data", **record)


def test_the_cli_settings_take_the_dev_chain_and_its_public_signer_from_the_file(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, dev_account=0)
    assert path == tmp_path / ".data" / DEV_SETTINGS_FILE
    text = path.read_text()
    assert "PUBLIC" in text and DEV_ACCOUNT_KEYS[0] not in text  # a reference, no key
    settings = load_settings()
    assert settings.rpc_url == "http://127.0.0.1:8599"
    assert settings.registry_address == REGISTRY
    assert Signer.from_settings(settings).address == Signer.from_key(DEV_ACCOUNT_KEYS[0]).address
    assert Settings().signer_key is None  # only the loader reads the file


def test_configured_settings_win_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, dev_account=0)
    own = "0x" + "11" * 32
    monkeypatch.setenv("ANCHOR_SIGNER_KEY", own)
    (tmp_path / ".env").write_text("ANCHOR_REGISTRY_ADDRESS=0x" + "cd" * 20 + "\n")
    settings = load_settings()
    assert settings.signer_key is not None and settings.signer_key.get_secret_value() == own
    assert settings.registry_address == "0x" + "cd" * 20
    assert settings.rpc_url == "http://127.0.0.1:8599"


def test_a_configured_keystore_is_not_mixed_with_the_dev_signer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, dev_account=0)
    monkeypatch.setenv("ANCHOR_KEYSTORE_PATH", str(tmp_path / "key.json"))
    assert load_settings().signer_key is None


def test_production_never_reads_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, dev_account=0)
    monkeypatch.setenv("ANCHOR_ENV", "production")
    settings = load_settings()
    assert settings.env == "production"
    assert settings.signer_key is None and settings.registry_address is None
    assert settings.rpc_url == Settings.model_fields["rpc_url"].default


def test_the_file_of_another_chain_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, dev_account=0)
    monkeypatch.setenv("ANCHOR_RPC_URL", "https://rpc.example.org")
    settings = load_settings()
    assert settings.signer_key is None and settings.registry_address is None


def test_the_file_is_read_from_the_configured_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_dev_settings(
        tmp_path / "state", rpc_url="http://127.0.0.1:8599", chain_id=1337, registry=REGISTRY
    )
    assert load_settings().registry_address is None
    monkeypatch.setenv("ANCHOR_DATA_DIR", str(tmp_path / "state"))
    settings = load_settings()
    assert settings.registry_address == REGISTRY
    assert settings.signer_key is None  # dev ran with a signer of its own: none written


def test_dev_writes_the_file_when_it_prepares_the_registry(
    tmp_path: Path, devchain: DevChain
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / ".data", rpc_url=devchain.rpc_url)  # type: ignore[call-arg]
    setup = DevChainSetup(settings)
    setup.prepare_registry()
    loaded = load_settings()
    assert loaded.rpc_url == devchain.rpc_url and loaded.registry_address == setup.registry
    assert loaded.signer_key is not None
    assert loaded.signer_key.get_secret_value() == DEV_ACCOUNT_KEYS[0]


def test_without_a_signing_key_the_error_names_the_settings_and_the_dev_file() -> None:
    with pytest.raises(SignerError) as raised:
        Signer.from_settings(load_settings())
    message = str(raised.value)
    for name in ("ANCHOR_SIGNER_KEY", "ANCHOR_KEYSTORE_PATH", "ANCHOR_KEYSTORE_PASSWORD"):
        assert name in message
    assert str(Path(".data") / DEV_SETTINGS_FILE) in message and "make run" in message


@pytest.mark.parametrize("argv", [["anchor"], ["scheduler", "--once"]])
def test_the_cli_says_how_to_configure_a_signer(tmp_path: Path, argv: list[str]) -> None:
    env = service_env()
    subprocess.run(service_command("db", "upgrade"), cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    done = subprocess.run(
        service_command(*argv), cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "no signing key configured" in done.stderr
    assert "ANCHOR_SIGNER_KEY" in done.stderr and "make run" in done.stderr, done.stderr
