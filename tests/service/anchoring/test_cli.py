"""``anchor-service deploy`` and ``anchor-service anchor [--wait]``, run as the CLI runs them:
settings from ``ANCHOR_*`` environment variables, a real ganache and database."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from anchor_service.chain import ANCHORER_ROLE, DEFAULT_ADMIN_ROLE, PAUSER_ROLE, RegistryClient
from anchor_service.cli.anchor import EXIT_NOT_CONFIRMED
from anchor_service.cli.main import main
from anchor_service.dev import DevChain
from anchor_service.services.anchoring.chain_context import ChainContext

from .conftest import Rpc, SealEntries, make_rpc


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    devchain: DevChain,
    signer_key: str,
) -> Path:
    """Environment of a CLI run in an empty working directory; returns that directory."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "ANCHOR_DATABASE_URL": database_url,
        "ANCHOR_RPC_URL": devchain.rpc_url,
        "ANCHOR_CHAIN_ID": "1337",
        "ANCHOR_SIGNER_KEY": signer_key,
        "ANCHOR_CONFIRMATIONS": "2",
        "ANCHOR_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ANCHOR_REGISTRY_ADDRESS", raising=False)
    return tmp_path


@pytest.fixture
def miner(web3: Web3) -> Iterator[None]:
    """Mine a block every 0.2 s in the background (confirmations keep coming)."""
    stop = threading.Event()
    rpc = make_rpc(web3)

    def run() -> None:
        while not stop.wait(0.2):
            rpc("evm_mine")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_deploy_then_anchor_wait_uses_the_deployment_file(
    cli_env: Path,
    web3: Web3,
    seal_entries: SealEntries,
    capsys: pytest.CaptureFixture[str],
    signer_key: str,
    miner: None,
) -> None:
    assert main(["deploy", "--dev"]) == 0
    out = capsys.readouterr().out
    address = out.strip().splitlines()[-1]
    assert Web3.is_checksum_address(address)
    record = json.loads((cli_env / ".data" / "deployment.json").read_text())
    assert (record["chainId"], record["address"]) == (1337, address)
    registry = RegistryClient(web3, address, chain_id=1337)
    signer = Account.from_key(signer_key).address
    assert record["anchorer"] == signer
    assert registry.has_role(ANCHORER_ROLE, signer) and registry.has_role(PAUSER_ROLE, signer)

    size = seal_entries(4)
    code = main(["anchor", "--wait", "--timeout", "30", "--poll", "0.1"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("anchor #") and "submitted: sent transaction 0x" in lines[0]
    assert lines[1] == "waiting for 2 confirmation(s) of anchor #1"
    assert any(line.startswith("[mined] transaction 0x") for line in lines)
    assert any(line.startswith("[confirmed] confirmed: ") for line in lines)
    assert lines[-1].startswith(f"anchor #1 confirmed: tree size {size}, registry seq 0")
    head = registry.latest_head()
    assert head is not None and head.tree_size == size

    assert main(["anchor", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcome"] == "nothing_to_do"


def test_deploy_with_another_admin_and_pauser_keeps_the_signer_to_anchoring(
    cli_env: Path, web3: Web3, capsys: pytest.CaptureFixture[str]
) -> None:
    admin, pauser = Account.create().address, Account.create().address
    assert main(["deploy", "--admin", admin, "--pauser", pauser, "--json"]) == 0
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert "warning" not in captured.err
    registry = RegistryClient(web3, record["address"], chain_id=1337)
    signer = record["anchorer"]
    assert (record["admin"], record["pauser"], record["deployer"]) == (admin, pauser, signer)
    assert registry.has_role(DEFAULT_ADMIN_ROLE, admin) and registry.has_role(PAUSER_ROLE, pauser)
    assert not registry.has_role(PAUSER_ROLE, admin)
    assert not registry.has_role(DEFAULT_ADMIN_ROLE, signer)
    assert not registry.has_role(PAUSER_ROLE, signer)
    assert registry.has_role(ANCHORER_ROLE, signer)


def test_deploy_without_admin_is_refused_unless_dev(
    cli_env: Path, web3: Web3, capsys: pytest.CaptureFixture[str]
) -> None:
    before = web3.eth.block_number
    assert main(["deploy"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "--admin ADDRESS and --pauser ADDRESS" in err[0] and "--dev" in err[0]
    assert main(["deploy", "--admin", Account.create().address]) != 0
    assert "--pauser ADDRESS" in capsys.readouterr().err
    assert web3.eth.block_number == before  # nothing was deployed
    assert not (cli_env / ".data" / "deployment.json").exists()

    assert main(["deploy", "--admin", "SELF", "--pauser", "self", "--json"]) == 0
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert record["admin"] == record["pauser"] == record["anchorer"]
    assert "warning: the signing key is also admin and pauser" in captured.err
    assert "multisig" in captured.err


def test_anchor_json_reports_the_submitted_anchor(
    cli_env: Path,
    chain: ChainContext,
    monkeypatch: pytest.MonkeyPatch,
    seal_entries: SealEntries,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ANCHOR_REGISTRY_ADDRESS", chain.registry.address)
    size = seal_entries(2)
    assert main(["anchor", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcome"] == "submitted"
    anchor = result["anchor"]
    assert (anchor["status"], anchor["tree_size"], anchor["registry"]) == (
        "submitted", size, chain.registry.address,
    )  # fmt: skip
    assert anchor["transactions"][0]["tx_hash"].startswith("0x")


def test_anchor_wait_times_out_with_its_own_exit_code(
    cli_env: Path,
    chain: ChainContext,
    monkeypatch: pytest.MonkeyPatch,
    seal_entries: SealEntries,
    capsys: pytest.CaptureFixture[str],
    rpc: Rpc,
) -> None:
    monkeypatch.setenv("ANCHOR_REGISTRY_ADDRESS", chain.registry.address)
    monkeypatch.setenv("ANCHOR_CONFIRMATIONS", "50")
    seal_entries(2)
    code = main(["anchor", "--wait", "--timeout", "0.5", "--poll", "0.1"])
    captured = capsys.readouterr()
    assert code == EXIT_NOT_CONFIRMED
    assert "still submitted" in captured.err


def test_anchor_without_a_registry_says_how_to_configure_one(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["anchor"]) == 1
    assert "ANCHOR_REGISTRY_ADDRESS" in capsys.readouterr().err


def test_anchor_failure_exits_1_with_the_decoded_reason(
    cli_env: Path,
    chain: ChainContext,
    monkeypatch: pytest.MonkeyPatch,
    seal_entries: SealEntries,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ANCHOR_REGISTRY_ADDRESS", chain.registry.address)
    seal_entries(2)
    chain.registry.pause(chain.signer)
    assert main(["anchor", "--wait"]) == 1
    assert "EnforcedPause()" in capsys.readouterr().out
