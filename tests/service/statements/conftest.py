"""Fixtures: a real anchored log on the shared ganache (see ``tests/service/anchored_log``)."""

from anchored_log.builder import LogBuilder
from anchored_log.fixtures import chain, chain_view, headers, log, rpc, settings

__all__ = ["LogBuilder", "chain", "chain_view", "headers", "log", "rpc", "settings"]
