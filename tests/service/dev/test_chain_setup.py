"""``dev``'s chain: ganache only for a local RPC URL; the registry deployed once (with the
public dev account 0), reused afterwards, redeployed when the chain lost it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from anchor_service.chain import Signer
from anchor_service.dev import DEV_ACCOUNT_KEYS, DevChain, DevChainError, free_port
from anchor_service.dev.chain_setup import DevChainSetup
from anchor_service.dev.stack import dev_children
from anchor_service.settings import Settings


def dev_settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / ".data", **values)  # type: ignore[call-arg]


def test_a_local_rpc_url_gets_a_persistent_ganache_child_first(tmp_path: Path) -> None:
    port = free_port()
    settings = dev_settings(tmp_path, rpc_url=f"http://127.0.0.1:{port}", dev_block_seconds=2)
    children = dev_children(settings)
    assert [child.name for child in children] == ["ganache", "api", "scheduler"]
    ganache = children[0]
    argv = list(ganache.argv)
    assert argv[argv.index("--database.dbPath") + 1] == str(tmp_path / ".data" / "ganache")
    assert argv[argv.index("--server.port") + 1] == str(port)
    assert argv[argv.index("--miner.blockTime") + 1] == "2"
    assert ganache.quiet and ganache.ready is not None and ganache.after_ready is not None
    assert not ganache.ready()  # nothing answers on that port yet
    assert children[2].argv[-1] == "scheduler"


def test_a_remote_rpc_url_starts_no_chain(tmp_path: Path) -> None:
    settings = dev_settings(tmp_path, rpc_url="https://rpc.example.org")
    assert [child.name for child in dev_children(settings)] == ["api", "scheduler"]
    setup = DevChainSetup(settings)
    setup.describe_remote()
    assert setup.registry is None and "anchor-service deploy" in setup.registry_note


def test_a_busy_chain_port_is_refused_with_advice(tmp_path: Path, devchain: DevChain) -> None:
    settings = dev_settings(tmp_path, rpc_url=devchain.rpc_url)
    with pytest.raises(DevChainError, match="is in use"):
        dev_children(settings)


def test_the_first_start_deploys_with_dev_account_0_and_later_starts_reuse_it(
    tmp_path: Path, devchain: DevChain, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = dev_settings(tmp_path, rpc_url=devchain.rpc_url)
    first = DevChainSetup(settings).prepare_registry()
    out = capsys.readouterr().out
    dev_address = Signer.from_key(DEV_ACCOUNT_KEYS[0]).address
    assert f"deploying AnchorRegistryV2 with dev account 0 {dev_address}" in out
    assert "PUBLIC test-only key" in out
    assert first["ANCHOR_SIGNER_KEY"] == DEV_ACCOUNT_KEYS[0]
    assert "ANCHOR_RPC_URL" not in first  # the user configured it: theirs is kept
    assert first["ANCHOR_PUBLIC_RPC_URL"] == devchain.rpc_url  # the /verify page's node
    record = json.loads((tmp_path / ".data" / "deployment.json").read_text())
    assert record["address"] == first["ANCHOR_REGISTRY_ADDRESS"]
    assert record["anchorer"] == record["admin"] == dev_address

    again = DevChainSetup(settings)
    assert again.prepare_registry() == first
    out = capsys.readouterr().out
    assert f"reusing {first['ANCHOR_REGISTRY_ADDRESS']}" in out and "deploying" not in out
    assert again.registry == first["ANCHOR_REGISTRY_ADDRESS"]


def test_a_recorded_registry_the_chain_does_not_have_is_redeployed_and_said_so(
    tmp_path: Path, devchain: DevChain, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = Account.create().address
    path = tmp_path / ".data" / "deployment.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"chainId": 1337, "address": gone}))
    env = DevChainSetup(dev_settings(tmp_path, rpc_url=devchain.rpc_url)).prepare_registry()
    out = capsys.readouterr().out
    assert f"no contract at {gone}" in out and "deploying a new one" in out
    assert env["ANCHOR_REGISTRY_ADDRESS"] != gone
    assert json.loads(path.read_text())["address"] == env["ANCHOR_REGISTRY_ADDRESS"]


def test_a_deployment_file_of_another_chain_is_not_overwritten(
    tmp_path: Path, devchain: DevChain
) -> None:
    path = tmp_path / ".data" / "deployment.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"chainId": 11155111, "address": Account.create().address}))
    before = path.read_text()
    with pytest.raises(DevChainError, match="chain 11155111"):
        DevChainSetup(dev_settings(tmp_path, rpc_url=devchain.rpc_url)).prepare_registry()
    assert path.read_text() == before


def test_a_configured_signer_and_registry_are_used_as_they_are(
    tmp_path: Path, devchain: DevChain
) -> None:
    key = DEV_ACCOUNT_KEYS[3]
    registry = Account.create().address  # no contract there: dev warns, deploys nothing
    settings = dev_settings(
        tmp_path, rpc_url=devchain.rpc_url, signer_key=key, registry_address=registry
    )
    setup = DevChainSetup(settings)
    assert setup.prepare_registry() == {"ANCHOR_PUBLIC_RPC_URL": devchain.rpc_url}  # /verify's
    assert setup.registry == registry and "WARNING" in setup.registry_note
    assert not (tmp_path / ".data" / "deployment.json").exists()
