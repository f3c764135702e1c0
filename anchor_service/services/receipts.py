"""Entry receipts: the log key's signed promise, given with every stored entry.

Every answer of ``POST /v1/entries`` (201, and 200 on a replay) and of
``GET /v1/entries/{id}`` carries ``receipt``: an ``anchor-service/receipt/v1`` signed note
(:mod:`anchor_service.tlog.receipt`) binding the log's origin, the leaf index, the leaf
hash, the time the entry was received and the promise to have it in a signed checkpoint
by ``received + ANCHOR_MAX_MERGE_DELAY_SECONDS``. Everything in it is stored, and
Ed25519 signatures are deterministic, so a replay answers the same receipt byte for
byte. Signing costs ~40-50 µs per entry.

A bulk answer signs once per request instead (:meth:`ReceiptSigner.range_receipts`, in
the thread pool): an ``anchor-service/range-receipt/v1`` note
(:mod:`anchor_service.tlog.range_receipt`) over the Merkle tree of the request's leaf
hashes, and per entry its :class:`EntryReceipt`: that note and the entry's inclusion
path in it. The writer gives a request's new entries consecutive indices and one
received time, so a fresh request is one run and one signature; entries replayed from
earlier requests keep their indices and times, so a request that mixes them gets one
note per run of consecutive indices received together. A replay of a whole request
answers the same notes and paths byte for byte.
"""

from __future__ import annotations

import logging
from base64 import b64encode
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from anchor_service.db.repositories.entries import StoredEntry
from anchor_service.merkle.hashing import parent_hashes
from anchor_service.services.log_identity import load_log_identity, log_key_configured
from anchor_service.settings import Settings
from anchor_service.tlog import (
    RECEIPT_FORMAT,
    RangeReceipt,
    Receipt,
    Signer,
    format_time,
    sign_range_receipt,
    sign_receipt,
)

__all__ = ["EntryReceipt", "ReceiptSigner"]


@dataclass(frozen=True, slots=True)
class EntryReceipt:
    """One bulk entry's receipt: the range ``note`` and the entry's ``index`` and ``path``.

    ``path`` is the inclusion path of the entry's leaf hash in the note's tree, bottom
    up, each hash in canonical base64 (as the note writes its root).
    """

    note: str
    index: int
    path: list[str]


logger = logging.getLogger(__name__)


class ReceiptSigner:
    """Signs receipts with the log key ``signer`` (named as the log's origin).

    On the write path: the note is composed directly (the origin and key are checked once,
    here), byte for byte what :func:`anchor_service.tlog.sign_receipt` writes (a test
    holds them equal); the Ed25519 signature is most of the cost.
    """

    def __init__(self, signer: Signer, max_merge_delay_seconds: float) -> None:
        self._signer = signer
        self._delay = timedelta(seconds=max_merge_delay_seconds)
        probe = Receipt(signer.name, 0, bytes(32), _EPOCH, _EPOCH + self._delay)
        reference = sign_receipt(probe, signer)  # refuses an origin a note cannot carry
        self._head = f"{signer.name}\n{RECEIPT_FORMAT}\nindex "
        self._signature_head = f"\n— {signer.name} "
        self._key_id = signer.key_id.to_bytes(4, "big")
        if self._compose(probe.index, probe.leaf_hash, _EPOCH).encode() != reference:
            raise RuntimeError("the receipt fast path differs from sign_receipt")

    @classmethod
    def from_settings(cls, settings: Settings) -> ReceiptSigner | None:
        """The signer of the configured log key; ``None`` when no log key is configured.

        Raises :class:`~anchor_service.errors.LogKeyError` for a key that cannot be used
        (missing file, open to others, malformed, named for another origin).
        """
        if not log_key_configured(settings):
            return None
        identity = load_log_identity(settings)
        delay, every = settings.max_merge_delay_seconds, settings.checkpoint_seconds
        if every == 0 or every >= delay:
            cadence = "only at the nightly seal" if every == 0 else f"every {every:g} s"
            logger.warning(
                "receipts promise a signed checkpoint within ANCHOR_MAX_MERGE_DELAY_SECONDS="
                "%g s, but checkpoints are signed %s (ANCHOR_CHECKPOINT_SECONDS): the promise "
                "will be broken; raise the delay or sign checkpoints more often",
                delay,
                cadence,
            )
        return cls(identity.signer, delay)

    @property
    def origin(self) -> str:
        return self._signer.name

    def receipt(self, stored: StoredEntry) -> str:
        """The signed receipt of ``stored`` (the note text)."""
        return self._compose(stored.leaf_index, stored.leaf_hash, _aware(stored.received_at))

    def receipts(self, stored: list[StoredEntry]) -> list[str]:
        """The entry receipts of ``stored``, in order (one signature each)."""
        return [self.receipt(item) for item in stored]

    def range_receipts(self, stored: list[StoredEntry]) -> list[EntryReceipt]:
        """The receipts of a bulk answer's ``stored``, in order: one signature per run.

        A run is a maximal set of entries at consecutive leaf indices with the same
        received time (a fresh request is one run).
        """
        answers: dict[int, EntryReceipt] = {}
        for run in _runs(stored):
            received = _aware(run[0].received_at)
            leaves = [item.leaf_hash for item in run]
            levels = _levels(leaves)
            promise = RangeReceipt(
                self._signer.name,
                run[0].leaf_index,
                len(run),
                levels[-1][0],
                received,
                received + self._delay,
            )
            note = sign_range_receipt(promise, self._signer).decode()
            encoded = [[b64encode(node).decode() for node in level] for level in levels[:-1]]
            for position, item in enumerate(run):
                answers[item.leaf_index] = EntryReceipt(
                    note, item.leaf_index, _path(encoded, position)
                )
        return [answers[item.leaf_index] for item in stored]

    def _compose(self, index: int, leaf_hash: bytes, received: datetime) -> str:
        text = (
            f"{self._head}{index}\nleaf {b64encode(leaf_hash).decode()}\n"
            f"received {format_time(received)}\nmerge-by {format_time(received + self._delay)}\n"
        )
        signature = self._key_id + self._signer.sign(text.encode())
        return f"{text}{self._signature_head}{b64encode(signature).decode()}\n"


_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive UTC times."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _runs(stored: list[StoredEntry]) -> list[list[StoredEntry]]:
    """``stored`` split into runs of consecutive leaf indices received at one time."""
    ordered = sorted(stored, key=lambda item: (_aware(item.received_at), item.leaf_index))
    runs: list[list[StoredEntry]] = []
    for item in ordered:
        if runs:
            last = runs[-1][-1]
            if last.leaf_index + 1 == item.leaf_index and last.received_at == item.received_at:
                runs[-1].append(item)
                continue
        runs.append([item])
    return runs


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every level of the RFC 9162 tree over ``leaves``, bottom up, the root's last.

    An unpaired last node is carried up unchanged (the same tree as RFC 9162's).
    """
    levels = [leaves]
    row = leaves
    while len(row) > 1:
        upper = parent_hashes(row)
        if len(row) & 1:
            upper.append(row[-1])
        levels.append(upper)
        row = upper
    return levels


def _path(levels: list[list[str]], position: int) -> list[str]:
    """The inclusion path of leaf ``position``: its sibling at each level that has one."""
    path = []
    for level in levels:
        sibling = position ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        position >>= 1
    return path
