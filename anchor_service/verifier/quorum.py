"""``QuorumChainView``: a :class:`ChainView` that asks several nodes and needs them to agree.

One node can lie, lag or be someone else's; ``anchor-service verify --rpc A --rpc B
[--rpc-quorum K]`` asks each of them every question the checks ask (chain id, contract
code, ``rootAt``, ``anchorAt``, the receipt with its block hash and event, block hashes).

Rules, for each question:

- an answer counts when at least ``quorum`` nodes gave exactly that answer (default: all
  of them). It is returned; nodes that answered otherwise are recorded in
  :attr:`QuorumChainView.dissent` (the report's checks then rest on the quorum);
- otherwise the question has no answer: :class:`ChainReadError` saying
  ``nodes disagree: <node>: <answer>; ...`` (or why nodes could not answer), so the
  bundle is *unverified*, never invalid, on a split. If two different answers each have
  ``quorum`` nodes (possible when ``quorum`` is at most half the nodes), that is a
  disagreement too;
- the head block number is the exception: nodes legitimately differ by a block or two,
  so the answer is the highest number that at least ``quorum`` nodes have reached (the
  ``quorum``-th highest), which counts confirmations conservatively.

A failure that a quorum of nodes agree on (the registry has no such root, say) is an
answer like any other: the check fails and the bundle is invalid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from anchor_service.verifier.chainview import (
    AnchorReceipt,
    ChainReadError,
    ChainView,
    RegistryAnchor,
)

__all__ = ["QuorumChainView"]

T = TypeVar("T")


class QuorumChainView:
    """Several named :class:`ChainView` s, ``quorum`` of which must agree on each answer."""

    def __init__(self, views: Sequence[tuple[str, ChainView]], quorum: int | None = None) -> None:
        if not views:
            raise ValueError("a QuorumChainView needs at least one node")
        need = len(views) if quorum is None else quorum
        if not 1 <= need <= len(views):
            raise ValueError(f"the quorum must be from 1 to {len(views)}, not {need}")
        self.views = tuple(views)
        self.quorum = need
        self.dissent: list[str] = []

    def _ask(self, question: str, ask: Callable[[ChainView], T], show: Callable[[T], str]) -> T:
        answers: list[tuple[str, T]] = []
        failures: list[str] = []
        unreachable = 0
        for name, view in self.views:
            try:
                answers.append((name, ask(view)))
            except ChainReadError as exc:
                failures.append(f"{name}: {exc.reason}")
                unreachable += exc.unreachable
        groups: list[tuple[T, list[str]]] = []
        for name, answer in answers:
            for value, names in groups:
                if value == answer:
                    names.append(name)
                    break
            else:
                groups.append((answer, [name]))
        agreed = [(value, names) for value, names in groups if len(names) >= self.quorum]
        if len(agreed) == 1:
            value, names = agreed[0]
            others = [f"{n}: {show(v)}" for v, ns in groups if v != value for n in ns]
            if others or failures:
                self.dissent.append(f"{question}: " + "; ".join(others + failures))
            return value
        said = [f"{n}: {show(v)}" for v, ns in groups for n in ns]
        if len(groups) > 1:
            detail = f"nodes disagree on {question}: " + "; ".join(said + failures)
        else:
            detail = (
                f"fewer than {self.quorum} of {len(self.views)} nodes answered {question}: "
                + "; ".join(said + failures)
            )
        raise ChainReadError(detail, unreachable=not answers and unreachable == len(self.views))

    def chain_id(self) -> int:
        return self._ask("the chain id", lambda v: v.chain_id(), lambda c: f"chain {c}")

    def is_contract(self, address: str) -> bool:
        return self._ask(
            f"contract code at {address}",
            lambda v: v.is_contract(address),
            lambda found: "a contract" if found else "no contract",
        )

    def root_at(self, registry: str, tree_size: int) -> bytes | None:
        return self._ask(
            f"rootAt({tree_size})",
            lambda v: v.root_at(registry, tree_size),
            lambda root: "none" if root is None else root.hex(),
        )

    def anchor_at(self, registry: str, seq: int) -> RegistryAnchor | None:
        return self._ask(
            f"anchorAt({seq})",
            lambda v: v.anchor_at(registry, seq),
            lambda record: (
                "none"
                if record is None
                else f"tree size {record.tree_size}, root {record.root.hex()}, "
                f"block {record.block_number}"
            ),
        )

    def receipt(self, tx_hash: bytes, registry: str) -> AnchorReceipt | None:
        return self._ask(
            f"the receipt of 0x{tx_hash.hex()}",
            lambda v: v.receipt(tx_hash, registry),
            lambda r: (
                "not mined"
                if r is None
                else f"block {r.block_number} (hash {r.block_hash.hex()}), "
                f"{'succeeded' if r.succeeded else 'reverted'}, "
                f"{'with' if r.head_anchored else 'no'} HeadAnchored event"
            ),
        )

    def head_block_number(self) -> int:
        heights: list[int] = []
        failures: list[str] = []
        for name, view in self.views:
            try:
                heights.append(view.head_block_number())
            except ChainReadError as exc:
                failures.append(f"{name}: {exc.reason}")
        if len(heights) < self.quorum:
            raise ChainReadError(
                f"fewer than {self.quorum} of {len(self.views)} nodes answered the head "
                "block: " + "; ".join(failures)
            )
        return sorted(heights, reverse=True)[self.quorum - 1]

    def block_hash_at(self, number: int) -> bytes | None:
        return self._ask(
            f"the hash of block {number}",
            lambda v: v.block_hash_at(number),
            lambda h: "no such block" if h is None else h.hex(),
        )
