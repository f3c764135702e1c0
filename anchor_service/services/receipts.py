"""Entry receipts: the log key's signed promise, given with every stored entry.

Every answer of ``POST /v1/entries`` (201, and 200 on a replay) and every item of a bulk
answer carries ``receipt``: an ``anchor-service/receipt/v1`` signed note
(:mod:`anchor_service.tlog.receipt`) binding the log's origin, the leaf index, the leaf
hash, the time the entry was received and the promise to have it in a signed checkpoint
by ``received + ANCHOR_MAX_MERGE_DELAY_SECONDS``. Everything in it is stored, and
Ed25519 signatures are deterministic, so a replay answers the same receipt byte for
byte. Signing costs ~50 µs per entry; a bulk answer signs in the thread pool.
"""

from __future__ import annotations

import logging
from base64 import b64encode
from datetime import UTC, datetime, timedelta

from anchor_service.db.repositories.entries import StoredEntry
from anchor_service.services.log_identity import load_log_identity, log_key_configured
from anchor_service.settings import Settings
from anchor_service.tlog import RECEIPT_FORMAT, Receipt, Signer, format_time, sign_receipt

__all__ = ["ReceiptSigner"]

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
        received = stored.received_at
        if received.tzinfo is None:  # SQLite gives back naive UTC times
            received = received.replace(tzinfo=UTC)
        return self._compose(stored.leaf_index, stored.leaf_hash, received)

    def receipts(self, stored: list[StoredEntry]) -> list[str]:
        """The receipts of ``stored``, in order."""
        return [self.receipt(item) for item in stored]

    def _compose(self, index: int, leaf_hash: bytes, received: datetime) -> str:
        text = (
            f"{self._head}{index}\nleaf {b64encode(leaf_hash).decode()}\n"
            f"received {format_time(received)}\nmerge-by {format_time(received + self._delay)}\n"
        )
        signature = self._key_id + self._signer.sign(text.encode())
        return f"{text}{self._signature_head}{b64encode(signature).decode()}\n"


_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
