"""Witness rounds on the log's side: ask the policy's witnesses, keep what they answered.

:class:`WitnessRounds` runs :func:`~anchor_service.witness.client.collect_cosignatures`
for a signed checkpoint with each witness's last known size (``witness_states``) and
consistency proofs read from the stored tiles, then records every outcome (state and
``/metrics`` counters) and hands the verified cosignatures to ``store_cosignatures``
(by default :func:`store_checkpoint_cosignatures`: the ``checkpoint_cosignatures`` table
``GET /tlog/checkpoint`` serves), all in one transaction.

- :meth:`WitnessRounds.due` says whether ``ANCHOR_WITNESS_SECONDS`` have passed since
  the last round, give or take a tenth (rounds are rate-limited; the head being
  anchored is always sent);
- :meth:`WitnessRounds.wait_for_quorum` sends a head again and again (every
  ``retry_seconds``) until the cosignatures collected meet the quorum or
  ``ANCHOR_ANCHOR_QUORUM_WAIT_SECONDS`` pass, and records the cosigners for the anchor.

A witness that is down costs at most ``ANCHOR_WITNESS_TIMEOUT_SECONDS`` (per exchange)
and never raises out of a round.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from anchor_service.db.repositories.checkpoints import CheckpointRepository
from anchor_service.db.repositories.tiles import TileRepository
from anchor_service.db.repositories.witnesses import WitnessRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.merkle import consistency_proof_from_tiles
from anchor_service.settings import Settings
from anchor_service.tlog import (
    Policy,
    PolicyFileError,
    Signature,
    cosignature_timestamp,
    parse_checkpoint,
    parse_policy,
    quorum_met,
)
from anchor_service.witness.client import (
    ConsistencyProofs,
    WitnessOutcome,
    WitnessRound,
    collect_cosignatures,
)
from anchor_service.witness.errors import WitnessError

__all__ = [
    "CosignatureSink",
    "QuorumWait",
    "WitnessRounds",
    "load_witness_policy",
    "store_checkpoint_cosignatures",
    "tile_consistency_proofs",
]

logger = logging.getLogger(__name__)

CosignatureSink = Callable[[Session, int, Sequence[WitnessOutcome]], None]
"""Stores the cosigned outcomes of a round for the checkpoint of a tree size."""


def store_checkpoint_cosignatures(
    session: Session, tree_size: int, outcomes: Sequence[WitnessOutcome]
) -> None:
    """Store the verified cosignature lines with the checkpoint of ``tree_size``
    (``checkpoint_cosignatures``; served by ``GET /tlog/checkpoint``), under the
    witness key's name; a cosignature stored already is kept as it was."""
    checkpoints = CheckpointRepository(session)
    for outcome in outcomes:
        if outcome.cosignature is None:
            continue
        line = outcome.cosignature.decode("utf-8")
        name, _, encoded = line.removeprefix("— ").rstrip("\n").partition(" ")
        raw = base64.b64decode(encoded)
        signature = Signature(name, int.from_bytes(raw[:4], "big"), encoded)
        checkpoints.add_cosignature(
            tree_size=tree_size,
            witness_name=name,
            key_id=signature.key_id,
            line=line,
            timestamp=cosignature_timestamp(signature),
        )


def load_witness_policy(path: Path | None) -> Policy | None:
    """The witness policy file ``ANCHOR_WITNESS_POLICY`` names; ``None`` when unset."""
    if path is None:
        return None
    try:
        return parse_policy(path.read_bytes())
    except OSError as exc:
        raise WitnessError(f"ANCHOR_WITNESS_POLICY {path}: {exc.strerror}") from exc
    except PolicyFileError as exc:
        raise WitnessError(f"ANCHOR_WITNESS_POLICY {path}: {exc}") from exc


def tile_consistency_proofs(database: Database) -> ConsistencyProofs:
    """Consistency proofs between integrated tree sizes, read from the stored tiles."""

    def proof(old_size: int, new_size: int) -> list[bytes]:
        with unit_of_work(database.reader) as session:
            return consistency_proof_from_tiles(
                old_size, new_size, TileRepository(session).read_tiles
            )

    return proof


@dataclass(frozen=True, slots=True)
class QuorumWait:
    """How a wait for the quorum ended: the cosigners, whether they met it, how long."""

    tree_size: int
    cosigners: tuple[str, ...]
    quorum_met: bool
    waited_seconds: float


class WitnessRounds:
    """Rounds of witness requests for the log of ``database`` under ``policy``."""

    def __init__(
        self,
        database: Database,
        policy: Policy,
        *,
        timeout: float,
        min_interval: float,
        store_cosignatures: CosignatureSink | None = store_checkpoint_cosignatures,
        proofs: ConsistencyProofs | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.policy = policy
        self.timeout = timeout
        self.min_interval = min_interval
        self._store = store_cosignatures
        self._proofs = proofs or tile_consistency_proofs(database)
        self._monotonic = monotonic
        self._last_round: float | None = None
        # One round at a time (the witness job and the quorum wait run in two threads).
        self._round_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        database: Database,
        store_cosignatures: CosignatureSink | None = store_checkpoint_cosignatures,
    ) -> WitnessRounds | None:
        """The rounds ``settings`` configure; ``None`` when no witness policy is set."""
        policy = load_witness_policy(settings.witness_policy)
        if policy is None:
            return None
        return cls(
            database,
            policy,
            timeout=settings.witness_timeout_seconds,
            min_interval=settings.witness_seconds,
            store_cosignatures=store_cosignatures,
        )

    def due(self) -> bool:
        """Whether a round may run now (``min_interval`` since the last one, less a
        tenth: the witness job's timer, every ``min_interval``, may fire a little early,
        and skipping that run would double the time to a cosigned checkpoint)."""
        last = self._last_round
        return last is None or self._monotonic() - last >= self.min_interval * 0.9

    def run(self, note: bytes, skip: Collection[str] = ()) -> WitnessRound:
        """Ask every witness (but those in ``skip``) to cosign the signed checkpoint
        ``note``; record the outcomes and store the cosignatures."""
        with self._round_lock:
            return self._run(note, skip)

    def _run(self, note: bytes, skip: Collection[str]) -> WitnessRound:
        self._last_round = self._monotonic()
        with unit_of_work(self.database.reader) as session:
            known = WitnessRepository(session).known_sizes()
        round_ = asyncio.run(
            collect_cosignatures(
                note, self.policy, self._proofs, known, timeout=self.timeout, skip=skip
            )
        )
        size = parse_checkpoint(note[: note.rindex(b"\n\n") + 1].decode()).size
        with unit_of_work(self.database.writer) as session:
            WitnessRepository(session).record(
                (o.witness, o.outcome, o.status, o.reason, o.size) for o in round_.outcomes
            )
            cosigned = [o for o in round_.outcomes if o.cosignature is not None]
            if self._store is not None and cosigned:
                self._store(session, size, cosigned)
        logger.info(
            "witnesses: tree size %d cosigned by %s (quorum %s)",
            size,
            ", ".join(round_.cosigners) or "none",
            "met" if round_.quorum_met(self.policy) else "not met",
        )
        return round_

    def wait_for_quorum(
        self,
        note: bytes,
        wait_seconds: float,
        *,
        retry_seconds: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> QuorumWait:
        """Send ``note`` until its cosigners meet the quorum or ``wait_seconds`` pass.

        Records the outcome for the anchor of its tree size (``anchor_witnesses``).
        """
        start = self._monotonic()
        cosigners: set[str] = set()
        while True:
            round_ = self.run(note, skip=cosigners)
            cosigners.update(round_.cosigners)
            met = quorum_met(self.policy, cosigners)
            waited = self._monotonic() - start
            if met or waited + retry_seconds > wait_seconds:
                break
            sleep(retry_seconds)
        size = parse_checkpoint(note[: note.rindex(b"\n\n") + 1].decode()).size
        with unit_of_work(self.database.writer) as session:
            WitnessRepository(session).record_anchor(
                size, cosigners, quorum_met=met, waited_seconds=round(waited)
            )
        if not met:
            logger.warning(
                "witnesses: no quorum for tree size %d after %.0f s (cosigned by %s);"
                " anchoring without it",
                size,
                waited,
                ", ".join(sorted(cosigners)) or "none",
            )
        return QuorumWait(size, tuple(sorted(cosigners)), met, waited)
