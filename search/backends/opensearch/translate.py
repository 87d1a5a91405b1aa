"""Query plans (:mod:`search.query.plan`) as OpenSearch query DSL.

The plan's terms are already analysed (the compiler runs Berita's analysis),
so they go to the cluster as ``term`` queries and phrases whose search
analyser only splits on spaces. A :class:`plan.Token` (one query word sought
in several fields) is scored as one term over those fields, BM25F-style,
with ``combined_fields`` where the cluster has it (OpenSearch 3.2+), else
``multi_match`` ``cross_fields``.
"""

from __future__ import annotations

from typing import assert_never

from ...query import plan
from ...reader.snapshot import POSITIONAL_FIELDS


def positional(field: str) -> str:
    """Where a field's positions are (the exact twin of a stemmed field)."""
    return field if field in POSITIONAL_FIELDS else field + "_exact"


class Translator:
    """Plans to DSL; ``combined`` says whether the cluster has ``combined_fields``."""

    def __init__(self, combined: bool = True):
        self.combined = combined

    def query(self, node: plan.Node) -> dict:
        match node:
            case plan.Spanning():
                return self._spanning(node)
            case plan.Adjacent():
                return {"match_phrase": {positional(node.field): {"query": node.text, "boost": node.boost}}}
            case plan.Term():
                return {"term": {node.field: {"value": node.text, "boost": node.boost}}}
            case plan.Token():
                return self._token(node)
            case plan.Phrase():
                return self._phrase(node)
            case plan.Keyword():
                return {
                    "bool": {
                        "filter": [
                            {
                                "bool": {
                                    "should": [
                                        {"term": {node.column: node.key}},
                                        {"prefix": {node.column: node.key + "/"}},
                                    ],
                                    "minimum_should_match": 1,
                                }
                            }
                        ]
                    }
                }
            case plan.All():
                return {"bool": {"must": [self.query(c) for c in node.children]}}
            case plan.Any():
                return {"bool": {"should": [self.query(c) for c in node.children], "minimum_should_match": 1}}
            case plan.Excluding():
                return {"bool": {"must": [self.query(node.include)], "must_not": [self.query(node.exclude)]}}
            case plan.Everything():
                return {"match_all": {}}
            case _:
                assert_never(node)

    def _token(self, node: plan.Token) -> dict:
        """One word in several fields: each distinct term text over its fields
        as one BM25F term; written-apart forms and long forms as phrases."""
        by_text: dict[str, list[plan.Term]] = {}
        clauses: list[dict] = []
        for term in node.terms:
            if isinstance(term, plan.Adjacent):
                clauses.append(self.query(term))
            else:
                by_text.setdefault(term.text, []).append(term)
        for text, terms in by_text.items():
            if len(terms) == 1:
                clauses.append(self.query(terms[0]))
                continue
            # Field boosts below 1 are not allowed: the smallest becomes the query's boost.
            least = min(t.boost for t in terms) or 1.0
            fields = [f"{t.field}^{t.boost / least:g}" for t in terms]
            if self.combined:
                clauses.append({"combined_fields": {"query": text, "fields": fields, "boost": least}})
            else:
                clauses.append(
                    {"multi_match": {"query": text, "fields": fields, "type": "cross_fields", "boost": least}}
                )
        if len(clauses) == 1:
            return clauses[0]
        return {"dis_max": {"queries": clauses}}

    def _phrase(self, node: plan.Phrase) -> dict:
        """Whoosh's slop bounds each gap (1: adjacent); a span query in order
        with the slop the gaps may add up to comes closest."""
        field = positional(node.field)
        if node.slop <= 1 or len(node.words) < 2:
            return {"match_phrase": {field: {"query": " ".join(node.words), "boost": node.boost}}}
        return {
            "span_near": {
                "clauses": [{"span_term": {field: w}} for w in node.words],
                "slop": (node.slop - 1) * (len(node.words) - 1),
                "in_order": True,
                "boost": node.boost,
            }
        }

    def _spanning(self, node: plan.Spanning) -> dict:
        """A long form with ``_`` for a stopword's position: its words in
        order, the stopwords' positions as slop."""
        field = positional(node.field)
        words = [w for w in node.words if w != "_"]
        if len(words) == 1:
            return {"term": {field: {"value": words[0], "boost": node.boost}}}
        return {
            "span_near": {
                "clauses": [{"span_term": {field: w}} for w in words],
                "slop": len(node.words) - len(words),
                "in_order": True,
                "boost": node.boost,
            }
        }
