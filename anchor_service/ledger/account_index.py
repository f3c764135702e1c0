"""The account index (statement version 2, ``account_index``): which entries touched
which account.

One leaf per ``(account, leaf_index)`` pair of the batch (an entry with several postings
of one account counts once), sorted by account (UTF-8 byte order) then leaf index; the
leaf bytes are the RFC 8785 (JCS) serialisation of ``{"account": A, "leaf_index": i}``,
hashed into an RFC 9162 tree (``0x00`` leaves, ``0x01`` nodes). The statement commits to
``{"root": hex(root), "size": M}`` (``SHA-256("")`` when the batch has no postings).

Since the leaves of one account are contiguous, a range proof
(:mod:`anchor_service.merkle.ranges`) of the account's run together with the leaf just
before it and the one just after it (accounts other than A, or the tree's edge) shows
every entry of A in the batch: a missing one would be a leaf inside the run. An account
with no entries gets the two adjacent leaves that bracket it (or the edge leaf).
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from anchor_service.ledger.jcs import json_string

__all__ = ["IndexLeaf", "index_leaf_hash"]


@dataclass(frozen=True, slots=True, order=True)
class IndexLeaf:
    """One pair; ordering is the tree's (Python compares text by code point, which is
    the UTF-8 byte order)."""

    account: str
    leaf_index: int

    def canonical(self) -> bytes:
        return f'{{"account":{json_string(self.account)},"leaf_index":{self.leaf_index}}}'.encode()

    def to_json(self) -> dict[str, Any]:
        return {"account": self.account, "leaf_index": self.leaf_index}

    @classmethod
    def from_json(cls, value: Any) -> IndexLeaf:
        if (
            not isinstance(value, dict)
            or set(value) != {"account", "leaf_index"}
            or not isinstance(value["account"], str)
            or type(value["leaf_index"]) is not int
            or value["leaf_index"] < 0
        ):
            raise ValueError('an index leaf must be {"account": text, "leaf_index": n >= 0}')
        return cls(value["account"], value["leaf_index"])


def index_leaf_hash(account: str, leaf_index: int) -> bytes:
    """``SHA-256(0x00 || JCS({"account": account, "leaf_index": leaf_index}))``."""
    return sha256(b"\x00" + IndexLeaf(account, leaf_index).canonical()).digest()
