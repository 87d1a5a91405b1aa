"""The search engine: ranked, filtered, highlighted queries over one index.

A library: it knows nothing of HTTP. The service and the CLI build a
:class:`SearchRequest`, call :meth:`SearchEngine.search` and render the
:class:`SearchResult`. Invalid requests raise :class:`InvalidRequest`.

Matching, filtering, counting, faceting and scoring are array operations over
the current snapshot (:mod:`search.rank.pipeline`); only the
page of hits reads stored articles.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from datetime import time as dtime
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index.acronyms import AcronymStore
from index.analysis import SHIPPED, TALA_STOPWORDS, Analysis
from index.dates import WIB
from index.schema import stale_analysis, stem_rules_of

from .features.export import COLUMNS as EXPORT_COLUMNS
from .features.highlight import Highlighter
from .features.related import MAX_WITHIN_DAYS, related_articles
from .features.spelling import SUGGEST_BELOW, correct, corrections, has_unknown_word
from .features.spelling import settle as settle_corrections
from .features.suggest import MAX_SUGGESTIONS, complete, headline_words
from .features.suggest import settle as settle_headline_words
from .query import plan
from .query.acronyms import AcronymMap, Usage
from .query.compile import DEFAULT_WEIGHTS, CompiledQuery, QueryCompiler, Weights
from .query.dates import DateReading, read_dates, title_phrases, written_with
from .rank.filters import Filters, combine
from .rank.pipeline import Candidates, DateHistogram, Facets, TopDocs, candidates, full_matches
from .rank.scoring import BM25F, Deadline, Evaluation, Scorer, term_postings
from .reader.manager import DEFAULT_POSTINGS_CACHE_MB, SearcherManager, give_back_memory
from .reader.snapshot import Snapshot
from .request import (
    DEFAULT_BUDGET_SECONDS,
    FACET_KINDS,
    MAX_DEEP,
    MAX_QUERY_CHARS,
    MAX_SIZE,
    InvalidRequest,
    SearchRequest,
    StaleCursor,
    validate,
)
from .results import Folded, Hit, SearchResult, Understood, article_fields

__all__ = ["Hit", "InvalidRequest", "SearchEngine", "SearchRequest", "SearchResult"]

EXPORT_LIMIT = MAX_DEEP  # rows one export may hold: as deep as a cursor reaches
STEMMED_FIELDS = ("title", "body")  # where a plain word is sought by its stems
PLAN_MEMO = 10_000  # query plans each snapshot remembers (pruned to the terms it holds)


class Correction(NamedTuple):
    """A query's typos corrected; ``plan`` when search answers for it instead."""

    text: str
    plan: CompiledQuery | None


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
        # The learned acronyms as last read and counted, with the file's (mtime,
        # size) then: a commit whose articles define no acronym leaves the file
        # as it was, and the next snapshot need not read and count again (~60 ms).
        self._acronyms_read: tuple[tuple[int, int] | None, AcronymMap] = (None, AcronymMap())
        # The compiler with those acronyms: (that map, the plain compiler, it); kept
        # while both are, so plans compiled under it outlive the snapshot.
        self._acronym_compiler: tuple[AcronymMap | None, QueryCompiler | None, QueryCompiler] = (
            None,
            None,
            self.compiler,
        )
        manager.add_warmer(warm)  # what autocomplete and spelling read is never built on a request
        manager.add_warmer(self.compiler_for)  # the learned acronyms, read off the request path
        manager.add_idle_work(settle)  # vocabularies' bases merged again, after the commit is visible

    @classmethod
    def open(
        cls,
        index_dir: str | Path,
        background: bool = True,
        postings_cache_mb: int = DEFAULT_POSTINGS_CACHE_MB,
        **kwargs,
    ) -> SearchEngine:
        manager = SearcherManager(index_dir, background=background, postings_cache_mb=postings_cache_mb)
        return cls(manager, **kwargs)

    def close(self) -> None:
        self.manager.close()

    @property
    def generation(self) -> int:
        """The index generation requests are answered from now."""
        return self.manager.generation

    def on_new_snapshot(self, listen: Callable[[int], None]) -> None:
        """Call ``listen(generation)`` once each new snapshot is warm and
        answering (and now)."""
        self.manager.add_listener(listen)

    def refresh_to(self, generation: int, timeout: float) -> bool:
        """Answer from ``generation`` or later now, not at the next refresh
        (a writer reading its own write); False if not within ``timeout``."""
        return self.manager.refresh_to(generation, timeout)

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
            ev = Evaluation(snap, self.scorer, deadline)
            asked, (request, understood) = request, self._understood(snap, ev, request)
            compiled = self._compiled(snap, request.q, deadline) if request.q.strip() else None
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
        if understood is not None:
            result = replace(result, query=asked.q, understood=understood)
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        self.cache.put(generation, asked, result)
        return result

    # -- date words in the query ------------------------------------------------------

    def understand(self, request: SearchRequest) -> tuple[SearchRequest, Understood | None]:
        """The request as search answers it when ``q`` holds date words: see
        :meth:`_understood` (export follows it, so it lists what search lists)."""
        with self.manager.acquire() as snap:
            return self._understood(snap, Evaluation(snap, self.scorer, Deadline(self.budget_seconds)), request)

    def _understood(
        self, snap: Snapshot, ev: Evaluation, request: SearchRequest
    ) -> tuple[SearchRequest, Understood | None]:
        """The request with the date words of ``q`` (*banjir kemarin*) as its
        date filter and ``q`` without them, relative to ``now`` (the newest
        article by default, as ``recent`` reads it); unchanged where the
        request has ``dates`` off or dates of its own, ``q`` holds none, or
        the words are content (:meth:`_dates_are_content`)."""
        if not request.dates or request.date_from or request.date_to or not request.q.strip():
            return request, None
        now = request.now or snap.newest_datetime()
        reading = read_dates(request.q, now) if now is not None else None
        if reading is None:
            return request, None
        lo = datetime.combine(reading.date_from, dtime.min, WIB) if reading.date_from else None
        hi = datetime.combine(reading.date_to, dtime.max, WIB) if reading.date_to else None
        filtered = replace(request, q=reading.remaining, date_from=lo, date_to=hi)
        if self._dates_are_content(snap, ev, request.q, reading, filtered):
            return request, None
        return filtered, Understood(reading.text, reading.date_from, reading.date_to, reading.remaining)

    def _dates_are_content(
        self, snap: Snapshot, ev: Evaluation, q: str, reading: DateReading, filtered: SearchRequest
    ) -> bool:
        """Whether the reader means the date words as words (*Piala Dunia 2018*,
        *upacara 17 Agustus*, *APBN 2020*), decided by how the rest of the query
        matches, remembered for the snapshot's life:

        - nothing else is asked: only a relative expression (*kemarin*, *minggu
          lalu*) filters; a calendar date alone (*17 Agustus*, *2019*) is a word;
        - the words just before the date, followed by it, are a phrase titles
          write (:func:`search.query.dates.written_with`): a name, event or
          budget with its date;
        - the rest of the query, filtered, matches nothing while the whole
          query as words does."""
        memo = snap.memo("date-content", PLAN_MEMO)
        key = (q, filtered)
        if key in memo:
            return memo[key]
        rest = self._compiled(snap, reading.remaining, ev.deadline) if reading.remaining.strip() else None
        if rest is None or rest.is_empty:
            content = not reading.relative
        else:
            content = self._written_with(snap, ev, q, reading) or (
                self._candidates(ev, filtered, rest, full_matches(ev, rest)).total == 0
                and full_matches(ev, self._compiled(snap, q, ev.deadline)).size > 0
            )
        memo.remember(key, content)
        return content

    def _written_with(self, snap: Snapshot, ev: Evaluation, q: str, reading: DateReading) -> bool:
        """Whether titles write the (up to two) words before the date words followed by them."""
        phrases = title_phrases(q, reading)
        if phrases is None:
            return False
        with_date, alone = (full_matches(ev, self._compiled(snap, p, ev.deadline)).size for p in phrases)
        return written_with(with_date, alone)

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

    def compiler_for(self, snap: Snapshot) -> QueryCompiler:
        """The compiler with the acronyms learned from this snapshot's articles
        (``acronyms.sqlite`` beside the index, read by the warmer on the
        refresher thread when it has changed)."""
        memo = snap.memo("compiler")
        found = memo.get(self.compiler)
        if found is None:
            acronyms = self._acronym_map(snap)
            made_from, plain, compiler = self._acronym_compiler
            if made_from is not acronyms or plain is not self.compiler:  # a commit that taught none keeps it
                compiler = self.compiler.with_acronyms(replace(acronyms, version=snap.generation + 1))
                self._acronym_compiler = (acronyms, self.compiler, compiler)
            found = memo.remember(self.compiler, compiler)
        return found

    def _acronym_map(self, snap: Snapshot) -> AcronymMap:
        """The learned acronyms (:meth:`AcronymStore.table`) whose two sides go
        together in the articles (:func:`acronym_usage`), read and counted
        again only when their file has changed since the last read (a commit
        whose articles define no acronym leaves it, and the counts, as they were)."""
        if not self.compiler.weights.acronyms:
            return AcronymMap()
        store = AcronymStore(self.manager.index_dir)
        try:
            stat = store.path.stat()
            seen: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            seen = None
        if seen is None or seen != self._acronyms_read[0]:
            usage = partial(acronym_usage, snap)
            self._acronyms_read = (seen, AcronymMap.of(store.table(), self.compiler.exact_positions, usage=usage))
        return self._acronyms_read[1]

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
                if isinstance(term, plan.Adjacent) and deadline.passed():
                    return False
                return term_postings(snap, term).ids.size > 0

            found = self.compiler_for(snap).compile(q).pruned(holds)
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
        found = self._candidates(ev, request, compiled, full)
        total = found.total
        first = request.start
        request.require_reachable(total)
        facets, facets_more = found.collect(Facets(request.facets, request.facet_size))
        histogram = found.collect(DateHistogram(request.interval)) if "date" in request.facets else None
        hits: list[Hit] = []
        if first < total and request.size:  # past the last page (or size=0): counts and facets only
            ranked = found.collect(self._top_docs(request, first, request.size))
            marker = Highlighter.for_snapshot(snap, compiled.highlight_terms if compiled else set())
            hits = [
                self._hit(snap, docnum, score, marker, dups, ranked.missing.get(docnum))
                for docnum, score, dups in ranked.entries[first : first + request.size]
            ]
        return SearchResult.page_of(
            request,
            sort,
            total,
            first,
            hits,
            found.partial,
            facets=facets,
            facets_more=facets_more,
            timed_out=ev.deadline.timed_out,
            histogram=histogram,
        )

    def _candidates(
        self, ev: Evaluation, request: SearchRequest, compiled: CompiledQuery | None, full: np.ndarray
    ) -> Candidates:
        """What a request matches, as search and export both list it, from its
        live full matches (``full``): articles lacking one word join when
        ranked by relevance."""
        relax = self.partial_matches and request.effective_sort in ("relevance", "recent")
        return candidates(ev, compiled, Filters.from_request(request), full, relax)

    @staticmethod
    def _top_docs(request: SearchRequest, start: int, size: int) -> TopDocs:
        return TopDocs(request.effective_sort, start, size, request.collapse, request.now, request.half_life_days)

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
        return Hit.of(article, marker, score, [self._folded(snap, d) for d in dups], missing_word)

    @staticmethod
    def _folded(snap: Snapshot, docnum: int) -> Folded:
        article = article_fields(snap.stored(docnum))
        return Folded(id=article["id"], url=article["url"], title=article["title"], source=article["source"])

    # -- alerts ---------------------------------------------------------------------

    def listed_among(self, snap: Snapshot, request: SearchRequest, docs: np.ndarray) -> np.ndarray:
        """Which of ``docs`` (sorted live docnums of ``snap``) a search of
        ``request`` by date, without spelling correction, lists (its date words
        read as search reads them): the query's
        full matches that pass the filters, evaluated on ``docs`` alone (what
        an alert asks of each new article). A filter naming a key the index
        does not hold lists nothing (search would refuse it)."""
        # Date words in q read as search reads them (the filter, and q without them).
        request, _ = self._understood(snap, Evaluation(snap, self.scorer, Deadline(None)), request)
        if request.q.strip():
            # The plan as compiled with the snapshot's learned acronyms, as
            # search compiles it (search's is also pruned of absent terms per
            # snapshot, which matches the same), read from the articles' segments.
            compiled = self.compiler_for(snap).compile(request.q)
            if compiled.is_empty:
                return docs[:0]
            ev = Evaluation(snap, self.scorer, Deadline(None), within=snap.segments_of(docs))
            docs = docs[ev.matches(compiled.nonempty_query(), docs)]
        try:
            masks = Filters.from_request(request).masks(snap, docs)
        except InvalidRequest:
            return docs[:0]
        return docs[combine(list(masks.values()), docs.size)]

    def highlighted(self, snap: Snapshot, q: str, docnum: int) -> tuple[str, str]:
        """(title, snippet) of an article with ``q``'s words in ``<mark>``, as a hit shows them."""
        terms = self.compiler_for(snap).compile(q).highlight_terms if q.strip() else set()
        marker = Highlighter.for_snapshot(snap, terms)
        article = article_fields(snap.stored(docnum))
        return marker.title(article["title"]), marker.snippet(article["body"])

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
        request = self.spellchecked(self.understand(request)[0])
        with self.manager.acquire() as snap:
            ev = Evaluation(snap, self.scorer, Deadline(None))
            compiled = self._compiled(snap, request.q, ev.deadline) if request.q.strip() else None
            found = self._candidates(ev, request, compiled, full_matches(ev, compiled))
            count = min(found.total, limit)
            if not count:
                return
            ranked = found.collect(self._top_docs(request, 0, count))
            try:
                for docnum, score, _ in ranked.entries[:count]:
                    article = article_fields(snap.stored(docnum))
                    yield {
                        **{column: article[column] for column in EXPORT_COLUMNS if column in article},
                        "score": round(score, 4) if score is not None else None,
                        "missing_word": ranked.missing.get(docnum),
                    }
            finally:
                del ranked
                give_back_memory()  # an export's rows were this thread's arena's: hand the pages back

    def warm_up(self) -> None:
        """Run each kind of request once, with the index's own most common
        headline words, before a server answers anyone: the first request of
        a new worker otherwise pays for lazy imports, numpy's first calls and
        pages of the index not yet mapped in (its p99 was 500 ms)."""
        with self.manager.acquire() as snap:
            if not snap.live_count:
                return
            vocabulary = headline_words(snap).base
            common = [vocabulary.terms[i] for i in np.argsort(-vocabulary.df)[:20].tolist()]
            newest = snap.article_id(int(np.argmax(np.where(snap.live, snap.published, np.iinfo(np.int64).min))))
        words = [w for w in common if w not in TALA_STOPWORDS][:2]
        if len(words) < 2:
            return
        first, second = words
        requests = [
            SearchRequest(q=f"{first} {second}", facets=frozenset(FACET_KINDS), collapse=True),
            SearchRequest(q=f'"{first} {second}" -{first}x', sort="newest", page=2),
            SearchRequest(q=f"{first}{second[:1]}x {second} kemarin", sort="recent"),
        ]
        for request in requests:
            self.search(request)
        self.complete(first[:2])
        self.related(newest)
        give_back_memory()

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


def settle(snap: Snapshot) -> None:
    """Merge the autocomplete and spelling vocabularies' bases again where a
    merge or a run of commits has unsettled them."""
    settle_headline_words(snap)
    settle_corrections(snap)


def warm(snap: Snapshot) -> None:
    """Build what requests read of a new snapshot before they see it: the
    autocomplete and spelling vocabularies."""
    headline_words(snap)
    corrections(snap)


def acronym_usage(snap: Snapshot, acronym: str, long_form: tuple[str, ...]) -> Usage:
    """The live articles writing a learned acronym (its exact term), its long
    form (the words in order) and both, in title or body."""

    def live(ids: list[np.ndarray]) -> np.ndarray:
        docs = np.unique(np.concatenate(ids))
        return docs[snap.live[docs]]

    short = live([snap.postings(f, acronym).ids for f in ("title_exact", "body_exact")])
    spelled = live([snap.spanning(f, long_form).ids for f in STEMMED_FIELDS])
    return Usage(int(short.size), int(spelled.size), int(np.intersect1d(short, spelled, assume_unique=True).size))
