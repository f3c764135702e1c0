"""The forgery of issue 13, made for real on ganache: what an attacker with any key can do.

A second AnchorRegistry (the same bytecode) is deployed by an account the attacker holds,
a tree holding a forged copy of a genuine entry (every posting's amount changed to
:data:`FORGED_AMOUNT`, the salt and everything else kept) is anchored there, and the
genuine bundle's entry, leaf, inclusion, statement hash and anchor fields are pointed at
it. Every check that reads the registry the bundle names passes; only a pinned trust root
tells the forgery apart. One forgery for every suite: the verifier's
(tests/service/verifier) and the /verify page's (tests/service/web).
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.types import Wei

from anchor_service import merkle
from anchor_service.chain import AnchorCall, RegistryClient, Signer, deploy_registry
from anchor_service.dev import DEV_ACCOUNT_KEYS
from anchor_service.ledger.jcs import canonical_json

__all__ = [
    "FORGED_AMOUNT",
    "ForgedAnchor",
    "attacker_registry",
    "forge_bundle",
    "forge_entry",
    "fresh_signer",
]

FORGED_AMOUNT = 1_000_000_000
CHAIN_ID = 1337


@dataclass(frozen=True)
class ForgedAnchor:
    """The forged bundle (JSON document) and the forged head as the attacker's registry
    recorded it."""

    bundle: dict[str, Any]
    registry: str
    leaves: tuple[bytes, ...]
    seq: int
    tree_size: int
    root: bytes
    statement_hash: bytes
    tx_hash: bytes
    block_number: int

    @property
    def text(self) -> str:
        """The forged bundle as the attacker would hand it over (JSON text)."""
        return json.dumps(self.bundle, ensure_ascii=False, indent=2)

    @property
    def document(self) -> dict[str, Any]:
        """The forged entry document."""
        entry: dict[str, Any] = self.bundle["entry"]
        return entry


def fresh_signer(web3: Web3) -> tuple[Signer, str]:
    """A new account funded by ganache's (unlocked) deterministic account 9, and its key."""
    key: str = Account.create().key.hex()
    signer = Signer.from_key(key)
    funder = Account.from_key(DEV_ACCOUNT_KEYS[9]).address
    tx_hash = web3.eth.send_transaction(
        {"from": funder, "to": signer.address, "value": Wei(10**18)}
    )
    web3.eth.wait_for_transaction_receipt(tx_hash, timeout=10)
    return signer, key


def attacker_registry(web3: Web3, attacker: Signer) -> RegistryClient:
    """The attacker's own registry: deployed, administered and anchored into by ``attacker``."""
    deployment = deploy_registry(web3, attacker, attacker.address)
    registry = RegistryClient(web3, deployment.address, chain_id=CHAIN_ID)
    registry.grant_anchorer(attacker, attacker.address)
    return registry


def forge_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``entry`` with every posting's amount made :data:`FORGED_AMOUNT` (sign kept)."""
    forged = copy.deepcopy(entry)
    for posting in forged["postings"]:
        sign = -1 if int(posting["amount"]) < 0 else 1
        posting["amount"] = str(sign * FORGED_AMOUNT)
    return forged


def forge_bundle(
    registry: RegistryClient,
    attacker: Signer,
    genuine: dict[str, Any],
    leaves: Sequence[bytes] | None = None,
) -> ForgedAnchor:
    """Anchor the forged tree in ``registry`` (the attacker's) and point a copy of the
    ``genuine`` bundle document at it. The forged tree is ``leaves`` (the genuine log's,
    when the test has them; random ones otherwise) with the forged entry's leaf at its index.
    """
    forged = copy.deepcopy(genuine)
    forged["entry"] = forge_entry(genuine["entry"])
    index = int(forged["leaf"]["index"])
    size = int(forged["inclusion"]["tree_size"])
    tree = (
        list(leaves[:size])
        if leaves is not None
        else [merkle.leaf_hash(secrets.token_bytes(32)) for _ in range(size)]
    )
    tree[index] = merkle.leaf_hash(canonical_json(forged["entry"]))
    call = AnchorCall(
        tree_size=size,
        root=merkle.root(tree),
        statement_hash=hashlib.sha256(b"a statement the attacker made up").digest(),
    )
    signed = registry.build_anchor(attacker, call, registry.pending_nonce(attacker.address))
    receipt = registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=30)
    assert receipt.succeeded and receipt.head_anchored is not None, receipt
    seq = receipt.head_anchored.seq

    forged["leaf"]["hash"] = tree[index].hex()
    forged["inclusion"]["root"] = call.root.hex()
    forged["inclusion"]["path"] = [node.hex() for node in merkle.inclusion_proof(tree, index)]
    forged["statement_hash"] = call.statement_hash.hex()
    forged.pop("checkpoint", None)  # the attacker holds no log key
    forged["anchor"].update(
        registry=registry.address,
        seq=seq,
        tx_hash="0x" + receipt.tx_hash.hex(),
        block_number=receipt.block_number,
    )
    return ForgedAnchor(
        bundle=forged,
        registry=registry.address,
        leaves=tuple(tree),
        seq=seq,
        tree_size=size,
        root=call.root,
        statement_hash=call.statement_hash,
        tx_hash=receipt.tx_hash,
        block_number=receipt.block_number,
    )
