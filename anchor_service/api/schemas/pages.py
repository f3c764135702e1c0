"""One page of a keyset-paginated list (see :mod:`anchor_service.api.pagination`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Self, TypeVar

from pydantic import BaseModel, Field

__all__ = ["Page"]

ItemT = TypeVar("ItemT", bound=BaseModel)


class Page(BaseModel, Generic[ItemT]):
    """Items in key order; ``next`` is the key of the last one when more follow.

    Subclass it per resource (``class BatchPageOut(Page[BatchOut])``) so that OpenAPI
    names the page after the resource.
    """

    items: list[ItemT]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")

    @classmethod
    def of(cls, items: Sequence[ItemT], limit: int, key: Callable[[ItemT], int]) -> Self:
        """The page of the first ``limit`` of ``items``, read with ``limit + 1`` so that
        one more item tells whether a next page exists."""
        kept = list(items[:limit])
        return cls(items=kept, next=str(key(kept[-1])) if len(items) > limit else None)
