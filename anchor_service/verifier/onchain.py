"""``Web3ChainView``: the verifier's :class:`ChainView` over ``anchor_service.chain``.

Chain-layer errors become :class:`ChainReadError` here (``unreachable`` when the node
could not be reached), so the checks never see web3 or its exceptions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from web3 import Web3

from anchor_service.chain import (
    ChainError,
    ChainUnavailableError,
    ContractArtifact,
    RegistryClient,
    chain_id_of,
    connect,
)
from anchor_service.chain.events import head_anchored_from_logs
from anchor_service.chain.transactions import block_hash_at, fetch_receipt, head_block_number
from anchor_service.observability.redaction import public_url
from anchor_service.verifier.chainview import (
    AnchorReceipt,
    ChainReadError,
    HeadAnchoredLog,
    RegistryAnchor,
)

__all__ = ["REGISTRY_CLIENTS", "Web3ChainView"]

REGISTRY_CLIENTS = 8
"""Most registry clients a view keeps (least recently used first out): a service answering
bundles that name ever new addresses must not keep a client for each."""


@contextmanager
def _reading(node: str) -> Iterator[None]:
    """Chain errors as :class:`ChainReadError`, naming ``node`` (``scheme://host:port``)."""
    try:
        yield
    except ChainUnavailableError as exc:
        raise ChainReadError(f"{exc.detail} (node {node})", unreachable=True) from exc
    except ChainError as exc:
        raise ChainReadError(f"{exc.detail} (node {node})") from exc


class Web3ChainView:
    """Reads from the node behind ``web3``; a :class:`RegistryClient` for each of the
    :data:`REGISTRY_CLIENTS` addresses read most recently, with the ABI of the registry
    deployed there (``RegistryClient.detect``: an AnchorRegistryV2's heads are read from
    its events) unless ``artifact`` fixes one."""

    def __init__(self, web3: Web3, *, artifact: ContractArtifact | None = None) -> None:
        self.web3 = web3
        endpoint = getattr(web3.provider, "endpoint_uri", None)
        self.node = public_url(str(endpoint)) if endpoint else type(web3.provider).__name__
        self._artifact = artifact
        self._registries: OrderedDict[str, RegistryClient] = OrderedDict()
        self._lock = threading.Lock()  # the API shares one view between threads

    @classmethod
    def connect(cls, rpc_url: str, *, timeout: float = 10.0) -> Web3ChainView:
        """A view of the node at ``rpc_url`` (no request is made until a check asks)."""
        return cls(connect(rpc_url, timeout=timeout))

    def _registry(self, address: str) -> RegistryClient:
        key = address.lower()
        with self._lock:
            client = self._registries.get(key)
            if client is None:
                with _reading(self.node):
                    if self._artifact is None:  # AnchorRegistry or V2, by the code there
                        client = RegistryClient.detect(self.web3, address)
                    else:
                        client = RegistryClient(self.web3, address, artifact=self._artifact)
                self._registries[key] = client
                while len(self._registries) > REGISTRY_CLIENTS:
                    self._registries.popitem(last=False)
            else:
                self._registries.move_to_end(key)
            return client

    @property
    def cached_registries(self) -> int:
        """How many registry clients the view holds now."""
        return len(self._registries)

    def chain_id(self) -> int:
        with _reading(self.node):
            return chain_id_of(self.web3)

    def is_contract(self, address: str) -> bool:
        with _reading(self.node):
            return self._registry(address).is_deployed()

    def root_at(self, registry: str, tree_size: int) -> bytes | None:
        with _reading(self.node):
            return self._registry(registry).root_at(tree_size)

    def anchor_at(self, registry: str, seq: int) -> RegistryAnchor | None:
        with _reading(self.node):
            record = self._registry(registry).anchor_at(seq)
        if record is None:
            return None
        return RegistryAnchor(
            record.tree_size, record.root, record.statement_hash, record.block_number
        )

    def receipt(self, tx_hash: bytes, registry: str) -> AnchorReceipt | None:
        with _reading(self.node):
            raw = fetch_receipt(self.web3, tx_hash)
            if raw is None:
                return None
            event = head_anchored_from_logs(raw["logs"], registry)
        to = raw.get("to")
        return AnchorReceipt(
            block_number=int(raw["blockNumber"]),
            block_hash=bytes(raw["blockHash"]),
            succeeded=int(raw["status"]) == 1,
            to=str(to) if to else None,
            head_anchored=None
            if event is None
            else HeadAnchoredLog(event.seq, event.tree_size, event.root, event.statement_hash),
        )

    def head_block_number(self) -> int:
        with _reading(self.node):
            return head_block_number(self.web3)

    def block_hash_at(self, number: int) -> bytes | None:
        with _reading(self.node):
            return block_hash_at(self.web3, number)
