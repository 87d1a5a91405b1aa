"""The search engine: ranked, filtered, highlighted queries over one index.

A library: it knows nothing of HTTP. The service and the CLI build a
:class:`SearchRequest`, call :meth:`SearchEngine.search` and render the
:class:`SearchResult`. Invalid requests raise :class:`InvalidRequest`.

Matching, filtering, counting, faceting and scoring are array operations over
the current snapshot (:mod:`search.scoring`, :mod:`search.filters`); only the
page of hits reads stored articles.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index.analysis import SHIPPED, Analysis
from index.dates import from_utc_naive
from index.schema import stale_analysis, stem_rules_of

from .features.export import COLUMNS as EXPORT_COLUMNS
from .features.highlight import Highlighter
from .features.histogram import Bucket
from .features.histogram import histogram as date_histogram
from .features.related import MAX_WITHIN_DAYS, related_articles
from .features.spelling import correct, corrections, has_unknown_word
from .features.suggest import MAX_SUGGESTIONS, complete, headline_words
from .query import plan
from .query.compile import DEFAULT_WEIGHTS, CompiledQuery, QueryCompiler, Weights
from .query.syntax import without_quotes
from .rank.filters import KEYED_FILTERS, Filters, combine, time_key
from .rank.rerank import collapse_near_duplicates, fingerprint_of, recency_rerank
from .rank.scoring import BM25F, SCORE_DECIMALS, Deadline, Evaluation, Scorer, lookup, top_scored
from .reader.manager import SearcherManager, give_back_memory
from .reader.snapshot import Snapshot
from .request import (
    DEFAULT_BUDGET_SECONDS,
    DEFAULT_HALF_LIFE_DAYS,
    MAX_DEEP,
    MAX_QUERY_CHARS,
    MAX_SIZE,
    MAX_WINDOW,
    RERANK_DEPTH,
    InvalidRequest,
    SearchRequest,
    StaleCursor,
    validate,
)

__all__ = ["Hit", "InvalidRequest", "SearchEngine", "SearchRequest", "SearchResult"]

EXPORT_LIMIT = MAX_DEEP  # rows one export may hold: as deep as a cursor reaches
PARTIAL_BELOW = 20  # fewer full matches than this: add articles lacking one word (3+ words: always)
SUGGEST_BELOW = 5  # fewer full matches than this (filters aside): look for a spelling correction
UNQUOTE_BELOW = 10  # fewer results than this (a page): offer the query with its phrases loose
STEMMED_FIELDS = ("title", "body")  # where a plain word is sought by its stems
PLAN_MEMO = 10_000  # query plans each snapshot remembers (pruned to the terms it holds)


@dataclass(frozen=True)
class Folded:
    """Another outlet's copy of a hit's story, folded under it (``collapse``):
    enough to list it beside the hit without a second request."""

    id: str
    url: str | None
    title: str
    source: str | None


class Correction(NamedTuple):
    """A query's typos corrected; ``plan`` when search answers for it instead."""

    text: str
    plan: CompiledQuery | None


@dataclass
class Hit:
    id: str
    url: str | None
    title: str
    title_html: str
    snippet: str
    published: datetime
    published_has_time: bool
    category: str | None
    source: str | None
    author: str | None
    score: float | None
    duplicates: list[Folded] = field(default_factory=list)
    missing_word: str | None = None  # a partial match: the query word this article lacks


@dataclass
class SearchResult:
    query: str
    total: int
    total_is_estimate: bool
    page: int
    size: int
    sort: str
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    facets_more: dict[str, int] = field(default_factory=dict)  # per kind: values with a count not listed
    timed_out: bool = False
    partial_total: int = 0  # of ``total``, articles lacking one query word
    relaxed_words: list[str] = field(default_factory=list)  # the words those articles lack
    histogram: tuple[str, list[Bucket]] | None = None  # (interval, buckets) when facets has "date"
    suggestion: str | None = None  # "did you mean": the query with typos corrected
    corrected_query: str | None = None  # no article held every word of ``query``: the results are for this
    unquoted: str | None = None  # the query with its phrases loose, when they match few articles
    generation: int = 0  # of the snapshot that answered
    start: int = 0  # results before this page

    @property
    def next_start(self) -> int | None:
        """Where the next page starts, if there is one a cursor may reach."""
        following = self.start + len(self.hits)
        return following if self.hits and following < min(self.total, MAX_DEEP) else None

    @property
    def pages(self) -> int:
        """How many pages the whole result set fills (0 without results or with size 0)."""
        return math.ceil(self.total / self.size) if self.total and self.size else 0

    @property
    def max_page(self) -> int:
        """The last page ``page`` reaches (the first ``MAX_WINDOW`` results);
        past it, a cursor or the export."""
        return min(self.pages, math.ceil(MAX_WINDOW / self.size)) if self.size else 0


def article_fields(stored: dict) -> dict:
    """An article as the API shows it, from its stored fields."""
    return {
        "id": stored["id"],
        "url": stored.get("url"),
        "title": stored["title"],
        "body": stored.get("body", ""),
        "published": from_utc_naive(stored["published"]),
        "published_has_time": bool(stored.get("published_has_time", True)),
        "category": stored.get("category_label"),
        "source": stored.get("source_label"),
        "author": stored.get("author"),
    }


class ResultCache:
    """Bounded LRU of results for one snapshot generation; a new generation
    empties it (results of an older snapshot are never served)."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._generation: int | None = None
        self._items: OrderedDict[SearchRequest, SearchResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, generation: int, request: SearchRequest) -> SearchResult | None:
        if not self.max_entries:
            return None
        with self._lock:
            if generation != self._generation:
                return None
            found = self._items.get(request)
            if found is not None:
                self._items.move_to_end(request)
            return found

    def put(self, generation: int, request: SearchRequest, result: SearchResult) -> None:
        if not self.max_entries or result.timed_out:
            return
        with self._lock:
            if generation != self._generation:
                self._items.clear()
                self._generation = generation
            self._items[request] = result
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class SearchEngine:
    """Answers search requests from the manager's current snapshot."""

    def __init__(
        self,
        manager: SearcherManager,
        weights: Weights = DEFAULT_WEIGHTS,
        analysis: Analysis = SHIPPED,
        scorer: Scorer | None = None,
        cache_entries: int = 0,
        budget_seconds: float | None = DEFAULT_BUDGET_SECONDS,
        partial_matches: bool = True,
    ):
        self.manager = manager
        self.compiler = QueryCompiler(weights, analysis)
        self.scorer = scorer or BM25F()
        self.cache = ResultCache(cache_entries)
        self.budget_seconds = budget_seconds
        self.partial_matches = partial_matches
        manager.add_warmer(warm)  # what autocomplete and spelling read is never built on a request

    @classmethod
    def open(cls, index_dir: str | Path, background: bool = True, **kwargs) -> SearchEngine:
        return cls(SearcherManager(index_dir, background=background), **kwargs)

    def close(self) -> None:
        self.manager.close()

    # -- search ---------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        validate(request)
        started = time.perf_counter()
        generation = self.manager.generation
        cached = self.cache.get(generation, request)
        if cached is not None:
            return replace(cached, took_ms=round((time.perf_counter() - started) * 1000, 2))
        with self.manager.acquire() as snap:
            if request.generation is not None and request.generation != snap.generation:
                raise StaleCursor("the index has changed since this cursor was made: search again")
            deadline = Deadline(self.budget_seconds)
            compiled = self._compiled(snap, request.q, deadline) if request.q.strip() else None
            ev = Evaluation(snap, self.scorer, deadline)
            full = full_matches(ev, compiled)
            correction = self._correction(snap, ev, request.q, full.size) if request.spellcheck and compiled else None
            if correction and correction.plan:  # nothing as typed: only the correction is searched
                fixed = replace(request, q=correction.text, spellcheck=False)
                result = self._search(snap, ev, fixed, correction.plan, full_matches(ev, correction.plan))
                result = replace(result, query=request.q, corrected_query=correction.text)
            else:
                result = self._search(snap, ev, request, compiled, full)
                result.suggestion = correction.text if correction else None
            generation = result.generation = snap.generation
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        self.cache.put(generation, request, result)
        return result

    def _correction(self, snap: Snapshot, ev: Evaluation, q: str, full: int) -> Correction | None:
        """The query with its likely typos corrected, with its plan when search
        answers for it instead: when no article holds every word as typed
        (``full``) and some hold the correction's. Asked only of queries with
        few full matches or a word written as no article writes it; remembered
        for the snapshot's life (a query's full matches and their correction
        do not change within it), unless the budget cut it short."""
        memo = snap.memo("corrections", PLAN_MEMO)
        if q in memo:
            return memo[q]
        found = None
        if full < SUGGEST_BELOW or has_unknown_word(snap, q):
            corrected = correct(
                snap,
                corrections(snap),
                partial(self._word_docs, snap),
                partial(self._word_bound, snap),
                q,
                full,
                ev.deadline,
            )
            if corrected is not None and full:
                found = Correction(corrected, None)
            elif corrected is not None:
                corrected_plan = self._compiled(snap, corrected, ev.deadline)
                found = Correction(corrected, corrected_plan if full_matches(ev, corrected_plan).size else None)
        if not ev.deadline.timed_out:
            memo.remember(q, found)
        return found

    def spellchecked(self, request: SearchRequest) -> SearchRequest:
        """The request as search answers it: with the corrected query where
        :meth:`_correction` says so (and spellcheck then off); export follows
        it, so it lists what search lists."""
        if not request.spellcheck or not request.q.strip():
            return request
        with self.manager.acquire() as snap:
            ev = Evaluation(snap, self.scorer, Deadline(self.budget_seconds))
            full = full_matches(ev, self._compiled(snap, request.q, ev.deadline)).size
            correction = self._correction(snap, ev, request.q, full)
        searched = correction.text if correction and correction.plan else request.q
        return replace(request, q=searched, spellcheck=False)

    def _word_docs(self, snap: Snapshot, word: str) -> np.ndarray | None:
        """The live articles a plain query word matches (by its stems, as search
        matches it); None for a word search ignores (a stopword)."""
        stems = self.compiler.stems(word)
        if not stems:
            return None
        docs = np.unique(np.concatenate([snap.postings(f, t).ids for t in stems for f in STEMMED_FIELDS]))
        return docs[snap.live[docs]]

    def _word_bound(self, snap: Snapshot, word: str) -> float:
        """At least as many as :meth:`_word_docs` finds, from document
        frequencies alone (no postings read)."""
        stems = self.compiler.stems(word)
        return sum(snap.doc_frequency(f, t) for t in stems for f in STEMMED_FIELDS) if stems else math.inf

    def _compiled(self, snap: Snapshot, q: str, deadline: Deadline) -> CompiledQuery:
        """The query's plan without the terms this snapshot lacks, remembered
        for the snapshot's life (its postings do not change). A compound
        written apart is read from positions the first time it is asked for;
        past the deadline it counts as absent (and the plan is not kept)."""
        memo = snap.memo("plans", PLAN_MEMO)
        key = (self.compiler, q)
        found = memo.get(key)
        if found is None:

            def holds(term: plan.Term) -> bool:
                if " " in term.text and deadline.passed():
                    return False
                return snap.postings(term.field, term.text).ids.size > 0

            found = self.compiler.compile(q).pruned(holds)
            if not deadline.timed_out:
                memo.remember(key, found)
        return found

    def _search(
        self,
        snap: Snapshot,
        ev: Evaluation,
        request: SearchRequest,
        compiled: CompiledQuery | None,
        full: np.ndarray,
    ) -> SearchResult:
        """The result, from the live articles that match every word (``full``)."""
        sort = request.effective_sort
        filters = Filters.from_request(request)
        matched, pool, masks, accept = self._matched(snap, ev, request, compiled, sort, filters, full)
        facets, facets_more = self._facets(snap, pool, masks, request.facets, request.facet_size)
        histogram = date_histogram(snap.published[pool[accept]], request.interval) if "date" in request.facets else None
        total = int(sum(d.size for _, _, d in matched))
        first = request.start
        if request.offset is None and first >= MAX_WINDOW and first < total:
            raise InvalidRequest(
                "page",
                f"only the first {MAX_WINDOW} results can be reached by page number; "
                "follow the cursor of the previous page, export the whole set, or narrow the query",
                reason="window",
            )
        hits: list[Hit] = []
        if first < total and request.size:  # past the last page (or size=0): counts and facets only
            ranked, missing = self._rank(snap, ev, request, sort, matched, compiled)
            marker = Highlighter.for_snapshot(snap, compiled.highlight_terms if compiled else set())
            hits = [
                self._hit(snap, docnum, score, marker, dups, missing.get(docnum))
                for docnum, score, dups in ranked[first : first + request.size]
            ]
        partial = [(word, docs.size) for word, _, docs in matched[1:] if docs.size]
        return SearchResult(
            query=request.q,
            total=total,
            total_is_estimate=False,
            unquoted=without_quotes(request.q) if total < UNQUOTE_BELOW else None,
            start=first,
            page=first // request.size + 1 if request.size else request.page,
            size=request.size,
            sort=sort,
            took_ms=0.0,
            hits=hits,
            facets=facets,
            facets_more=facets_more,
            timed_out=ev.deadline.timed_out,
            partial_total=sum(n for _, n in partial),
            relaxed_words=[word for word, _ in partial],
            histogram=histogram,
        )

    def _matched(
        self,
        snap: Snapshot,
        ev: Evaluation,
        request: SearchRequest,
        compiled: CompiledQuery | None,
        sort: str,
        filters: Filters,
        full: np.ndarray,
    ) -> tuple[list[tuple[str, plan.Node | None, np.ndarray]], np.ndarray, dict[str, np.ndarray], np.ndarray]:
        """What a request matches, as search and export both list it: groups of
        (the word they lack, the query they match, live docs passing the
        filters), full matches first; and the pool of all candidates, each
        filter's mask over it and their conjunction (for the facets), from
        the live full matches (``full``)."""
        groups: list[tuple[str, plan.Node | None, np.ndarray]] = [("", compiled.query if compiled else None, full)]
        if compiled is not None and sort in ("relevance", "recent") and self.partial_matches:
            shown = int(combine(list(filters.masks(snap, full).values()), full.size).sum())
            groups += partial_groups(ev, compiled, full, shown)
        pool = np.concatenate([docs for _, _, docs in groups]) if len(groups) > 1 else full
        masks = filters.masks(snap, pool)
        accept = combine(list(masks.values()), pool.size)
        matched, start = [], 0
        for word, query, docs in groups:
            matched.append((word, query, docs[accept[start : start + docs.size]]))
            start += docs.size
        return matched, pool, masks, accept

    @staticmethod
    def _facets(
        snap: Snapshot, docs: np.ndarray, masks: dict[str, np.ndarray], kinds: frozenset[str], limit: int
    ) -> tuple[dict, dict[str, int]]:
        """(key, label, count) per kind, most common first, at most ``limit``;
        each kind's counts apply every filter but its own (multi-select
        facets). Also, per kind, how many more values have a count."""
        out: dict[str, list[tuple[str, str, int]]] = {}
        more: dict[str, int] = {}
        for kind in ("category", "source", "author"):
            if kind not in kinds:
                continue
            column = KEYED_FILTERS[kind]
            others = combine([m for k, m in masks.items() if k != kind], docs.size)
            vocab = snap.vocabularies[column]
            counts = np.bincount(snap.codes[column][docs[others]], minlength=len(vocab.keys))
            counts[0] = 0  # no value
            ordered = [c for c in np.argsort(-counts, kind="stable") if counts[c]]
            out[kind] = [(vocab.keys[c], snap.label(column, c), int(counts[c])) for c in ordered[:limit]]
            more[kind] = max(0, len(ordered) - limit)
        return out, more

    def _rank(
        self,
        snap: Snapshot,
        ev: Evaluation,
        request: SearchRequest,
        sort: str,
        matched: list,
        compiled: CompiledQuery | None,
    ) -> tuple[list[tuple[int, float | None, list[int]]], dict[int, str]]:
        """The ranked window (docnum, score, folded duplicates) and, for partial
        matches, the word each lacks."""
        window = request.start + request.size
        if sort in ("newest", "oldest") or compiled is None:
            docs = matched[0][2]
            return [(d, None, []) for d in by_date(snap, docs, window, newest=sort != "oldest")], {}
        # Collapsing looks at 2 pages' worth beyond the window; "recent" reranks a fixed top-K.
        depth = 2 * window + request.size if request.collapse else window
        if sort == "recent":
            depth = max(depth, RERANK_DEPTH)
        scored, missing = relevance_ranking(ev, compiled, matched, depth)
        if sort == "recent":
            full = [item for item in scored if item[0] not in missing]
            rest = [item for item in scored if item[0] in missing]
            scored = self._by_recency(snap, full, request.now, request.half_life_days) + rest
        ranked: list[tuple[int, float | None, list[int]]] = [(d, s, []) for d, s in scored]
        if request.collapse and not ev.deadline.passed():
            ranked = collapse_near_duplicates(
                ranked, partial(fingerprint_of, snap), snap.codes["source"], depth=depth, fill=window
            )
        return ranked, missing

    @staticmethod
    def _by_recency(
        snap: Snapshot, scored: list[tuple[int, float]], now: datetime | None, half_life_days: float
    ) -> list[tuple[int, float]]:
        """Rerank by freshness; ages count from ``now`` or else the newest article."""
        now_long = time_key(now) if now else snap.newest_published
        return recency_rerank(scored, snap.published, now_long, half_life_days)

    def ranked_ids(self, q: str, limit: int = 100, sort: str = "relevance", now: datetime | None = None) -> list[str]:
        """Article ids of the top ``limit`` matches, without highlighting or
        collapsing: what evaluations compare with their judgments."""
        compiled = self.compiler.compile(q)
        if compiled.is_empty:
            return []
        with self.manager.acquire() as snap:
            ev = Evaluation(snap, self.scorer)
            query = compiled.nonempty_query()
            docs = ev.docs(query)
            docs = docs[snap.live[docs]]
            depth = max(limit, RERANK_DEPTH) if sort == "recent" else limit
            groups = partial_groups(ev, compiled, docs, docs.size) if self.partial_matches else []
            scored, _ = relevance_ranking(ev, compiled, [("", query, docs)] + groups, depth)
            if sort == "recent":
                scored = self._by_recency(snap, scored, now, DEFAULT_HALF_LIFE_DAYS)
            return [snap.article_id(d) for d, _ in scored[:limit]]

    def _hit(
        self,
        snap: Snapshot,
        docnum: int,
        score: float | None,
        marker: Highlighter,
        dups: list[int],
        missing_word: str | None,
    ) -> Hit:
        article = article_fields(snap.stored(docnum))
        return Hit(
            id=article["id"],
            url=article["url"],
            title=article["title"],
            title_html=marker.title(article["title"]),
            snippet=marker.snippet(article["body"]),
            published=article["published"],
            published_has_time=article["published_has_time"],
            category=article["category"],
            source=article["source"],
            author=article["author"],
            score=round(score, 4) if score is not None else None,
            duplicates=[self._folded(snap, d) for d in dups],
            missing_word=missing_word,
        )

    @staticmethod
    def _folded(snap: Snapshot, docnum: int) -> Folded:
        article = article_fields(snap.stored(docnum))
        return Folded(id=article["id"], url=article["url"], title=article["title"], source=article["source"])

    # -- articles, spelling, health ---------------------------------------------

    def article(self, article_id: str) -> dict | None:
        """The stored article, or None."""
        with self.manager.acquire() as snap:
            docnum = snap.docnum_of(article_id)
            return None if docnum is None else article_fields(snap.stored(docnum))

    def related(
        self, article_id: str, size: int = 5, within_days: int | None = None
    ) -> tuple[SearchResult, list[Hit]] | None:
        """More like this article: (related stories as a search result, the
        same story from other outlets), or None if there is no such article."""
        if not 1 <= size <= MAX_SIZE:
            raise InvalidRequest("size", f"size must be between 1 and {MAX_SIZE}")
        if within_days is not None and not 0 <= within_days <= MAX_WITHIN_DAYS:
            raise InvalidRequest("within_days", f"within_days must be between 0 and {MAX_WITHIN_DAYS}")
        started = time.perf_counter()
        with self.manager.acquire() as snap:
            docnum = snap.docnum_of(article_id)
            if docnum is None or not snap.live[docnum]:
                return None
            ev = Evaluation(snap, self.scorer, Deadline(self.budget_seconds))
            body_analyzer = snap.analysis("body")[0]  # the index's own: its terms are what postings hold
            found = related_articles(
                ev, body_analyzer, self.compiler.weights, docnum, snap.stored(docnum), size, within_days
            )
            marker = Highlighter.for_snapshot(snap, set(found.terms))
            hits = [self._hit(snap, d, s, marker, [], None) for d, s in found.related]
            same = [self._hit(snap, d, s, marker, [], None) for d, s in found.same_story]
        result = SearchResult(
            query=" ".join(found.terms),
            total=len(hits),
            total_is_estimate=False,
            page=1,
            size=size,
            sort="relevance",
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            timed_out=ev.deadline.timed_out,
        )
        return result, same

    def export(self, request: SearchRequest, limit: int = EXPORT_LIMIT) -> Iterator[dict]:
        """Every result (up to ``limit``) in the order paging lists them, partial
        matches included (with the word each lacks), one dict of its fields at
        a time: the snapshot is held while the caller iterates, and only the
        rows in hand are in memory. Nothing is folded (``collapse`` is ignored).
        A query no article matches as typed is exported as search answers it
        (see :meth:`spellchecked`)."""
        request = replace(request, page=1, offset=None, collapse=False)
        validate(request)
        request = self.spellchecked(request)
        sort = request.effective_sort
        with self.manager.acquire() as snap:
            ev = Evaluation(snap, self.scorer, Deadline(None))
            compiled = self._compiled(snap, request.q, ev.deadline) if request.q.strip() else None
            filters = Filters.from_request(request)
            matched, *_ = self._matched(snap, ev, request, compiled, sort, filters, full_matches(ev, compiled))
            count = min(int(sum(d.size for _, _, d in matched)), limit)
            if not count:
                return
            ranked, missing = self._rank(snap, ev, replace(request, size=count), sort, matched, compiled)
            try:
                for docnum, score, _ in ranked[:count]:
                    article = article_fields(snap.stored(docnum))
                    yield {
                        **{column: article[column] for column in EXPORT_COLUMNS if column in article},
                        "score": round(score, 4) if score is not None else None,
                        "missing_word": missing.get(docnum),
                    }
            finally:
                del ranked, missing
                give_back_memory()  # an export's rows were this thread's arena's: hand the pages back

    def complete(self, text: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
        """Autocomplete for a search box: the query with its last word completed."""
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidRequest("q", f"q is {len(text)} characters long; at most {MAX_QUERY_CHARS} are allowed")
        if not 1 <= limit <= MAX_SUGGESTIONS:
            raise InvalidRequest("size", f"size must be between 1 and {MAX_SUGGESTIONS}")
        with self.manager.acquire() as snap:
            return complete(snap, text, limit)

    def newest_published(self) -> datetime | None:
        """The newest article's time: what "the last 7 days" means over an archive."""
        with self.manager.acquire() as snap:
            return snap.newest_datetime()

    def health(self) -> dict:
        with self.manager.acquire() as snap:
            return {
                "status": "ok",
                "pid": os.getpid(),
                "documents": snap.live_count,
                "generation": snap.generation,
                "last_commit": self.manager.last_commit_time(),
                "searcher_opened": datetime.fromtimestamp(snap.opened_at).astimezone(),
                "stem_rules": stem_rules_of(snap.searcher.schema),
                "warnings": [w for w in (stale_analysis(snap.searcher.schema),) if w],
                "caches": {
                    "postings_bytes": self.manager.store.postings.bytes + snap.cached_bytes,
                    "postings_max_bytes": self.manager.store.postings.max_bytes + snap.cached_max_bytes,
                    "results": len(self.cache),
                    "results_max": self.cache.max_entries,
                },
            }


def full_matches(ev: Evaluation, compiled: CompiledQuery | None) -> np.ndarray:
    """The live articles that match every word of the query (without a query:
    every live article)."""
    if compiled is None:
        return np.flatnonzero(ev.snap.live)
    if compiled.is_empty:
        return np.zeros(0, dtype=np.int64)
    docs = ev.docs(compiled.nonempty_query())
    return docs[ev.snap.live[docs]]


def partial_groups(
    ev: Evaluation, compiled: CompiledQuery, full: np.ndarray, shown: int
) -> list[tuple[str, plan.Node, np.ndarray]]:
    """(left-out word, relaxed query, live articles matching it but not the
    full query), when the full matches that pass the filters (``shown``) are
    few or the query has 3+ words. An article lacking one word matches
    exactly one relaxation."""
    if not compiled.relaxations or (shown >= PARTIAL_BELOW and len(compiled.relaxations) < 3):
        return []
    out: list[tuple[str, plan.Node, np.ndarray]] = []
    for word, query in compiled.relaxations:
        if ev.deadline.passed():
            break
        docs = ev.docs(query)
        docs = docs[ev.snap.live[docs]]
        docs = docs[~lookup(full, docs)[0]]
        out.append((word, query, docs))
    return out


def relevance_ranking(
    ev: Evaluation, compiled: CompiledQuery, matched: list, depth: int
) -> tuple[list[tuple[int, float]], dict[int, str]]:
    """The ``depth`` best by relevance: every full match above every partial
    one; partial matches (each scored by the query without its missing word)
    ranked among themselves. Returns [(docnum, score)] and docnum -> missing word."""
    _, query, full = matched[0]
    docs, scores = top_scored(ev, query, compiled.proximity, full, depth)
    scored = list(zip(docs.tolist(), scores.tolist()))
    missing: dict[int, str] = {}
    room = depth - len(scored)
    if room > 0 and len(matched) > 1:
        extra = []
        for word, relaxed, part in matched[1:]:
            found, part_scores = top_scored(ev, relaxed, (), part, room)
            extra += [(score, d, word) for d, score in zip(found.tolist(), part_scores.tolist())]
        extra.sort(key=lambda item: (-round(item[0], SCORE_DECIMALS), -int(ev.snap.published[item[1]]), item[1]))
        for score, d, word in extra[:room]:
            scored.append((d, score))
            missing[d] = word
    return scored, missing


def by_date(snap: Snapshot, docs: np.ndarray, window: int, newest: bool = True) -> list[int]:
    """The first ``window`` of ``docs`` by publication time (ties: lower docnum)."""
    published = snap.published[docs]
    if window < docs.size:
        kth = np.partition(-published if newest else published, window - 1)[window - 1]
        keep = (-published if newest else published) <= kth
        docs, published = docs[keep], published[keep]
    order = np.lexsort((docs, -published if newest else published))[:window]
    return docs[order].tolist()


def warm(snap: Snapshot) -> None:
    """Build what requests read of a new snapshot before they see it: the
    autocomplete and spelling vocabularies."""
    headline_words(snap)
    corrections(snap)
