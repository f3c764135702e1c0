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

from datetime import UTC

from anchor_service.db.repositories.entries import StoredEntry
from anchor_service.services.log_identity import load_log_identity, log_key_configured
from anchor_service.settings import Settings
from anchor_service.tlog import Receipt, Signer, sign_receipt

__all__ = ["ReceiptSigner"]


class ReceiptSigner:
    """Signs receipts with the log key ``signer`` (named as the log's origin)."""

    def __init__(self, signer: Signer, max_merge_delay_seconds: float) -> None:
        self._signer = signer
        self._delay = max_merge_delay_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> ReceiptSigner | None:
        """The signer of the configured log key; ``None`` when no log key is configured.

        Raises :class:`~anchor_service.errors.LogKeyError` for a key that cannot be used
        (missing file, open to others, malformed, named for another origin).
        """
        if not log_key_configured(settings):
            return None
        identity = load_log_identity(settings)
        return cls(identity.signer, settings.max_merge_delay_seconds)

    @property
    def origin(self) -> str:
        return self._signer.name

    def receipt(self, stored: StoredEntry) -> str:
        """The signed receipt of ``stored`` (the note text)."""
        received = stored.received_at
        if received.tzinfo is None:  # SQLite gives back naive UTC times
            received = received.replace(tzinfo=UTC)
        receipt = Receipt.promise(
            self._signer.name, stored.leaf_index, stored.leaf_hash, received, self._delay
        )
        return sign_receipt(receipt, self._signer).decode("utf-8")

    def receipts(self, stored: list[StoredEntry]) -> list[str]:
        """The receipts of ``stored``, in order."""
        return [self.receipt(item) for item in stored]
