"""Load a compiled contract artifact (ABI + creation bytecode) from JSON.

The registry's artifact is committed at ``anchor_service/chain/artifacts/
AnchorRegistry.json`` (written by ``scripts/export_artifact.py``), so the service can
deploy and talk to the contract without a compiler.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchor_service.chain.errors import ArtifactError

__all__ = ["REGISTRY_ARTIFACT_PATH", "ContractArtifact", "load_artifact"]

REGISTRY_ARTIFACT_PATH = Path(__file__).resolve().parent / "artifacts" / "AnchorRegistry.json"


@dataclass(frozen=True)
class ContractArtifact:
    """A contract's ``abi`` (list of JSON objects) and creation ``bytecode``."""

    contract_name: str
    abi: Sequence[Mapping[str, Any]]
    bytecode: bytes

    def entry(self, kind: str, name: str) -> Mapping[str, Any]:
        """The ABI entry of type ``kind`` (function, event, error) called ``name``."""
        for item in self.abi:
            if item.get("type") == kind and item.get("name") == name:
                return item
        raise ArtifactError(f"{self.contract_name} ABI has no {kind} {name!r}")


def load_artifact(path: Path = REGISTRY_ARTIFACT_PATH) -> ContractArtifact:
    """Read an artifact with keys ``abi`` and ``bytecode`` (hex, ``0x`` optional).

    ``contractName`` is used when present, else the file name's stem.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactError(f"contract artifact {path} does not exist") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"contract artifact {path} is unreadable: {exc}") from exc
    if not isinstance(document, dict):
        raise ArtifactError(f"contract artifact {path} is not a JSON object")
    abi = document.get("abi")
    bytecode = document.get("bytecode")
    if not isinstance(abi, list) or not all(isinstance(item, dict) for item in abi):
        raise ArtifactError(f"contract artifact {path} has no ABI list")
    if not isinstance(bytecode, str) or not bytecode.removeprefix("0x"):
        raise ArtifactError(f"contract artifact {path} has no bytecode")
    try:
        code = bytes.fromhex(bytecode.removeprefix("0x"))
    except ValueError as exc:
        raise ArtifactError(
            f"contract artifact {path} bytecode is not plain hex (unlinked library?)"
        ) from exc
    name = document.get("contractName")
    return ContractArtifact(
        contract_name=name if isinstance(name, str) and name else Path(path).stem,
        abi=abi,
        bytecode=code,
    )
