"""Errors raised by anchor-service.

Every error the service raises on purpose derives from :class:`AnchorServiceError`;
third-party exceptions are translated at one boundary with ``raise X(...) from exc``.
HTTP status codes are chosen only in ``anchor_service.api.errors``.

Exception tree (the classes of this module, and the subtrees other packages keep in
their own ``errors`` module, named in brackets)::

    AnchorServiceError
    ├── NotFoundError              a requested object does not exist
    ├── EntryConflictError         an external_id is already stored with another body
    │   └── EntryRedactedError     ... or was stored and redacted (cannot be compared)
    ├── EntryNotAnchoredError      no anchored tree head covers the entry yet (its status)
    ├── EntryNotSealedError        the entry is still pending: it cannot be redacted yet
    ├── AuditRunningError          an audit runs already (one at a time across workers)
    ├── InvalidEntryError          an entry breaks a rule (carries field and bulk index)
    ├── AuthenticationError        no API key, or an unknown or revoked one
    ├── PermissionDeniedError      a valid API key whose role does not allow the action
    ├── AccountPatternError        an account key's account patterns are missing or not valid
    ├── RateLimitedError           the API key used up its requests for now (retry_after)
    ├── DatabaseUnavailableError   the database cannot be reached
    ├── SealingError               the stored log is inconsistent; nothing was sealed
    ├── ProofIntegrityError        stored tiles do not lead to the anchored root
    ├── ScheduleConfigError        ANCHOR_SEAL_CRON or ANCHOR_TIMEZONE is not valid
    ├── LogKeyError                the log's note signer key is missing, unsafe or not valid
    ├── CheckpointMismatchError    the tiles' root is not the stored leaves' root: not signed
    ├── UnreadableInputError       a command's input file (or stdin) cannot be read
    ├── WitnessError               [anchor_service.witness.errors] a witness key, server or client
    ├── ChainError                 [anchor_service.chain.errors] the chain layer
    ├── BundleFormatError          [anchor_service.verifier.errors] not a proof bundle
    ├── RemoteError                [anchor_service.importer.errors] the API refused a batch
    ├── ReportFormatError          [anchor_service.reconcile.errors] a gateway report is unreadable
    └── DevChainError              [anchor_service.dev.errors] the local ganache failed
"""

from __future__ import annotations

__all__ = [
    "AccountPatternError",
    "AnchorServiceError",
    "AuditRunningError",
    "AuthenticationError",
    "CheckpointMismatchError",
    "DatabaseUnavailableError",
    "EntryConflictError",
    "EntryNotAnchoredError",
    "EntryNotSealedError",
    "EntryRedactedError",
    "InvalidEntryError",
    "LogKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProofIntegrityError",
    "RateLimitedError",
    "ScheduleConfigError",
    "SealingError",
    "UnreadableInputError",
]


class AnchorServiceError(Exception):
    """Base class of the service's own errors."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(AnchorServiceError):
    """A requested object does not exist."""


class EntryConflictError(AnchorServiceError):
    """An ``external_id`` is already stored with a different body (or being stored).

    ``index`` is the position of the conflicting item in a bulk request (else ``None``).
    """

    def __init__(
        self, detail: str, *, external_id: str | None = None, index: int | None = None
    ) -> None:
        super().__init__(detail)
        self.external_id = external_id
        self.index = index


class EntryRedactedError(EntryConflictError):
    """The ``external_id`` was stored, then redacted: its body is erased, so a posting
    cannot be compared with it, and the id cannot be used again."""


class EntryNotAnchoredError(AnchorServiceError):
    """No anchored (mined) tree head covers the entry yet, so there is no proof bundle.

    ``entry_status`` says where the entry is: ``pending``, ``sealed`` or ``anchored``
    (an anchor covering it is submitted but not mined yet).
    """

    def __init__(self, detail: str, *, external_id: str, entry_status: str) -> None:
        super().__init__(detail)
        self.external_id = external_id
        self.entry_status = entry_status


class EntryNotSealedError(AnchorServiceError):
    """The entry is still pending (not sealed); it can be redacted once it is sealed."""

    def __init__(self, detail: str, *, external_id: str) -> None:
        super().__init__(detail)
        self.external_id = external_id
        self.entry_status = "pending"


class AuditRunningError(AnchorServiceError):
    """An audit asked for while another one runs (admin audits run one at a time)."""


class InvalidEntryError(AnchorServiceError):
    """An entry breaks a validation rule.

    ``field`` is a dotted path inside the entry (``postings.1.amount``) or ``None`` when
    the entry as a whole is at fault; ``index`` is the item's position in a bulk request.
    """

    def __init__(self, detail: str, *, field: str | None = None, index: int | None = None) -> None:
        super().__init__(detail)
        self.field = field
        self.index = index

    def at_index(self, index: int) -> InvalidEntryError:
        """Return a copy of this error located at item ``index`` of a bulk request."""
        return InvalidEntryError(self.detail, field=self.field, index=index)


class AuthenticationError(AnchorServiceError):
    """No API key was given, or it is malformed, unknown or revoked."""


class PermissionDeniedError(AnchorServiceError):
    """The API key is valid but its role does not allow the action."""


class AccountPatternError(AnchorServiceError):
    """An ``account`` key's account patterns are missing or break the pattern grammar
    (:mod:`anchor_service.ledger.account_patterns`), or patterns were given to a key of
    another role."""


class RateLimitedError(AnchorServiceError):
    """The API key used up its requests for now; retry after ``retry_after`` seconds."""

    def __init__(self, key_id: str, retry_after: int) -> None:
        super().__init__(f"API key {key_id} is over its rate limit; retry after {retry_after} s")
        self.retry_after = retry_after


class DatabaseUnavailableError(AnchorServiceError):
    """The database cannot be reached (connection refused, lost, or timed out), or its
    SQLite file does not exist."""


class SealingError(AnchorServiceError):
    """The stored log is inconsistent (missing entries or postings); nothing was sealed."""


class ProofIntegrityError(AnchorServiceError):
    """A proof built from the stored tiles does not lead to the anchored root.

    The proof storage no longer agrees with the anchored head; nothing is served (run
    ``anchor-service audit``).
    """


class ScheduleConfigError(AnchorServiceError):
    """``ANCHOR_SEAL_CRON`` or ``ANCHOR_TIMEZONE`` is not valid."""


class LogKeyError(AnchorServiceError):
    """The log's note signer key (``ANCHOR_LOG_KEY`` / ``ANCHOR_LOG_KEY_PATH``) is missing,
    readable by others, malformed, or not named for ``ANCHOR_LOG_ORIGIN``; the detail is
    one line naming the setting or file and the fix, never the key."""


class CheckpointMismatchError(AnchorServiceError):
    """Before signing a checkpoint, the root the stored tiles give was not the root
    recomputed from the stored leaves: nothing was signed (carries both roots)."""

    def __init__(
        self, detail: str, *, tree_size: int, tiles_root: bytes, recomputed_root: bytes
    ) -> None:
        super().__init__(detail)
        self.tree_size = tree_size
        self.tiles_root = tiles_root
        self.recomputed_root = recomputed_root


class UnreadableInputError(AnchorServiceError):
    """A command's input cannot be read; the message is one line: ``cannot read NAME: why``."""
