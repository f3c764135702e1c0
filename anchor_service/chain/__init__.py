"""The chain layer: web3.py access to the registry (AnchorRegistryV2 by default, v1 read).

- :mod:`~anchor_service.chain.connection`: :func:`connect` to a JSON-RPC node.
- :mod:`~anchor_service.chain.signer`: :class:`Signer` from a key or keystore.
- :mod:`~anchor_service.chain.deploy`: :func:`deploy_registry`.
- :mod:`~anchor_service.chain.registry`: :class:`RegistryClient` (reads, build/sign
  anchor transactions, send, receipts, confirmations, replacement, admin).
- :mod:`~anchor_service.chain.fees`: :class:`FeePolicy`, :class:`Fees`, EIP-1559 fees.
- :mod:`~anchor_service.chain.revert`: :class:`RevertDecoder`, :class:`RevertReason`.
- :mod:`~anchor_service.chain.errors`: the exception tree.
- :mod:`~anchor_service.chain.sizes`: :func:`size_in_words` (``2^64-1`` in messages).

Everything the rest of the service needs is re-exported here. The local ganache and its
public test-only accounts are development tooling: :mod:`anchor_service.dev`.
"""

from __future__ import annotations

from anchor_service.chain.artifact import (
    DEFAULT_REGISTRY_ARTIFACT_PATH,
    REGISTRY_ARTIFACT_PATH,
    REGISTRY_V2_ARTIFACT_PATH,
    ContractArtifact,
    default_registry_artifact,
    load_artifact,
)
from anchor_service.chain.connection import chain_id_of, connect
from anchor_service.chain.deploy import deploy_registry
from anchor_service.chain.errors import (
    ArtifactError,
    AuditError,
    ChainConfigError,
    ChainError,
    ChainMismatchError,
    ChainRequestError,
    ChainUnavailableError,
    DeploymentFileError,
    FeeCapExceededError,
    InsufficientFundsError,
    MigrationRefused,
    NonceTooLowError,
    ReplacementUnderpricedError,
    SignerError,
    TransactionRejectedError,
    TransactionRevertedError,
    TransactionTimeoutError,
)
from anchor_service.chain.fees import DEFAULT_MAX_FEE_GWEI, GWEI, FeePolicy, Fees, bump_fees
from anchor_service.chain.models import (
    AnchorCall,
    AnchoredHead,
    AnchorRecord,
    Deployment,
    HeadAnchoredEvent,
    Receipt,
    SignedTx,
    Succession,
    TxState,
)
from anchor_service.chain.registry import (
    ANCHORER_ROLE,
    DEFAULT_ADMIN_ROLE,
    PAUSER_ROLE,
    RegistryClient,
)
from anchor_service.chain.revert import RevertDecoder, RevertReason
from anchor_service.chain.signer import Signer
from anchor_service.chain.sizes import size_in_words

__all__ = [
    "ANCHORER_ROLE",
    "DEFAULT_ADMIN_ROLE",
    "DEFAULT_MAX_FEE_GWEI",
    "DEFAULT_REGISTRY_ARTIFACT_PATH",
    "GWEI",
    "PAUSER_ROLE",
    "REGISTRY_ARTIFACT_PATH",
    "REGISTRY_V2_ARTIFACT_PATH",
    "AnchorCall",
    "AnchorRecord",
    "AnchoredHead",
    "ArtifactError",
    "AuditError",
    "ChainConfigError",
    "ChainError",
    "ChainMismatchError",
    "ChainRequestError",
    "ChainUnavailableError",
    "ContractArtifact",
    "Deployment",
    "DeploymentFileError",
    "FeeCapExceededError",
    "FeePolicy",
    "Fees",
    "HeadAnchoredEvent",
    "InsufficientFundsError",
    "MigrationRefused",
    "NonceTooLowError",
    "Receipt",
    "RegistryClient",
    "ReplacementUnderpricedError",
    "RevertDecoder",
    "RevertReason",
    "SignedTx",
    "Signer",
    "SignerError",
    "Succession",
    "TransactionRejectedError",
    "TransactionRevertedError",
    "TransactionTimeoutError",
    "TxState",
    "bump_fees",
    "chain_id_of",
    "connect",
    "default_registry_artifact",
    "deploy_registry",
    "load_artifact",
    "size_in_words",
]
