"""The verifier tests' log: entries from the ledger's encoder, heads anchored on a chain.

Bundles are built exactly as the format says, from these parts; nothing in them is
hard-coded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from anchor_service import merkle
from anchor_service.chain import AnchorCall, RegistryClient, Signer
from anchor_service.ledger import EncodedEntry, canonical_json, encode_entry, parse_entry
from anchor_service.verifier import AnchorRef, ProofBundle

LOG_SIZE = 7
FIRST_HEAD = 4


@dataclass(frozen=True)
class Anchored:
    """One head anchored on chain, as the chain recorded it."""

    seq: int
    tree_size: int
    root: bytes
    statement_hash: bytes
    tx_hash: bytes
    block_number: int


@dataclass(frozen=True)
class AnchoredLog:
    """The test log: its entries, the registry and the anchors (by seq)."""

    chain_id: int
    registry: str
    entries: tuple[EncodedEntry, ...]
    anchors: tuple[Anchored, ...]

    @property
    def leaf_hashes(self) -> list[bytes]:
        return [entry.leaf_hash for entry in self.entries]

    def bundle(self, index: int, seq: int = 1) -> ProofBundle:
        """The proof bundle of leaf ``index`` in the head anchored as ``seq``."""
        head = self.anchors[seq]
        entry = self.entries[index]
        return ProofBundle(
            entry=json.loads(entry.document),
            leaf_index=index,
            leaf_hash=entry.leaf_hash,
            tree_size=head.tree_size,
            root=head.root,
            path=tuple(merkle.inclusion_proof(self.leaf_hashes[: head.tree_size], index)),
            statement_hash=head.statement_hash,
            anchor=AnchorRef(
                chain_id=self.chain_id,
                registry=self.registry,
                seq=head.seq,
                tx_hash=head.tx_hash,
                block_number=head.block_number,
            ),
        )

    def bundle_json(self, index: int, seq: int = 1) -> dict[str, Any]:
        return self.bundle(index, seq).to_json()


def make_entries(count: int) -> tuple[EncodedEntry, ...]:
    """``count`` entries, encoded by the ledger (each with a fresh random salt)."""
    encoded = []
    for number in range(count):
        body = {
            "external_id": f"pay-2026-11-21-{number:06d}",
            "occurred_at": "2026-11-21T08:15:00+07:00",
            "description": f"Contribution {number} to project 42",
            "postings": [
                {"account": "wallet:user:981", "amount": str(-1000 * (number + 1)),
                 "currency": "IDR"},
                {"account": "escrow:project:42", "amount": str(1000 * (number + 1)),
                 "currency": "IDR"},
            ],
            "metadata": {"gateway": "midtrans", "gateway_ref": f"MT-{88000 + number}"},
        }  # fmt: skip
        encoded.append(encode_entry(parse_entry(json.dumps(body)), max_metadata_bytes=4096))
    return tuple(encoded)


def statement_hash(start: int, end: int) -> bytes:
    """A stand-in settlement statement hash for the batch ``[start, end)``."""
    return hashlib.sha256(canonical_json({"start": start, "end": end})).digest()


def anchor_head(
    registry: RegistryClient, signer: Signer, leaves: list[bytes], size: int, old_size: int
) -> Anchored:
    proof = merkle.consistency_proof(leaves[:size], old_size) if old_size else []
    call = AnchorCall(size, merkle.root(leaves[:size]), statement_hash(old_size, size),
                      tuple(proof))  # fmt: skip
    signed = registry.build_anchor(signer, call, registry.pending_nonce(signer.address))
    receipt = registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=30)
    assert receipt.succeeded and receipt.head_anchored is not None
    return Anchored(
        seq=receipt.head_anchored.seq,
        tree_size=size,
        root=call.root,
        statement_hash=call.statement_hash,
        tx_hash=receipt.tx_hash,
        block_number=receipt.block_number,
    )
