"""``RegistryClient``: everything the service does with one deployed AnchorRegistry.

Reads are plain calls. Anchoring is split so the caller can record an intent between
steps: :meth:`RegistryClient.build_anchor` (sign, nothing sent) ->
:meth:`RegistryClient.send_raw` -> :meth:`RegistryClient.get_receipt` /
:meth:`RegistryClient.confirmations` / :meth:`RegistryClient.block_hash_at`. A stuck
transaction is replaced with :meth:`RegistryClient.build_anchor_replacement` (same
nonce, fees +12.5 % or more). Admin operations (role grants, pause) send and wait.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3
from web3.types import TxReceipt

from anchor_service.chain import transactions
from anchor_service.chain.artifact import (
    REGISTRY_ARTIFACT_PATH,
    REGISTRY_V2_ARTIFACT_PATH,
    ContractArtifact,
    default_registry_artifact,
    load_artifact,
)
from anchor_service.chain.boundary import rpc_errors
from anchor_service.chain.connection import chain_id_of
from anchor_service.chain.errors import FeeCapExceededError, TransactionRevertedError
from anchor_service.chain.events import HEAD_ANCHORED_TOPIC, head_anchored_from_logs
from anchor_service.chain.fees import FeePolicy, Fees, bump_fees, suggest_fees
from anchor_service.chain.models import (
    AnchorCall,
    AnchoredHead,
    AnchorRecord,
    Receipt,
    SignedTx,
    Succession,
    TxState,
)
from anchor_service.chain.revert import RevertDecoder, RevertReason
from anchor_service.chain.signer import Signer
from anchor_service.chain.txbuilder import build_signed_tx, transact

__all__ = [
    "ANCHORER_ROLE",
    "DEFAULT_ADMIN_ROLE",
    "PAUSER_ROLE",
    "RegistryClient",
]

logger = logging.getLogger(__name__)

DEFAULT_ADMIN_ROLE = bytes(32)
ANCHORER_ROLE = keccak(text="ANCHORER_ROLE")
PAUSER_ROLE = keccak(text="PAUSER_ROLE")


class RegistryClient:
    """A deployed AnchorRegistry at ``address``, reached through ``web3``.

    ``chain_id`` is read from the node on first use when not given; ``fee_policy``
    defaults to ``FeePolicy()`` (cap :data:`~anchor_service.chain.fees.DEFAULT_MAX_FEE_GWEI`
    gwei). The ``artifact`` says which registry it is: AnchorRegistryV2 (the default,
    :data:`REGISTRY_V2_ARTIFACT_PATH`) keeps only the latest head in storage, and its
    earlier heads are read from its events (from block ``from_block``); the v1
    AnchorRegistry (:data:`REGISTRY_ARTIFACT_PATH`) keeps every head in storage. Use
    :meth:`detect` when the registry's version is not known.
    """

    def __init__(
        self,
        web3: Web3,
        address: str,
        *,
        artifact: ContractArtifact | None = None,
        fee_policy: FeePolicy | None = None,
        chain_id: int | None = None,
        from_block: int = 0,
    ) -> None:
        self.web3 = web3
        self.from_block = from_block
        self.address = to_checksum_address(address)
        self.artifact = artifact if artifact is not None else default_registry_artifact()
        self.fee_policy = fee_policy if fee_policy is not None else FeePolicy()
        self.decoder = RevertDecoder(self.artifact.abi)
        self._chain_id = chain_id
        self._contract = web3.eth.contract(address=self.address, abi=self.artifact.abi)

    @classmethod
    def detect(
        cls,
        web3: Web3,
        address: str,
        *,
        fee_policy: FeePolicy | None = None,
        chain_id: int | None = None,
        from_block: int = 0,
    ) -> RegistryClient:
        """A client with the ABI of the code deployed at ``address``: AnchorRegistry or
        AnchorRegistryV2 (immutables aside); the default (v2) artifact when the code is
        neither (or absent), so a reader reports what differs. One ``eth_getCode`` request."""
        with rpc_errors("read code"):
            code = bytes(web3.eth.get_code(to_checksum_address(address)))
        chosen = None
        for path in (REGISTRY_ARTIFACT_PATH, REGISTRY_V2_ARTIFACT_PATH):
            if path.is_file():
                artifact = load_artifact(path)
                if artifact.runtime_matches(code):
                    chosen = artifact
                    break
        return cls(
            web3,
            address,
            artifact=chosen,
            fee_policy=fee_policy,
            chain_id=chain_id,
            from_block=from_block,
        )

    def __repr__(self) -> str:
        return f"RegistryClient(address={self.address})"

    @property
    def chain_id(self) -> int:
        """The chain id transactions are signed for."""
        if self._chain_id is None:
            self._chain_id = chain_id_of(self.web3)
        return self._chain_id

    # --- reads ------------------------------------------------------------------------
    def _call(self, name: str, *args: Any) -> Any:
        with rpc_errors(f"call {name}", self.decoder):
            return self._contract.get_function_by_name(name)(*args).call()

    def is_deployed(self) -> bool:
        """Whether there is contract code at :attr:`address` (a wiped dev chain has none)."""
        with rpc_errors("read code"):
            return len(self.web3.eth.get_code(self.address)) > 0

    def latest_head(self) -> AnchoredHead | None:
        """The latest anchored head, ``None`` while nothing is anchored."""
        tree_size, root, seq = self._call("latestHead")
        return None if tree_size == 0 else AnchoredHead(int(seq), int(tree_size), bytes(root))

    def root_at(self, tree_size: int) -> bytes | None:
        """The root anchored for ``tree_size``, ``None`` if that size was never anchored
        (on a registry that :attr:`reads_events`, from its ``HeadAnchored`` events)."""
        if self.reads_events:
            for record in self.head_events():
                if record.tree_size == tree_size:
                    return record.root
            return None
        try:
            return bytes(self._call("rootAt", tree_size))
        except TransactionRevertedError as exc:
            if exc.error_name == "AnchorRegistryUnknownTreeSize":
                return None
            raise

    @property
    def reads_events(self) -> bool:
        """Whether this registry keeps only its latest head in storage (AnchorRegistryV2:
        no ``anchorAt``/``rootAt``), so earlier heads are read from its events."""
        return not any(
            item.get("type") == "function" and item.get("name") == "anchorAt"
            for item in self.artifact.abi
        )

    def head_events(self, seq: int | None = None) -> list[AnchorRecord]:
        """The registry's ``HeadAnchored`` events (only number ``seq``'s, if given), in
        chain order, as records with their block number and time."""
        topics: list[Any] = [HEAD_ANCHORED_TOPIC]
        if seq is not None:
            topics.append(seq.to_bytes(32, "big"))
        with rpc_errors("read HeadAnchored events"):
            logs = self.web3.eth.get_logs(
                {
                    "address": self.address,
                    "fromBlock": self.from_block,
                    "toBlock": "latest",
                    "topics": topics,
                }
            )
            records = []
            times: dict[int, int] = {}
            for log in logs:
                event = head_anchored_from_logs([log], self.address)
                if event is None:
                    continue
                number = int(log["blockNumber"])
                if number not in times:
                    times[number] = int(self.web3.eth.get_block(number)["timestamp"])
                records.append(
                    AnchorRecord(
                        event.seq,
                        event.tree_size,
                        event.root,
                        event.statement_hash,
                        number,
                        times[number],
                    )
                )
        return records

    def anchor_at(self, seq: int) -> AnchorRecord | None:
        """Anchor number ``seq`` (0-based), ``None`` if there is no such anchor yet
        (on a registry that :attr:`reads_events`, from its ``HeadAnchored`` event)."""
        if self.reads_events:
            found = self.head_events(seq)
            return found[-1] if found else None
        try:
            tree_size, root, statement_hash, block_number, timestamp = self._call("anchorAt", seq)
        except TransactionRevertedError as exc:
            if exc.error_name == "AnchorRegistryUnknownAnchor":
                return None
            raise
        return AnchorRecord(
            seq,
            int(tree_size),
            bytes(root),
            bytes(statement_hash),
            int(block_number),
            int(timestamp),
        )

    def anchor_count(self) -> int:
        """How many heads are anchored."""
        return int(self._call("anchorCount"))

    def has_role(self, role: bytes, account: str) -> bool:
        """Whether ``account`` holds ``role`` (e.g. :data:`ANCHORER_ROLE`)."""
        return bool(self._call("hasRole", role, to_checksum_address(account)))

    def is_paused(self) -> bool:
        """Whether anchoring is paused."""
        return bool(self._call("paused"))

    def verify_inclusion(
        self, index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes]
    ) -> bool:
        """The contract's own check of an inclusion proof against its stored root."""
        return bool(self._call("verifyInclusion", index, tree_size, leaf_hash, list(proof)))

    def verify_consistency(
        self, size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
    ) -> bool:
        """The contract's own (pure) RFC 9162 consistency check."""
        return bool(self._call("verifyConsistency", size1, size2, root1, root2, list(proof)))

    # --- anchoring: build, send, follow -------------------------------------------------
    def anchor_calldata(self, call: AnchorCall) -> bytes:
        """ABI-encoded ``anchor(...)`` call data."""
        args = [call.tree_size, call.root, call.statement_hash, list(call.consistency_proof)]
        return bytes.fromhex(self._contract.encode_abi("anchor", args=args)[2:])

    def pending_nonce(self, account: str) -> int:
        """Next nonce of ``account`` including its pool transactions (see transactions)."""
        return transactions.pending_nonce(self.web3, account)

    def mined_nonce(self, account: str) -> int:
        """Transactions of ``account`` already mined (its nonce at ``"latest"``)."""
        return transactions.mined_nonce(self.web3, account)

    def build_anchor(
        self,
        signer: Signer,
        call: AnchorCall,
        nonce: int,
        *,
        gas: int | None = None,
        fees: Fees | None = None,
    ) -> SignedTx:
        """Sign ``anchor(call)`` at ``nonce``; nothing is sent.

        Without ``gas`` the call is estimated first, so a head the contract would
        refuse raises :class:`TransactionRevertedError` (decoded) here. Without
        ``fees`` they are suggested under the cap (:class:`FeeCapExceededError` if
        impossible).
        """
        return build_signed_tx(
            self.web3,
            signer,
            to=self.address,
            data=self.anchor_calldata(call),
            nonce=nonce,
            chain_id=self.chain_id,
            policy=self.fee_policy,
            decoder=self.decoder,
            gas=gas,
            fees=fees,
        )

    def build_anchor_replacement(
        self,
        signer: Signer,
        call: AnchorCall,
        nonce: int,
        previous_fees: Fees,
        *,
        gas: int | None = None,
    ) -> SignedTx:
        """Sign the same call at the same ``nonce`` with fees bumped for replacement.

        Both fee fields rise by at least 12.5 % over ``previous_fees`` (and to the
        current suggestion if that is higher); :class:`FeeCapExceededError` when that
        would pass the cap.
        """
        try:
            market: Fees | None = suggest_fees(self.web3, self.fee_policy)
        except FeeCapExceededError:
            market = None
        fees = bump_fees(previous_fees, market, self.fee_policy)
        logger.info(
            "replacing nonce %d: max fee %d -> %d, priority %d -> %d",
            nonce,
            previous_fees.max_fee_per_gas,
            fees.max_fee_per_gas,
            previous_fees.max_priority_fee_per_gas,
            fees.max_priority_fee_per_gas,
        )
        return self.build_anchor(signer, call, nonce, gas=gas, fees=fees)

    def send_raw(self, raw: bytes) -> bytes:
        """Broadcast signed bytes; returns the tx hash. Idempotent for known bytes."""
        return transactions.send_raw_transaction(self.web3, raw)

    def transaction_state(self, tx_hash: bytes) -> TxState:
        """Whether the node has the transaction mined, pending, or not at all."""
        return transactions.transaction_state(self.web3, tx_hash)

    def get_receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt (with the decoded ``HeadAnchored`` event), ``None`` if not mined."""
        raw = transactions.fetch_receipt(self.web3, tx_hash)
        return None if raw is None else self._receipt(raw)

    def wait_for_receipt(self, tx_hash: bytes, *, timeout: float = 120.0) -> Receipt:
        """Poll until mined; :class:`TransactionTimeoutError` after ``timeout`` seconds."""
        return self._receipt(transactions.wait_for_receipt(self.web3, tx_hash, timeout=timeout))

    def head_block_number(self) -> int:
        """The node's latest block number."""
        return transactions.head_block_number(self.web3)

    def block_hash_at(self, number: int) -> bytes | None:
        """Hash of the current chain's block at ``number`` (for reorg re-checks)."""
        return transactions.block_hash_at(self.web3, number)

    def confirmations(self, receipt: Receipt) -> int:
        """Blocks from the receipt's block to the head (1 when just mined); 0 if reorged."""
        return transactions.confirmations(self.web3, receipt)

    def revert_reason(self, tx_hash: bytes) -> RevertReason:
        """Why a mined transaction reverted (replayed at its parent block)."""
        return transactions.replay_revert_reason(self.web3, tx_hash, self.decoder)

    def _receipt(self, raw: TxReceipt) -> Receipt:
        return transactions.receipt_from(raw, head_anchored_from_logs(raw["logs"], self.address))

    # --- succession (AnchorRegistryV2) --------------------------------------------------
    def predecessor(self) -> str | None:
        """The registry this one succeeds, ``None`` when none (or a v1 registry)."""
        if not self.reads_events:
            return None
        address = str(self._call("predecessor"))
        return None if int(address, 16) == 0 else to_checksum_address(address)

    def succession(self) -> Succession | None:
        """The scheduled or effective retirement in favour of a successor, ``None`` when
        none is scheduled (or a v1 registry)."""
        if not self.reads_events:
            return None
        successor, ready_at, retired, kept, tree_size, root, statement_hash = self._call(
            "succession"
        )
        if int(str(successor), 16) == 0:
            return None
        return Succession(
            to_checksum_address(successor),
            int(ready_at),
            bool(retired),
            int(kept),
            int(tree_size),
            bytes(root),
            bytes(statement_hash),
        )

    def link(self, signer: Signer, *, timeout: float = 120.0) -> Receipt:
        """Take over from the retired predecessor (anyone may send it); reverts
        ``AnchorRegistryAlreadyLinked`` when done already."""
        return self._transact(signer, "link", [], timeout)

    # --- admin: send and wait ----------------------------------------------------------
    def _transact(self, signer: Signer, name: str, args: list[Any], timeout: float) -> Receipt:
        data = bytes.fromhex(self._contract.encode_abi(name, args=args)[2:])
        raw = transact(
            self.web3,
            signer,
            to=self.address,
            data=data,
            chain_id=self.chain_id,
            policy=self.fee_policy,
            decoder=self.decoder,
            timeout=timeout,
        )
        return self._receipt(raw)

    def grant_role(
        self, signer: Signer, role: bytes, account: str, *, timeout: float = 120.0
    ) -> Receipt:
        """Grant ``role`` to ``account`` (``signer`` must hold the role's admin role)."""
        receipt = self._transact(signer, "grantRole", [role, to_checksum_address(account)], timeout)
        logger.info("granted role 0x%s to %s", role.hex(), account)
        return receipt

    def grant_anchorer(self, signer: Signer, account: str, *, timeout: float = 120.0) -> Receipt:
        """Let ``account`` anchor heads."""
        return self.grant_role(signer, ANCHORER_ROLE, account, timeout=timeout)

    def grant_pauser(self, signer: Signer, account: str, *, timeout: float = 120.0) -> Receipt:
        """Let ``account`` pause and unpause anchoring."""
        return self.grant_role(signer, PAUSER_ROLE, account, timeout=timeout)

    def pause(self, signer: Signer, *, timeout: float = 120.0) -> Receipt:
        """Stop anchoring (``signer`` needs :data:`PAUSER_ROLE`)."""
        return self._transact(signer, "pause", [], timeout)

    def unpause(self, signer: Signer, *, timeout: float = 120.0) -> Receipt:
        """Resume anchoring (``signer`` needs :data:`PAUSER_ROLE`)."""
        return self._transact(signer, "unpause", [], timeout)
