"""The search engine: ranked, filtered, highlighted queries over one index.

A library: it knows nothing of HTTP. The service and the CLI build a
:class:`SearchRequest`, call :meth:`SearchEngine.search` and render the
:class:`SearchResult`. Invalid requests raise :class:`InvalidRequest`.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from whoosh import collectors
from whoosh import query as wq
from whoosh.util.times import datetime_to_long

from index.dates import from_utc_naive, to_utc_naive
from index.model import normalise_key
from index.schema import stale_analysis, stem_rules_of

from .docsets import doc_set
from .highlight import highlight_title, snippet
from .manager import SearcherManager, Snapshot
from .query import DEFAULT_WEIGHTS, QueryCompiler, Weights
from .rerank import collapse_near_duplicates, recency_rerank

SORTS = ("relevance", "recent", "newest", "oldest")
MAX_QUERY_CHARS = 500
MAX_SIZE = 50
MAX_WINDOW = 1000          # deepest result a client may page to
RERANK_DEPTH = 200         # relevance top-K that "recent" and collapsing rerank
DEFAULT_HALF_LIFE_DAYS = 7.0


class InvalidRequest(ValueError):
    """A request the engine cannot answer; ``param`` names the culprit."""

    def __init__(self, param: str, detail: str):
        super().__init__(detail)
        self.param = param
        self.detail = detail


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    date_from: datetime | None = None   # aware, inclusive
    date_to: datetime | None = None     # aware, inclusive
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    sort: str | None = None             # None: relevance with words, newest without
    page: int = 1
    size: int = 10
    now: datetime | None = None         # "recent": decay reference (default: newest article)
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    collapse: bool = True               # fold near-identical stories from other outlets
    facets: bool = False

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q.strip() else "newest")


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
    duplicates: list[str] = field(default_factory=list)


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

    @property
    def pages(self) -> int:
        reachable = min(self.total, MAX_WINDOW)
        return max(1, math.ceil(reachable / self.size)) if reachable else 0


def validate(request: SearchRequest) -> None:
    if len(request.q) > MAX_QUERY_CHARS:
        raise InvalidRequest("q", f"q is {len(request.q)} characters long; at most {MAX_QUERY_CHARS} are allowed")
    if request.sort is not None and request.sort not in SORTS:
        raise InvalidRequest("sort", f"unknown sort {request.sort!r}; use one of {', '.join(SORTS)}")
    if not 1 <= request.size <= MAX_SIZE:
        raise InvalidRequest("size", f"size must be between 1 and {MAX_SIZE}")
    if request.page < 1:
        raise InvalidRequest("page", "page must be 1 or more")
    if (request.page - 1) * request.size >= MAX_WINDOW:
        raise InvalidRequest("page", f"only the first {MAX_WINDOW} results can be paged through; narrow the query")
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise InvalidRequest("from", "from is after to")
    if not request.half_life_days > 0:
        raise InvalidRequest("half_life", "half_life must be a positive number of days")


class _PredicateCollector(collectors.WrappingCollector):
    """Passes only documents the predicate accepts on to the wrapped collector."""

    def __init__(self, child: collectors.Collector, accept: Callable[[int], bool]):
        super().__init__(child)
        self.accept = accept

    def collect_matches(self) -> None:
        child, offset, accept = self.child, self.offset, self.accept
        for sub_docnum in child.matches():
            if accept(offset + sub_docnum):
                child.collect(sub_docnum)


@dataclass
class _Filters:
    lo: int | None
    hi: int | None
    categories: frozenset[str]
    sources: frozenset[str]
    authors: frozenset[str]

    @classmethod
    def from_request(cls, request: SearchRequest) -> "_Filters":
        def keys(values):
            return frozenset(k for k in (normalise_key(v) for v in values) if k)

        return cls(
            lo=datetime_to_long(to_utc_naive(request.date_from)) if request.date_from else None,
            hi=datetime_to_long(to_utc_naive(request.date_to)) if request.date_to else None,
            categories=keys(request.categories),
            sources=keys(request.sources),
            authors=keys(request.authors),
        )

    def checks(self, snapshot: Snapshot) -> dict[str, Callable[[int], bool]]:
        """One check per filter kind (facets need them apart)."""
        dv = snapshot.docvalues
        out: dict[str, Callable[[int], bool]] = {}
        if self.lo is not None or self.hi is not None:
            lo = self.lo if self.lo is not None else -1
            hi = self.hi if self.hi is not None else 1 << 62
            published = dv.published
            out["date"] = lambda d: lo <= published[d] <= hi
        if self.categories:
            cats, category = self.categories, dv.category
            out["category"] = lambda d: category[d] in cats or category[d].split("/", 1)[0] in cats
        if self.sources:
            srcs, source = self.sources, dv.source
            out["source"] = lambda d: source[d] in srcs
        if self.authors:
            auths, author = self.authors, dv.author
            out["author"] = lambda d: author[d] in auths
        return out


def _all_of(checks: list[Callable[[int], bool]]) -> Callable[[int], bool] | None:
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    return lambda d: all(c(d) for c in checks)


class SearchEngine:
    """Answers search requests from the manager's current snapshot."""

    def __init__(self, manager: SearcherManager, weights: Weights = DEFAULT_WEIGHTS, stemming: str = "protected"):
        self.manager = manager
        self.compiler = QueryCompiler(weights, stemming)

    @classmethod
    def open(cls, index_dir: str | Path, **kwargs) -> "SearchEngine":
        return cls(SearcherManager(index_dir), **kwargs)

    def close(self) -> None:
        self.manager.close()

    # -- search ---------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        validate(request)
        started = time.perf_counter()
        sort = request.effective_sort
        compiled = self.compiler.compile(request.q) if request.q.strip() else None
        with self.manager.acquire() as snap:
            if compiled is not None and compiled.is_empty:
                ranked, total, estimate, facets = [], 0, False, {}
            else:
                q = compiled.query if compiled else wq.Every()
                filters = _Filters.from_request(request).checks(snap)
                total, estimate, facets, matched = self._count(
                    snap, compiled.match_query if compiled else q, filters, request.facets)
                ranked = self._rank(snap, q, request, sort, bool(filters), matched, bool(compiled))
            start = (request.page - 1) * request.size
            page = ranked[start : start + request.size]
            terms = compiled.highlight_terms if compiled else set()
            hits = [self._hit(snap, docnum, score, terms, dups) for docnum, score, dups in page]
        return SearchResult(
            query=request.q,
            total=total,
            total_is_estimate=estimate,
            page=request.page,
            size=request.size,
            sort=sort,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            facets=facets,
        )

    def _count(self, snap: Snapshot, q: wq.Query, filters: dict, want_facets: bool):
        """Exact total (and facet counts) of the matching documents.

        Facets are multi-select: the category counts ignore the category
        filter, so picking one category still shows the others' counts."""
        dv = snap.docvalues
        docs = doc_set(snap.searcher, q, dv.live)
        accept = _all_of(list(filters.values()))
        if accept is None and not want_facets:
            return len(docs), False, {}, docs
        matched = [d for d in docs if accept(d)] if accept else list(docs)
        facets = {}
        if want_facets:
            counts = {}
            for kind, keys in (("category", dv.category), ("source", dv.source)):
                others = _all_of([c for k, c in filters.items() if k != kind])
                counts[kind] = Counter(keys[d] for d in docs if others is None or others(d))
            facets = {
                "category": self._facet(counts["category"], dv.category_labels),
                "source": self._facet(counts["source"], dv.source_labels),
            }
        return len(matched), False, facets, matched

    @staticmethod
    def _facet(counts: Counter, labels: dict[str, str], limit: int = 20):
        """(key, display label, count), most common first."""
        return [(k, labels.get(k) or k, n) for k, n in counts.most_common(limit) if k]

    def _rank(self, snap: Snapshot, q, request: SearchRequest, sort: str, filtered: bool,
              matched, has_words: bool) -> list[tuple[int, float | None, list[int]]]:
        """``matched`` holds the documents that pass the filters (from :meth:`_count`),
        so scoring only has to test membership instead of re-running each filter."""
        dv = snap.docvalues
        window = min(request.page * request.size, MAX_WINDOW)
        if sort in ("newest", "oldest") or not has_words:
            pick = heapq.nlargest if sort != "oldest" else heapq.nsmallest
            docs = pick(window, matched, key=lambda d: (dv.published[d], -d if sort != "oldest" else d))
            return [(d, None, []) for d in docs]
        # Collapsing looks at 2 pages' worth beyond the window; "recent" reranks a fixed top-K.
        depth = window
        if request.collapse:
            depth = 2 * window + request.size
        if sort == "recent":
            depth = max(depth, RERANK_DEPTH)
        accept = (matched if isinstance(matched, set) else set(matched)).__contains__ if filtered else None
        scored = self._top_scored(snap, q, depth, accept)
        if sort == "recent":
            scored = self._by_recency(snap, scored, request.now, request.half_life_days)
        ranked = [(d, s, []) for d, s in scored]
        if request.collapse:
            titles = lambda d: snap.searcher.stored_fields(d)["title"]  # noqa: E731
            ranked = collapse_near_duplicates(ranked, titles, dv.source, depth=2 * window + request.size)
        return ranked

    @staticmethod
    def _top_scored(snap: Snapshot, q: wq.Query, depth: int,
                    accept: Callable[[int], bool] | None) -> list[tuple[int, float]]:
        """The ``depth`` best (docnum, score) by BM25F; ties go to the newer article."""
        collector = collectors.TopCollector(limit=depth)
        wrapped = _PredicateCollector(collector, accept) if accept else collector
        snap.searcher.search_with_collector(q, wrapped)
        scored = [(-negated_docnum, score) for score, negated_docnum in collector.items]
        published = snap.docvalues.published
        scored.sort(key=lambda item: (-round(item[1], 6), -published[item[0]]))
        return scored

    @staticmethod
    def _by_recency(snap: Snapshot, scored: list[tuple[int, float]], now: datetime | None,
                    half_life_days: float) -> list[tuple[int, float]]:
        """Rerank by freshness; ages count from ``now`` or else the newest article."""
        dv = snap.docvalues
        now_long = datetime_to_long(to_utc_naive(now)) if now else dv.newest_published
        return recency_rerank(scored, dv.published, now_long, half_life_days)

    def ranked_ids(self, q: str, limit: int = 100, sort: str = "relevance",
                   now: datetime | None = None) -> list[str]:
        """Article ids of the top ``limit`` matches, without highlighting or
        collapsing: what evaluations compare with their judgments."""
        compiled = self.compiler.compile(q)
        if compiled.is_empty:
            return []
        with self.manager.acquire() as snap:
            scored = self._top_scored(snap, compiled.query, max(limit, RERANK_DEPTH if sort == "recent" else limit), None)
            if sort == "recent":
                scored = self._by_recency(snap, scored, now, DEFAULT_HALF_LIFE_DAYS)
            return [snap.article_id(d) for d, _ in scored[:limit]]

    def _hit(self, snap: Snapshot, docnum: int, score: float | None, terms: set[str], dups: list[int]) -> Hit:
        stored = snap.searcher.stored_fields(docnum)
        return Hit(
            id=stored["id"],
            url=stored.get("url"),
            title=stored["title"],
            title_html=highlight_title(stored["title"], terms),
            snippet=snippet(stored.get("body", ""), terms),
            published=from_utc_naive(stored["published"]),
            published_has_time=bool(stored.get("published_has_time", True)),
            category=stored.get("category_label"),
            source=stored.get("source_label"),
            author=stored.get("author"),
            score=round(score, 4) if score is not None else None,
            duplicates=[snap.searcher.stored_fields(d)["id"] for d in dups],
        )

    # -- articles and health ----------------------------------------------------

    def article(self, article_id: str) -> dict | None:
        """The stored article, or None."""
        with self.manager.acquire() as snap:
            stored = snap.searcher.document(id=article_id)
        if stored is None:
            return None
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

    def health(self) -> dict:
        with self.manager.acquire() as snap:
            return {
                "status": "ok",
                "documents": snap.searcher.doc_count(),
                "generation": snap.generation,
                "last_commit": self.manager.last_commit_time(),
                "searcher_opened": datetime.fromtimestamp(snap.opened_at).astimezone(),
                "stem_rules": stem_rules_of(snap.searcher.schema),
                "warnings": [w for w in (stale_analysis(snap.searcher.schema),) if w],
            }


RARE_WORD_DOCS = 3       # a query word in fewer documents than this may be a typo
COMMON_FACTOR = 5        # ... and a correction must be in this many times more


def _spelling_words(q: str) -> list[str]:
    from .query import Word, parse_user_query

    def walk(node):
        if isinstance(node, Word):
            if node.field is None and not node.phrase:
                yield node.text
        elif hasattr(node, "children"):
            for child in node.children:
                yield from walk(child)

    return list(walk(parse_user_query(q)))


def suggest_spelling(engine: SearchEngine, q: str) -> str | None:
    """"Apakah maksud Anda": the query with rare words replaced by close words
    that are common in the index (Whoosh's term automata over our vocabulary)."""
    import re

    from index.analysis import TALA_STOPWORDS, fold

    corrected, changed = q, False
    with engine.manager.acquire() as snap:
        reader = snap.searcher.reader()
        for word in _spelling_words(q):
            folded = fold(word)
            if not folded.isalpha() or len(folded) < 4 or folded in TALA_STOPWORDS:
                continue
            seen = reader.doc_frequency("body_exact", folded) + reader.doc_frequency("title_exact", folded)
            if seen >= RARE_WORD_DOCS:
                continue
            best = None
            for distance in (1, 2):
                candidates = [t for t in reader.terms_within("body_exact", folded, distance, prefix=1) if t != folded]
                scored = [(reader.doc_frequency("body_exact", t), t) for t in candidates if t.isalpha()]
                scored = [s for s in scored if s[0] >= max(1, COMMON_FACTOR * seen)]
                if scored:
                    best = max(scored)[1]
                    break
            if best:
                corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", best, corrected, count=1)
                changed = True
    return corrected if changed else None
