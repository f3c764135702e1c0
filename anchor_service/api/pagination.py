"""Keyset pagination, written once: the ``limit`` and ``after`` query parameters.

A list route takes ``page: Annotated[PageQuery, keyset("batches", maximum=DB_INT_MAX)]``,
reads ``page.fetch`` rows with a key above ``page.after`` (in key order), and answers
``SomePageOut.of(items, page.limit, key)``: the first ``limit`` items, and ``next``
(the last one's key) when the extra row shows that more follow. Keys are integers
(``seq``); a client passes ``next`` back as ``after``.
"""

# No ``from __future__ import annotations``: FastAPI reads the annotations of the
# dependency below at run time, and they refer to this function's arguments.
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

__all__ = ["PageQuery", "keyset"]

#: Most items in one page.
MAX_PAGE_ITEMS = 500


@dataclass(frozen=True, slots=True)
class PageQuery:
    """The page a request asks for: at most ``limit`` items with a key above ``after``."""

    limit: int
    after: int | None

    @property
    def fetch(self) -> int:
        """Rows to read: one more than the page holds, to know whether another follows."""
        return self.limit + 1

    @property
    def floor(self) -> int:
        """``after``, or -1 for the first page (keys start at 0)."""
        return -1 if self.after is None else self.after


def keyset(noun: str, *, maximum: int, key: str = "seq") -> Any:
    """The dependency reading ``limit`` and ``after`` (keys of ``noun`` up to ``maximum``,
    the largest value of the key's column, so a larger one is a 422, not a 500)."""

    async def page_query(  # async: no I/O, so not sent to the thread pool
        limit: Annotated[
            int, Query(ge=1, le=MAX_PAGE_ITEMS, description="Most items in the page.")
        ] = 50,
        after: Annotated[
            int | None,
            Query(ge=-1, le=maximum, description=f"Return {noun} with {key} greater than this."),
        ] = None,
    ) -> PageQuery:
        return PageQuery(limit, after)

    return Depends(page_query)
