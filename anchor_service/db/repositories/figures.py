"""The figures the metrics show, read from the database in a few small queries.

:func:`read_figures` reads the log counter row, a ``GROUP BY`` over batches and over
anchors, the newest confirmed and the in-flight anchor, the newest checkpoint and the
count of refused checkpoints. A table that does not exist
yet (database not migrated that far) leaves its figures out (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, func, inspect, select

from anchor_service.db.models import LOG_STATE_ID, LogState
from anchor_service.db.models_anchoring import IN_FLIGHT, Anchor, AnchorStatus
from anchor_service.db.models_checkpoints import Checkpoint, CheckpointMismatch
from anchor_service.db.models_sealing import Batch, BatchStatus
from anchor_service.db.models_witnesses import WitnessAnswerCount, WitnessState

__all__ = ["STOPPING_ERRORS", "DatabaseFigures", "read_figures"]

#: Failures of the newest anchor that stop anchoring until an operator acts: the head
#: did not recompute before signing, or the registry on chain disagrees with the database.
STOPPING_ERRORS = ("HeadMismatch", "RegistryDisagrees", "RegistryAhead", "RootMismatch")

_FINAL = (AnchorStatus.CONFIRMED.value, AnchorStatus.FAILED.value)


@dataclass(frozen=True, slots=True)
class DatabaseFigures:
    """What the database says now; ``None``: the table behind it does not exist."""

    ingested: int
    sealed_size: int | None = None
    batches: dict[str, int] | None = None
    anchors: dict[str, int] | None = None
    gas_used_total: int = 0
    fee_wei_total: int = 0
    last_confirmed_at: datetime | None = None
    last_gas_used: int | None = None
    last_fee_wei: int | None = None
    in_flight_since: datetime | None = None
    checkpoint_size: int | None = None
    last_checkpoint_at: datetime | None = None
    checkpoint_mismatches: int | None = None
    stopped_by: str | None = None
    witness_answers: dict[tuple[str, str], int] | None = None
    witness_sizes: dict[str, int] | None = None


def read_figures(connection: Connection) -> DatabaseFigures:
    """Read :class:`DatabaseFigures` (a few small queries) on ``connection``."""
    tables = set(inspect(connection).get_table_names())
    ingested = connection.execute(
        select(LogState.next_index).where(LogState.id == LOG_STATE_ID)
    ).scalar_one_or_none()
    figures = DatabaseFigures(ingested=int(ingested or 0))
    if Batch.__tablename__ in tables:
        figures = _with_batches(connection, figures)
    if Anchor.__tablename__ in tables:
        figures = _with_anchors(connection, figures)
    if Checkpoint.__tablename__ in tables:
        figures = _with_checkpoints(connection, figures)
    if WitnessAnswerCount.__tablename__ in tables:
        figures = _with_witnesses(connection, figures)
    return figures


def _with_checkpoints(connection: Connection, figures: DatabaseFigures) -> DatabaseFigures:
    newest = connection.execute(
        select(Checkpoint.tree_size, Checkpoint.signed_at)
        .order_by(Checkpoint.tree_size.desc())
        .limit(1)
    ).first()
    mismatches = connection.execute(
        select(func.count()).select_from(CheckpointMismatch)
    ).scalar_one()
    return replace(
        figures,
        checkpoint_size=int(newest.tree_size) if newest is not None else 0,
        last_checkpoint_at=newest.signed_at if newest is not None else None,
        checkpoint_mismatches=int(mismatches),
    )


def _with_batches(connection: Connection, figures: DatabaseFigures) -> DatabaseFigures:
    batches = dict.fromkeys((status.value for status in BatchStatus), 0)
    sealed_size = 0
    rows = connection.execute(
        select(Batch.status, func.count(), func.max(Batch.end_index)).group_by(Batch.status)
    )
    for status, count, end in rows:
        batches[str(status)] = int(count)
        sealed_size = max(sealed_size, int(end))
    return replace(figures, batches=batches, sealed_size=sealed_size)


def _with_anchors(connection: Connection, figures: DatabaseFigures) -> DatabaseFigures:
    anchors = dict.fromkeys((status.value for status in AnchorStatus), 0)
    gas_total = fee_total = 0
    rows = connection.execute(
        select(
            Anchor.status, func.count(), func.sum(Anchor.gas_used), func.sum(Anchor.fee_wei)
        ).group_by(Anchor.status)
    )
    for status, count, gas, fee in rows:
        anchors[str(status)] = int(count)
        if str(status) in _FINAL:
            gas_total += int(gas or 0)
            fee_total += int(fee or 0)
    figures = replace(figures, anchors=anchors, gas_used_total=gas_total, fee_wei_total=fee_total)
    newest = connection.execute(
        select(Anchor.confirmed_at, Anchor.gas_used, Anchor.fee_wei)
        .where(Anchor.status == AnchorStatus.CONFIRMED)
        .order_by(Anchor.tree_size.desc())
        .limit(1)
    ).first()
    if newest is not None:
        figures = replace(
            figures,
            last_confirmed_at=newest.confirmed_at,
            last_gas_used=newest.gas_used,
            last_fee_wei=newest.fee_wei,
        )
    last = connection.execute(
        select(Anchor.status, Anchor.error_name).order_by(Anchor.id.desc()).limit(1)
    ).first()
    failed = last is not None and str(last.status) == AnchorStatus.FAILED.value
    if failed and last is not None and last.error_name in STOPPING_ERRORS:
        figures = replace(figures, stopped_by=str(last.error_name))
    in_flight = connection.execute(
        select(Anchor.submitted_at, Anchor.created_at).where(Anchor.in_flight == IN_FLIGHT)
    ).first()
    if in_flight is not None:
        figures = replace(figures, in_flight_since=in_flight.submitted_at or in_flight.created_at)
    return figures


def _with_witnesses(connection: Connection, figures: DatabaseFigures) -> DatabaseFigures:
    answers = connection.execute(
        select(
            WitnessAnswerCount.witness_name, WitnessAnswerCount.outcome, WitnessAnswerCount.count
        )
    )
    sizes = connection.execute(
        select(WitnessState.witness_name, WitnessState.last_size).where(
            WitnessState.last_size.is_not(None)
        )
    )
    return replace(
        figures,
        witness_answers={(name, outcome): int(count) for name, outcome, count in answers},
        witness_sizes={name: int(size) for name, size in sizes if size is not None},
    )
