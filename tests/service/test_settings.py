"""Settings: design.md names and defaults, ANCHOR_* environment, .env, secrets hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from anchor_service.settings import DEFAULT_DATABASE_URL, Settings
from tests.support.environment import clean_anchor_environment


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_anchor_environment(monkeypatch, tmp_path)


def test_defaults_are_the_embedded_ones() -> None:
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///./.data/anchor.db"
    assert (settings.seal_cron, settings.timezone) == ("30 0 * * *", "Asia/Jakarta")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.max_bulk_items == 10_000
    assert settings.signer_key is None and settings.registry_address is None


def test_environment_variables_use_the_anchor_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANCHOR_DATABASE_URL", "postgresql://u@db/anchor")
    monkeypatch.setenv("ANCHOR_CHAIN_ID", "31337")
    monkeypatch.setenv("ANCHOR_CONFIRMATIONS", "12")
    monkeypatch.setenv("ANCHOR_SIGNER_KEY", "0x" + "11" * 32)
    settings = Settings()
    assert settings.database_url == "postgresql://u@db/anchor"
    assert (settings.chain_id, settings.confirmations) == (31337, 12)
    assert settings.signer_key is not None
    assert settings.signer_key.get_secret_value() == "0x" + "11" * 32
    assert "11" * 32 not in repr(settings) and "11" * 32 not in str(settings.model_dump())


def test_dotenv_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("ANCHOR_PORT=9100\nANCHOR_TIMEZONE=UTC\n")
    monkeypatch.setenv("ANCHOR_TIMEZONE", "Europe/Paris")
    settings = Settings()
    assert (settings.port, settings.timezone) == (9100, "Europe/Paris")


def test_settings_can_ignore_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ANCHOR_PORT=9100\n")
    assert Settings(_env_file=None).port == 8000  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("name", "value"),
    [("ANCHOR_PORT", "0"), ("ANCHOR_DATABASE_URL", " "), ("ANCHOR_MAX_BULK_ITEMS", "0")],
)
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        Settings()


def test_a_leader_lease_shorter_than_three_renewals_is_refused() -> None:
    with pytest.raises(ValueError, match=r"at least 3 x leader_retry_seconds"):
        Settings(_env_file=None, leader_retry_seconds=5, leader_lease_seconds=14)  # type: ignore[call-arg]
    settings = Settings(_env_file=None, leader_retry_seconds=5, leader_lease_seconds=15)  # type: ignore[call-arg]
    assert settings.leader_lease_seconds == 15
