"""The engine over an OpenSearch cluster (:class:`search.backend.Engine`).

Thin: it checks requests and hands each job to its module. Queries are
compiled by Berita's own compiler with the same analysis the documents were
indexed with (:mod:`index.opensearch`) and sent as query DSL (:mod:`.queries`,
:mod:`.translate`); a page is counted, faceted (:mod:`.facets`) and fetched
by :mod:`.searching`; date words (:mod:`.understanding`), did-you-mean
(:mod:`.spelling`), autocomplete (:mod:`.suggest`), articles and related
stories (:mod:`.related`) and export (:mod:`.export`) each have theirs. Every
call goes through :mod:`.cluster` (failures as 503 or 400, never 500); the
generation behind ETags and cursors is :mod:`.generation`'s. What the cluster
backend does not do (yet) is listed in the README ("On an OpenSearch cluster").
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from index.analysis import SHIPPED, STEM_RULES, Analysis
from index.opensearch.mapping import built_with, staleness
from index.opensearch.target import ClusterTarget, ClusterUnavailable

from ...features.suggest import MAX_SUGGESTIONS
from ...query.compile import DEFAULT_WEIGHTS, QueryCompiler, Weights
from ...request import (
    DEFAULT_BUDGET_SECONDS,
    FACET_KINDS,
    MAX_DEEP,
    MAX_QUERY_CHARS,
    InvalidRequest,
    SearchRequest,
    StaleCursor,
    validate,
)
from ...results import Hit, SearchResult, Understood
from . import suggest
from .cluster import Cluster
from .export import export_rows
from .facets import FacetLabels
from .filters import RequestFilters
from .generation import GenerationWatch
from .hits import SOURCE_FIELDS, article_of, newest_published
from .queries import QueryPlanner
from .related import Articles
from .searching import Searcher
from .spelling import Corrector
from .understanding import understand
from .writes import ClusterArticleWriter


class OpenSearchEngine:
    """Answers search requests from an OpenSearch index (an alias)."""

    def __init__(
        self,
        target: ClusterTarget,
        client: Any | None = None,
        weights: Weights = DEFAULT_WEIGHTS,
        analysis: Analysis = SHIPPED,
        budget_seconds: float | None = DEFAULT_BUDGET_SECONDS,
        partial_matches: bool = True,
        poll: bool = True,
    ):
        self.target = target
        self.cluster = Cluster(target, client, budget_seconds)
        self.client = self.cluster.client
        self.index = target.index
        self.compiler = QueryCompiler(weights, analysis)
        self.analysis = analysis
        self.body_analyzer = analysis.stemmed()
        self.exact_analyzer = analysis.exact()
        self.budget_seconds = budget_seconds
        self._opened = time.time()
        self.watch = GenerationWatch(self.cluster, poll)
        self.filters = RequestFilters(self.cluster, self.watch)
        self.planner = QueryPlanner(self.cluster, self.watch, self.compiler, partial_matches)
        self.searcher = Searcher(
            self.cluster,
            self.watch,
            self.planner,
            self.filters,
            FacetLabels(self.cluster, self.watch),
            self.body_analyzer,
            self.exact_analyzer,
        )
        self.corrector = Corrector(self.cluster, self.planner)
        self.articles = Articles(self.cluster, self.watch, weights, self.body_analyzer, self.exact_analyzer)

    @classmethod
    def connect(cls, target: ClusterTarget, **kwargs) -> OpenSearchEngine:
        return cls(target, **kwargs)

    def writer(self) -> ClusterArticleWriter:
        return ClusterArticleWriter(self.cluster, self.watch)

    def close(self) -> None:
        self.watch.close()

    # -- the generation -------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self.watch.current

    def on_new_snapshot(self, listen: Callable[[int], None]) -> None:
        self.watch.listen(listen)

    def refresh_to(self, generation: int, timeout: float) -> bool:
        return self.watch.refresh_to(generation, timeout)

    # -- search ---------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        validate(request)
        started = time.perf_counter()
        if request.generation is not None and request.generation != self.watch.current:
            raise StaleCursor("the index has changed since this cursor was made: search again")
        asked, (request, understood) = request, self.understand(request)
        compiled = self.planner.compiled(request.q) if request.q.strip() else None
        checked = request.spellcheck and compiled is not None
        correction = self.corrector.correction(request.q) if checked else None
        if correction is not None and correction[1]:  # nothing as typed: the correction is searched
            fixed = replace(request, q=correction[0], spellcheck=False)
            result = replace(self.searcher.answer(fixed, self.planner.compiled(fixed.q)), query=request.q)
            result.corrected_query = correction[0]
        else:
            result = self.searcher.answer(request, compiled)
            result.suggestion = correction[0] if correction else None
        if understood is not None:
            result = replace(result, query=asked.q, understood=understood)
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def understand(self, request: SearchRequest) -> tuple[SearchRequest, Understood | None]:
        return understand(self.cluster, self.planner, self.filters, request)

    def spellchecked(self, request: SearchRequest) -> SearchRequest:
        """The request as search answers it: the corrected query where no
        article holds the words as typed (and spellcheck then off)."""
        if not request.spellcheck or not request.q.strip():
            return request
        correction = self.corrector.correction(request.q)
        searched = correction[0] if correction and correction[1] else request.q
        return replace(request, q=searched, spellcheck=False)

    # -- articles, related, export, complete, health --------------------------------

    def article(self, article_id: str) -> dict | None:
        return self.articles.article(article_id)

    def related(
        self, article_id: str, size: int = 5, within_days: int | None = None
    ) -> tuple[SearchResult, list[Hit]] | None:
        return self.articles.related(article_id, size, within_days)

    def export(self, request: SearchRequest, limit: int = MAX_DEEP) -> Iterator[dict]:
        """Every result (up to ``limit``) in the order paging lists them (checked
        when the first row is asked for, as the Whoosh backend's)."""
        request = replace(request, page=1, offset=None, collapse=False)
        validate(request)
        request = self.spellchecked(self.understand(request)[0])
        yield from export_rows(self.cluster, self.planner, self.filters, request, limit)

    def complete(self, text: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
        """The query with its last word completed (:mod:`.suggest`)."""
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidRequest("q", f"q is {len(text)} characters long; at most {MAX_QUERY_CHARS} are allowed")
        if not 1 <= limit <= MAX_SUGGESTIONS:
            raise InvalidRequest("size", f"size must be between 1 and {MAX_SUGGESTIONS}")
        return suggest.complete(self.cluster, text, limit)

    def newest_published(self) -> datetime | None:
        return newest_published(self.cluster)

    def health(self) -> dict:
        """The cluster's answer; an unreachable cluster raises :class:`ClusterUnavailable` (503)."""
        health = self.cluster.call(self.client.cluster.health, index=self.index)
        count = self.cluster.count({"match_all": {}})
        warnings = [stale] if (stale := self._staleness()) else []
        if health.get("status") == "red":
            warnings.append(f"cluster {health.get('cluster_name')} is red: some shards are unassigned")
        elif health.get("status") == "yellow":
            warnings.append(f"cluster {health.get('cluster_name')} is yellow: some replicas are unassigned")
        return {
            "status": "ok",
            "pid": os.getpid(),
            "documents": count,
            "generation": self.watch.current,
            "last_commit": self.watch.changed_at,  # as seen from here: the cluster keeps no commit time
            "searcher_opened": datetime.fromtimestamp(self._opened).astimezone(),
            "stem_rules": STEM_RULES,
            "warnings": warnings,
            "caches": {"postings_bytes": 0, "postings_max_bytes": 0, "results": 0, "results_max": 0},
        }

    # -- what alerts ask (search.backends.opensearch.alerts) -----------------------

    def query_compiler(self) -> QueryCompiler:
        """The compiler search uses now (with the acronyms learned from the cluster)."""
        return self.planner.compiler()

    def listing_query(self, request: SearchRequest) -> dict | None:
        """The query of what a search of ``request`` lists, sorted by date and
        as typed: its full matches passing every filter, date words read as
        search reads them (``request.now`` as the newest article). None when
        it lists nothing: stopwords only, or a filter key the index does not
        hold (search refuses it)."""
        try:
            request, _ = self.understand(request)
            compiled = self.planner.compiled(request.q) if request.q.strip() else None
            dates, keyed = self.filters.of(request)
        except InvalidRequest:
            return None
        if compiled is not None and compiled.is_empty:
            return None
        return {"bool": {"must": [self.planner.match(compiled)], "filter": dates + list(keyed.values())}}

    def stored_articles(self, ids: list[str]) -> dict[str, dict]:
        """The stored articles of ``ids`` as the API shows them (one ``_mget``; absent ones left out)."""
        if not ids:
            return {}
        found = self.cluster.call(
            self.client.mget, index=self.index, body={"ids": ids}, params={"_source": ",".join(SOURCE_FIELDS)}
        )
        return {d["_id"]: article_of(d["_source"]) for d in found["docs"] if d.get("found")}

    def _staleness(self) -> str | None:
        """Why the index behind the alias is stale (other stem rules, an older
        document layout: searches may miss until it is rebuilt), or None."""
        return staleness(*built_with(self.cluster.call(self.client.indices.get_mapping, index=self.index)))

    def warm_up(self) -> None:
        """A search with facets and a completion before a server answers
        anyone (the Python side's first calls); a cluster that does not
        answer yet is no reason for a worker not to start."""
        try:
            self.search(SearchRequest(q="indonesia", facets=frozenset(FACET_KINDS)))
            self.complete("in")
        except ClusterUnavailable:
            pass
