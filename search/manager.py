"""A searcher manager: one shared Whoosh searcher per process, reopened when
the index has a new commit (Lucene's SearcherManager, in small).

Opening a searcher costs ~150 ms, so requests never open one: they acquire the
current :class:`Snapshot`, use it, and release it. At most every
``check_interval`` seconds a request checks whether the index has a newer
generation; if so a new snapshot is opened (by that one thread, others keep
using the old one) and swapped in; the old one is closed once its last user
releases it. Whoosh's ``searcher.refresh()`` keeps deleted documents visible
after updates, so a refresh always reopens.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterator

from whoosh.index import Index
from whoosh.searching import Searcher

from index.store import open_existing

from .docvalues import DocValues


@dataclass
class Snapshot:
    """One point-in-time view of the index: searcher, doc values, generation."""

    searcher: Searcher
    docvalues: DocValues
    generation: int
    opened_at: float
    _ids: dict[int, str] = field(default_factory=dict)
    _users: int = 0
    _retired: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def article_id(self, docnum: int) -> str:
        """The stored id of a document, remembered for this snapshot (reading
        stored fields decompresses the whole article)."""
        if docnum not in self._ids:
            self._ids[docnum] = self.searcher.stored_fields(docnum)["id"]
        return self._ids[docnum]

    def _acquire(self) -> None:
        with self._lock:
            self._users += 1

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            close = self._retired and self._users == 0
        if close:
            self.searcher.close()

    def _retire(self) -> None:
        with self._lock:
            self._retired = True
            close = self._users == 0
        if close:
            self.searcher.close()


class SearcherManager:
    """Hands out the current snapshot; thread-safe."""

    def __init__(self, index_dir, check_interval: float = 0.5):
        self.index_dir = index_dir
        self.check_interval = check_interval
        self._index: Index = open_existing(index_dir)
        self._swap_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._current = self._open()
        self._next_check = time.monotonic() + check_interval

    def _open(self) -> Snapshot:
        searcher = self._index.searcher()
        return Snapshot(
            searcher=searcher,
            docvalues=DocValues.load(searcher),
            generation=searcher.reader().generation(),
            opened_at=time.time(),
        )

    @contextmanager
    def acquire(self) -> Iterator[Snapshot]:
        """The current snapshot, held for the duration of the ``with`` block."""
        self.maybe_refresh()
        with self._swap_lock:
            snapshot = self._current
            snapshot._acquire()
        try:
            yield snapshot
        finally:
            snapshot._release()

    def maybe_refresh(self, force: bool = False) -> bool:
        """Reopen if the index has a newer commit; True if a new snapshot came."""
        now = time.monotonic()
        if not force and now < self._next_check:
            return False
        if not self._refresh_lock.acquire(blocking=False):
            return False  # another thread is already refreshing
        try:
            self._next_check = now + self.check_interval
            if self._current.searcher.up_to_date():
                return False
            fresh = self._open()
            with self._swap_lock:
                old, self._current = self._current, fresh
            old._retire()
            return True
        finally:
            self._refresh_lock.release()

    def last_commit_time(self) -> datetime | None:
        """When the newest commit was written (its table of contents' mtime)."""
        toc = Path(self.index_dir) / f"_MAIN_{self._current.generation}.toc"
        try:
            return datetime.fromtimestamp(toc.stat().st_mtime).astimezone()
        except OSError:
            return None

    def close(self) -> None:
        self._current._retire()
        self._index.close()
