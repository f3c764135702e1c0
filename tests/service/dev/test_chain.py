"""The local ganache child process: start, answer, persist, stop, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3
from web3.types import RPCEndpoint

from anchor_service.chain import ChainUnavailableError, chain_id_of, connect
from anchor_service.dev import DEV_ACCOUNT_KEYS, DevChain, DevChainError, find_ganache, free_port
from anchor_service.settings import Settings


def test_session_chain_answers_with_chain_id_1337(devchain: DevChain, web3: Web3) -> None:
    assert devchain.is_running()
    assert chain_id_of(web3) == 1337


def test_dev_account_keys_are_the_funded_ganache_accounts(web3: Web3) -> None:
    accounts = web3.eth.accounts
    assert [Account.from_key(key).address for key in DEV_ACCOUNT_KEYS] == list(accounts)
    assert web3.eth.get_balance(accounts[-1]) > 0


def test_chain_runs_shanghai_with_a_base_fee(web3: Web3) -> None:
    block = web3.eth.get_block("latest")
    assert block["baseFeePerGas"] > 0
    assert "withdrawalsRoot" in block  # Shanghai header field


def test_chain_from_settings_keeps_its_state_across_a_restart(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", rpc_url=f"http://127.0.0.1:{free_port()}"
    )
    with DevChain.from_settings(settings) as chain:
        assert chain.rpc_url == settings.rpc_url
        w3 = connect(chain.rpc_url)
        w3.provider.make_request(RPCEndpoint("evm_mine"), [])
        w3.provider.make_request(RPCEndpoint("evm_mine"), [])
        height = w3.eth.block_number
        block_hash = w3.eth.get_block(height)["hash"]
    assert not chain.is_running()
    assert (tmp_path / "data" / "ganache").is_dir()
    with DevChain.from_settings(settings) as chain:
        w3 = connect(chain.rpc_url)
        assert w3.eth.block_number == height >= 2
        assert w3.eth.get_block(height)["hash"] == block_hash


def test_stopped_chain_is_unavailable_and_stop_is_idempotent(tmp_path: Path) -> None:
    chain = DevChain(tmp_path / "db", port=free_port()).start()
    assert chain.pid is not None
    web3 = connect(chain.rpc_url, expected_chain_id=1337, retries=1)
    chain.stop()
    chain.stop()
    assert chain.pid is None
    assert not chain.is_running()
    with pytest.raises(ChainUnavailableError):
        chain_id_of(web3)


def test_dev_chain_settings_must_point_at_local_http() -> None:
    remote = Settings(_env_file=None, rpc_url="https://rpc.example.org/v3/key")
    with pytest.raises(DevChainError, match=re.escape("http://127.0.0.1:PORT")) as info:
        DevChain.from_settings(remote)
    assert "/v3/key" not in str(info.value)


def test_start_refuses_a_port_already_in_use(devchain: DevChain, tmp_path: Path) -> None:
    with pytest.raises(DevChainError, match="already in use"):
        DevChain(tmp_path / "db", port=devchain.port).start()


def test_missing_ganache_binary_says_to_run_npm_ci(tmp_path: Path) -> None:
    with pytest.raises(DevChainError, match="npm ci"):
        find_ganache(tmp_path / "node_modules" / ".bin" / "ganache")
    with pytest.raises(DevChainError, match="npm ci"):
        DevChain(tmp_path / "db", ganache=tmp_path / "nope").start()


def test_missing_node_is_reported_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DevChainError, match=r"Node\.js"):
        DevChain(tmp_path / "db", port=free_port()).start()


def test_ganache_that_exits_at_start_is_reported_with_its_output(tmp_path: Path) -> None:
    failing = tmp_path / "ganache"
    failing.write_text("#!/bin/sh\necho 'boom: cannot open database' >&2\nexit 3\n")
    failing.chmod(0o755)
    with pytest.raises(DevChainError, match=r"exited with code 3: boom: cannot open database"):
        DevChain(tmp_path / "db", port=free_port(), ganache=failing).start()
