"""anchor-service: a blockchain-anchored audit and settlement log for ledger entries."""

__version__ = "0.1.0"
