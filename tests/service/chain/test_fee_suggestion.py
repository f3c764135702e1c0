"""Priority fee suggestion from nodes that lack ``eth_maxPriorityFeePerGas`` or more.

A small JSON-RPC relay in front of the session ganache answers "method not found" for
the methods a test names and forwards everything else, like a node without them.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from web3 import EthereumTesterProvider, Web3

from anchor_service.chain import GWEI, FeePolicy, Fees, RevertDecoder, Signer, connect
from anchor_service.chain.fees import suggest_priority_fee
from anchor_service.chain.transactions import pending_nonce, send_raw_transaction
from anchor_service.chain.txbuilder import build_signed_tx
from anchor_service.dev import DevChain

Relay = Callable[[frozenset[str]], AbstractContextManager[str]]


@pytest.fixture
def relay(devchain: DevChain) -> Relay:
    @contextmanager
    def start(refused: frozenset[str]) -> Iterator[str]:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = json.loads(body)
                if request["method"] in refused:
                    error = {"code": -32601, "message": f"method {request['method']} not found"}
                    reply = json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": error})
                    payload = reply.encode()
                else:
                    forward = urllib.request.Request(
                        devchain.rpc_url, data=body, headers={"Content-Type": "application/json"}
                    )
                    with urllib.request.urlopen(forward, timeout=5) as response:
                        payload = response.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

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

    return start


def mine_transfers_with_tip(web3: Web3, signer: Signer, tip: int, count: int) -> None:
    policy = FeePolicy(max_fee_cap_wei=100 * GWEI)
    for _ in range(count):
        signed = build_signed_tx(
            web3,
            signer,
            to=signer.address,
            data=b"",
            nonce=pending_nonce(web3, signer.address),
            chain_id=1337,
            policy=policy,
            decoder=RevertDecoder([]),
            gas=21_000,
            fees=Fees(max_fee_per_gas=50 * GWEI, max_priority_fee_per_gas=tip),
        )
        send_raw_transaction(web3, signed.raw)


def test_node_suggestion_is_used_when_available(web3: Web3) -> None:
    assert suggest_priority_fee(web3, FeePolicy(fallback_priority_fee_wei=7)) == GWEI


def test_without_max_priority_fee_method_the_fee_history_median_is_used(
    web3: Web3, outsider: Signer, relay: Relay
) -> None:
    mine_transfers_with_tip(web3, outsider, 3 * GWEI, 3)
    policy = FeePolicy(fallback_priority_fee_wei=7, fee_history_blocks=3)
    with relay(frozenset({"eth_maxPriorityFeePerGas"})) as url:
        assert suggest_priority_fee(connect(url), policy) == 3 * GWEI


def test_without_fee_methods_the_policy_fallback_is_used(web3: Web3, relay: Relay) -> None:
    policy = FeePolicy(fallback_priority_fee_wei=7)
    with relay(frozenset({"eth_maxPriorityFeePerGas", "eth_feeHistory"})) as url:
        assert suggest_priority_fee(connect(url), policy) == 7


def test_eth_tester_integer_answer_is_accepted() -> None:
    web3 = Web3(EthereumTesterProvider())
    assert suggest_priority_fee(web3, FeePolicy(fallback_priority_fee_wei=7)) == GWEI
