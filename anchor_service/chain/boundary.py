"""The one place where web3.py / requests exceptions become chain-layer errors.

Every call into a node runs inside :func:`rpc_errors`. Errors this layer already raised
pass through unchanged, so boundaries may nest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import requests
from web3.exceptions import (
    ContractLogicError,
    ProviderConnectionError,
    RequestTimedOut,
    TimeExhausted,
    Web3Exception,
    Web3RPCError,
)

from anchor_service.chain.errors import (
    ChainError,
    ChainRequestError,
    ChainUnavailableError,
    TransactionRevertedError,
)
from anchor_service.chain.revert import RevertDecoder, RevertReason

__all__ = ["node_message", "reverted_error", "rpc_error_code", "rpc_errors"]

logger = logging.getLogger(__name__)

_UNAVAILABLE = (
    requests.ConnectionError,
    requests.Timeout,
    ConnectionError,
    TimeoutError,
    ProviderConnectionError,
    RequestTimedOut,
    TimeExhausted,
)


@contextmanager
def rpc_errors(action: str, decoder: RevertDecoder | None = None) -> Iterator[None]:
    """Translate exceptions raised while talking to the node.

    ``action`` names what was being done (it starts every message). Connection
    failures, timeouts and HTTP 5xx/429 answers are :class:`ChainUnavailableError`
    (worth retrying later); other error answers :class:`ChainRequestError`. With a
    ``decoder``, reverts become :class:`TransactionRevertedError` with the decoded
    custom error; without one they still do, with the raw selector only.
    Messages never include the RPC URL (it may carry an API key).
    """
    try:
        yield
    except ChainError:
        raise
    except _UNAVAILABLE as exc:
        logger.warning("%s: chain node unreachable (%s)", action, type(exc).__name__)
        raise ChainUnavailableError(
            f"{action}: chain node unreachable ({type(exc).__name__})"
        ) from exc
    except (ContractLogicError, Web3RPCError) as exc:
        reason = (decoder or RevertDecoder([])).from_exception(exc)
        if reason is not None:
            raise reverted_error(reason) from exc
        raise ChainRequestError(f"{action}: {node_message(exc)}", code=rpc_error_code(exc)) from exc
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status >= 500 or status == 429:  # gateway down, overloaded or rate-limited
            raise ChainUnavailableError(f"{action}: chain node answered HTTP {status}") from exc
        raise ChainRequestError(f"{action}: chain node answered HTTP {status}") from exc
    except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
            requests.exceptions.InvalidURL) as exc:  # fmt: skip
        raise ChainRequestError(
            f"{action}: the RPC URL is not a valid http(s) URL ({type(exc).__name__})"
        ) from exc
    except requests.RequestException as exc:
        raise ChainRequestError(f"{action}: HTTP error ({type(exc).__name__})") from exc
    except Web3Exception as exc:
        raise ChainRequestError(f"{action}: {exc}") from exc


def reverted_error(reason: RevertReason, tx_hash: bytes | None = None) -> TransactionRevertedError:
    """The :class:`TransactionRevertedError` for a decoded reason."""
    return TransactionRevertedError(
        reason.message, reason.error_name, reason.args, data=reason.data, tx_hash=tx_hash
    )


def node_message(exc: BaseException) -> str:
    """The node's own error message (without ganache's stack trace) from a web3 error."""
    if isinstance(exc, Web3RPCError):
        error = exc.rpc_response.get("error") if exc.rpc_response else None
        if isinstance(error, Mapping) and error.get("message"):
            return str(error["message"])
        return str(exc.message)
    return str(exc)


def rpc_error_code(exc: BaseException) -> int | None:
    """The JSON-RPC error code inside a web3 exception, if there is one."""
    if isinstance(exc, Web3RPCError) and exc.rpc_response:
        error = exc.rpc_response.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("code"), int):
            return int(error["code"])
    return None
