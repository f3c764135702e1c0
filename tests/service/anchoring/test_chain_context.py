"""The chain context from settings: registry address (setting, else deployment file), fee
cap, signer, and the one-time check against the node."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from anchor_service.chain import GWEI, ChainMismatchError, SignerError
from anchor_service.dev import DevChain
from anchor_service.services.anchoring.chain_context import (
    ChainConfigError,
    ChainContext,
    build_chain_context,
    registry_address_from,
)
from anchor_service.services.anchoring.deployment import DeploymentRecord, write_deployment
from anchor_service.settings import Settings

ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def settings_for(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **values)


def test_registry_address_setting_wins_over_the_deployment_file(tmp_path: Path) -> None:
    write_deployment(tmp_path / "deployment.json", DeploymentRecord(1337, ADDRESS))
    other = Account.create().address
    assert registry_address_from(settings_for(tmp_path, registry_address=other.lower())) == other
    assert registry_address_from(settings_for(tmp_path)) == ADDRESS


def test_deployment_file_location_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "registry.json"
    write_deployment(path, DeploymentRecord(1337, ADDRESS))
    settings = settings_for(tmp_path, deployment_file=path)
    assert settings.deployment_file == path
    assert registry_address_from(settings) == ADDRESS
    assert settings_for(tmp_path).deployment_file == tmp_path / "deployment.json"


def test_missing_or_foreign_registry_configuration_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ChainConfigError, match="ANCHOR_REGISTRY_ADDRESS"):
        registry_address_from(settings_for(tmp_path))
    write_deployment(tmp_path / "deployment.json", DeploymentRecord(5, ADDRESS))
    with pytest.raises(ChainConfigError, match="is for chain 5"):
        registry_address_from(settings_for(tmp_path))
    with pytest.raises(ChainConfigError, match="not an address"):
        registry_address_from(settings_for(tmp_path, registry_address="0x1234"))


def test_built_context_uses_the_fee_cap_and_the_signer_from_settings(tmp_path: Path) -> None:
    key = Account.create()
    settings = settings_for(
        tmp_path, registry_address=ADDRESS, signer_key=key.key.hex(), max_fee_gwei=Decimal("1.5")
    )
    context = build_chain_context(settings)
    assert context.sender == key.address
    assert context.registry.address == ADDRESS and context.chain_id == 1337
    assert context.registry.fee_policy.max_fee_cap_wei == 3 * GWEI // 2
    with pytest.raises(SignerError):
        build_chain_context(settings_for(tmp_path, registry_address=ADDRESS))


def test_verify_refuses_another_chain_and_an_address_without_code(
    tmp_path: Path, devchain: DevChain, chain: ChainContext
) -> None:
    key = Account.create().key.hex()
    base = {"rpc_url": devchain.rpc_url, "signer_key": key}
    empty = build_chain_context(settings_for(tmp_path, registry_address=ADDRESS, **base))
    with pytest.raises(ChainConfigError, match="no contract at"):
        empty.verify()
    foreign = build_chain_context(
        settings_for(tmp_path, registry_address=chain.registry.address, chain_id=5, **base)
    )
    with pytest.raises(ChainMismatchError):
        foreign.verify()
    good = build_chain_context(
        settings_for(tmp_path, registry_address=chain.registry.address, **base)
    )
    good.verify()
    good.verify()  # checked once; no error the second time either
