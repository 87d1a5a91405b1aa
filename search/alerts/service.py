"""Alerts in a serving process: one worker matches and delivers.

Every worker answers the alerts API from the store; the one that holds the
store's lock file (``fcntl.flock``, released by the kernel when the process
dies, so another worker takes over) matches each new snapshot off the
request path and sends the deliveries. A write's acknowledgement never waits
for either: the snapshot listener only sets an event.

Over an OpenSearch cluster the store and the lock file live in the serving
directory (``--index``, where the write keys are): alerts are per serving
directory. Servers on several machines over one cluster each keep, match and
deliver their own alerts (none is lost or sent twice within one directory);
they do not share them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path
from typing import BinaryIO

from ..backend import Engine
from .deliver import DEFAULT_RETRY_CAP, Deliverer
from .match import Matcher
from .store import AlertStore, store_path

log = logging.getLogger("berita.alerts")
LOCK_FILE = "alerts.lock"
IDLE_CHECK = 1.0  # seconds between looks for work (a new snapshot wakes it sooner)


def open_alerts(engine: Engine, index_dir: str | os.PathLike) -> AlertStore:
    """The alert store, made if absent with its watermark at what the engine
    shows now (alerts tell of what is published from now on)."""
    store = AlertStore(index_dir)
    Matcher(engine, store).initialise()  # the first time only; matching is the elected worker's
    return store


class AlertService:
    """Elects this process as the matcher and deliverer when it can."""

    def __init__(self, engine: Engine, index_dir: str | os.PathLike, retry_cap: float = DEFAULT_RETRY_CAP):
        self.engine = engine
        self.index_dir = Path(index_dir)
        self.retry_cap = retry_cap
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._lock_file: BinaryIO | None = None
        self._thread: threading.Thread | None = None
        self.deliverer: Deliverer | None = None

    def start(self) -> None:
        self.engine.on_new_snapshot(lambda generation: self.wake.set())
        self._thread = threading.Thread(target=self._loop, name="berita-alerts", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.deliverer is not None:
            self.deliverer.stop()

    def _elected(self) -> bool:
        """Hold the lock file (once got, held for the process's life)."""
        if self._lock_file is not None:
            return True
        handle = open(self.index_dir / LOCK_FILE, "a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def _loop(self) -> None:
        matcher: Matcher | None = None
        while not self._stop.is_set():
            self.wake.wait(IDLE_CHECK)
            self.wake.clear()
            try:
                if not store_path(self.index_dir).exists() or not self._elected():
                    continue
                if matcher is None:
                    store = AlertStore(self.index_dir)
                    matcher = Matcher(self.engine, store)
                    self.deliverer = Deliverer(AlertStore(self.index_dir), self.retry_cap)
                    self.deliverer.start()
                if matcher.run().deliveries and self.deliverer is not None:
                    self.deliverer.wake.set()
            except Exception:  # the next snapshot or tick tries again; nothing was advanced
                log.exception("alert matching failed")
