"""Errors raised by the chain layer.

Every exception web3.py, requests or eth-account raise is translated into one of these
at a single boundary (:func:`anchor_service.chain.boundary.rpc_errors` for node calls,
the signer and artifact loaders for local files) with ``raise X(...) from exc``.

Exception tree::

    AnchorServiceError                      (anchor_service.errors)
    └── ChainError                          any failure in the chain layer
        ├── ChainUnavailableError           node unreachable: refused, timed out, HTTP 5xx/429
        ├── ChainRequestError               node answered with an error not classified below
        ├── ChainMismatchError              node's chain id differs from the configured one
        ├── ArtifactError                   contract artifact missing or malformed
        ├── SignerError                     signing key or keystore missing or invalid
        ├── ChainConfigError                anchoring not configured: no registry (at it)
        │   └── MigrationRefused            `registry migrate`: the target cannot be adopted
        ├── DeploymentFileError             deployment file unreadable or incomplete
        ├── AuditError                      the audit cannot compare with the chain
        ├── FeeCapExceededError             needed fee per gas is above the configured cap
        ├── TransactionRevertedError        the EVM reverted (estimate, call or mined tx)
        ├── TransactionTimeoutError         no receipt within the wait limit
        └── TransactionRejectedError        node refused a raw transaction
            ├── NonceTooLowError            nonce already used
            ├── ReplacementUnderpricedError same nonce pending with fees not bumped enough
            └── InsufficientFundsError      balance below gas * max fee + value
"""

from __future__ import annotations

from collections.abc import Mapping

from anchor_service.errors import AnchorServiceError

__all__ = [
    "ArtifactError",
    "AuditError",
    "ChainConfigError",
    "ChainError",
    "ChainMismatchError",
    "ChainRequestError",
    "ChainUnavailableError",
    "DeploymentFileError",
    "FeeCapExceededError",
    "InsufficientFundsError",
    "MigrationRefused",
    "NonceTooLowError",
    "ReplacementUnderpricedError",
    "SignerError",
    "TransactionRejectedError",
    "TransactionRevertedError",
    "TransactionTimeoutError",
]


class ChainError(AnchorServiceError):
    """Base class of every chain-layer error."""


class ChainUnavailableError(ChainError):
    """The JSON-RPC node cannot be reached (connection refused or reset, timeout)."""


class ChainRequestError(ChainError):
    """The node answered a request with an error this layer does not classify.

    ``code`` is the JSON-RPC error code when the node sent one.
    """

    def __init__(self, detail: str, *, code: int | None = None) -> None:
        super().__init__(detail)
        self.code = code


class ChainMismatchError(ChainError):
    """The node reports another chain id than the configured one."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"chain id mismatch: configured {expected}, node reports {actual}")
        self.expected = expected
        self.actual = actual


class ArtifactError(ChainError):
    """The compiled contract artifact is missing or malformed."""


class SignerError(ChainError):
    """The signing key or keystore is missing, malformed, or the password is wrong.

    The message never contains key material.
    """


class ChainConfigError(ChainError):
    """Anchoring is not configured: no registry address, or no contract at it."""


class MigrationRefused(ChainConfigError):
    """The target registry cannot be adopted (wrong code, not empty, no anchorer role)."""


class DeploymentFileError(ChainError):
    """The deployment file is unreadable or does not hold a chain id and an address."""


class AuditError(ChainError):
    """The audit cannot compare with the chain: node unreachable, another chain, no registry.

    A chain error, so the API answers 503; database errors are raised as they are
    (``DatabaseUnavailableError`` when it is unreachable).
    """


class FeeCapExceededError(ChainError):
    """The fee per gas needed to get included (or to replace) exceeds the cap.

    ``required_wei`` is the smallest max fee per gas that would be needed; ``cap_wei``
    is the configured ceiling, which this layer never exceeds.
    """

    def __init__(self, required_wei: int, cap_wei: int, *, what: str = "max fee per gas") -> None:
        super().__init__(f"{what} of {required_wei} wei is needed but the cap is {cap_wei} wei")
        self.required_wei = required_wei
        self.cap_wei = cap_wei


class TransactionRevertedError(ChainError):
    """The EVM reverted the call, at gas estimation, in ``eth_call`` or on chain.

    ``reason`` is the human message (``AnchorRegistryNotExtending(latestSize=10,
    treeSize=5)``); ``error_name`` the custom error's name, ``"Error"``, ``"Panic"``, or
    ``""`` when the data matches nothing known; ``error_args`` the decoded arguments by
    name; ``data`` the raw revert data; ``tx_hash`` the mined transaction, if any.
    """

    def __init__(
        self,
        reason: str,
        error_name: str,
        args: Mapping[str, object],
        *,
        data: bytes = b"",
        tx_hash: bytes | None = None,
    ) -> None:
        prefix = f"transaction 0x{tx_hash.hex()} reverted" if tx_hash else "execution reverted"
        super().__init__(f"{prefix}: {reason}")
        self.reason = reason
        self.error_name = error_name
        self.error_args: dict[str, object] = dict(args)
        self.data = data
        self.tx_hash = tx_hash


class TransactionTimeoutError(ChainError):
    """No receipt arrived for a transaction within the wait limit."""

    def __init__(self, tx_hash: bytes, timeout: float) -> None:
        super().__init__(f"transaction 0x{tx_hash.hex()} not mined within {timeout:g} s")
        self.tx_hash = tx_hash
        self.timeout = timeout


class TransactionRejectedError(ChainError):
    """The node refused a raw transaction; ``node_message`` is what the node said."""

    def __init__(self, detail: str, *, node_message: str = "") -> None:
        super().__init__(detail)
        self.node_message = node_message


class NonceTooLowError(TransactionRejectedError):
    """The nonce is already used by a mined transaction of the same account."""


class ReplacementUnderpricedError(TransactionRejectedError):
    """A transaction with the same nonce is pending and the new fees are not high enough."""


class InsufficientFundsError(TransactionRejectedError):
    """The account cannot pay gas limit * max fee per gas + value."""
