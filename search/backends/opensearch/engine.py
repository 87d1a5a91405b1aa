"""The engine over an OpenSearch cluster (:class:`search.backend.Engine`).

Queries are compiled by Berita's own compiler (:mod:`search.query`), with
the same analysis the documents were indexed with (:mod:`index.opensearch`),
and the plan is sent as query DSL (:mod:`.translate`). Filters, facets and
the date histogram are the cluster's filters and aggregations (Asia/Jakarta
days); highlighting, near-duplicate folding and the recency blend are the
Whoosh backend's own code run on the page of hits. What the cluster backend
does not do (yet) is listed in the README ("Backends").

The generation (ETags, cursors) is the sum over primary shards of their
highest sequence number: it changes with every write the cluster applies and
never goes back. A thread reads it every ``POLL_SECONDS``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from datetime import time as dtime
from typing import Any

import numpy as np

from index.acronyms import MIN_ARTICLES as ACRONYM_MIN_ARTICLES
from index.acronyms import MIN_SHARE as ACRONYM_MIN_SHARE
from index.acronyms import Acronym
from index.analysis import SHIPPED, STEM_RULES, TALA_STOPWORDS, Analysis, fold_token
from index.dates import WIB, from_utc_naive
from index.model import Article, normalise_key
from index.opensearch.documents import ACRONYM_SEPARATOR, token_positions
from index.opensearch.target import ClusterTarget, ClusterUnavailable
from index.opensearch.writer import ClusterWriter, connection_errors, unavailable
from index.schema import KEYED_COLUMNS

from ...backend import Committed
from ...features.export import COLUMNS as EXPORT_COLUMNS
from ...features.highlight import Highlighter
from ...features.histogram import days_histogram
from ...features.related import DISTINCTIVE_WORDS, MAX_WITHIN_DAYS
from ...features.spelling import (
    ALTERNATIVES,
    COMMON_FACTOR,
    MAX_CHECKED_WORDS,
    MIN_CHECKED_LENGTH,
    MIN_CORRECTION_DOCS,
    RARE_WORD_DOCS,
    SPELLING_FIELDS,
)
from ...features.suggest import MAX_SUGGESTIONS
from ...query import plan
from ...query.acronyms import AcronymMap
from ...query.compile import DEFAULT_WEIGHTS, CompiledQuery, QueryCompiler, Weights
from ...query.dates import read_dates
from ...rank.filters import LISTED_AT_MOST, loose_source
from ...rank.pipeline import PARTIAL_BELOW
from ...rank.rerank import collapse_near_duplicates, near_duplicate, recency_rerank, title_fingerprint
from ...rank.scoring import BM25F
from ...reader.snapshot import APART_MIN_DOCS, APART_MIN_SHARE, SPELLED_COLUMNS, readable_label
from ...request import (
    DEFAULT_BUDGET_SECONDS,
    FACET_KINDS,
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
from ...results import Folded, Hit, SearchResult, Understood
from .translate import Translator, positional

POLL_SECONDS = 1.0  # how often the generation is read (a write through this process reads it at once)
SUGGEST_BELOW = 5  # fewer full matches than this (filters aside): look for a spelling correction
EXPORT_PAGE = 1000  # rows one point-in-time page fetches
PIT_KEEP_ALIVE = "2m"
USEC_PER_DAY = 86_400_000_000
EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()
# Scores from the whole index's term statistics, not each shard's (as the
# Whoosh index scores): one more round trip to the shards per ranked search.
GLOBAL_STATISTICS = {"search_type": "dfs_query_then_fetch"}
SOURCE_FIELDS = ["article", "published", "published_has_time", "source"]
SHARD_FAILURE_TRIES = 2  # a search that lost a shard copy mid-request is asked this many times in all
SHARD_FAILURE_PAUSE = 0.5  # seconds before asking again: the replica is promoted meanwhile


def _published(src: dict) -> datetime:
    return from_utc_naive(datetime.fromisoformat(src["published"].rstrip("Z")))


def _article(src: dict) -> dict:
    """An article as the API shows it, from its stored source."""
    record = src["article"]
    return {
        "id": record["id"],
        "url": record.get("url"),
        "title": record["title"],
        "body": record.get("body") or "",
        "published": _published(src),
        "published_has_time": bool(src.get("published_has_time", True)),
        "category": record.get("category"),
        "source": record.get("source"),
        "author": record.get("author"),
    }


LEAVES = ("term", "terms", "prefix", "match_phrase", "span_term", "match_all")
MAX_CLAUSES = 1000  # of Lucene's 1,024 (indices.query.bool.max_clause_count) for the partial groups


def _clauses(query: object) -> int:
    """Roughly how many clauses Lucene makes of a query (each field of a
    ``combined_fields`` one)."""
    if isinstance(query, list):
        return sum(_clauses(q) for q in query)
    if not isinstance(query, dict):
        return 0
    count = 0
    for key, value in query.items():
        if key in LEAVES:
            count += 1
        elif key in ("combined_fields", "multi_match"):
            count += len(value.get("fields", ())) or 1
        else:
            count += _clauses(value)
    return count


def _reason(exc: Exception) -> str:
    """The root cause an OpenSearch error gives, in a line."""
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        causes = info.get("error", {}).get("root_cause") or [{}]
        return str(causes[0].get("reason") or info.get("error", {}).get("reason") or exc)
    return str(exc)


def _utc(moment: datetime) -> datetime:
    """In UTC, clamped: year 1 or 9999 with an offset still compares (as the Whoosh filters clamp)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if moment.year < 5000 else datetime.max.replace(tzinfo=UTC)


def _micros(moment: datetime) -> int:
    utc = _utc(moment)
    return (utc.toordinal() - EPOCH_ORDINAL) * USEC_PER_DAY + (
        (utc.hour * 3600 + utc.minute * 60 + utc.second) * 1_000_000 + utc.microsecond
    )


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
        self.client = client if client is not None else target.client()
        self.index = target.index
        self.compiler = QueryCompiler(weights, analysis)
        self.analysis = analysis
        self.body_analyzer = analysis.stemmed()
        self.exact_analyzer = analysis.exact()
        self.budget_seconds = budget_seconds
        self.partial_matches = partial_matches
        self._translator: Translator | None = None
        self._generation = 0
        self._changed_at: datetime | None = None  # when this engine saw the generation last advance
        self._listeners: list[Callable[[int], None]] = []
        self._keys: tuple[int, dict[str, list[str]]] | None = None
        self._labels: tuple[int, dict[str, dict[str, str]]] | None = None
        self._acronym_compiler: tuple[int, QueryCompiler] | None = None
        self._attested: dict[tuple[str, str], bool] = {}  # compounds written apart, for _attested_generation
        self._attested_generation = -1
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._opened = time.time()
        self._thread: threading.Thread | None = None
        if poll:
            self._thread = threading.Thread(target=self._poll, name="berita-opensearch-generation", daemon=True)
            self._thread.start()

    @classmethod
    def connect(cls, target: ClusterTarget, **kwargs) -> OpenSearchEngine:
        return cls(target, **kwargs)

    def writer(self) -> ClusterArticleWriter:
        return ClusterArticleWriter(self)

    def close(self) -> None:
        self._closed.set()

    # -- the cluster --------------------------------------------------------------

    def _call(self, method: Callable[..., dict], **kwargs) -> dict:
        """One call to the cluster; no node answering is :class:`ClusterUnavailable`.
        A search that lost a shard copy while a node died (a 500
        ``search_phase_execution_exception``, or shards reported failed) is
        asked once more, when the replicas have taken over; then it is the
        cluster's trouble (503), never the reader's (500)."""
        from opensearchpy.exceptions import TransportError

        for attempt in range(SHARD_FAILURE_TRIES):
            last = attempt == SHARD_FAILURE_TRIES - 1
            try:
                answer = method(**kwargs)
            except connection_errors() as exc:
                raise unavailable(self.target, exc) from exc
            except TransportError as exc:
                if exc.status_code == 400:  # a query the cluster will not run (too many clauses): the reader's
                    raise InvalidRequest("q", f"the search cluster cannot run this query: {_reason(exc)}") from exc
                server_side = isinstance(exc.status_code, int) and exc.status_code >= 500
                if exc.status_code in (429, 502, 503, 504) or (server_side and last):
                    raise unavailable(self.target, exc) from exc
                if not server_side:
                    raise
                time.sleep(SHARD_FAILURE_PAUSE)
                continue
            failed = answer.get("_shards", {}).get("failed", 0) if isinstance(answer, dict) else 0
            if not failed:
                return answer
            if last:
                raise unavailable(self.target, RuntimeError(f"{failed} shards failed to answer"))
            time.sleep(SHARD_FAILURE_PAUSE)
        raise AssertionError("unreachable")  # (the last attempt returns or raises)

    @property
    def translator(self) -> Translator:
        """``combined_fields`` on OpenSearch 3.2+, ``cross_fields`` before."""
        if self._translator is None:
            number = self._call(self.client.info)["version"]["number"]
            major, minor = (int(part) for part in number.split(".")[:2])
            shipped = BM25F()
            self._translator = Translator((major, minor) >= (3, 2), shipped.exact_share, shipped.proximity_share)
        return self._translator

    def _search(self, body: dict, **params) -> dict:
        if self.budget_seconds:
            body = {**body, "timeout": f"{int(self.budget_seconds * 1000)}ms"}
        return self._call(self.client.search, index=self.index, body=body, params=params or None)

    def _count(self, query: dict) -> int:
        return int(self._call(self.client.count, index=self.index, body={"query": query})["count"])

    def _read_generation(self) -> int:
        stats = self._call(self.client.indices.stats, index=self.index, params={"level": "shards"})
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
                self._advance(self._read_generation())
            except Exception:  # an unreachable cluster: keep the last generation, try again
                pass
            self._closed.wait(POLL_SECONDS)

    def _advance(self, generation: int) -> None:
        with self._lock:
            if generation <= self._generation:
                return
            self._generation = generation
            self._changed_at = datetime.now(UTC).astimezone()
            listeners = list(self._listeners)
        for listen in listeners:
            listen(generation)

    @property
    def generation(self) -> int:
        return self._generation

    def on_new_snapshot(self, listen: Callable[[int], None]) -> None:
        with self._lock:
            self._listeners.append(listen)
            now = self._generation
        listen(now)

    def refresh_to(self, generation: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._advance(self._read_generation())
            except ClusterUnavailable:
                pass
            if self._generation >= generation:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    # -- filters --------------------------------------------------------------------

    def _known_keys(self) -> dict[str, list[str]]:
        """The keys the index holds per keyed column (for filter errors), per generation."""
        found = self._keys
        if found is not None and found[0] == self._generation:
            return found[1]
        aggs = {column: {"terms": {"field": column, "size": 65_536}} for column in KEYED_COLUMNS.values()}
        answer = self._search({"size": 0, "aggs": aggs})["aggregations"]
        keys = {column: [b["key"] for b in answer[column]["buckets"]] for column in KEYED_COLUMNS.values()}
        self._keys = (self._generation, keys)
        return keys

    def _spelled_labels(self) -> dict[str, dict[str, str]]:
        """Per spelled column, key -> how it is shown: the spelling most
        articles give it (a category section counting the spellings of the
        paths under it), an all-lowercase one capitalised; as the Whoosh
        snapshot chooses them, per generation."""
        found = self._labels
        if found is not None and found[0] == self._generation:
            return found[1]
        aggs = {
            column: {
                "terms": {"field": f"{column}_label", "size": 65_536},
                "aggs": {"keys": {"terms": {"field": column, "size": 1}}},
            }
            for column in SPELLED_COLUMNS
        }
        answer = self._search({"size": 0, "aggs": aggs})["aggregations"]
        labels: dict[str, dict[str, str]] = {}
        for column in SPELLED_COLUMNS:
            tally: dict[str, dict[str, int]] = {}
            for bucket in answer[column]["buckets"]:
                if not bucket["keys"]["buckets"]:
                    continue
                label, key, n = bucket["key"].strip(), bucket["keys"]["buckets"][0]["key"], bucket["doc_count"]
                parts, key_parts = [p.strip() for p in label.split("/")], key.split("/")
                sections = column == "category"
                pairs = [(key, " / ".join(p for p in parts if p) if sections else label)]
                if sections and len(parts) == len(key_parts):
                    pairs += [("/".join(key_parts[:d]), " / ".join(parts[:d])) for d in range(1, len(parts))]
                for k, spelling in pairs:
                    votes = tally.setdefault(k, {})
                    votes[spelling] = votes.get(spelling, 0) + n
            labels[column] = {k: readable_label(max(v, key=lambda sp: (v[sp], sp))) for k, v in tally.items()}
        self._labels = (self._generation, labels)
        return labels

    def _filters(self, request: SearchRequest) -> tuple[list[dict], dict[str, dict]]:
        """(the date filter's clauses, one clause per keyed filter kind)."""
        dates: list[dict] = []
        bounds = {}
        if request.date_from is not None:
            bounds["gte"] = _utc(request.date_from).isoformat()
        if request.date_to is not None:
            bounds["lte"] = _utc(request.date_to).isoformat()
        if bounds:
            dates.append({"range": {"published": bounds}})
        keyed: dict[str, dict] = {}
        for kind, values in (
            ("category", request.categories),
            ("source", request.sources),
            ("author", request.authors),
        ):
            wanted = sorted({k for k in (normalise_key(v) for v in values) if k})
            if not wanted:
                continue
            column = KEYED_COLUMNS[kind]
            known = self._known_keys()[column]
            if kind == "source":
                resolved: set[str] = set()
                for name in wanted:
                    matches = [k for k in known if loose_source(k) == loose_source(name)]
                    if not matches:
                        raise InvalidRequest(
                            "source", f"no source {name!r} in the index; known sources: {', '.join(sorted(known))}"
                        )
                    resolved.update(matches)
                wanted = sorted(resolved)
            else:
                unknown = [k for k in wanted if k not in known and not any(x.startswith(k + "/") for x in known)]
                if unknown:
                    listed = (
                        f"known {kind} keys: {', '.join(sorted(known))}"
                        if len(known) <= LISTED_AT_MOST
                        else f"the index holds {len(known):,}; "
                        f"facets={kind}&facet_size=1000 lists them with their counts"
                    )
                    raise InvalidRequest(kind, f"no {kind} {unknown[0]!r} in the index; {listed}")
            should: list[dict] = [{"terms": {column: wanted}}]
            if kind == "category":  # a section also passes its subsections
                should += [{"prefix": {column: k + "/"}} for k in wanted]
            keyed[kind] = {"bool": {"should": should, "minimum_should_match": 1}}
        return dates, keyed

    # -- search -------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        validate(request)
        started = time.perf_counter()
        if request.generation is not None and request.generation != self._generation:
            raise StaleCursor("the index has changed since this cursor was made: search again")
        asked, (request, understood) = request, self.understand(request)
        compiled = self._compiled(request.q) if request.q.strip() else None
        correction = self._correction(request.q) if request.spellcheck and compiled else None
        if correction is not None and correction[1]:  # nothing as typed: the correction is searched
            fixed = replace(request, q=correction[0], spellcheck=False)
            result = replace(self._answer(fixed, self._compiled(fixed.q)), query=request.q)
            result.corrected_query = correction[0]
        else:
            result = self._answer(request, compiled)
            result.suggestion = correction[0] if correction else None
        if understood is not None:
            result = replace(result, query=asked.q, understood=understood)
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def _compiler(self) -> QueryCompiler:
        """The compiler with the acronyms learned from the cluster's articles
        (each document lists the pairs it defines; the consistent ones, as
        :meth:`index.acronyms.AcronymStore.table` keeps them), per generation."""
        if not self.compiler.weights.acronyms:
            return self.compiler
        found = self._acronym_compiler
        if found is not None and found[0] == self._generation:
            return found[1]
        answer = self._search({"size": 0, "aggs": {"pairs": {"terms": {"field": "acronyms", "size": 100_000}}}})
        pairs: list[tuple[str, str, int]] = []
        for bucket in answer["aggregations"]["pairs"]["buckets"]:
            acronym, _, long_form = bucket["key"].partition(ACRONYM_SEPARATOR)
            pairs.append((acronym, long_form, int(bucket["doc_count"])))
        totals: dict[str, int] = {}
        writings: dict[str, dict[str, int]] = {}
        by_form: dict[tuple[str, str], int] = {}
        for acronym, long_form, n in pairs:
            key = acronym.upper()
            totals[key] = totals.get(key, 0) + n
            writings.setdefault(key, {})[acronym] = writings.get(key, {}).get(acronym, 0) + n
            by_form[(key, long_form)] = by_form.get((key, long_form), 0) + n
        table = sorted(
            (
                Acronym(max(writings[key], key=lambda w: (writings[key][w], w)), long_form, n, n / totals[key])
                for (key, long_form), n in by_form.items()
                if n >= ACRONYM_MIN_ARTICLES and n / totals[key] >= ACRONYM_MIN_SHARE
            ),
            key=lambda a: (-a.articles, a.acronym, a.long_form),
        )
        acronyms = AcronymMap.of(table, self.compiler.exact_positions, version=self._generation + 1)
        compiler = self.compiler.with_acronyms(acronyms)
        self._acronym_compiler = (self._generation, compiler)
        return compiler

    def _compiled(self, q: str) -> CompiledQuery:
        """The query's plan with the compounds written apart kept only where
        the index attests them (as the Whoosh snapshot decides: in at least
        ``APART_MIN_DOCS`` documents and ``APART_MIN_SHARE`` of those writing
        it joined), so a chance pair adds nothing on either backend."""
        compiled = self._compiler().compile(q)
        if compiled.query is None:
            return compiled
        pairs: set[tuple[str, str]] = set()

        def collect(term: plan.Term) -> bool:
            if isinstance(term, plan.Adjacent) and not isinstance(term, plan.Spanning):
                pairs.add((positional(term.field), term.text))
            return True

        compiled.pruned(collect)
        self._attest(pairs)

        def holds(term: plan.Term) -> bool:
            if isinstance(term, plan.Adjacent) and not isinstance(term, plan.Spanning):
                return self._attested.get((positional(term.field), term.text), False)
            return True

        return compiled.pruned(holds)

    def _attest(self, pairs: set[tuple[str, str]]) -> None:
        if self._attested_generation != self._generation:
            self._attested, self._attested_generation = {}, self._generation
        asked = sorted(p for p in pairs if p not in self._attested)
        if not asked:
            return
        body: list[dict] = []
        for field, text in asked:
            for query in ({"match_phrase": {field: text}}, {"term": {field: text.replace(" ", "")}}):
                body += [{"index": self.index}, {"size": 0, "track_total_hits": True, "query": query}]
        answers = self._call(self.client.msearch, body=body)["responses"]
        for i, pair in enumerate(asked):
            apart, joined = (int(a["hits"]["total"]["value"]) for a in answers[2 * i : 2 * i + 2])
            self._attested[pair] = apart >= max(APART_MIN_DOCS, APART_MIN_SHARE * joined)

    def _match(self, compiled: CompiledQuery | None) -> dict:
        if compiled is None:
            return {"match_all": {}}
        if compiled.is_empty:
            return {"match_none": {}}
        return self.translator.query(compiled.nonempty_query())

    def _relaxed(self, request: SearchRequest, compiled: CompiledQuery | None, shown: int) -> list[tuple[str, dict]]:
        """(left-out word, the query without it and not the full query) for the
        partial matches this request lists (as :func:`partial_groups` decides)."""
        relax = self.partial_matches and request.effective_sort in ("relevance", "recent")
        if not relax or compiled is None or compiled.is_empty or not compiled.relaxations:
            return []
        if shown >= PARTIAL_BELOW and len(compiled.relaxations) < 3:
            return []
        groups = self._groups(compiled)
        if sum(_clauses(q) for _, q in groups) > MAX_CLAUSES:  # Lucene would refuse the query: full matches only
            return []
        return groups

    def _groups(self, compiled: CompiledQuery) -> list[tuple[str, dict]]:
        query = compiled.nonempty_query()
        whole = query.children if isinstance(query, plan.All) else (query,)
        out = []
        for word, relaxed in compiled.relaxations:
            # Lacking only this word: the relaxed query and not what the full
            # one asks beyond it (a few clauses, where "not the full query"
            # would repeat every word in every group).
            kept = set(relaxed.children if isinstance(relaxed, plan.All) else (relaxed,))
            beyond = [c for c in whole if c not in kept] or [query]
            lacking = {"bool": {"must": [self.translator.query(c) for c in beyond]}}
            out.append((word, {"bool": {"must": [self.translator.query(relaxed)], "must_not": [lacking]}}))
        return out

    def _answer(self, request: SearchRequest, compiled: CompiledQuery | None) -> SearchResult:
        sort = request.effective_sort
        dates, keyed = self._filters(request)
        every_filter = dates + list(keyed.values())
        match = self._match(compiled)
        full_filtered = {"bool": {"must": [match], "filter": every_filter}}
        shown = self._count(full_filtered) if compiled is not None and compiled.relaxations else 0
        groups = self._relaxed(request, compiled, shown)
        pool = (
            match if not groups else {"bool": {"should": [match, *(q for _, q in groups)], "minimum_should_match": 1}}
        )
        aggs: dict = {}
        if groups:
            aggs["groups"] = {"filters": {"filters": {word: q for word, q in groups}}}
        for kind in sorted(request.facets & set(KEYED_COLUMNS)):
            others = [c for k, c in keyed.items() if k != kind]
            column = KEYED_COLUMNS[kind]
            label = "author_label" if kind == "author" else f"{kind}_label"
            aggs[f"facet_{kind}"] = {
                "filter": {"bool": {"filter": others}},
                "aggs": {
                    "keys": {
                        "terms": {
                            "field": column,
                            "size": request.facet_size,
                            "order": [{"_count": "desc"}, {"_key": "asc"}],
                        },
                        "aggs": {"label": {"terms": {"field": label, "size": 1}}},
                    },
                    "distinct": {"cardinality": {"field": column, "precision_threshold": 40_000}},
                },
            }
        if "date" in request.facets:
            aggs["days"] = {
                "filter": {"bool": {"filter": list(keyed.values())}},
                "aggs": {
                    "days": {
                        "date_histogram": {
                            "field": "published",
                            "calendar_interval": "day",
                            "time_zone": "Asia/Jakarta",
                        }
                    }
                },
            }
        answer = self._search(
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
        if request.offset is None and first >= MAX_WINDOW and first < total:
            raise InvalidRequest(
                "page",
                f"only the first {MAX_WINDOW} results can be reached by page number; "
                "follow the cursor of the previous page, export the whole set, or narrow the query",
                reason="window",
            )
        facets: dict[str, list[tuple[str, str, int]]] = {}
        facets_more: dict[str, int] = {}
        for kind in sorted(request.facets & set(KEYED_COLUMNS)):
            agg = found[f"facet_{kind}"]
            spelled = self._spelled_labels().get(KEYED_COLUMNS[kind], {})
            listed = [
                (
                    b["key"],
                    spelled.get(b["key"]) or (b["label"]["buckets"] or [{"key": b["key"]}])[0]["key"],
                    int(b["doc_count"]),
                )
                for b in agg["keys"]["buckets"]
            ]
            facets[kind] = listed
            facets_more[kind] = max(0, int(agg["distinct"]["value"]) - len(listed))
        histogram = None
        if "date" in request.facets:
            buckets = found["days"]["days"]["buckets"]
            days = np.repeat(
                np.array([(b["key"] + 7 * 3_600_000) // 86_400_000 for b in buckets], dtype=np.int64),
                np.array([b["doc_count"] for b in buckets], dtype=np.int64),
            )
            histogram = days_histogram(days, request.interval)
        hits: list[Hit] = []
        if first < total and request.size:
            ranked, missing = self._ranked(request, compiled, full_filtered, groups, every_filter, first, full_total)
            terms = compiled.highlight_terms if compiled else set()
            marker = Highlighter(terms, self.body_analyzer)
            hits = [
                self._hit(src, score, marker, dups, missing.get(src["article"]["id"])) for src, score, dups in ranked
            ]
        return SearchResult.page_of(
            request,
            sort,
            total,
            first,
            hits,
            partial,
            facets=facets,
            facets_more=facets_more,
            timed_out=bool(answer.get("timed_out")),
            histogram=histogram,
            generation=self._generation,
        )

    def _sort(self, sort: str) -> list:
        if sort in ("newest", "oldest"):
            order = "desc" if sort == "newest" else "asc"
            return [{"published": order}, {"id": "asc"}]
        return [{"_score": "desc"}, {"published": "desc"}, {"id": "asc"}]

    def _scored(self, compiled: CompiledQuery | None, query: dict) -> dict:
        """``query`` with the proximity evidence as optional clauses."""
        if compiled is None or not compiled.proximity:
            return query
        return {"bool": {"must": [query], "should": [self.translator.proximity(p) for p in compiled.proximity]}}

    def _fetch(self, query: dict, sort: str, start: int, size: int) -> list[tuple[dict, float | None]]:
        if size <= 0:
            return []
        answer = self._search(
            {
                "query": query,
                "from": start,
                "size": size,
                "sort": self._sort(sort),
                "_source": SOURCE_FIELDS,
                "track_scores": True,
            },
            **GLOBAL_STATISTICS,
        )
        return [
            (h["_source"], h.get("_score") if sort not in ("newest", "oldest") else None)
            for h in answer["hits"]["hits"]
        ]

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
        scoring = self._scored(compiled, full_filtered)
        rows: list[tuple[dict, float | None]] = []
        begin = 0 if (request.collapse or sort == "recent") else first
        rows = self._fetch(scoring, sort, begin, min(depth, full_total) - begin)
        if sort == "recent" and rows:
            newest = request.now or self.newest_published()  # ages from the newest article, as Whoosh's
            now = _micros(newest) if newest else None
            published = np.array([_micros(_published(s)) for s, _ in rows], dtype=np.int64)
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
            answer = self._search(
                {
                    "query": extra_query,
                    "from": skip,
                    "size": max(0, room),
                    "sort": self._sort("relevance"),
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
            fingerprints = [title_fingerprint(src["article"]["title"], self.exact_analyzer) for src, _ in rows]
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

    def _hit(
        self, src: dict, score: float | None, marker: Highlighter, dups: list[Folded], missing_word: str | None
    ) -> Hit:
        article = _article(src)
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
            duplicates=dups,
            missing_word=missing_word,
        )

    # -- date words in the query --------------------------------------------------

    def understand(self, request: SearchRequest) -> tuple[SearchRequest, Understood | None]:
        """As :meth:`search.engine.SearchEngine.understand`: the date words in
        ``q`` as the date filter, unless they read as content words (the rest
        of the query matches nothing in those dates while the whole does, or
        nothing else is asked and the date is a calendar one)."""
        if not request.dates or request.date_from or request.date_to or not request.q.strip():
            return request, None
        now = request.now or self.newest_published()
        reading = read_dates(request.q, now) if now is not None else None
        if reading is None:
            return request, None
        lo = datetime.combine(reading.date_from, dtime.min, WIB) if reading.date_from else None
        hi = datetime.combine(reading.date_to, dtime.max, WIB) if reading.date_to else None
        filtered = replace(request, q=reading.remaining, date_from=lo, date_to=hi)
        rest = self._compiled(reading.remaining) if reading.remaining.strip() else None
        if rest is None or rest.is_empty:
            content = not reading.relative
        else:
            dates, keyed = self._filters(filtered)
            rest_count = self._count({"bool": {"must": [self._match(rest)], "filter": dates + list(keyed.values())}})
            content = rest_count == 0 and self._count(self._match(self._compiled(request.q))) > 0
        if content:
            return request, None
        return filtered, Understood(reading.text, reading.date_from, reading.date_to, reading.remaining)

    def spellchecked(self, request: SearchRequest) -> SearchRequest:
        """The request as search answers it: the corrected query where no
        article holds the words as typed (and spellcheck then off)."""
        if not request.spellcheck or not request.q.strip():
            return request
        correction = self._correction(request.q)
        searched = correction[0] if correction and correction[1] else request.q
        return replace(request, q=searched, spellcheck=False)

    def _correction(self, q: str) -> tuple[str, bool] | None:
        """Did-you-mean, simpler than the Whoosh backend's: for a query of
        plain words with fewer than ``SUGGEST_BELOW`` full matches (filters
        aside), each checkable word found in fewer than ``RARE_WORD_DOCS``
        articles becomes the cluster's likeliest close word (the term
        suggester: one edit, two from 6 letters) found ``COMMON_FACTOR``
        times as often. (corrected text, whether search answers for it: no
        article holds the words as typed and some hold the correction's)."""
        words = q.split()
        if not words or len(words) > MAX_CHECKED_WORDS or not all(w.isalnum() for w in words):
            return None
        full = self._count(self._match(self._compiled(q)))
        if full >= SUGGEST_BELOW:
            return None
        folded = [fold_token(w) for w in words]
        checked = [w for w in folded if w.isalpha() and len(w) >= MIN_CHECKED_LENGTH and w not in TALA_STOPWORDS]
        if not checked:
            return None
        suggest = {
            f"w{i}-{field}": {
                "text": word,
                "term": {
                    "field": field,
                    "suggest_mode": "always",
                    "max_edits": 2 if len(word) >= 6 else 1,
                    "min_word_length": MIN_CHECKED_LENGTH,
                    "prefix_length": 0,
                    "size": ALTERNATIVES,
                    "analyzer": "berita_terms",
                },
            }
            for i, word in enumerate(folded)
            if word in checked
            for field in SPELLING_FIELDS
        }
        docs = self._call(self.client.search, index=self.index, body={"size": 0, "suggest": suggest})["suggest"]
        fixed = list(folded)
        for i, word in enumerate(folded):
            if word not in checked:
                continue
            seen = self._count({"bool": {"should": [{"term": {f: word}} for f in SPELLING_FIELDS]}})
            if seen >= RARE_WORD_DOCS:
                continue
            options: dict[str, tuple[float, int]] = {}
            for field in SPELLING_FIELDS:
                for entry in docs.get(f"w{i}-{field}", []):
                    for option in entry["options"]:
                        best = options.get(option["text"], (0.0, 0))
                        options[option["text"]] = (max(best[0], option["score"]), max(best[1], option["freq"]))
            likely = [
                (score, freq, text)
                for text, (score, freq) in options.items()
                if freq >= max(MIN_CORRECTION_DOCS, COMMON_FACTOR * seen) and text.isalpha()
            ]
            if likely:
                fixed[i] = max(likely)[2]
        if fixed == folded:
            return None
        corrected = " ".join(f if f != w else typed for f, w, typed in zip(fixed, folded, words))
        found = self._count(self._match(self._compiled(corrected)))
        if found <= full:
            return None
        return corrected, full == 0

    # -- articles, related, export, complete, health --------------------------------

    def _source_of(self, article_id: str) -> dict | None:
        from opensearchpy.exceptions import NotFoundError

        try:
            found = self._call(
                self.client.get, index=self.index, id=article_id, params={"_source": ",".join(SOURCE_FIELDS)}
            )
        except NotFoundError:
            return None
        return found["_source"] if found.get("found") else None

    def article(self, article_id: str) -> dict | None:
        if not article_id:
            return None
        src = self._source_of(article_id)
        return None if src is None else _article(src)

    def related(
        self, article_id: str, size: int = 5, within_days: int | None = None
    ) -> tuple[SearchResult, list[Hit]] | None:
        """More like this: the article's distinctive stems (tf-idf, title
        twice) searched for, as the Whoosh backend does, with document
        frequencies from the cluster's term statistics."""
        if not 1 <= size <= MAX_SIZE:
            raise InvalidRequest("size", f"size must be between 1 and {MAX_SIZE}")
        if within_days is not None and not 0 <= within_days <= MAX_WITHIN_DAYS:
            raise InvalidRequest("within_days", f"within_days must be between 0 and {MAX_WITHIN_DAYS}")
        started = time.perf_counter()
        src = self._source_of(article_id) if article_id else None
        if src is None:
            return None
        article = _article(src)
        terms = self._distinctive(article["title"], article["body"])
        weights = self.compiler.weights
        hits: list[Hit] = []
        same: list[Hit] = []
        if terms:
            query = plan.Any(
                tuple(
                    plan.Token((plan.Term("title", t, weights.title), plan.Term("body", t, weights.body)))
                    for t in terms
                )
            )
            filters: list[dict] = []
            if within_days is not None:
                when = article["published"]
                gap = within_days * USEC_PER_DAY / 1_000_000
                filters.append(
                    {
                        "range": {
                            "published": {
                                "gte": datetime.fromtimestamp(when.timestamp() - gap, UTC).isoformat(),
                                "lte": datetime.fromtimestamp(when.timestamp() + gap, UTC).isoformat(),
                            }
                        }
                    }
                )
            body = {
                "bool": {
                    "must": [self.translator.query(query)],
                    "must_not": [{"ids": {"values": [article_id]}}],
                    "filter": filters,
                }
            }
            rows = self._fetch(body, "relevance", 0, 4 * size + 20)
            marker = Highlighter(set(terms), self.body_analyzer)
            own = title_fingerprint(article["title"], self.exact_analyzer)
            for row, score in rows:
                other = row["article"]
                if (
                    near_duplicate(own, title_fingerprint(other["title"], self.exact_analyzer))
                    and other.get("source") != article["source"]
                ):
                    same.append(self._hit(row, score, marker, [], None))
                elif len(hits) < size:
                    hits.append(self._hit(row, score, marker, [], None))
        result = SearchResult(
            query=" ".join(terms),
            total=len(hits),
            page=1,
            size=size,
            sort="relevance",
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            generation=self._generation,
        )
        return result, same[:size]

    def _distinctive(self, title: str, body: str) -> list[str]:
        tf: dict[str, int] = {}
        for text, weight in ((title, 2), (body, 1)):
            for token in self.body_analyzer(text):
                word = token.text
                if word.isalpha() and len(word) > 2 and word not in TALA_STOPWORDS:
                    tf[word] = tf.get(word, 0) + weight
        if not tf:
            return []
        words = sorted(tf)
        answer = self._call(
            self.client.termvectors,
            index=self.index,
            body={
                "doc": {"title": " ".join(words), "body": " ".join(words)},
                "term_statistics": True,
                "field_statistics": True,
                "fields": ["title", "body"],
            },
        )
        vectors = answer.get("term_vectors", {})
        docs = max(
            (vectors.get(f, {}).get("field_statistics", {}).get("doc_count", 0) for f in ("title", "body")), default=0
        )
        scored = []
        for word, count in tf.items():
            df = max(vectors.get(f, {}).get("terms", {}).get(word, {}).get("doc_freq", 0) for f in ("title", "body"))
            if df >= 2 and docs:
                scored.append((count * float(np.log(docs / df)), word))
        return [word for _, word in sorted(scored, reverse=True)[:DISTINCTIVE_WORDS]]

    def export(self, request: SearchRequest, limit: int = MAX_DEEP) -> Iterator[dict]:
        """Every result (up to ``limit``) in the order paging lists them,
        read through a point in time with ``search_after``: full matches,
        then those lacking one word (with the word)."""
        request = replace(request, page=1, offset=None, collapse=False)
        validate(request)
        request = self.spellchecked(self.understand(request)[0])
        compiled = self._compiled(request.q) if request.q.strip() else None
        dates, keyed = self._filters(request)
        every_filter = dates + list(keyed.values())
        full_filtered = {"bool": {"must": [self._match(compiled)], "filter": every_filter}}
        shown = self._count(full_filtered) if compiled is not None and compiled.relaxations else 0
        groups = self._relaxed(request, compiled, shown)
        sort = (
            request.effective_sort
            if compiled is not None
            else ("oldest" if request.effective_sort == "oldest" else "newest")
        )
        parts: list[tuple[dict, str]] = [(self._scored(compiled, full_filtered), sort)]
        if groups:
            named = [{"bool": {"must": [q], "filter": every_filter, "_name": word}} for word, q in groups]
            parts.append(({"bool": {"should": named, "minimum_should_match": 1}}, "relevance"))
        left = limit
        for query, order in parts:
            ranked = order in ("relevance", "recent")
            for hit in self._points_in_time(query, "relevance" if order == "recent" else order, left):
                left -= 1
                src = hit["_source"]
                article = _article(src)
                names = hit.get("matched_queries") or []
                yield {
                    **{column: article[column] for column in EXPORT_COLUMNS if column in article},
                    "score": round(hit["_score"], 4) if ranked and hit.get("_score") is not None else None,
                    "missing_word": names[0] if names else None,
                }
            if left <= 0:
                return

    def _points_in_time(self, query: dict, sort: str, limit: int) -> Iterator[dict]:
        if limit <= 0:
            return
        pit = self._call(self.client.create_pit, index=self.index, params={"keep_alive": PIT_KEEP_ALIVE})["pit_id"]
        try:
            after: list | None = None
            left = limit
            while left > 0:
                body: dict = {
                    "query": query,
                    "size": min(EXPORT_PAGE, left),
                    "sort": self._sort(sort),
                    "_source": SOURCE_FIELDS,
                    "track_scores": True,
                    "pit": {"id": pit, "keep_alive": PIT_KEEP_ALIVE},
                }
                if after is not None:
                    body["search_after"] = after
                page = self._call(self.client.search, body=body)["hits"]["hits"]
                if not page:
                    return
                yield from page
                left -= len(page)
                after = page[-1]["sort"]
        finally:
            try:
                self.client.delete_pit(body={"pit_id": [pit]})
            except Exception:  # the point in time expires by itself
                pass

    def complete(self, text: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
        """The query with its last word completed: words of the titles that
        hold the earlier words and a word starting so, most frequent first."""
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidRequest("q", f"q is {len(text)} characters long; at most {MAX_QUERY_CHARS} are allowed")
        if not 1 <= limit <= MAX_SUGGESTIONS:
            raise InvalidRequest("size", f"size must be between 1 and {MAX_SUGGESTIONS}")
        words = [t.text for t in self.exact_analyzer(text, mode="query")]
        if not words or text[-1:].isspace():
            return []
        before, prefix = words[:-1], words[-1]
        must: list[dict] = [{"term": {"title_exact": w}} for w in before]
        must.append({"prefix": {"title_exact": prefix}})
        rows = self._fetch({"bool": {"filter": must}}, "newest", 0, 200)
        counts: dict[str, int] = {}
        for row, _ in rows:
            for group in token_positions(self.exact_analyzer, row["article"]["title"]):
                for word in set(group):
                    if word.startswith(prefix) and word.isalnum():
                        counts[word] = counts.get(word, 0) + 1
        ranked = sorted(counts, key=lambda w: (-counts[w], w))[:limit]
        head = " ".join(before)
        return [f"{head} {w}" if head else w for w in ranked]

    def newest_published(self) -> datetime | None:
        answer = self._search({"size": 0, "aggs": {"last": {"max": {"field": "published"}}}})
        value = answer["aggregations"]["last"].get("value")
        return None if value is None else datetime.fromtimestamp(value / 1000, UTC).astimezone(WIB)

    def health(self) -> dict:
        """The cluster's answer; an unreachable cluster raises :class:`ClusterUnavailable` (503)."""
        health = self._call(self.client.cluster.health, index=self.index)
        count = self._count({"match_all": {}})
        warnings = []
        if health.get("status") == "red":
            warnings.append(f"cluster {health.get('cluster_name')} is red: some shards are unassigned")
        elif health.get("status") == "yellow":
            warnings.append(f"cluster {health.get('cluster_name')} is yellow: some replicas are unassigned")
        return {
            "status": "ok",
            "pid": os.getpid(),
            "documents": count,
            "generation": self._generation,
            "last_commit": self._changed_at,  # as seen from here: the cluster keeps no commit time
            "searcher_opened": datetime.fromtimestamp(self._opened).astimezone(),
            "stem_rules": STEM_RULES,
            "warnings": warnings,
            "caches": {"postings_bytes": 0, "postings_max_bytes": 0, "results": 0, "results_max": 0},
        }

    # -- what alerts ask (search.backends.opensearch.alerts) -----------------------

    def query_compiler(self) -> QueryCompiler:
        """The compiler search uses now (with the acronyms learned from the cluster)."""
        return self._compiler()

    def listing_query(self, request: SearchRequest) -> dict | None:
        """The query of what a search of ``request`` lists, sorted by date and
        as typed: its full matches passing every filter, date words read as
        search reads them (``request.now`` as the newest article). None when
        it lists nothing: stopwords only, or a filter key the index does not
        hold (search refuses it)."""
        try:
            request, _ = self.understand(request)
            compiled = self._compiled(request.q) if request.q.strip() else None
            dates, keyed = self._filters(request)
        except InvalidRequest:
            return None
        if compiled is not None and compiled.is_empty:
            return None
        return {"bool": {"must": [self._match(compiled)], "filter": dates + list(keyed.values())}}

    def articles(self, ids: list[str]) -> dict[str, dict]:
        """The stored articles of ``ids`` as the API shows them (one ``_mget``; absent ones left out)."""
        if not ids:
            return {}
        found = self._call(
            self.client.mget, index=self.index, body={"ids": ids}, params={"_source": ",".join(SOURCE_FIELDS)}
        )
        return {d["_id"]: _article(d["_source"]) for d in found["docs"] if d.get("found")}

    def warm_up(self) -> None:
        """A search with facets and a completion before a server answers
        anyone (the Python side's first calls); a cluster that does not
        answer yet is no reason for a worker not to start."""
        try:
            self.search(SearchRequest(q="indonesia", facets=frozenset(FACET_KINDS)))
            self.complete("in")
        except ClusterUnavailable:
            pass


class ClusterArticleWriter:
    """The HTTP write API's writer over the cluster (:class:`search.backend.ArticleWriter`)."""

    def __init__(self, engine: OpenSearchEngine):
        self.engine = engine
        self.cluster = ClusterWriter(engine.target, engine.client)

    def upsert(self, articles: list[Article]) -> Committed:
        report = self.cluster.upsert_report(articles)
        return Committed(
            outcomes={a.id: report.outcomes.get(a.id, "failed") for a in articles},
            errors=dict(report.failed),
            generation=self.engine._read_generation() if report.commits else None,
        )

    def delete(self, article_id: str) -> Committed:
        deleted, _ = self.cluster.delete([article_id])
        return Committed(
            outcomes={article_id: "deleted"} if deleted else {},
            generation=self.engine._read_generation() if deleted else None,
        )
