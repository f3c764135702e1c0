"""The heads anchored on chain, as the witness checks checkpoints against them.

The registry is read through one small function, :func:`read_anchored`, so a new
registry ABI changes only it. It reads through
:class:`anchor_service.chain.RegistryClient`, detected from the code at the address:
AnchorRegistryV2 (``latestHead()``, earlier heads from its ``HeadAnchored`` events) or
the v1 AnchorRegistry (``latestHead()`` and ``rootAt(size)``).

The rule (:func:`anchored_conflict`), for a checkpoint of ``size`` and ``root``
that has already passed the tlog-witness checks:

- a head anchored at exactly ``size`` with another root: **conflict** (a fork the
  chain proves);
- ``size`` below the latest anchored size: **conflict**. The log anchors heads of
  its own checkpoints, so its newest checkpoint is never behind the chain; a
  witness shown an older head is being shown a rollback or a fork it cannot check
  against the anchor (no proof from there to the anchored size is on the wire).
- otherwise none: a larger checkpoint is consistent with the anchored head by the
  chain of consistency proofs the witness verified, once the witness has cosigned
  the anchored head itself (the log always submits the head it anchors). Between a
  witness's first request and that point, consistency with an earlier anchored head
  is not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from anchor_service.witness.errors import AnchoredHeadUnavailableError

__all__ = [
    "AnchoredReader",
    "AnchoredView",
    "anchored_conflict",
    "read_anchored",
    "registry_reader",
]


@dataclass(frozen=True, slots=True)
class AnchoredView:
    """What the chain says about a checkpoint size: the latest head, and the root at it."""

    latest_size: int
    latest_root: bytes | None
    root_at_size: bytes | None


AnchoredReader = Callable[[int], AnchoredView]
"""Reads the :class:`AnchoredView` for a checkpoint size; raises
:class:`AnchoredHeadUnavailableError` when the chain cannot be read."""


def read_anchored(registry: object, size: int) -> AnchoredView:
    """The registry's view of ``size`` (the only code that knows the registry ABI).

    ``registry`` is an :class:`anchor_service.chain.RegistryClient`.
    """
    from anchor_service.chain import ChainError, RegistryClient

    assert isinstance(registry, RegistryClient)
    try:
        head = registry.latest_head()
        if head is None:
            return AnchoredView(0, None, None)
        root = head.root if head.tree_size == size else None
        if root is None and 0 < size < head.tree_size:
            root = registry.root_at(size)
    except ChainError as exc:
        raise AnchoredHeadUnavailableError(f"cannot read the anchored heads: {exc.detail}") from exc
    return AnchoredView(head.tree_size, head.root, root)


def registry_reader(rpc_url: str, address: str, *, timeout: float = 10.0) -> AnchoredReader:
    """An :data:`AnchoredReader` of the registry at ``address`` through the node ``rpc_url``.

    The registry's version (v1 or v2) is detected from its code on the first read that
    finds code there (the node may be down, or the registry not yet deployed, when the
    witness starts), and kept.
    """
    from anchor_service.chain import ChainError, RegistryClient, connect

    web3 = connect(rpc_url, timeout=timeout, retries=1)
    detected: list[RegistryClient] = []

    def read(size: int) -> AnchoredView:
        if detected:
            return read_anchored(detected[0], size)
        try:
            registry = RegistryClient.detect(web3, address)
            deployed = registry.is_deployed()
        except ChainError as exc:
            raise AnchoredHeadUnavailableError(
                f"cannot read the anchored heads: {exc.detail}"
            ) from exc
        if deployed:
            detected.append(registry)
        return read_anchored(registry, size)

    return read


def anchored_conflict(view: AnchoredView, size: int, root: bytes) -> str | None:
    """Why the checkpoint ``(size, root)`` conflicts with the chain; ``None`` when it does not."""
    if view.root_at_size is not None and view.root_at_size != root:
        return (
            f"tree size {size} is anchored on chain with root {view.root_at_size.hex()},"
            f" not {root.hex()}"
        )
    if size < view.latest_size:
        return (
            f"tree size {size} is below the latest anchored size {view.latest_size}:"
            " a log's newest checkpoint is never behind its anchor"
        )
    return None
