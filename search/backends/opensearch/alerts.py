"""Matching alerts over the cluster: a :class:`~search.alerts.look.Look` at the index.

(a) What became visible. The writer stamps each document it sends with
``ingested`` (epoch milliseconds, taken before the ``_bulk``; a rebuild
keeps each document's stamp). The watermark is the moment of the last look;
a look reads every document stamped since the watermark less
``MARGIN_SECONDS``, because a stamp precedes visibility: the bulk request
takes its time, a refresh lags it, and writers on other machines have other
clocks. What was already read again within the margin is dropped by the
store's (id, digest) ``seen`` table, as on Whoosh. A document stamped
before a look but visible only after it is found by the next look as long
as it became visible within the margin. An index of the layout before
``ingested`` is refused (:class:`StaleAnalysis`: rebuild it), never read
as if nothing were new.

(b) What an alert lists. The candidate alerts' searches are sent in one
``_msearch`` (batches of ``MSEARCH_BATCH``), each the query search itself
would run (:meth:`OpenSearchEngine.listing_query`: the same compiler and
query translation, date words and learned acronyms read as search reads
them now) restricted by an ``ids`` filter to that alert's candidate
articles. OpenSearch's percolator would store each alert's query once and
run it against new documents in memory, but the cluster assembly
(``tests/opensearch/cluster.sh``) does not include its module, and a stored
query could not follow what search decides per generation: whether date
words are a filter (it depends on the newest article and on counts), which
acronyms are learned, which compounds written apart the index attests.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from typing import Any

from index.opensearch.writer import ClusterWriter, connection_errors, unavailable

from ...alerts.look import STEMMED_TEXT, Fresh, Seen, text_words
from ...alerts.store import AlertStore
from ...features.highlight import Highlighter
from ...query.compile import QueryCompiler
from ...rank.rerank import title_fingerprint
from ...request import SearchRequest
from .engine import OpenSearchEngine

log = logging.getLogger("berita.alerts")
MARGIN_SECONDS = 60.0  # a stamp is read again this long after the look that passed it (see above)
WATERMARK = "ingested_through"  # the store's state key: the last look's moment (epoch seconds)
WINDOW_PAGE = 1000  # (id, digest) pairs one page of the window reads
ARTICLES_PAGE = 500  # articles one _mget fetches
MSEARCH_BATCH = 100  # alerts' searches one _msearch carries


class ClusterWatch:
    """Looks at the cluster's index (checked current once per watch)."""

    def __init__(
        self, engine: OpenSearchEngine, margin: float = MARGIN_SECONDS, clock: Callable[[], float] = time.time
    ):
        self.engine = engine
        self.margin = margin
        self.clock = clock
        self._current = False

    @contextmanager
    def look(self) -> Iterator[ClusterLook]:
        if not self._current:  # an index without ``ingested`` raises StaleAnalysis
            ClusterWriter(self.engine.target, self.engine.client).ensure()
            self._current = True
        yield ClusterLook(self.engine, self.margin, self.clock(), self.compiler)

    def compiler(self) -> QueryCompiler:
        """The engine's compiler now (a new one only when the learned
        acronyms change, so the alerts' prefilter is compiled again only then,
        as on Whoosh)."""
        return self.engine.query_compiler()


class ClusterLook:
    """The cluster at one moment; the watermark is the last look's moment."""

    def __init__(self, engine: OpenSearchEngine, margin: float, now: float, compiler: Callable[[], QueryCompiler]):
        self.engine = engine
        self.margin = margin
        self.now = now
        self._compiler_now = compiler
        self.generation = engine.generation
        self.stored: str | None = None  # the watermark as the store held it
        self.articles: list[dict] = []  # each Fresh's article, by its ref

    # Asked of the cluster only when something is new (a look comes every second).

    @cached_property
    def compiler(self) -> QueryCompiler:
        return self._compiler_now()

    @cached_property
    def newest(self) -> datetime | None:
        """What date words are relative to ("kemarin"), once per look, as search reads it."""
        return self.engine.newest_published()

    def _ask(self, method: Callable[..., dict], **kwargs: Any) -> dict:
        try:
            return method(**kwargs)
        except connection_errors() as exc:
            raise unavailable(self.engine.target, exc) from exc

    def current(self, store: AlertStore) -> bool:
        self.stored = store.state(WATERMARK)
        return False  # only the window tells

    @property
    def watermark(self) -> float | None:
        return float(self.stored) if self.stored is not None else None

    def fresh(self, seen: Seen) -> list[Fresh]:
        since = (self.watermark if self.watermark is not None else self.now) - self.margin
        window = self._window(int(since * 1000))
        known = seen(list(window))
        new = [(i, digest) for i, digest in window.items() if known.get(i) != digest]
        fresh: list[Fresh] = []
        for start in range(0, len(new), ARTICLES_PAGE):
            chunk = new[start : start + ARTICLES_PAGE]
            found = self.engine.stored_articles([i for i, _ in chunk])
            for article_id, digest in chunk:
                if article_id in found:  # else deleted since
                    self.articles.append(found[article_id])
                    fresh.append(Fresh(len(self.articles) - 1, article_id, digest, article_id in known))
        return fresh

    def _window(self, since_ms: int) -> dict[str, str]:
        """id -> digest of every document stamped at ``since_ms`` or later."""
        out: dict[str, str] = {}
        after: list | None = None
        while True:
            body: dict = {
                "size": WINDOW_PAGE,
                "query": {"range": {"ingested": {"gte": since_ms}}},
                "sort": [{"ingested": "asc"}, {"id": "asc"}],
                "_source": ["digest"],
            }
            if after is not None:
                body["search_after"] = after
            hits = self._ask(self.engine.client.search, index=self.engine.index, body=body)["hits"]["hits"]
            for hit in hits:
                out[hit["_id"]] = hit["_source"].get("digest") or ""
            if len(hits) < WINDOW_PAGE:
                return out
            after = hits[-1]["sort"]

    def idle(self, fresh: list[Fresh]) -> bool:
        """Nothing new and the watermark recent: not worth a write (a look
        comes every second; the window it reads is the margin and the time
        since the watermark)."""
        mark = self.watermark
        return not fresh and mark is not None and self.now - mark < self.margin / 4

    def advance(self, db: sqlite3.Connection, fresh: list[Fresh]) -> None:
        db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?)", [(a.id, a.digest) for a in fresh])
        db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (WATERMARK, repr(self.now)))

    def unmoved(self, db: sqlite3.Connection) -> bool:
        row = db.execute("SELECT value FROM state WHERE key=?", (WATERMARK,)).fetchone()
        return (row[0] if row else None) == self.stored

    def words(self, article: Fresh) -> set[str]:
        engine = self.engine
        return text_words(
            lambda name: engine.body_analyzer if name in STEMMED_TEXT else engine.exact_analyzer,
            self.articles[article.ref],
        )

    def fields(self, article: Fresh) -> dict:
        return self.articles[article.ref]

    def listed(self, asked: dict[str, tuple[SearchRequest, list[Fresh]]]) -> dict[str, list[Fresh]]:
        searches: list[tuple[str, dict[str, Fresh], dict]] = []
        for alert_id, (request, articles) in asked.items():
            query = self.engine.listing_query(replace(request, now=request.now or self.newest))
            if query is None:
                continue
            by_id = {a.id: a for a in articles}
            restricted = {"bool": {"must": [query], "filter": [{"ids": {"values": sorted(by_id)}}]}}
            searches.append((alert_id, by_id, restricted))
        found: dict[str, list[Fresh]] = {}
        for start in range(0, len(searches), MSEARCH_BATCH):
            batch = searches[start : start + MSEARCH_BATCH]
            body: list[dict] = []
            for _, by_id, query in batch:
                body += [{"index": self.engine.index}, {"size": len(by_id), "_source": False, "query": query}]
            answers = self._ask(self.engine.client.msearch, body=body)["responses"]
            for (alert_id, by_id, _), answer in zip(batch, answers):
                if "error" in answer:  # search would refuse it too (a query the cluster will not run)
                    log.warning("alert %s: the cluster refused its search: %s", alert_id, answer["error"])
                    continue
                hit_ids = {h["_id"] for h in answer["hits"]["hits"]}
                listed = [a for a in by_id.values() if a.id in hit_ids]  # in the order they became visible
                if listed:
                    found[alert_id] = listed
        return found

    def highlighted(self, q: str, article: Fresh) -> tuple[str, str]:
        terms = self.compiler.compile(q).highlight_terms if q.strip() else set()
        marker = Highlighter(terms, self.engine.body_analyzer)
        fields = self.articles[article.ref]
        return marker.title(fields["title"]), marker.snippet(fields["body"])

    def fingerprint(self, title: str) -> frozenset[str]:
        return title_fingerprint(title, self.engine.exact_analyzer)
