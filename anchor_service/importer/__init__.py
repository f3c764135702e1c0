"""The import engine: bulk-load ledger entries from CSV or JSONL files, resumably.

``anchor-service import`` (:mod:`anchor_service.cli.import_entries`) is the command;
this package does the work, through the same validation and entry writer as the API:

- :mod:`.source`   read records from the file, with their lines and byte positions
- :mod:`.batches`  check a batch as a whole, then store it all or nothing
- :mod:`.remote`   the same through a running API (``POST /v1/entries/bulk``)
- :mod:`.state`    the saved position of an interrupted import
- :mod:`.run`      :class:`FileImport`, the loop tying them together
- :mod:`.errors`   the exception tree
"""

from anchor_service.importer.batches import BatchOutcome, Problem
from anchor_service.importer.errors import RemoteError, SourceFormatError, StateMismatchError
from anchor_service.importer.run import FileImport, format_of, open_store, state_path_for
from anchor_service.importer.state import ImportCounts, ImportState

__all__ = [
    "BatchOutcome",
    "FileImport",
    "ImportCounts",
    "ImportState",
    "Problem",
    "RemoteError",
    "SourceFormatError",
    "StateMismatchError",
    "format_of",
    "open_store",
    "state_path_for",
]
