"""A page of results from the cluster: one request counts the matches (full
and partial), the facets and the histogram; the next fetches the page, full
matches above partial ones, ranked with the whole index's term statistics;
the recency blend and near-duplicate folding are the Whoosh backend's code
run on the fetched rows."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from whoosh.analysis import Analyzer

from ...features.highlight import Highlighter
from ...query.compile import CompiledQuery
from ...rank.rerank import collapse_near_duplicates, recency_rerank, title_fingerprint
from ...request import RERANK_DEPTH, SearchRequest
from ...results import Folded, SearchResult
from . import facets
from .cluster import Cluster
from .facets import FacetLabels
from .filters import RequestFilters, utc
from .generation import GenerationWatch
from .hits import GLOBAL_STATISTICS, SOURCE_FIELDS, fetch, hit_of, newest_published, published_of, sort_clause
from .queries import QueryPlanner

USEC_PER_DAY = 86_400_000_000
EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()


def micros(moment: datetime) -> int:
    """Microseconds since the epoch (UTC), as the recency blend takes dates."""
    moment = utc(moment)
    return (moment.toordinal() - EPOCH_ORDINAL) * USEC_PER_DAY + (
        (moment.hour * 3600 + moment.minute * 60 + moment.second) * 1_000_000 + moment.microsecond
    )


class Searcher:
    """Answers one (understood, spellchecked) request with its page of results."""

    def __init__(
        self,
        cluster: Cluster,
        generation: GenerationWatch,
        planner: QueryPlanner,
        filters: RequestFilters,
        labels: FacetLabels,
        highlight_analyzer: Analyzer,
        fingerprint_analyzer: Analyzer,
    ):
        self.cluster = cluster
        self.generation = generation
        self.planner = planner
        self.filters = filters
        self.labels = labels
        self.highlight_analyzer = highlight_analyzer
        self.fingerprint_analyzer = fingerprint_analyzer

    def answer(self, request: SearchRequest, compiled: CompiledQuery | None) -> SearchResult:
        sort = request.effective_sort
        dates, keyed = self.filters.of(request)
        every_filter = dates + list(keyed.values())
        match = self.planner.match(compiled)
        full_filtered = {"bool": {"must": [match], "filter": every_filter}}
        shown = self.cluster.count(full_filtered) if compiled is not None and compiled.relaxations else 0
        groups = self.planner.relaxed(request, compiled, shown)
        pool = (
            match if not groups else {"bool": {"should": [match, *(q for _, q in groups)], "minimum_should_match": 1}}
        )
        aggs: dict = {}
        if groups:
            aggs["groups"] = {"filters": {"filters": {word: q for word, q in groups}}}
        aggs.update(facets.aggregations(request, keyed))
        answer = self.cluster.search(
            {
                "size": 0,
                "track_total_hits": True,
                "query": {"bool": {"must": [pool], "filter": dates}},
                "aggs": {"matched": {"filter": {"bool": {"filter": list(keyed.values())}}}, **aggs},
            }
        )
        found = answer["aggregations"]
        total = int(found["matched"]["doc_count"])
        partial = [(word, int(found["groups"]["buckets"][word]["doc_count"])) for word, _ in groups] if groups else []
        partial = [(w, n) for w, n in partial if n]
        full_total = total - sum(n for _, n in partial)
        first = request.start
        request.require_reachable(total)
        listed, listed_more = self.labels.facets_of(found, request)
        histogram = facets.histogram_of(found, request)
        hits = []
        if first < total and request.size:
            ranked, missing = self._ranked(request, compiled, full_filtered, groups, every_filter, first, full_total)
            terms = compiled.highlight_terms if compiled else set()
            marker = Highlighter(terms, self.highlight_analyzer)
            hits = [hit_of(src, score, marker, dups, missing.get(src["article"]["id"])) for src, score, dups in ranked]
        return SearchResult.page_of(
            request,
            sort,
            total,
            first,
            hits,
            partial,
            facets=listed,
            facets_more=listed_more,
            timed_out=bool(answer.get("timed_out")),
            histogram=histogram,
            generation=self.generation.current,
        )

    def _ranked(
        self,
        request: SearchRequest,
        compiled: CompiledQuery | None,
        full_filtered: dict,
        groups: list[tuple[str, dict]],
        every_filter: list[dict],
        first: int,
        full_total: int,
    ) -> tuple[list[tuple[dict, float | None, list[Folded]]], dict[str, str]]:
        """The page's hits: full matches above partial ones (each with the word it lacks)."""
        sort = (
            request.effective_sort
            if compiled is not None
            else ("oldest" if request.effective_sort == "oldest" else "newest")
        )
        window = first + request.size
        depth = 2 * window + request.size if request.collapse else window
        if sort == "recent":
            depth = max(depth, RERANK_DEPTH)
        scoring = self.planner.scored(compiled, full_filtered)
        rows: list[tuple[dict, float | None]] = []
        begin = 0 if (request.collapse or sort == "recent") else first
        rows = fetch(self.cluster, scoring, sort, begin, min(depth, full_total) - begin)
        if sort == "recent" and rows:
            newest = request.now or newest_published(self.cluster)  # ages from the newest article, as Whoosh's
            now = micros(newest) if newest else None
            published = np.array([micros(published_of(s)) for s, _ in rows], dtype=np.int64)
            order = recency_rerank(
                [(i, float(s or 0)) for i, (_, s) in enumerate(rows)], published, now, request.half_life_days
            )
            rows = [(rows[i][0], score) for i, score in order]
        missing: dict[str, str] = {}
        if groups and len(rows) + begin < depth:
            named = [{"bool": {"must": [q], "filter": every_filter, "_name": word}} for word, q in groups]
            extra_query = {"bool": {"should": named, "minimum_should_match": 1}}
            skip = max(0, first - full_total) if begin else 0
            room = depth - full_total - skip if begin else depth - len(rows)
            answer = self.cluster.search(
                {
                    "query": extra_query,
                    "from": skip,
                    "size": max(0, room),
                    "sort": sort_clause("relevance"),
                    "_source": SOURCE_FIELDS,
                    "track_scores": True,
                },
                **GLOBAL_STATISTICS,
            )
            for h in answer["hits"]["hits"]:
                rows.append((h["_source"], h.get("_score")))
                names = h.get("matched_queries") or []
                if names:
                    missing[h["_source"]["article"]["id"]] = names[0]
        entries: list[tuple[int, float | None, list]] = [(i, s, []) for i, (_, s) in enumerate(rows)]
        if request.collapse:
            fingerprints = [title_fingerprint(src["article"]["title"], self.fingerprint_analyzer) for src, _ in rows]
            sources = np.array([hash(src.get("source")) for src, _ in rows], dtype=np.int64)
            entries = collapse_near_duplicates(entries, fingerprints.__getitem__, sources, depth=depth, fill=window)
        page = entries[first - begin : first - begin + request.size]
        out = [
            (
                rows[i][0],
                score,
                [
                    Folded(
                        id=rows[d][0]["article"]["id"],
                        url=rows[d][0]["article"].get("url"),
                        title=rows[d][0]["article"]["title"],
                        source=rows[d][0]["article"].get("source"),
                    )
                    for d in dups
                ],
            )
            for i, score, dups in page
        ]
        return out, missing
