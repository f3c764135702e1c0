"""Check a consistency proof between two anchored tree sizes against the registry on chain.

The proof (from the API's ``GET /v1/log/consistency`` or a file) is trusted for nothing:
the roots come from the registry's heads at N and M (AnchorRegistryV2: its
``HeadAnchored`` events; v1: ``rootAt(N)`` and ``rootAt(M)``) on a node the auditor
chose, at a registry address the auditor pinned (``--registry`` or a policy file's
``registry <chain-id> <address>`` lines). Outcomes, as ``anchor-service verify``:

- ``valid``      both sizes are anchored and the proof leads from root N to root M;
- ``invalid``    a size was never anchored, the proof does not fit, or the document's
  roots differ from the chain's;
- ``unverified`` the chain could not be read (unreachable, wrong URL, garbage answers),
  or no pinned registry is on the node's chain.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from anchor_service.merkle import VerificationError, check_consistency
from anchor_service.verifier.chainview import ChainReadError, ChainView

__all__ = ["ConsistencyDocument", "ConsistencyResult", "ConsistencyStatus", "check_on_chain"]


class ConsistencyStatus(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNVERIFIED = "unverified"


@dataclass(frozen=True, slots=True)
class ConsistencyDocument:
    """A consistency proof as the API answers it (``roots`` only when the document had them)."""

    proof: tuple[bytes, ...]
    claimed_first: bytes | None = None
    claimed_second: bytes | None = None

    @classmethod
    def parse(cls, document: Any, first: int, second: int) -> ConsistencyDocument:
        """Read ``{"proof": [hex, ...], "first": {...}, "second": {...}}``; ValueError if not."""
        if not isinstance(document, Mapping):
            raise ValueError("not a JSON object")
        if isinstance(document.get("error"), str) and "proof" not in document:
            raise ValueError(
                f"an API error document: {document['error']}: {document.get('detail')}"
            )
        hashes = document.get("proof")
        if not isinstance(hashes, list):
            raise ValueError("proof: must be an array of hex hashes")
        proof = tuple(_hash(value, f"proof[{i}]") for i, value in enumerate(hashes))
        claimed = [
            _claimed_root(document.get(name), size, name)
            for name, size in (("first", first), ("second", second))
        ]
        return cls(proof, claimed[0], claimed[1])


@dataclass(slots=True)
class ConsistencyResult:
    status: ConsistencyStatus
    reason: str
    first: int
    second: int
    node: str
    chain_id: int | None = None
    registry: str | None = None
    roots: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "reason": self.reason,
            "first": self.first,
            "second": self.second,
            "node": self.node,
            "chain_id": self.chain_id,
            "registry": self.registry,
            "root_first": self.roots.get(self.first),
            "root_second": self.roots.get(self.second),
        }


def check_on_chain(
    chain: ChainView,
    node: str,
    registries: Sequence[tuple[int | None, str]],
    first: int,
    second: int,
    document: ConsistencyDocument,
) -> ConsistencyResult:
    """Check ``document`` against the first of ``registries`` (``(chain id or None,
    address)``) on the node's chain; see the module docstring for the outcomes."""
    result = ConsistencyResult(ConsistencyStatus.UNVERIFIED, "", first, second, node)
    try:
        result.chain_id = chain.chain_id()
        pinned = [
            address for chain_id, address in registries if chain_id in (None, result.chain_id)
        ]
        if not pinned:
            result.reason = f"no pinned registry is on chain {result.chain_id} (node {node})"
            return result
        result.registry = pinned[0]
        if not chain.is_contract(result.registry):
            return _invalid(result, f"no contract at {result.registry} on chain {result.chain_id}")
        root_first = chain.root_at(result.registry, first)
        root_second = chain.root_at(result.registry, second)
    except ChainReadError as exc:
        what = "chain unreachable" if exc.unreachable else "chain read failed"
        result.reason = f"{what}: {exc}"
        return result
    if root_first is None or root_second is None:
        size = first if root_first is None else second
        return _invalid(result, f"tree size {size} was never anchored in {result.registry}")
    result.roots = {first: root_first.hex(), second: root_second.hex()}
    for size, claimed, root in (
        (first, document.claimed_first, root_first),
        (second, document.claimed_second, root_second),
    ):
        if claimed is not None and claimed != root:
            return _invalid(
                result,
                f"the document's root at tree size {size} is {claimed.hex()}, the "
                f"registry's is {root.hex()}",
            )
    try:
        check_consistency(first, second, document.proof, root_first, root_second)
    except VerificationError as exc:
        return _invalid(
            result, f"the proof does not lead from root {first} to root {second}: {exc}"
        )
    result.status = ConsistencyStatus.VALID
    result.reason = (
        f"tree size {first} is a prefix of tree size {second}: both roots are anchored in "
        f"{result.registry} on chain {result.chain_id}"
    )
    return result


def _invalid(result: ConsistencyResult, reason: str) -> ConsistencyResult:
    result.status = ConsistencyStatus.INVALID
    result.reason = reason
    return result


def _hash(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64:
        raise ValueError(f"{where}: must be 64 lower-case hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"{where}: must be 64 lower-case hex digits") from None


def _claimed_root(head: Any, size: int, name: str) -> bytes | None:
    if head is None:
        return None
    if not isinstance(head, Mapping) or head.get("tree_size") != size:
        raise ValueError(f"{name}.tree_size: the document is about another tree size, not {size}")
    return _hash(head.get("root"), f"{name}.root")
