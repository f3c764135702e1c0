"""Repositories: one per table group; they add and flush, the caller commits."""

from anchor_service.db.repositories.api_keys import ApiKeyRepository, NewApiKey
from anchor_service.db.repositories.entries import EntryRepository, StoredEntry
from anchor_service.db.repositories.log_state import LogStateRepository

__all__ = [
    "ApiKeyRepository",
    "EntryRepository",
    "LogStateRepository",
    "NewApiKey",
    "StoredEntry",
]
