"""Matching on the Whoosh backend: a :class:`~.look.Look` over one snapshot.

(a) What became visible: the live articles of the segments the store has
not matched (segments are immutable, so a segment once matched holds
nothing new; an article rewritten lands in a new one), whose (id, digest)
the store has not seen. (b) What an alert lists: the engine's own
evaluation on those docnums alone (:meth:`SearchEngine.listed_among`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from index.stats import segment_column

from ..engine import SearchEngine
from ..rank.rerank import title_fingerprint
from ..reader.snapshot import Snapshot
from ..request import SearchRequest
from ..results import article_fields
from .look import Fresh, Seen, text_words
from .store import AlertStore


class SnapshotWatch:
    """Looks at the engine's current snapshot."""

    def __init__(self, engine: SearchEngine):
        self.engine = engine

    @contextmanager
    def look(self) -> Iterator[SnapshotLook]:
        with self.engine.manager.acquire() as snap:
            yield SnapshotLook(self.engine, snap)


class SnapshotLook:
    """One snapshot; the watermark is the set of segments already matched."""

    def __init__(self, engine: SearchEngine, snap: Snapshot):
        self.engine = engine
        self.snap = snap
        self.generation = snap.generation
        self.compiler = engine.compiler_for(snap)
        self.matched: set[str] = set()

    def current(self, store: AlertStore) -> bool:
        self.matched = store.matched_segments()
        return set(self.snap.segment_ids) == self.matched

    def fresh(self, seen: Seen) -> list[Fresh]:
        snap = self.snap
        rows: list[tuple[int, str, str]] = []
        with snap.io_lock:
            for sid, offset, leaf in snap.segments:
                if sid in self.matched:
                    continue
                digests = segment_column(leaf, "digest")
                for i, digest in enumerate(digests):
                    docnum = offset + i
                    if snap.live[docnum]:
                        rows.append((docnum, leaf.stored_fields(i)["id"], digest or ""))
        known = seen([r[1] for r in rows])
        return [Fresh(d, i, g, i in known) for d, i, g in rows if known.get(i) != g]

    def idle(self, fresh: list[Fresh]) -> bool:
        return False  # new segments: the watermark moves even when they hold nothing new

    def advance(self, db: sqlite3.Connection, fresh: list[Fresh]) -> None:
        db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?)", [(a.id, a.digest) for a in fresh])
        db.execute("DELETE FROM matched_segments")
        db.executemany("INSERT INTO matched_segments VALUES (?)", [(s,) for s in self.snap.segment_ids])

    def unmoved(self, db: sqlite3.Connection) -> bool:
        return {r[0] for r in db.execute("SELECT segment_id FROM matched_segments")} == self.matched

    def words(self, article: Fresh) -> set[str]:
        return text_words(lambda name: self.snap.analysis(name)[0], self.snap.stored(article.ref))

    def fields(self, article: Fresh) -> dict:
        return article_fields(self.snap.stored(article.ref))

    def listed(self, asked: dict[str, tuple[SearchRequest, list[Fresh]]]) -> dict[str, list[Fresh]]:
        found: dict[str, list[Fresh]] = {}
        for alert_id, (request, articles) in asked.items():
            by_docnum = {a.ref: a for a in articles}
            docs = np.array(sorted(by_docnum), dtype=np.int64)
            listed = self.engine.listed_among(self.snap, request, docs)
            if listed.size:
                found[alert_id] = [by_docnum[int(d)] for d in listed]
        return found

    def highlighted(self, q: str, article: Fresh) -> tuple[str, str]:
        return self.engine.highlighted(self.snap, q, article.ref)

    def fingerprint(self, title: str) -> frozenset[str]:
        return title_fingerprint(title, self.snap.analysis("title_exact")[0])
