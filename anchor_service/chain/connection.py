"""Open a web3 connection to a JSON-RPC node."""

from __future__ import annotations

import requests
from web3 import Web3
from web3.providers.rpc.utils import ExceptionRetryConfiguration

from anchor_service.chain.boundary import rpc_errors
from anchor_service.chain.errors import ChainMismatchError

__all__ = ["chain_id_of", "connect"]


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
    provider = Web3.HTTPProvider(
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
