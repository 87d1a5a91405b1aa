"""The generation ETags and cursors depend on, and what is kept per generation.

The generation is the sum over primary shards of their highest sequence
number: it changes with every write the cluster applies and never goes back.
A thread reads it every ``POLL_SECONDS``; a write through this process reads
it at once (:meth:`GenerationWatch.read`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from index.opensearch.target import ClusterUnavailable

from .cluster import Cluster

POLL_SECONDS = 1.0  # how often the generation is read (a write through this process reads it at once)

T = TypeVar("T")


class GenerationWatch:
    """The cluster's generation as last read, its listeners, and values
    derived from the index that hold until it changes."""

    def __init__(self, cluster: Cluster, poll: bool = True):
        self.cluster = cluster
        self.current = 0
        self.changed_at: datetime | None = None  # when this process saw the generation last advance
        self._listeners: list[Callable[[int], None]] = []
        self._kept: dict[str, tuple[int, Any]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        if poll:
            self._thread = threading.Thread(target=self._poll, name="berita-opensearch-generation", daemon=True)
            self._thread.start()

    def read(self) -> int:
        """The generation as the cluster has it now (one stats call)."""
        stats = self.cluster.call(
            self.cluster.client.indices.stats, index=self.cluster.index, params={"level": "shards"}
        )
        total = 0
        for index in stats["indices"].values():
            for copies in index["shards"].values():
                for copy in copies:
                    if copy["routing"]["primary"]:
                        total += int(copy["seq_no"]["max_seq_no"]) + 1
        return total

    def _poll(self) -> None:
        while not self._closed.is_set():
            try:
                self.advance(self.read())
            except Exception:  # an unreachable cluster: keep the last generation, try again
                pass
            self._closed.wait(POLL_SECONDS)

    def advance(self, generation: int) -> None:
        with self._lock:
            if generation <= self.current:
                return
            self.current = generation
            self.changed_at = datetime.now(UTC).astimezone()
            listeners = list(self._listeners)
        for listen in listeners:
            listen(generation)

    def listen(self, listen: Callable[[int], None]) -> None:
        """Call ``listen`` with the generation now and with each new one."""
        with self._lock:
            self._listeners.append(listen)
            now = self.current
        listen(now)

    def refresh_to(self, generation: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.advance(self.read())
            except ClusterUnavailable:
                pass
            if self.current >= generation:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def kept(self, name: str, build: Callable[[], T]) -> T:
        """``build()``'s value, made again once the generation has moved on."""
        found = self._kept.get(name)
        if found is not None and found[0] == self.current:
            return found[1]
        generation = self.current
        value = build()
        self._kept[name] = (generation, value)
        return value

    def close(self) -> None:
        self._closed.set()
