"""Deploy the registry (AnchorRegistry, or AnchorRegistryV2) from its committed artifact."""

from __future__ import annotations

import logging

from eth_utils.address import to_checksum_address
from web3 import Web3

from anchor_service.chain.artifact import ContractArtifact, default_registry_artifact
from anchor_service.chain.connection import chain_id_of
from anchor_service.chain.errors import ChainRequestError
from anchor_service.chain.fees import FeePolicy
from anchor_service.chain.models import Deployment
from anchor_service.chain.revert import RevertDecoder
from anchor_service.chain.signer import Signer
from anchor_service.chain.txbuilder import transact

__all__ = ["deploy_registry"]

logger = logging.getLogger(__name__)

_ZERO_ADDRESS = "0x" + "00" * 20


def _constructor_inputs(artifact: ContractArtifact) -> list[object]:
    for item in artifact.abi:
        if item.get("type") == "constructor":
            return list(item.get("inputs", []))
    return []


def deploy_registry(
    web3: Web3,
    signer: Signer,
    admin: str,
    artifact: ContractArtifact | None = None,
    *,
    anchorer: str | None = None,
    pauser: str | None = None,
    admin_delay: int = 0,
    predecessor: str | None = None,
    fee_policy: FeePolicy | None = None,
    timeout: float = 120.0,
) -> Deployment:
    """Deploy the registry signed by ``signer`` and wait until it is mined.

    AnchorRegistryV2 (the default artifact; a constructor of five arguments):
    ``(admin_delay, admin, anchorer, pauser, predecessor)``, every role given at
    construction (``anchorer`` and ``pauser`` default to ``admin``, ``predecessor`` to
    none). The v1 AnchorRegistry (``load_artifact(REGISTRY_ARTIFACT_PATH)``):
    ``AnchorRegistry(admin)``; ``admin`` receives ``DEFAULT_ADMIN_ROLE`` (grant roles
    afterwards with :class:`RegistryClient`; ``anchorer`` and ``pauser`` are ignored).
    A revert raises :class:`TransactionRevertedError` (e.g. ``AnchorRegistryInvalidAdmin``).
    """
    artifact = artifact if artifact is not None else default_registry_artifact()
    policy = fee_policy if fee_policy is not None else FeePolicy()
    factory = web3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    args: list[object] = [to_checksum_address(admin)]
    if len(_constructor_inputs(artifact)) == 5:
        args = [
            admin_delay,
            to_checksum_address(admin),
            to_checksum_address(anchorer or admin),
            to_checksum_address(pauser or admin),
            to_checksum_address(predecessor or _ZERO_ADDRESS),
        ]
    data = bytes.fromhex(factory.constructor(*args).data_in_transaction[2:])
    receipt = transact(
        web3,
        signer,
        to=None,
        data=data,
        chain_id=chain_id_of(web3),
        policy=policy,
        decoder=RevertDecoder(artifact.abi),
        timeout=timeout,
    )
    address = receipt.get("contractAddress")
    if not address:
        raise ChainRequestError("deployment receipt has no contract address")
    deployment = Deployment(
        address=to_checksum_address(address),
        block_number=int(receipt["blockNumber"]),
        tx_hash=bytes(receipt["transactionHash"]),
    )
    logger.info(
        "deployed %s at %s in block %d by %s",
        artifact.contract_name,
        deployment.address,
        deployment.block_number,
        signer.address,
    )
    return deployment
