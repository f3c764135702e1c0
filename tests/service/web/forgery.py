"""The forgery of issue 13, made for real on ganache: what an attacker with any key can do.

A second AnchorRegistry (the same bytecode) is deployed by a fresh account, a tree
holding a forged copy of a genuine entry (its 150,000-odd IDR changed to 1,000,000,000)
is anchored there, and the genuine bundle's entry, leaf, inclusion, statement hash and
anchor fields are pointed at it. Every check that reads the registry the bundle names
passes; only a pinned trust root tells the forgery apart.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.types import Wei

from anchor_service.chain import Signer, deploy_registry
from anchor_service.chain.models import AnchorCall
from anchor_service.chain.registry import RegistryClient
from anchor_service.dev import DEV_ACCOUNT_KEYS
from anchor_service.ledger.jcs import canonical_json
from anchor_service.merkle.hashing import leaf_hash
from anchor_service.merkle.tree import inclusion_proof, root

FORGED_AMOUNT = 1_000_000_000
CHAIN_ID = 1337


@dataclass(frozen=True)
class Forgery:
    """The forged bundle (as JSON text) and the attacker's registry it is anchored in."""

    text: str
    registry: str

    def bundle(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.text)
        return decoded


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


def forge(web3: Web3, genuine: dict[str, Any]) -> Forgery:
    """Deploy the attacker's registry, anchor the forged tree, return the forged bundle."""
    attacker, _ = fresh_signer(web3)
    deployment = deploy_registry(web3, attacker, attacker.address)
    registry = RegistryClient(web3, deployment.address, chain_id=CHAIN_ID)
    registry.grant_anchorer(attacker, attacker.address)

    forged = copy.deepcopy(genuine)
    entry = forged["entry"]
    for posting in entry["postings"]:
        sign = -1 if int(posting["amount"]) < 0 else 1
        posting["amount"] = str(sign * FORGED_AMOUNT)
    index = forged["leaf"]["index"]
    size = forged["inclusion"]["tree_size"]
    leaves = [leaf_hash(secrets.token_bytes(32)) for _ in range(size)]
    leaves[index] = leaf_hash(canonical_json(entry))
    tree_root = root(leaves)
    statement_hash = hashlib.sha256(b"a statement the attacker made up").digest()

    call = AnchorCall(tree_size=size, root=tree_root, statement_hash=statement_hash)
    signed = registry.build_anchor(attacker, call, registry.pending_nonce(attacker.address))
    receipt = registry.wait_for_receipt(registry.send_raw(signed.raw), timeout=30)
    assert receipt.succeeded, receipt

    forged["leaf"]["hash"] = leaves[index].hex()
    forged["inclusion"]["root"] = tree_root.hex()
    forged["inclusion"]["path"] = [node.hex() for node in inclusion_proof(leaves, index)]
    forged["statement_hash"] = statement_hash.hex()
    forged["anchor"].update(
        registry=deployment.address,
        seq=registry.anchor_count() - 1,
        tx_hash="0x" + receipt.tx_hash.hex(),
        block_number=receipt.block_number,
    )
    return Forgery(json.dumps(forged, ensure_ascii=False, indent=2), deployment.address)
