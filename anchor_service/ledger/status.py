"""Where an entry is in its life, derived from the newest checkpoint and the batch that
sealed it (if any)."""

from __future__ import annotations

import enum

__all__ = ["EntryStatus"]


class EntryStatus(enum.StrEnum):
    """Where an entry is in its life: stored (``pending``), in a signed checkpoint
    (``logged``, within seconds), sealed in a settlement batch, covered by an anchor sent
    to the chain but not yet confirmed, or anchored and confirmed."""

    # The last three are the statuses of the entry's batch (``BatchStatus`` has the same
    # values): an entry's status is read from its batch, never stored.

    PENDING = "pending"
    LOGGED = "logged"
    SEALED = "sealed"
    ANCHORED = "anchored"
    SETTLED = "settled"

    @classmethod
    def of_batch(cls, batch_status: str | None, *, logged: bool = False) -> EntryStatus:
        """The status of an entry sealed in a batch of ``batch_status`` (``None``: no
        batch covers it yet, so it is ``logged`` when a signed checkpoint includes it,
        else pending)."""
        if batch_status is None:
            return cls.LOGGED if logged else cls.PENDING
        return cls(str(batch_status))
