"""Watch the chain: is the registry on chain still the one this database anchored into?

:meth:`ChainWatch.check` runs at start-up (the first anchoring or confirmation round of
a process), on every confirmation round, before every anchor, and for
``GET /healthz/detail``. It reads the chain, never writes, and compares:

1. *the code* at the registry address with the artifact's runtime bytecode (immutables
   aside): no code means the chain was reset (or the address is wrong); other code
   means the registry was replaced;
2. *the registry's latest head* with the anchors recorded here for that registry: an
   empty registry while anchors were confirmed in it means a chain reset or a
   redeployment at the same address; a head no anchor here sent means someone else
   anchors with the key (or the registry is another log's);
3. *the recorded anchors*: the newest confirmed one (and the oldest, since a reset
   shows there first) must still be in the canonical chain (the block hash at its
   height is the recorded one) and in the registry (its sequence number holds the
   size and root sent).

Anchors count for a registry from the operator's last move to it on
(``anchor-service registry migrate``, recorded in ``registry_links``); older ones were
sent to a history that was left behind on purpose. A v2 successor's first head is the
predecessor's kept head, recorded with the move.

A :class:`WatchReport` that is not ``ok`` stops anchoring
(:class:`~.anchorer.Anchorer` refuses with ``RegistryDisagrees`` and never re-sends a
recorded transaction into it) until an operator acts; :data:`WHAT_TO_DO` says how. An
unreachable node is not a disagreement: :class:`ChainUnavailableError` propagates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from anchor_service.chain import RegistryClient
from anchor_service.chain.boundary import rpc_errors
from anchor_service.db.models_anchoring import Anchor, AnchorStatus
from anchor_service.db.repositories.registry_links import RegistryLinkRepository
from anchor_service.db.session import Database, unit_of_work

__all__ = ["REGISTRY_DISAGREES", "WHAT_TO_DO", "ChainWatch", "WatchReport"]

logger = logging.getLogger(__name__)

#: Error name of anchors refused (or stopped in flight) because the watch disagrees.
REGISTRY_DISAGREES = "RegistryDisagrees"

#: What an operator does about a disagreement (appended to every message).
WHAT_TO_DO = (
    "Anchoring is stopped and nothing will be sent to this registry. If the chain was "
    "reset or lost (a local ganache whose data directory went away), the anchors recorded "
    "here cannot be verified on it any more: start over with an empty data directory, or "
    "deploy a new registry (`anchor-service deploy`) and adopt it with `anchor-service "
    "registry migrate --to ADDRESS`, which records the move and re-anchors this "
    "database's newest head. Otherwise check ANCHOR_RPC_URL and ANCHOR_REGISTRY_ADDRESS, "
    "and run `anchor-service audit`."
)


def _hex(data: bytes | None) -> str:
    return "0x" + (data or b"").hex()


@dataclass(frozen=True)
class WatchReport:
    """What the watch found: ``problems`` is empty when the registry agrees."""

    registry: str
    chain_id: int
    problems: tuple[str, ...] = ()
    anchors_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self) -> str:
        """The problems and what to do, in one paragraph (``"ok"`` when fine)."""
        if self.ok:
            return "ok"
        return (
            f"the registry {self.registry} on chain {self.chain_id} disagrees with the "
            f"database: {'; '.join(self.problems)}. {WHAT_TO_DO}"
        )


class ChainWatch:
    """Compares ``registry`` on chain with the anchors ``database`` recorded for it."""

    def __init__(self, database: Database, registry: RegistryClient, chain_id: int) -> None:
        self.database = database
        self.registry = registry
        self.chain_id = chain_id

    def check(self) -> WatchReport:
        """Read the chain and compare (see the module docstring)."""
        address = self.registry.address
        with unit_of_work(self.database.reader) as session:
            links = RegistryLinkRepository(session)
            link = links.latest_to(self.chain_id, address)
            after = 0 if link is None else link.after_anchor_id
            kept = None
            if link is not None and link.kept_size is not None and link.kept_root is not None:
                kept = (link.kept_size, link.kept_root)
            anchors = links.anchors(self.chain_id, address, after_id=after)
            session.expunge_all()
        problems = self._code_problems()
        if problems:
            return self._report(problems, anchors)
        confirmed = [a for a in anchors if a.status == AnchorStatus.CONFIRMED]
        problems += self._head_problems(anchors, confirmed, kept)
        for anchor in {id(a): a for a in (confirmed[:1] + confirmed[-1:])}.values():
            problems += self._anchor_problems(anchor)
        return self._report(problems, anchors)

    def _report(self, problems: list[str], anchors: list[Anchor]) -> WatchReport:
        report = WatchReport(
            self.registry.address, self.chain_id, tuple(problems), anchors_checked=len(anchors)
        )
        if not report.ok:
            logger.error("chain watch: %s", report.message())
        return report

    def _code_problems(self) -> list[str]:
        registry = self.registry
        with rpc_errors("read code"):
            code = bytes(registry.web3.eth.get_code(registry.address))
        artifact = registry.artifact
        if not code:
            return [
                f"there is no contract at {registry.address} (the chain was reset, or the "
                "address is wrong)"
            ]
        if artifact.deployed_bytecode and not artifact.runtime_matches(code):
            return [
                f"the code at {registry.address} ({len(code)} bytes) is not "
                f"{artifact.contract_name}'s ({len(artifact.deployed_bytecode)} bytes): the "
                "registry was replaced by another contract"
            ]
        return []

    def _head_problems(
        self, anchors: list[Anchor], confirmed: list[Anchor], kept: tuple[int, bytes] | None
    ) -> list[str]:
        head = self.registry.latest_head()
        if head is None:
            if not confirmed:
                return []
            newest = confirmed[-1]
            return [
                f"it holds no anchor, but {len(confirmed)} anchor(s) were confirmed in it "
                f"(the newest: #{newest.id}, tree size {newest.tree_size}, block "
                f"{newest.block_number}): the chain was reset or the registry redeployed"
            ]
        ours = {(a.tree_size, a.root) for a in anchors} | ({kept} if kept else set())
        if (head.tree_size, head.root) not in ours:
            return [
                f"its latest head (seq {head.seq}, tree size {head.tree_size}, root "
                f"{_hex(head.root)}) was not anchored from here"
            ]
        last = confirmed[-1] if confirmed else None
        if last is not None and last.chain_seq is not None and head.seq < last.chain_seq:
            return [
                f"its latest head is seq {head.seq}, older than anchor #{last.id} confirmed "
                f"as seq {last.chain_seq}: its history was rewritten"
            ]
        return []

    def _anchor_problems(self, anchor: Anchor) -> list[str]:
        registry = self.registry
        problems = []
        if anchor.block_number is not None and anchor.block_hash is not None:
            found = registry.block_hash_at(anchor.block_number)
            if found != anchor.block_hash:
                now = "does not exist" if found is None else f"is {_hex(found)}"
                problems.append(
                    f"block {anchor.block_number} of confirmed anchor #{anchor.id} {now} "
                    f"(recorded: {_hex(anchor.block_hash)}): the chain was reset or "
                    "reorganised deeper than ANCHOR_CONFIRMATIONS"
                )
        if anchor.chain_seq is not None:
            record = registry.anchor_at(anchor.chain_seq)
            if record is None or (record.tree_size, record.root) != (anchor.tree_size, anchor.root):
                held = (
                    "nothing"
                    if record is None
                    else f"tree size {record.tree_size}, root {_hex(record.root)}"
                )
                problems.append(
                    f"its anchor seq {anchor.chain_seq} holds {held}, not the tree size "
                    f"{anchor.tree_size} of confirmed anchor #{anchor.id}"
                )
        return problems
