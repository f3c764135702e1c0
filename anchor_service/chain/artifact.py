"""Load a compiled contract artifact (ABI, creation and runtime bytecode) from JSON.

The registries' artifacts are committed in ``anchor_service/chain/artifacts/``
(``AnchorRegistryV2.json``, the default, and the v1 ``AnchorRegistry.json``; written by
``scripts/export_artifact.py``), so the service can deploy and talk to the contracts
without a compiler.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchor_service.chain.errors import ArtifactError

__all__ = [
    "DEFAULT_REGISTRY_ARTIFACT_PATH",
    "REGISTRY_ARTIFACT_PATH",
    "REGISTRY_V2_ARTIFACT_PATH",
    "ContractArtifact",
    "default_registry_artifact",
    "load_artifact",
]

#: AnchorRegistry (v1: every head in storage, ``rootAt``/``anchorAt``); still read, deployed
#: only on request (``anchor-service deploy --v1``).
REGISTRY_ARTIFACT_PATH = Path(__file__).resolve().parent / "artifacts" / "AnchorRegistry.json"
#: AnchorRegistryV2 (only the latest head in storage; heads in events; succession).
REGISTRY_V2_ARTIFACT_PATH = REGISTRY_ARTIFACT_PATH.with_name("AnchorRegistryV2.json")
#: The registry the service deploys and talks to unless told otherwise: AnchorRegistryV2.
DEFAULT_REGISTRY_ARTIFACT_PATH = REGISTRY_V2_ARTIFACT_PATH


@dataclass(frozen=True)
class ContractArtifact:
    """A contract's ``abi`` (list of JSON objects) and creation ``bytecode``."""

    contract_name: str
    abi: Sequence[Mapping[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes = b""
    immutable_ranges: tuple[tuple[int, int], ...] = ()

    @property
    def masked_ranges(self) -> tuple[tuple[int, int], ...]:
        """The ``(start, length)`` ranges :meth:`runtime_matches` leaves out (immutables)."""
        return self.immutable_ranges or _zero_push32_ranges(self.deployed_bytecode)

    def runtime_matches(self, code: bytes) -> bool:
        """Whether ``code`` (from ``eth_getCode``) is this contract's runtime bytecode,
        the bytes of its immutables aside (``immutable_ranges``: ``(start, length)``).
        ``False`` when the artifact has no ``deployedBytecode``."""
        expected = self.deployed_bytecode
        if not expected or len(code) != len(expected):
            return False
        masked, found = bytearray(expected), bytearray(code)
        for start, length in self.masked_ranges:
            masked[start : start + length] = found[start : start + length]
        return bytes(masked) == bytes(found)


_PUSH1, _PUSH32 = 0x60, 0x7F


def _zero_push32_ranges(code: bytes) -> tuple[tuple[int, int], ...]:
    """Where solc left an immutable's value out of the runtime code: the immediates of
    ``PUSH32`` instructions that are all zero (used when the artifact does not list its
    ``immutableReferences``). The metadata at the end may be misread as code; a zero
    ``PUSH32`` there only widens the mask by bytes that are zero in the artifact."""
    ranges = []
    position = 0
    while position < len(code):
        opcode = code[position]
        if _PUSH1 <= opcode <= _PUSH32:
            width = opcode - _PUSH1 + 1
            immediate = code[position + 1 : position + 1 + width]
            if opcode == _PUSH32 and len(immediate) == 32 and not any(immediate):
                ranges.append((position + 1, 32))
            position += 1 + width
        else:
            position += 1
    return tuple(ranges)

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
    deployed = document.get("deployedBytecode")
    try:
        runtime = bytes.fromhex(deployed.removeprefix("0x")) if isinstance(deployed, str) else b""
    except ValueError:
        runtime = b""
    return ContractArtifact(
        contract_name=name if isinstance(name, str) and name else Path(path).stem,
        abi=abi,
        bytecode=code,
        deployed_bytecode=runtime,
        immutable_ranges=_immutable_ranges(document.get("immutableReferences")),
    )


def _immutable_ranges(references: object) -> tuple[tuple[int, int], ...]:
    """solc's ``immutableReferences`` (``{id: [{start, length}, ...]}``) as ranges."""
    if not isinstance(references, dict):
        return ()
    ranges = []
    for places in references.values():
        for place in places if isinstance(places, list) else ():
            if isinstance(place, dict):
                start, length = place.get("start"), place.get("length")
                if isinstance(start, int) and isinstance(length, int):
                    ranges.append((start, length))
    return tuple(sorted(ranges))


def default_registry_artifact() -> ContractArtifact:
    """The artifact at :data:`DEFAULT_REGISTRY_ARTIFACT_PATH` (AnchorRegistryV2)."""
    return load_artifact(DEFAULT_REGISTRY_ARTIFACT_PATH)
