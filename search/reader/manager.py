"""A searcher manager: one shared snapshot per process, replaced off the
request path when the index has a new commit (Lucene's SearcherManager).

Opening a searcher costs ~150 ms and building its arrays more, so requests
never do it: they acquire the current :class:`Snapshot`, use it and release
it. A background thread checks every ``check_interval`` seconds (50 ms: a look at
the directory listing, about 20 µs) for a newer
generation; it opens and warms the new snapshot (columns, field lengths) while
requests keep using the old one, then swaps it in. The old snapshot's searcher
is closed once its last user releases it. Whoosh's ``searcher.refresh()`` keeps
deleted documents visible after updates, so a refresh always reopens.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from whoosh.index import Index

from index.store import open_existing

from .snapshot import SegmentStore, Snapshot

DEFAULT_POSTINGS_CACHE_MB = 256
log = logging.getLogger("berita.manager")
_malloc_trim: Callable[[int], int] | None
try:  # glibc: free heap pages go back to the system only when asked
    _malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
except (OSError, AttributeError):  # another C library: nothing to ask
    _malloc_trim = None


def give_back_memory() -> None:
    """Return the allocator's free pages to the system. Each commit builds a
    snapshot (and, on the write path, a segment) in whichever threads run it;
    glibc keeps what they freed in per-thread arenas, so a worker's memory
    grew by ~19 MB a commit and never came down (issue 29: 379 MB -> 949 MB
    after 30 commits). Trimming after a swap (and after an export) keeps it
    near what is in use; it takes about a millisecond."""
    if _malloc_trim is not None:
        _malloc_trim(0)


class ManagerClosed(RuntimeError):
    """The manager was closed: it hands out no more snapshots."""


class SearcherManager:
    """Hands out the current snapshot; thread-safe."""

    def __init__(
        self,
        index_dir,
        check_interval: float = 0.05,
        postings_cache_mb: int = DEFAULT_POSTINGS_CACHE_MB,
        background: bool = True,
    ):
        self.index_dir = index_dir
        self.check_interval = check_interval
        self._index: Index = open_existing(index_dir)
        self.store = SegmentStore(postings_cache_mb * 1024 * 1024)
        self._swap_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._warmers: list = []
        self._listeners: list = []
        self._idle_work: list = []
        self._current = self._open()
        self._closed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._refresh_loop, name="berita-refresh", daemon=True)
            self._thread.start()

    def _open(self) -> Snapshot:
        searcher = self._index.searcher()
        generation = searcher.reader().generation()
        if generation is None:  # an index with no segment yet (nothing indexed): its commit's
            generation = self._index.latest_generation()
        snapshot = Snapshot(searcher, self.store, generation, time.time())
        self.store.keep_only(snapshot.segment_ids)
        for warm in self._warmers:
            warm(snapshot)
        return snapshot

    def add_warmer(self, warm) -> None:
        """Run ``warm(snapshot)`` on every snapshot before requests see it (and
        on the current one now): per-snapshot structures built off the request path."""
        self._warmers.append(warm)
        warm(self._current)

    def add_idle_work(self, work) -> None:
        """Run ``work(snapshot)`` on the current snapshot whenever the
        refresher finds no new commit (or, with no refresher, after each
        reopen): what may lag a commit by a moment (a vocabulary's merged
        base) kept off the path between a commit and its visibility. ``work``
        must be cheap when it has nothing to do."""
        self._idle_work.append(work)

    def _do_idle_work(self) -> None:
        with self._refresh_lock:
            if not self._stop.is_set():
                for work in self._idle_work:
                    work(self._current)

    def add_listener(self, listen) -> None:
        """Call ``listen(generation)`` each time a snapshot is swapped in (and
        now): who must know which commit this process answers from."""
        self._listeners.append(listen)
        listen(self._current.generation)

    def refresh_to(self, generation: int, timeout: float) -> bool:
        """Make this process answer from ``generation`` or later now, not at
        the next tick (a writer reading its own write); False if it could not
        within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self.generation < generation:
            try:
                self.maybe_refresh()
            except Exception:  # as in the refresh loop: try again until the deadline
                log.exception("could not open the new index generation")
            if self.generation >= generation:
                break
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    @property
    def generation(self) -> int:
        return self._current.generation

    @contextmanager
    def acquire(self) -> Iterator[Snapshot]:
        """The current snapshot, held for the duration of the ``with`` block."""
        with self._swap_lock:
            if self._closed:
                raise ManagerClosed(f"the searcher manager for {self.index_dir} is closed")
            snapshot = self._current
            snapshot._acquire()
        try:
            yield snapshot
        finally:
            snapshot._release()

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.check_interval):
            try:
                if not self.maybe_refresh():
                    self._do_idle_work()
            except Exception:  # a half-written commit or a vanished file: try again next tick
                log.exception("could not open the new index generation")

    def maybe_refresh(self) -> bool:
        """Reopen if the index has a newer commit; True if a new snapshot came.
        Called by the background thread, or directly by tests and tools."""
        with self._refresh_lock:
            if self._stop.is_set() or self._current.searcher.up_to_date():
                return False
            fresh = self._open()
            with self._swap_lock:
                old, self._current = self._current, fresh
            old._retire()
            give_back_memory()
            for listen in self._listeners:
                listen(fresh.generation)
        if self._thread is None:  # no refresher to do it when idle: now
            self._do_idle_work()
        return True

    def last_commit_time(self) -> datetime | None:
        """When the newest commit was written (its table of contents' mtime)."""
        toc = Path(self.index_dir) / f"_MAIN_{self._current.generation}.toc"
        try:
            return datetime.fromtimestamp(toc.stat().st_mtime).astimezone()
        except OSError:
            return None

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        with self._refresh_lock:
            with self._swap_lock:
                if self._closed:
                    return
                self._closed = True
            self._current._retire()  # closed now, or when its last holder releases it
            self._index.close()
