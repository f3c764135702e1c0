"""Errors of the local development tooling (``anchor-service dev``, the test chain).

Exception tree::

    AnchorServiceError                  (anchor_service.errors)
    ├── DevChainError                   the local ganache cannot be started or did not answer
    └── NginxError                      a private nginx (tests, benchmarks) cannot be started
    RuntimeError
    └── ChildFailedError                a supervised child exited or never became ready

``DevChainError`` is a service error so that ``anchor-service dev`` reports it as one
line (``error: ...``); ``ChildFailedError`` never leaves the supervisor, which turns it
into a message and an exit status.
"""

from __future__ import annotations

from anchor_service.errors import AnchorServiceError

__all__ = ["ChildFailedError", "DevChainError", "NginxError"]


class DevChainError(AnchorServiceError):
    """The local development chain (ganache) cannot be started or did not answer."""


class NginxError(AnchorServiceError):
    """A private nginx (``anchor_service.dev.nginx``) is missing or cannot be started."""


class ChildFailedError(RuntimeError):
    """A child exited or did not become ready while the supervisor was starting it."""
