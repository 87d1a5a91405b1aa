"""Memos of values derived from their keys (query plans, analysed words),
bounded by emptying them whole when full.

Not LRU: a hit costs one dict lookup and no bookkeeping, which matters on
every request, and an emptied memo refills with the keys still in use."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


class BoundedMemo(dict):
    """A dict that ``remember`` keeps to about ``limit`` entries (None: no bound)."""

    def __init__(self, limit: int | None = None):
        super().__init__()
        self.limit = limit

    def remember(self, key: Hashable, value: Any) -> Any:
        """Keep ``value`` under ``key`` (emptying the memo first if it holds
        more than ``limit``) and return it."""
        if self.limit is not None and len(self) > self.limit:
            self.clear()
        self[key] = value
        return value
