"""The attack of issue 13, built for real on ganache, and the trust roots that stop it.

An operator's log of 5 payments is anchored in the genuine registry. An attacker deploys
a second AnchorRegistry (the same bytecode, their own ganache key), anchors a tree in
which payment 2 (150,000 IDR) is replaced by a forged copy (1,000,000,000 IDR, the same
salt and everything else), and points the genuine bundle's ``anchor.registry``,
``tx_hash``, ``seq`` and ``block_number`` at it. Every check that reads the registry the
bundle names passes; only a pinned trust root tells the two apart. The forging itself is
tests/service/anchored_log/forgery.py's, the /verify page's tests use it too.

The genuine log also has a log key and a witness (``anchor_service.tlog``): its signed,
cosigned checkpoint of the anchored tree goes in the genuine bundle's ``checkpoint``
field, so offline verification against a policy can bind it. Nothing here is hard-coded:
every hash, address and transaction comes from the chain or the encoders.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from anchor_service import merkle
from anchor_service.chain import RegistryClient, Signer
from anchor_service.ledger import EncodedEntry, canonical_json, encode_entry, parse_entry
from anchor_service.tlog import (
    Checkpoint,
    Note,
    generate_cosignature_key,
    generate_key,
    new_cosignature_signer,
    new_signer,
    sign_note,
)
from anchor_service.verifier import AnchorRef, ProofBundle, parse_bundle
from tests.service.anchored_log.forgery import ForgedAnchor, forge_bundle

from .anchored import Anchored, anchor_head

FORGED_INDEX = 2
GENUINE_AMOUNT = 150_000
LOG_ORIGIN = "example.com/anchor-service/test"
WITNESS_NAME = "witness.example/w1"


@dataclass(frozen=True)
class LogKeys:
    """The operator's log key and one witness's cosignature key (signer and verifier)."""

    log_skey: str
    log_vkey: str
    witness_skey: str
    witness_vkey: str

    @classmethod
    def generate(cls, origin: str = LOG_ORIGIN) -> LogKeys:
        log_skey, log_vkey = generate_key(origin)
        witness_skey, witness_vkey = generate_cosignature_key(WITNESS_NAME)
        return cls(log_skey, log_vkey, witness_skey, witness_vkey)

    def checkpoint(self, size: int, root: bytes, *, cosigned: bool = True) -> str:
        """The signed checkpoint note of a tree, cosigned by the witness unless told not to."""
        body = Checkpoint(new_signer(self.log_skey).name, size, root).text
        signers: list[Any] = [new_signer(self.log_skey)]
        if cosigned:
            signers.append(new_cosignature_signer(self.witness_skey))
        return sign_note(Note(body), *signers).decode("utf-8")

    def policy(self, *registries: tuple[int, str], witnessed: bool = True) -> str:
        """A trust policy: this log, the witness as quorum (or none), and ``registries``."""
        lines = [f"log {self.log_vkey}"]
        if witnessed:
            lines.append(f"witness W1 {self.witness_vkey}")
        lines += [f"registry {chain_id} {address}" for chain_id, address in registries]
        lines.append("quorum W1" if witnessed else "quorum none")
        return "\n".join(lines) + "\n"


def payment(number: int, amount: int) -> dict[str, Any]:
    """A payment document as the API takes it."""
    return {
        "external_id": f"tour-2026-12-04-{number:04d}",
        "occurred_at": "2026-12-04T09:30:00+07:00",
        "description": f"Tour package payment {number}",
        "postings": [
            {"account": f"customer:{700 + number}", "amount": str(-amount), "currency": "IDR"},
            {"account": "revenue:tours", "amount": str(amount), "currency": "IDR"},
        ],
        "metadata": {"gateway": "midtrans", "gateway_ref": f"MT-{91000 + number}"},
    }


def encode(body: dict[str, Any]) -> EncodedEntry:
    return encode_entry(parse_entry(json.dumps(body)), max_metadata_bytes=4096)


@dataclass(frozen=True)
class Forgery:
    """The genuine log in its registry and the forged copy of payment 2 in the attacker's
    (tests/service/anchored_log/forgery.py, shared with the /verify page's tests)."""

    chain_id: int
    genuine_registry: str
    documents: tuple[dict[str, Any], ...]  # the genuine log's stored documents
    genuine_anchor: Anchored
    forged_anchor: ForgedAnchor
    keys: LogKeys

    @property
    def forged_registry(self) -> str:
        return self.forged_anchor.registry

    @property
    def forged_document(self) -> dict[str, Any]:
        return self.forged_anchor.document

    @property
    def genuine_leaves(self) -> list[bytes]:
        return [merkle.leaf_hash(canonical_json(doc)) for doc in self.documents]

    def genuine_bundle(self, index: int = FORGED_INDEX, *, checkpoint: bool = True) -> ProofBundle:
        head = self.genuine_anchor
        note = self.keys.checkpoint(head.tree_size, head.root) if checkpoint else None
        bundle = _bundle(self.documents, index, self.chain_id, self.genuine_registry, head)
        return dataclasses.replace(bundle, checkpoint=note)

    def forged_bundle(self) -> ProofBundle:
        """The genuine bundle of payment 2, its entry forged, pointed at the forged anchor."""
        return parse_bundle(copy.deepcopy(self.forged_anchor.bundle))


def build_forgery(
    genuine: RegistryClient, operator: Signer, forged: RegistryClient, attacker: Signer
) -> Forgery:
    """Anchor the genuine log in ``genuine``, then forge payment 2's bundle into ``forged``
    (the forged tree: the genuine leaves, payment 2's replaced)."""
    entries = [encode(payment(n, GENUINE_AMOUNT if n == FORGED_INDEX else 1000 * (n + 1)))
               for n in range(5)]  # fmt: skip
    documents = tuple(json.loads(entry.document) for entry in entries)
    leaves = [entry.leaf_hash for entry in entries]
    genuine_anchor = anchor_head(genuine, operator, leaves, len(leaves), 0)
    payment_2 = _bundle(documents, FORGED_INDEX, 1337, genuine.address, genuine_anchor)
    return Forgery(
        chain_id=1337,
        genuine_registry=genuine.address,
        documents=documents,
        genuine_anchor=genuine_anchor,
        forged_anchor=forge_bundle(forged, attacker, payment_2.to_json(), leaves),
        keys=LogKeys.generate(),
    )


def _bundle(
    documents: tuple[dict[str, Any], ...], index: int, chain_id: int, registry: str, head: Anchored
) -> ProofBundle:
    """The genuine bundle of entry ``index`` in ``head`` (no checkpoint)."""
    leaves = [merkle.leaf_hash(canonical_json(doc)) for doc in documents]
    return ProofBundle(
        entry=copy.deepcopy(documents[index]),
        leaf_index=index,
        leaf_hash=leaves[index],
        tree_size=head.tree_size,
        root=head.root,
        path=tuple(merkle.inclusion_proof(leaves, index)),
        statement_hash=head.statement_hash,
        anchor=AnchorRef(chain_id, registry, head.seq, head.tx_hash, head.block_number),
    )
