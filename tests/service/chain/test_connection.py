"""Connecting to a node, and the errors when it is down, silent or another chain."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from web3 import Web3

from anchor_service.chain import (
    ChainMismatchError,
    ChainUnavailableError,
    RegistryClient,
    chain_id_of,
    connect,
)
from anchor_service.chain.transactions import send_raw_transaction
from anchor_service.dev import DevChain, free_port


@pytest.fixture
def dead_url() -> str:
    """An RPC URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/v3/secret-api-key"


@pytest.fixture
def silent_url() -> Iterator[str]:
    """An RPC URL whose server accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.fixture
def overloaded_url() -> Iterator[str]:
    """An RPC URL whose gateway answers every request with HTTP 503."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_connect_makes_no_request_without_expected_chain_id(dead_url: str) -> None:
    assert isinstance(connect(dead_url), Web3)


def test_rpc_down_raises_chain_unavailable_without_the_url(dead_url: str) -> None:
    with pytest.raises(ChainUnavailableError) as info:
        connect(dead_url, expected_chain_id=1337, retries=1)
    assert "secret-api-key" not in str(info.value)
    assert "unreachable" in str(info.value)


def test_registry_reads_and_sends_on_a_down_node_raise_chain_unavailable(dead_url: str) -> None:
    web3 = connect(dead_url, retries=1)
    client = RegistryClient(web3, "0x" + "11" * 20, chain_id=1337)
    with pytest.raises(ChainUnavailableError):
        client.latest_head()
    with pytest.raises(ChainUnavailableError):
        client.head_block_number()
    with pytest.raises(ChainUnavailableError):
        send_raw_transaction(web3, b"\x02\xc0")


def test_node_that_never_answers_times_out_as_chain_unavailable(silent_url: str) -> None:
    web3 = connect(silent_url, timeout=0.3, retries=1)
    started = time.monotonic()
    with pytest.raises(ChainUnavailableError, match=r"\(ReadTimeout\)"):
        chain_id_of(web3)
    assert time.monotonic() - started < 5


def test_gateway_answering_503_is_chain_unavailable(overloaded_url: str) -> None:
    with pytest.raises(ChainUnavailableError, match="HTTP 503"):
        chain_id_of(connect(overloaded_url, retries=1))


def test_other_chain_id_raises_mismatch(devchain: DevChain) -> None:
    with pytest.raises(ChainMismatchError) as info:
        connect(devchain.rpc_url, expected_chain_id=1)
    assert (info.value.expected, info.value.actual) == (1, 1337)
