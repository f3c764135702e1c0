"""``anchor-service dev``'s local witness, set up: its key (created once, mode 0600,
reused), the two policy files, the environment given to the API and the scheduler, the
``dev.env`` line the commands beside it read (kept across chain rewrites), and no dev
witness when ``ANCHOR_WITNESS_POLICY`` is configured."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from anchor_service.dev.settings_file import (
    dev_settings_path,
    remove_dev_settings,
    write_dev_settings,
)
from anchor_service.dev.stack import dev_children, prepare_log_key, prepare_witness
from anchor_service.dev.witness import DEV_WITNESS_NAME, DEV_WITNESS_POLICY_FILE
from anchor_service.services.log_identity import load_log_identity
from anchor_service.settings import Settings, load_settings
from anchor_service.tlog import parse_policy
from tests.support.environment import clean_anchor_environment

REGISTRY = "0x" + "ab" * 20


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_anchor_environment(monkeypatch, tmp_path)


def _dev_settings(**values: object) -> Settings:
    """What ``dev`` has once its log key is prepared (``prepare_log_key``)."""
    settings = load_settings()
    return prepare_log_key(settings.model_copy(update=values))


def test_the_first_start_creates_the_witness_and_restarts_reuse_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = _dev_settings(rpc_url="https://rpc.example.org")
    log_vkey = load_log_identity(settings).verifier_key
    witness = prepare_witness(settings)
    assert witness is not None
    said = capsys.readouterr().out
    assert "First start: created a dev witness key" in said and witness.vkey in said
    assert witness.vkey.startswith(DEV_WITNESS_NAME + "+")
    assert stat.S_IMODE(witness.key_path.stat().st_mode) == 0o600
    assert witness.key_path.read_text().strip() not in said  # the signer key is never shown

    # The witness trusts the log; the log's policy names the witness at its URL.
    trusts = parse_policy(witness.logs_policy_path.read_bytes())
    assert [log.vkey for log in trusts.logs] == [log_vkey] and trusts.quorum == "none"
    policy = parse_policy(witness.policy_path.read_bytes())
    [entry] = policy.witnesses
    assert (entry.vkey, entry.url, policy.quorum) == (witness.vkey, witness.url, entry.name)
    assert witness.env() == {
        "ANCHOR_WITNESS_POLICY": str(witness.policy_path),
        "ANCHOR_WITNESS_SECONDS": "5",
    }
    children = dev_children(settings, witness=witness)
    assert [child.name for child in children] == ["witness", "api", "scheduler"]
    argv = list(children[0].argv)
    assert argv[argv.index("--listen") + 1] == witness.url.removeprefix("http://")
    assert argv[argv.index("--policy") + 1] == str(witness.logs_policy_path)
    for child in children[1:]:
        assert child.env["ANCHOR_WITNESS_POLICY"] == str(witness.policy_path)

    # The commands beside dev read the witness policy from dev.env ...
    beside = load_settings()
    assert beside.witness_policy == Path(".data") / DEV_WITNESS_POLICY_FILE
    # ... which a restart recognises as its own: the same key, a dev witness again.
    again = prepare_witness(_dev_settings(rpc_url="https://rpc.example.org"))
    assert again is not None and again.vkey == witness.vkey
    said = capsys.readouterr().out
    assert "First start" not in said and f"dev witness: verifier key {witness.vkey}" in said


def test_the_witness_line_survives_chain_rewrites_and_a_configured_policy_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    witness = prepare_witness(_dev_settings(witness_seconds=30))
    assert witness is not None
    assert witness.env()["ANCHOR_WITNESS_SECONDS"] == "30"  # set by the user: kept
    data_dir = Path(".data")
    write_dev_settings(data_dir, rpc_url="http://127.0.0.1:8599", chain_id=1337, registry=REGISTRY)
    assert "ANCHOR_WITNESS_POLICY=" in dev_settings_path(data_dir).read_text()
    remove_dev_settings(data_dir)
    text = dev_settings_path(data_dir).read_text()
    assert "ANCHOR_REGISTRY_ADDRESS" not in text and "ANCHOR_WITNESS_POLICY=" in text
    assert load_settings().witness_policy == witness.policy_path

    own = tmp_path / "own.policy"
    own.write_text(witness.policy_path.read_text())
    monkeypatch.setenv("ANCHOR_WITNESS_POLICY", str(own))
    assert load_settings().witness_policy == own
    assert prepare_witness(_dev_settings()) is None  # the configured witnesses are asked


def test_no_dev_witness_with_a_configured_policy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "witnesses.policy"
    own.write_text("quorum none\n")
    monkeypatch.setenv("ANCHOR_WITNESS_POLICY", str(own))
    assert prepare_witness(_dev_settings()) is None
    assert f"witnesses: {own} (configured; no dev witness)" in capsys.readouterr().out
    assert not (Path(".data") / "witness.key").exists()
