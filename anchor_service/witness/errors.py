"""Errors of the witness (server and client).

Exception tree::

    AnchorServiceError                  (anchor_service.errors)
    └── WitnessError                    the witness package
        ├── WitnessKeyFileError         a witness key file: missing, exists, unsafe mode, malformed
        └── AnchoredHeadUnavailableError   the registry's anchored heads cannot be read
"""

from __future__ import annotations

from anchor_service.errors import AnchorServiceError

__all__ = ["AnchoredHeadUnavailableError", "WitnessError", "WitnessKeyFileError"]


class WitnessError(AnchorServiceError):
    """Base class of the witness package's errors."""


class WitnessKeyFileError(WitnessError):
    """A witness key file cannot be written or loaded; the message never holds the key."""


class AnchoredHeadUnavailableError(WitnessError):
    """The anchored heads cannot be read from the node (the witness then cosigns nothing)."""
