"""``anchor-service scheduler --once``: one seal + anchor + confirm round, for scripts."""

from __future__ import annotations

from pathlib import Path

import pytest
from web3 import Web3

from anchor_service.chain import Signer
from anchor_service.cli import main
from tests.support.environment import clean_anchor_environment

from .conftest import StoreEntries, deploy_for, funded_key

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str
) -> pytest.MonkeyPatch:
    clean_anchor_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("ANCHOR_DATABASE_URL", database_url)
    monkeypatch.setenv("ANCHOR_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_once_seals_anchors_and_exits_zero(
    environment: pytest.MonkeyPatch,
    web3: Web3,
    store_entries: StoreEntries,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = funded_key(web3)
    registry = deploy_for(web3, Signer.from_key(key))
    environment.setenv("ANCHOR_RPC_URL", web3.provider.endpoint_uri)  # type: ignore[attr-defined]
    environment.setenv("ANCHOR_REGISTRY_ADDRESS", registry.address)
    environment.setenv("ANCHOR_SIGNER_KEY", key)
    store_entries(4)

    assert main(["scheduler", "--once"]) == 0
    out = capsys.readouterr().out
    assert "sealed batch 0: entries [0, 4)" in out
    assert "anchor: submitted: anchor #" in out
    assert key.removeprefix("0x") not in out
    head = registry.latest_head()
    assert head is not None and head.tree_size == 4

    assert main(["scheduler", "--once"]) == 0
    assert "nothing to seal" in capsys.readouterr().out


def test_once_exits_one_when_anchoring_is_not_possible_but_still_seals(
    environment: pytest.MonkeyPatch, store_entries: StoreEntries, capsys: pytest.CaptureFixture[str]
) -> None:
    store_entries(1)
    assert main(["scheduler", "--once"]) == 1  # no signing key configured
    out = capsys.readouterr().out
    assert "sealed batch 0" in out
    assert "failed: anchor: SignerError" in out


def test_a_bad_cron_expression_stops_the_scheduler_with_a_clear_message(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("ANCHOR_SEAL_CRON", "30 0 * * 8")
    assert main(["scheduler"]) == 1
    err = capsys.readouterr().err
    assert "ANCHOR_SEAL_CRON '30 0 * * 8' is not a cron expression" in err
