"""The chain's newest block number, read at most once every few seconds per process.

The API answers each anchor with its confirmations now (blocks from its block to the
chain head); a page of anchors asks for the head once, and a busy worker would still ask
the node on every request. :class:`ChainHeadReader` remembers the answer for ``ttl``
seconds, ``None`` included: an unreachable node is not asked again on every request
either, and the answer without confirmations comes from the database alone.
"""

from __future__ import annotations

import logging
import threading
import time

from web3 import Web3

from anchor_service.chain import ChainError, connect
from anchor_service.chain.transactions import head_block_number
from anchor_service.settings import Settings

__all__ = ["ChainHeadReader"]

logger = logging.getLogger(__name__)


class ChainHeadReader:
    """The node's newest block number, remembered for ``ttl`` seconds (``None``: unreachable)."""

    def __init__(self, web3: Web3, *, ttl: float = 2.0) -> None:
        self._web3 = web3
        self._ttl = ttl
        self._lock = threading.Lock()
        self._value: tuple[float, int | None] = (float("-inf"), None)

    @classmethod
    def from_settings(cls, settings: Settings) -> ChainHeadReader:
        """A reader of ``settings.rpc_url`` with short timeouts (no request is made here)."""
        return cls(connect(settings.rpc_url, timeout=2.0, retries=1))

    def head(self) -> int | None:
        expires, number = self._value
        if time.monotonic() < expires:
            return number
        with self._lock:
            expires, number = self._value
            if time.monotonic() < expires:
                return number
            try:
                number = head_block_number(self._web3)
            except ChainError as exc:
                logger.warning("cannot read the chain head for confirmations: %s", exc)
                number = None
            self._value = (time.monotonic() + self._ttl, number)
            return number
