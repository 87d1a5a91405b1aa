"""What a query asks of the cluster: Berita's compiler with the acronyms
learned from the cluster's articles, its plan with the compounds written
apart that the index attests, and that plan as query DSL (:mod:`.translate`)
with the proximity evidence and the partial-match groups."""

from __future__ import annotations

from index.acronyms import MIN_ARTICLES as ACRONYM_MIN_ARTICLES
from index.acronyms import MIN_SHARE as ACRONYM_MIN_SHARE
from index.acronyms import Acronym
from index.opensearch.documents import ACRONYM_SEPARATOR

from ...query import plan
from ...query.acronyms import AcronymMap
from ...query.compile import CompiledQuery, QueryCompiler
from ...rank.pipeline import PARTIAL_BELOW
from ...reader.snapshot import APART_MIN_DOCS, APART_MIN_SHARE
from ...request import SearchRequest
from .cluster import Cluster
from .generation import GenerationWatch
from .translate import positional

LEAVES = ("term", "terms", "prefix", "match_phrase", "span_term", "match_all")
MAX_CLAUSES = 1000  # of Lucene's 1,024 (indices.query.bool.max_clause_count) for the partial groups


def clauses(query: object) -> int:
    """Roughly how many clauses Lucene makes of a query (each field of a
    ``combined_fields`` one)."""
    if isinstance(query, list):
        return sum(clauses(q) for q in query)
    if not isinstance(query, dict):
        return 0
    count = 0
    for key, value in query.items():
        if key in LEAVES:
            count += 1
        elif key in ("combined_fields", "multi_match"):
            count += len(value.get("fields", ())) or 1
        else:
            count += clauses(value)
    return count


class QueryPlanner:
    """Queries compiled and translated for the cluster, with what they depend
    on in the index (learned acronyms, attested compounds) read per generation."""

    def __init__(self, cluster: Cluster, generation: GenerationWatch, compiler: QueryCompiler, partial_matches: bool):
        self.cluster = cluster
        self.generation = generation
        self.base_compiler = compiler
        self.partial_matches = partial_matches
        self._kept: QueryCompiler | None = None  # the last compiler made, kept while the learned pairs are unchanged

    def compiler(self) -> QueryCompiler:
        """The compiler with the acronyms learned from the cluster's articles
        (each document lists the pairs it defines; the consistent ones, as
        :meth:`index.acronyms.AcronymStore.table` keeps them), read per
        generation; a new compiler only when the pairs changed (each write is
        a generation: the plans compiled before stay good)."""
        if not self.base_compiler.weights.acronyms:
            return self.base_compiler
        return self.generation.kept("acronym_compiler", self._with_acronyms)

    def _with_acronyms(self) -> QueryCompiler:
        answer = self.cluster.search({"size": 0, "aggs": {"pairs": {"terms": {"field": "acronyms", "size": 100_000}}}})
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
        acronyms = AcronymMap.of(table, self.base_compiler.exact_positions, version=self.generation.current + 1)
        kept = self._kept
        if kept is not None and kept.acronyms.long_forms == acronyms.long_forms:
            return kept  # the same pairs: its compiled plans (and the alerts' prefilter) stay good
        self._kept = self.base_compiler.with_acronyms(acronyms)
        return self._kept

    def compiled(self, q: str) -> CompiledQuery:
        """The query's plan with the compounds written apart kept only where
        the index attests them (as the Whoosh snapshot decides: in at least
        ``APART_MIN_DOCS`` documents and ``APART_MIN_SHARE`` of those writing
        it joined), so a chance pair adds nothing on either backend."""
        compiled = self.compiler().compile(q)
        if compiled.query is None:
            return compiled
        pairs: set[tuple[str, str]] = set()

        def collect(term: plan.Term) -> bool:
            if isinstance(term, plan.Adjacent) and not isinstance(term, plan.Spanning):
                pairs.add((positional(term.field), term.text))
            return True

        compiled.pruned(collect)
        attested = self._attest(pairs)

        def holds(term: plan.Term) -> bool:
            if isinstance(term, plan.Adjacent) and not isinstance(term, plan.Spanning):
                return attested.get((positional(term.field), term.text), False)
            return True

        return compiled.pruned(holds)

    def _attest(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        """Whether each (field, compound written apart) is attested, asked of
        the cluster for those not yet known this generation."""
        attested: dict[tuple[str, str], bool] = self.generation.kept("attested", dict)
        asked = sorted(p for p in pairs if p not in attested)
        if not asked:
            return attested
        body: list[dict] = []
        for field, text in asked:
            for query in ({"match_phrase": {field: text}}, {"term": {field: text.replace(" ", "")}}):
                body += [{"index": self.cluster.index}, {"size": 0, "track_total_hits": True, "query": query}]
        answers = self.cluster.call(self.cluster.client.msearch, body=body)["responses"]
        for i, pair in enumerate(asked):
            apart, joined = (int(a["hits"]["total"]["value"]) for a in answers[2 * i : 2 * i + 2])
            attested[pair] = apart >= max(APART_MIN_DOCS, APART_MIN_SHARE * joined)
        return attested

    def match(self, compiled: CompiledQuery | None) -> dict:
        """The full matches' query (everything without a query)."""
        if compiled is None:
            return {"match_all": {}}
        if compiled.is_empty:
            return {"match_none": {}}
        return self.cluster.translator.query(compiled.nonempty_query())

    def full_matches(self, q: str) -> int:
        """How many articles hold the query's words (filters aside)."""
        return self.cluster.count(self.match(self.compiled(q)))

    def scored(self, compiled: CompiledQuery | None, query: dict) -> dict:
        """``query`` with the proximity evidence as optional clauses."""
        if compiled is None or not compiled.proximity:
            return query
        translator = self.cluster.translator
        return {"bool": {"must": [query], "should": [translator.proximity(p) for p in compiled.proximity]}}

    def relaxed(self, request: SearchRequest, compiled: CompiledQuery | None, shown: int) -> list[tuple[str, dict]]:
        """(left-out word, the query without it and not the full query) for the
        partial matches this request lists (as :func:`partial_groups` decides)."""
        relax = self.partial_matches and request.effective_sort in ("relevance", "recent")
        if not relax or compiled is None or compiled.is_empty or not compiled.relaxations:
            return []
        if shown >= PARTIAL_BELOW and len(compiled.relaxations) < 3:
            return []
        groups = self._groups(compiled)
        if sum(clauses(q) for _, q in groups) > MAX_CLAUSES:  # Lucene would refuse the query: full matches only
            return []
        return groups

    def _groups(self, compiled: CompiledQuery) -> list[tuple[str, dict]]:
        translator = self.cluster.translator
        query = compiled.nonempty_query()
        whole = query.children if isinstance(query, plan.All) else (query,)
        out = []
        for word, relaxed in compiled.relaxations:
            # Lacking only this word: the relaxed query and not what the full
            # one asks beyond it (a few clauses, where "not the full query"
            # would repeat every word in every group).
            kept = set(relaxed.children if isinstance(relaxed, plan.All) else (relaxed,))
            beyond = [c for c in whole if c not in kept] or [query]
            lacking = {"bool": {"must": [translator.query(c) for c in beyond]}}
            out.append((word, {"bool": {"must": [translator.query(relaxed)], "must_not": [lacking]}}))
        return out
