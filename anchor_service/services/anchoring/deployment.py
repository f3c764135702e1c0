"""The deployment record: where the registry lives, written by ``anchor-service deploy``.

The file is JSON with the same keys as the Brownie deploy script's record
(``scripts/deploy.py``), so either can be read: ``chainId``, ``address``,
``blockNumber``, ``txHash`` (required: ``chainId`` and ``address``), and informative
``contractName``, ``deployer``, ``admin``, ``anchorer``, ``pauser``. The service reads it when
``ANCHOR_REGISTRY_ADDRESS`` is unset (``settings.deployment_file``, default
``<data_dir>/deployment.json``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils.address import is_address, to_checksum_address
from web3 import Web3

from anchor_service.chain import (
    DEFAULT_ADMIN_ROLE,
    ChainConfigError,
    ContractArtifact,
    Deployment,
    DeploymentFileError,
    FeePolicy,
    RegistryClient,
    Signer,
    connect,
    default_registry_artifact,
    deploy_registry,
)
from anchor_service.chain.txbuilder import transact
from anchor_service.settings import Settings

__all__ = [
    "SELF_ADMIN_WARNING",
    "DeploymentFileError",
    "DeploymentRecord",
    "deploy_and_record",
    "deployment_path",
    "read_deployment",
    "write_deployment",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeploymentRecord:
    """Where a registry was deployed, by whom, and who holds which role."""

    chain_id: int
    address: str
    block_number: int | None = None
    tx_hash: bytes | None = None
    deployer: str | None = None
    admin: str | None = None
    anchorer: str | None = None
    pauser: str | None = None
    contract_name: str = "AnchorRegistry"  # a record without contractName predates v2

    def to_json(self) -> dict[str, Any]:
        """The file's JSON object."""
        return {
            "contractName": self.contract_name,
            "chainId": self.chain_id,
            "address": self.address,
            "blockNumber": self.block_number,
            "txHash": None if self.tx_hash is None else "0x" + self.tx_hash.hex(),
            "deployer": self.deployer,
            "admin": self.admin,
            "anchorer": self.anchorer,
            "pauser": self.pauser,
        }


def deployment_path(settings: Settings) -> Path:
    """``settings.deployment_file``, else ``<data_dir>/deployment.json``."""
    configured: Path | None = settings.deployment_file
    return configured if configured is not None else settings.data_dir / "deployment.json"


def write_deployment(path: Path, record: DeploymentRecord) -> None:
    """Write ``record`` to ``path`` atomically (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(record.to_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    logger.info("deployment record written to %s", path)


def read_deployment(path: Path) -> DeploymentRecord | None:
    """The record in ``path``; ``None`` if there is no such file.

    Raises :class:`DeploymentFileError` when the file exists but is not a record.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeploymentFileError(f"deployment file {path} is unreadable: {exc}") from exc
    if not isinstance(document, dict):
        raise DeploymentFileError(f"deployment file {path} is not a JSON object")
    chain_id = document.get("chainId")
    address = document.get("address")
    if not isinstance(chain_id, int) or isinstance(chain_id, bool) or chain_id < 1:
        raise DeploymentFileError(f"deployment file {path} has no valid chainId")
    if not isinstance(address, str) or not is_address(address):
        raise DeploymentFileError(f"deployment file {path} has no valid address")
    block = document.get("blockNumber")
    tx_hash = document.get("txHash")
    return DeploymentRecord(
        chain_id=chain_id,
        address=to_checksum_address(address),
        block_number=block if isinstance(block, int) else None,
        tx_hash=_hash_or_none(tx_hash),
        deployer=_text_or_none(document.get("deployer")),
        admin=_text_or_none(document.get("admin")),
        anchorer=_text_or_none(document.get("anchorer")),
        pauser=_text_or_none(document.get("pauser")),
        contract_name=_text_or_none(document.get("contractName")) or "AnchorRegistry",
    )


def _hash_or_none(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        data = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        return None
    return data if len(data) == 32 else None


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


#: Why the signer should hold no role but the anchorer's (said whenever it does).
SELF_ADMIN_WARNING = (
    "the signing key is also admin and pauser: whoever steals this hot key can grant "
    "themselves every role, anchor forged heads and pause or retire the registry; keep "
    "this for a local chain, and on a real chain give --admin to a multisig and --pauser "
    "to another account"
)


def deploy_and_record(
    settings: Settings,
    *,
    admin: str | None = None,
    pauser: str | None = None,
    dev: bool = False,
    web3: Web3 | None = None,
    signer: Signer | None = None,
    timeout: float = 120.0,
    artifact: ContractArtifact | None = None,
    admin_delay: int = 0,
) -> tuple[DeploymentRecord, Path]:
    """Deploy the registry (AnchorRegistryV2 unless ``artifact`` says otherwise, e.g. the
    v1 AnchorRegistry's) from the committed artifact and write the deployment file.

    The signer (``ANCHOR_SIGNER_KEY`` or keystore) deploys and receives the anchorer
    role, and only that one unless asked: ``admin`` receives the admin role and
    ``pauser`` the pauser role; both are required unless ``dev`` (then each defaults to
    the signer, which is unsafe: :data:`SELF_ADMIN_WARNING`, logged). When the admin is
    another account, the signer hands the admin role over and renounces its own, so the
    hot anchoring key cannot change roles. With the AnchorRegistryV2 ``artifact`` every
    role is given at construction (one transaction; ``admin_delay`` seconds guard admin
    hand-overs and retirements). Returns the record and the file's path.
    Raises :class:`ChainConfigError` when a role has no holder.
    """
    if not dev and (admin is None or pauser is None):
        missing = " and ".join(
            f"--{name} ADDRESS" for name, value in (("admin", admin), ("pauser", pauser))
            if value is None
        )  # fmt: skip
        raise ChainConfigError(
            f"deploy needs {missing}: the admin (a multisig) and the pauser must not be the "
            "hot signing key; on a local chain pass --dev (or --admin SELF --pauser SELF) to "
            "give both roles to the signer"
        )
    web3 = (
        web3 if web3 is not None else connect(settings.rpc_url, expected_chain_id=settings.chain_id)
    )
    signer = signer if signer is not None else Signer.from_settings(settings)
    policy = FeePolicy.from_gwei(settings.max_fee_gwei)
    artifact = artifact if artifact is not None else default_registry_artifact()
    admin_address = to_checksum_address(admin) if admin else signer.address
    pauser_address = to_checksum_address(pauser) if pauser else signer.address
    if signer.address in (admin_address, pauser_address):
        logger.warning("deploy: %s", SELF_ADMIN_WARNING)
    if RegistryClient(web3, signer.address, artifact=artifact).reads_events:  # v2
        deployment = deploy_registry(
            web3, signer, admin_address, artifact, anchorer=signer.address,
            pauser=pauser_address, admin_delay=admin_delay, fee_policy=policy,
            timeout=timeout,
        )  # fmt: skip
        return _recorded(settings, deployment, signer, admin_address, pauser_address, artifact)
    deployment = deploy_registry(
        web3, signer, signer.address, artifact, fee_policy=policy, timeout=timeout
    )
    registry = RegistryClient(
        web3, deployment.address, artifact=artifact, fee_policy=policy, chain_id=settings.chain_id
    )
    registry.grant_anchorer(signer, signer.address, timeout=timeout)
    registry.grant_pauser(signer, pauser_address, timeout=timeout)
    if admin_address != signer.address:
        registry.grant_role(signer, DEFAULT_ADMIN_ROLE, admin_address, timeout=timeout)
        contract = web3.eth.contract(address=registry.address, abi=artifact.abi)
        data = contract.encode_abi("renounceRole", args=[DEFAULT_ADMIN_ROLE, signer.address])
        transact(
            web3, signer, to=registry.address, data=bytes.fromhex(data[2:]),
            chain_id=settings.chain_id, policy=policy, decoder=registry.decoder,
            timeout=timeout,
        )  # fmt: skip
        logger.info("admin role handed over to %s; the signer renounced it", admin_address)
    return _recorded(settings, deployment, signer, admin_address, pauser_address, artifact)


def _recorded(
    settings: Settings,
    deployment: Deployment,
    signer: Signer,
    admin: str,
    pauser: str,
    artifact: ContractArtifact,
) -> tuple[DeploymentRecord, Path]:
    record = DeploymentRecord(
        chain_id=settings.chain_id,
        address=deployment.address,
        block_number=deployment.block_number,
        tx_hash=deployment.tx_hash,
        deployer=signer.address,
        admin=admin,
        anchorer=signer.address,
        pauser=pauser,
        contract_name=artifact.contract_name,
    )
    path = deployment_path(settings)
    write_deployment(path, record)
    return record, path
