"""Which index generation each worker process answers from, in memory the
workers share (made before they fork): a write asked to ``refresh=wait_for``
is answered once every worker answers from its commit, and ``berita serve``
says it is ready once every worker has built its app."""

from __future__ import annotations

import time
from multiprocessing.sharedctypes import RawArray

NOT_SERVING = -1


class WorkerGenerations:
    """One slot per worker; each worker writes its own (``serve_as``)."""

    def __init__(self, workers: int = 1):
        self._slots = RawArray("q", [NOT_SERVING] * max(1, workers))
        self.slot = 0

    def serve_as(self, slot: int) -> None:
        """In a worker, after the fork: the slot this process writes."""
        self.slot = slot

    def publish(self, generation: int) -> None:
        self._slots[self.slot] = generation

    def lowest(self) -> int:
        """The oldest generation any worker answers from (-1: one is not serving yet)."""
        return min(self._slots)

    def wait_until_all_see(self, generation: int, timeout: float, alive=lambda: True) -> bool:
        """True once every worker answers from ``generation`` or later; False
        when ``timeout`` seconds pass first (or ``alive()`` says a worker died)."""
        deadline = time.monotonic() + timeout
        while self.lowest() < generation:
            if time.monotonic() > deadline or not alive():
                return False
            time.sleep(0.01)
        return True
