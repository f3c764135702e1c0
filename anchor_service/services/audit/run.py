"""The tamper audit: recompute the log from the stored entries and compare with the chain.

:func:`run_audit` reads one consistent snapshot of the database (PostgreSQL: a
``REPEATABLE READ`` read-only transaction; SQLite: one read transaction) and:

1. streams the entries in leaf-index order, in chunks (memory stays bounded whatever
   the log's size), recomputes each leaf hash from the stored document and compares it
   with the stored leaf hash and with the leaf hash sealed into the proof storage (the
   level-0 tiles): a difference is ``altered``, a missing index ``deleted``, an entry
   beyond the end of the log ``inserted`` (each with its index and external id);
   redacted entries have no document, so their stored leaf hash is taken as given and
   compared with the sealed one;
2. rebuilds the tree from those leaf hashes with a compact range and, at every tree
   size that is a batch's head, an anchor's or the registry's, compares the root with
   the batch, the anchor records, the stored tiles and the registry on chain;
3. checks the statements (their bytes against their hash, and the hash on chain), that
   the batches follow each other, and that every anchor record matches the registry's
   anchor of the same sequence number and every head in the registry was sent from here.

The registry is read after the snapshot is taken, so an anchor mined meanwhile is not
mistaken for tampering. Findings: :mod:`anchor_service.services.audit.report`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from anchor_service.chain import (
    ChainError,
    RegistryClient,
    chain_id_of,
    connect,
)
from anchor_service.db.repositories.anchors import AnchorRepository
from anchor_service.db.repositories.audit import AuditRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.observability.redaction import public_url
from anchor_service.services.anchoring.chain_context import ChainConfigError, registry_address_from
from anchor_service.services.audit.checks import (
    AuditError,
    RegistryReader,
    check_anchor_records,
    check_batches,
    check_registry_heads,
    read_registry,
)
from anchor_service.services.audit.report import AuditReport
from anchor_service.services.audit.scan import LeafScan, scan_limit
from anchor_service.settings import Settings

__all__ = [
    "CHUNK_ENTRIES",
    "AuditError",
    "Progress",
    "RegistryReader",
    "audit_from_settings",
    "run_audit",
]

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called as ``progress(entries_done, entries_total)`` after each chunk."""

#: Entries read per query (a multiple of the tile width, 256).
CHUNK_ENTRIES = 65_536


def run_audit(
    database: Database,
    registry: RegistryReader | None = None,
    *,
    registry_for: Callable[[str], RegistryReader] | None = None,
    progress: Progress | None = None,
    chunk_entries: int = CHUNK_ENTRIES,
) -> AuditReport:
    """Audit the log in ``database`` against ``registry`` (``None``: database only).

    ``registry_for(address)`` reads another registry, for anchor records sent to one
    (after a redeployment). Raises :class:`AuditError` when the chain cannot be read;
    database errors propagate (``DatabaseUnavailableError`` when unreachable).
    """
    if chunk_entries < 256 or chunk_entries % 256:
        raise ValueError("chunk_entries must be a positive multiple of 256")
    started = time.perf_counter()
    report = AuditReport()
    with unit_of_work(database.reader) as session:
        reads = AuditRepository(session)
        reads.use_one_snapshot()
        next_index = reads.log_counter()
        batches = reads.batches()
        anchors = reads.anchors()
        chain = read_registry(registry) if registry is not None else []
        if registry is not None:
            report.chain_checked = True
            report.registry = registry.address
            report.chain_anchors = len(chain)
        last = reads.last_leaf_index()
        log_size = max(next_index, 0 if last is None else last + 1)
        limit = scan_limit(log_size, chunk_entries)
        scan = LeafScan(
            session, report, next_index, batches, anchors, chain, limit=limit, log_size=log_size
        )
        check_batches(batches, report)
        scan.run(chunk_entries, progress)
        if registry is not None:
            check_anchor_records(anchors, chain, registry, registry_for, report)
            check_registry_heads(chain, batches, anchors, report)
    report.seconds = time.perf_counter() - started
    log = logger.info if report.clean else logger.error
    log("audit: %s (%.1f s)", report.summary(), report.seconds)
    return report


def audit_from_settings(
    settings: Settings,
    database: Database,
    *,
    check_chain: bool = True,
    progress: Progress | None = None,
) -> AuditReport:
    """Audit against the registry of ``settings`` (``ANCHOR_REGISTRY_ADDRESS``, else the
    deployment file, else the registry the newest anchor was sent to) on its node.

    Without ``check_chain``, or with no registry configured and nothing anchored, the
    database alone is audited (``report.chain_checked`` is false). Raises
    :class:`AuditError` when the node is unreachable, on another chain, or has no
    contract at the registry address.
    """
    address = _registry_address(settings, database) if check_chain else None
    if address is None:
        if check_chain:
            logger.warning("no registry configured and nothing anchored: chain not checked")
        return run_audit(database, None, progress=progress)
    try:
        web3 = connect(settings.rpc_url)
        chain_id = chain_id_of(web3)
        if chain_id != settings.chain_id:
            raise AuditError(
                f"the node at {public_url(settings.rpc_url)} serves chain {chain_id}, "
                f"not ANCHOR_CHAIN_ID {settings.chain_id}"
            )

        def registry_for(registry_address: str) -> RegistryClient:
            return RegistryClient.detect(web3, registry_address, chain_id=chain_id)

        registry = registry_for(address)
        if not registry.is_deployed():
            raise AuditError(f"no registry contract at {address} on chain {chain_id}")
    except ChainError as exc:
        raise AuditError(f"cannot read the chain at {public_url(settings.rpc_url)}: {exc}") from exc
    return run_audit(database, registry, registry_for=registry_for, progress=progress)


def _registry_address(settings: Settings, database: Database) -> str | None:
    try:
        return registry_address_from(settings)
    except ChainConfigError:
        pass
    with unit_of_work(database.reader) as session:
        newest = AnchorRepository(session).latest()
        return None if newest is None else newest.registry_address
