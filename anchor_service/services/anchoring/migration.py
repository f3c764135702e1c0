"""Move anchoring to another registry on an operator's explicit command
(``anchor-service registry migrate --to ADDRESS``).

The chain watch (:mod:`.watch`) stops anchoring when the registry on chain disagrees
with the database, and nothing re-anchors into such a registry by itself. This is the
way out. A target with a predecessor (AnchorRegistryV2) is followed by its succession:
the predecessor must have retired in its favour (its admin's ``scheduleRetirement``,
then ``retire`` after the delay); the target is linked (``link()``) and continues from
the kept head. Otherwise (v1, no on-chain succession) the target must be a fresh
registry: the expected contract, holding no anchor, on which the signing key holds the
anchorer role. :func:`adopt_registry` records the move in ``registry_links`` (from which
registry, after which anchor: older anchors belong to the history left behind), points
the deployment file at the target when it is what names the registry, and the caller
then anchors the database's newest head into it (the first anchor of a registry needs no
consistency proof; it covers every earlier head).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from eth_utils.address import is_address, to_checksum_address

from anchor_service.chain import (
    ANCHORER_ROLE,
    MigrationRefused,
    RegistryClient,
    TransactionRevertedError,
)
from anchor_service.chain.boundary import rpc_errors
from anchor_service.db.models_anchoring import RegistryLink
from anchor_service.db.repositories.registry_links import RegistryLinkRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.services.anchoring.chain_context import ChainContext
from anchor_service.services.anchoring.deployment import (
    DeploymentRecord,
    deployment_path,
    read_deployment,
    write_deployment,
)
from anchor_service.settings import Settings

__all__ = ["MigrationRefused", "RegistryMove", "adopt_registry"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegistryMove:
    """A recorded move: ``link_id`` in ``registry_links``."""

    link_id: int
    chain_id: int
    from_address: str | None
    to_address: str
    after_anchor_id: int
    deployment_file: str | None


def adopt_registry(
    settings: Settings,
    database: Database,
    chain: ChainContext,
    *,
    reason: str,
    previous: str | None,
) -> RegistryMove:
    """Check that ``chain.registry`` is a fresh registry this signer may anchor into, and
    record the move to it from ``previous`` (the registry named before, if any).

    Raises :class:`MigrationRefused` saying what is wrong with the target.
    """
    registry = chain.registry
    predecessor = registry.predecessor()
    kept: tuple[int, bytes] | None = None
    kind = "adopt"
    if predecessor is not None:
        kept = _follow_succession(chain, predecessor, previous)
        kind = "succession"
    else:
        _require_fresh(registry, chain.sender)
    now = datetime.now(UTC)
    with unit_of_work(database.writer) as session:
        links = RegistryLinkRepository(session)
        after = links.newest_anchor_id()
        link = links.add(
            RegistryLink(
                chain_id=chain.chain_id,
                from_address=previous,
                to_address=registry.address,
                after_anchor_id=after,
                kind=kind,
                reason=reason,
                kept_size=None if kept is None else kept[0],
                kept_root=None if kept is None else kept[1],
                created_at=now,
            )
        )
        link_id = link.id
    written = _point_deployment_file(settings, registry.address)
    logger.warning(
        "registry move #%d recorded: from %s to %s on chain %d; anchors up to #%d stay with "
        "the old history (%s)",
        link_id,
        previous or "none",
        registry.address,
        chain.chain_id,
        after,
        reason,
    )
    return RegistryMove(link_id, chain.chain_id, previous, registry.address, after, written)


def _follow_succession(
    chain: ChainContext, predecessor: str, previous: str | None
) -> tuple[int, bytes] | None:
    """The target is a v2 successor: check that ``predecessor`` (the registry named
    before, when one was) retired in its favour, and link it (anyone may); the kept head
    it continues from, ``None`` when none was kept."""
    registry = chain.registry
    if previous is not None and previous.lower() != predecessor.lower():
        raise MigrationRefused(
            f"the registry {registry.address} succeeds {predecessor}, not the registry in "
            f"use {previous}"
        )
    old = RegistryClient.detect(registry.web3, predecessor, chain_id=chain.chain_id)
    succession = old.succession()
    if succession is None or succession.successor.lower() != registry.address.lower():
        raise MigrationRefused(
            f"{predecessor} has not scheduled its retirement in favour of {registry.address}: "
            "its admin runs scheduleRetirement first (see docs/operations.md)"
        )
    if not succession.retired:
        raise MigrationRefused(
            f"{predecessor}'s retirement in favour of {registry.address} is scheduled but "
            f"not effective: its admin calls retire() after {succession.ready_at} (Unix time)"
        )
    try:
        registry.link(chain.signer)
        logger.info("%s linked to its predecessor %s", registry.address, predecessor)
    except TransactionRevertedError as exc:
        if exc.error_name != "AnchorRegistryAlreadyLinked":
            raise
    if succession.kept == 0:
        return None
    return succession.tree_size, succession.root


def _require_fresh(registry: RegistryClient, sender: str) -> None:
    with rpc_errors("read code"):
        code = bytes(registry.web3.eth.get_code(registry.address))
    artifact = registry.artifact
    if not code:
        raise MigrationRefused(
            f"there is no contract at {registry.address} on chain {registry.chain_id}: "
            "deploy one first (`anchor-service deploy`)"
        )
    if artifact.deployed_bytecode and not artifact.runtime_matches(code):
        raise MigrationRefused(
            f"the code at {registry.address} is not {artifact.contract_name}: cannot adopt it"
        )
    head = registry.latest_head()
    if head is not None:
        raise MigrationRefused(
            f"the registry {registry.address} already holds {registry.anchor_count()} "
            f"anchor(s) (latest: tree size {head.tree_size}); the v1 registry can only adopt "
            "an empty one: deploy a fresh registry and migrate to it"
        )
    if not registry.has_role(ANCHORER_ROLE, sender):
        raise MigrationRefused(
            f"the signing key {sender} does not hold the anchorer role on {registry.address}: "
            "have its admin grant it first"
        )


def _point_deployment_file(settings: Settings, address: str) -> str | None:
    """Rewrite the deployment file to name ``address`` when the file is what names the
    registry (``ANCHOR_REGISTRY_ADDRESS`` unset); its path, or ``None``."""
    if settings.registry_address:
        return None
    path = deployment_path(settings)
    old = read_deployment(path)
    if old is not None and old.address == address:
        return str(path)
    write_deployment(path, DeploymentRecord(chain_id=settings.chain_id, address=address))
    return str(path)


def parse_address(value: str) -> str:
    """``value`` checksummed; :class:`MigrationRefused` when it is not an address."""
    if not is_address(value):
        raise MigrationRefused(f"{value!r} is not an Ethereum address")
    return to_checksum_address(value)
