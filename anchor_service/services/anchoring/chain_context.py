"""The chain side of anchoring, built from settings: node, signer, registry, fee policy.

:func:`build_chain_context` makes no request, so a service can start while the node is
down; :meth:`ChainContext.verify` (called before anything is signed) checks once per
process that the node is on the configured chain and that the registry has code.

The registry address is ``ANCHOR_REGISTRY_ADDRESS``, else the one in the deployment
file (``settings.deployment_file``) written by ``anchor-service deploy``, which must be
for the configured chain id. The signing key comes from ``ANCHOR_SIGNER_KEY`` or the
keystore (:meth:`Signer.from_settings`) and is never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from eth_utils.address import is_address, to_checksum_address
from web3 import Web3

from anchor_service.chain import (
    ChainConfigError,
    ChainMismatchError,
    FeePolicy,
    RegistryClient,
    Signer,
    chain_id_of,
    connect,
)
from anchor_service.chain.boundary import rpc_errors
from anchor_service.services.anchoring.deployment import deployment_path, read_deployment
from anchor_service.settings import Settings

__all__ = [
    "ChainConfigError",
    "ChainContext",
    "build_chain_context",
    "fee_policy_from",
    "registry_address_from",
]

logger = logging.getLogger(__name__)


@dataclass
class ChainContext:
    """Everything anchoring needs from the chain side, for one registry and one signer."""

    web3: Web3
    signer: Signer
    registry: RegistryClient
    chain_id: int
    _verified: bool = field(default=False, repr=False)

    @property
    def sender(self) -> str:
        """The signing account's checksummed address."""
        return str(self.signer.address)

    def verify(self) -> None:
        """Check (once) that the node is on :attr:`chain_id` and the registry has code.

        :class:`ChainMismatchError` or :class:`ChainConfigError` when not;
        :class:`ChainUnavailableError` when the node cannot be reached (checked again
        next time).
        """
        if self._verified:
            return
        actual = chain_id_of(self.web3)
        if actual != self.chain_id:
            raise ChainMismatchError(self.chain_id, actual)
        if not self.registry.is_deployed():
            raise ChainConfigError(
                f"no contract at {self.registry.address} on chain {self.chain_id}: deploy "
                "one with `anchor-service deploy` or fix ANCHOR_REGISTRY_ADDRESS"
            )
        self._use_the_deployed_registry()
        self._verified = True
        logger.info(
            "anchoring to registry %s on chain %d as %s",
            self.registry.address,
            self.chain_id,
            self.sender,
        )

    def _use_the_deployed_registry(self) -> None:
        """Talk to the registry by the ABI of the code deployed at its address: the v1
        AnchorRegistry or AnchorRegistryV2 (code that is neither is left to the chain
        watch, which reports it)."""
        registry = self.registry
        with rpc_errors("read code"):
            code = bytes(self.web3.eth.get_code(registry.address))
        if registry.artifact.runtime_matches(code):
            return
        detected = RegistryClient.detect(
            self.web3,
            registry.address,
            fee_policy=registry.fee_policy,
            chain_id=self.chain_id,
            from_block=registry.from_block,
        )
        if detected.artifact.runtime_matches(code):
            logger.info(
                "the registry at %s is %s", registry.address, detected.artifact.contract_name
            )
            self.registry = detected


def fee_policy_from(settings: Settings) -> FeePolicy:
    """The fee policy with the cap ``settings.max_fee_gwei``."""
    return FeePolicy.from_gwei(settings.max_fee_gwei)


def registry_address_from(settings: Settings) -> str:
    """``ANCHOR_REGISTRY_ADDRESS``, else the address in the deployment file.

    Raises :class:`ChainConfigError` when neither gives one, or the file is for another
    chain.
    """
    if settings.registry_address:
        if not is_address(settings.registry_address):
            raise ChainConfigError(
                f"ANCHOR_REGISTRY_ADDRESS {settings.registry_address!r} is not an address"
            )
        return to_checksum_address(settings.registry_address)
    path = deployment_path(settings)
    record = read_deployment(path)
    if record is None:
        raise ChainConfigError(
            f"no registry configured: set ANCHOR_REGISTRY_ADDRESS or run `anchor-service "
            f"deploy` (which writes {path})"
        )
    if record.chain_id != settings.chain_id:
        raise ChainConfigError(
            f"deployment file {path} is for chain {record.chain_id}, but ANCHOR_CHAIN_ID is "
            f"{settings.chain_id}"
        )
    return record.address


def build_chain_context(
    settings: Settings, *, web3: Web3 | None = None, signer: Signer | None = None
) -> ChainContext:
    """A :class:`ChainContext` from settings; no request is made here."""
    web3 = web3 if web3 is not None else connect(settings.rpc_url)
    signer = signer if signer is not None else Signer.from_settings(settings)
    registry = RegistryClient(
        web3,
        registry_address_from(settings),
        fee_policy=fee_policy_from(settings),
        chain_id=settings.chain_id,
    )
    return ChainContext(web3=web3, signer=signer, registry=registry, chain_id=settings.chain_id)
