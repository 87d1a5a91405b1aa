"""Admission control: a few costly requests never take every thread.

A worker has a handful of threads and one GIL. Exports stream a whole result
set and long queries (many words, ORs) evaluate many postings; eight at once
used to hold every thread while cheap searches queued behind them. Costly
requests therefore take one of a few slots (``slots``, per worker); up to
``queue`` more wait for one, at most ``wait`` seconds (a waiting request holds
a thread too, so the queue is short); the rest, and those whose wait runs out,
are answered 503 with ``Retry-After`` at once. Cheap requests never wait for a
slot. A streamed answer keeps its slot until the stream is done.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

import falcon

from ..query.syntax import word_count
from .config import DEFAULT_SLOTS

COSTLY_PATHS = frozenset({"/api/search/export"})
COSTLY_WORDS = 8  # a query of more words than this is costly
DEFAULT_QUEUE = 1  # costly requests that may wait for a slot
DEFAULT_WAIT = 2.0  # seconds a costly request may wait for a slot
RETRY_AFTER = 2  # seconds, in the 503


def is_costly(req: falcon.Request) -> bool:
    """Exports, and searches of many words (pages, feeds and the API alike)."""
    if req.path in COSTLY_PATHS:
        return True
    q = req.get_param("q") or ""
    return len(q) > 2 * COSTLY_WORDS and word_count(q) > COSTLY_WORDS


class _Released:
    """A streamed body that gives its slot back once served (or abandoned)."""

    def __init__(self, stream: Iterable, release) -> None:
        self._stream = stream
        self._release = release

    def __iter__(self) -> Iterator:
        try:
            yield from self._stream
        finally:
            self.close()

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close:
            close()
        self._release()


class Admission:
    """Falcon middleware holding costly requests to ``slots`` at once."""

    def __init__(self, slots: int = DEFAULT_SLOTS, queue: int = DEFAULT_QUEUE, wait: float = DEFAULT_WAIT):
        self.slots = slots
        self.wait = wait
        self._free = threading.BoundedSemaphore(slots)
        self._room = threading.BoundedSemaphore(slots + queue)  # running or waiting

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if not is_costly(req):
            return
        if not self._room.acquire(blocking=False):
            raise self._busy()
        if not self._free.acquire(timeout=self.wait):
            self._room.release()
            raise self._busy()
        req.context.admission_slot = _Slot(self._free, self._room)

    def _busy(self) -> falcon.HTTPServiceUnavailable:
        return falcon.HTTPServiceUnavailable(
            title="Busy",
            description=(
                f"this worker is answering {self.slots} costly request(s) (exports, long queries) already; "
                f"try again in {RETRY_AFTER} s"
            ),
            retry_after=RETRY_AFTER,
        )

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool) -> None:
        slot = req.context.get("admission_slot")
        if slot is None:
            return
        if isinstance(resp.stream, Iterable):  # streamed after this returns
            resp.stream = _Released(resp.stream, slot.release)
        else:
            slot.release()


class _Slot:
    """One taken slot, given back exactly once."""

    def __init__(self, *taken: threading.BoundedSemaphore):
        self._taken = taken
        self._lock = threading.Lock()
        self._held = True

    def release(self) -> None:
        with self._lock:
            held, self._held = self._held, False
        if held:
            for semaphore in self._taken:
                semaphore.release()
