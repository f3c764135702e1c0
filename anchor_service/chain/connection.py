"""Open a web3 connection to a JSON-RPC node."""

from __future__ import annotations

from typing import cast

import requests
from pydantic_core import from_json
from web3 import HTTPProvider, Web3
from web3.exceptions import BadResponseFormat
from web3.providers.rpc.utils import ExceptionRetryConfiguration
from web3.types import RPCResponse

from anchor_service.chain.boundary import rpc_errors
from anchor_service.chain.errors import ChainMismatchError

__all__ = ["BoundedHTTPProvider", "chain_id_of", "connect"]


class BoundedHTTPProvider(HTTPProvider):
    """web3's HTTP provider with a JSON parser that cannot be made to crash the process.

    web3 parses answers with :func:`json.loads`, which recurses once per nesting level;
    with the recursion limit web3's dependencies raise (100,000), an answer nested
    300,000 deep overflows the C stack (a segfault). pydantic's parser stops at a fixed
    depth with an error: a hostile or wrong node gets a clean :class:`ChainRequestError`
    (``BadResponseFormat`` through :func:`rpc_errors`), as does an answer that is no
    JSON at all (an HTML page).
    """

    @staticmethod
    def decode_rpc_response(raw_response: bytes) -> RPCResponse:
        try:
            decoded = from_json(raw_response)
        except ValueError as exc:
            raise BadResponseFormat(f"the node's answer is not JSON-RPC ({exc})") from None
        if not isinstance(decoded, dict | list):
            raise BadResponseFormat("the node's answer is not JSON-RPC (not an object)")
        return cast(RPCResponse, decoded)


def connect(
    rpc_url: str,
    *,
    timeout: float = 10.0,
    retries: int = 3,
    expected_chain_id: int | None = None,
) -> Web3:
    """A :class:`Web3` over HTTP(S) to ``rpc_url``.

    ``timeout`` bounds each request in seconds; idempotent reads are retried
    ``retries`` times on connection errors with a short backoff (sending a raw
    transaction is never retried by web3). With ``expected_chain_id`` the node is asked
    for its chain id now: :class:`ChainMismatchError` if it differs,
    :class:`ChainUnavailableError` if the node cannot be reached. Without it no request
    is made here.
    """
    provider = BoundedHTTPProvider(
        rpc_url,
        request_kwargs={"timeout": timeout},
        exception_retry_configuration=ExceptionRetryConfiguration(
            errors=(ConnectionError, requests.ConnectionError, requests.Timeout),
            retries=max(retries, 1),
            backoff_factor=0.1,
        ),
    )
    web3 = Web3(provider)
    if expected_chain_id is not None:
        actual = chain_id_of(web3)
        if actual != expected_chain_id:
            raise ChainMismatchError(expected_chain_id, actual)
    return web3


def chain_id_of(web3: Web3) -> int:
    """The chain id the node reports (``eth_chainId``)."""
    with rpc_errors("read chain id"):
        return int(web3.eth.chain_id)
