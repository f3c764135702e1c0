"""The ``anchor-service`` command line."""

from anchor_service.cli.main import main

__all__ = ["main"]
