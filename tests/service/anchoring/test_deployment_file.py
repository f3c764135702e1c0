"""The deployment file: written atomically, read back, Brownie's record accepted too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anchor_service.services.anchoring.deployment import (
    DeploymentFileError,
    DeploymentRecord,
    read_deployment,
    write_deployment,
)

ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_record_round_trips_through_the_file(tmp_path: Path) -> None:
    record = DeploymentRecord(
        chain_id=1337, address=ADDRESS, block_number=3, tx_hash=b"\xab" * 32,
        deployer=ADDRESS, admin=ADDRESS, anchorer=ADDRESS,
    )  # fmt: skip
    path = tmp_path / "sub" / "deployment.json"
    write_deployment(path, record)
    assert read_deployment(path) == record
    assert json.loads(path.read_text())["txHash"] == "0x" + "ab" * 32
    assert [p.name for p in path.parent.iterdir()] == ["deployment.json"]


def test_missing_file_reads_as_none(tmp_path: Path) -> None:
    assert read_deployment(tmp_path / "nothing.json") is None


def test_brownie_deploy_script_record_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "AnchorRegistry-1337.json"
    path.write_text(json.dumps({
        "contractName": "AnchorRegistry", "network": "ganache-cli", "chainId": 1337,
        "address": ADDRESS.lower(), "blockNumber": 1, "txHash": "0x" + "12" * 32,
        "deployer": ADDRESS, "anchorer": ADDRESS, "abi": "x.json", "matchesArtifact": True,
    }))  # fmt: skip
    record = read_deployment(path)
    assert record is not None
    assert (record.chain_id, record.address, record.block_number) == (1337, ADDRESS, 1)
    assert record.admin is None


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("not json", "unreadable"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"address": ADDRESS}), "chainId"),
        (json.dumps({"chainId": True, "address": ADDRESS}), "chainId"),
        (json.dumps({"chainId": 1337, "address": "0x1234"}), "address"),
    ],
)
def test_malformed_file_is_reported(tmp_path: Path, content: str, complaint: str) -> None:
    path = tmp_path / "deployment.json"
    path.write_text(content)
    with pytest.raises(DeploymentFileError, match=complaint):
        read_deployment(path)
