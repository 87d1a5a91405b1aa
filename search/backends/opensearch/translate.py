"""Query plans (:mod:`search.query.plan`) as OpenSearch query DSL.

The plan's terms are already analysed (the compiler runs Berita's analysis),
so they go to the cluster as ``term`` queries and phrases whose search
analyser only splits on spaces. A :class:`plan.Token` (one query word sought
in several fields) is scored as one term over those fields, BM25F-style,
with ``combined_fields`` where the cluster has it (OpenSearch 3.2+), else
``multi_match`` ``cross_fields``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import assert_never

from ...query import plan
from ...reader.snapshot import POSITIONAL_FIELDS

# One word's forms (stem, spelling variants, joined, written apart) saturate
# once in Berita's BM25F: the best form's score, and this share of the others'.
TIE_BREAKER = 0.1
# A form written apart carries its field's weight as a boost (title 3.0) where
# combined_fields takes the same weight as a frequency factor: this divides it back.
ADJACENT_FIELD_WEIGHT = 2.0


def positional(field: str) -> str:
    """Where a field's positions are (the exact twin of a stemmed field)."""
    return field if field in POSITIONAL_FIELDS else field + "_exact"


class Translator:
    """Plans to DSL; ``combined`` says whether the cluster has ``combined_fields``;
    the shares are the Whoosh backend's BM25F's (:class:`search.rank.scoring.BM25F`)."""

    def __init__(self, combined: bool = True, exact_share: float = 0.25, proximity_share: float = 0.3):
        self.combined = combined
        self.exact_share = exact_share
        self.proximity_share = proximity_share

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
                return self._quoted(node)
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
        """One word in several fields, as Berita's BM25F scores it: its stems
        and the forms it is written apart in saturate once (the best of them,
        a little of the rest), and its exact (typed) forms over the exact twins
        add ``exact_share`` of theirs. A form written apart is a phrase, scored
        per word (its idf is about one word's)."""
        stems: dict[str, list[plan.Term]] = {}
        exacts: dict[str, list[plan.Term]] = {}
        apart: list[dict] = []
        for term in node.terms:
            if isinstance(term, plan.Adjacent):
                words = len(term.text.split(" "))
                apart.append(self.query(replace(term, boost=term.boost / (words * ADJACENT_FIELD_WEIGHT))))
            else:
                (exacts if term.field.endswith("_exact") else stems).setdefault(term.text, []).append(term)
        parts: list[dict] = []
        found = [self._combined(text, terms, 1.0) for text, terms in stems.items()] + apart
        if found:
            parts.append(found[0] if len(found) == 1 else {"dis_max": {"queries": found, "tie_breaker": TIE_BREAKER}})
        share = self.exact_share if found else 1.0
        typed = [self._combined(text, terms, share) for text, terms in exacts.items()]
        if typed:
            parts.append(typed[0] if len(typed) == 1 else {"dis_max": {"queries": typed, "tie_breaker": TIE_BREAKER}})
        if len(parts) == 1:
            return parts[0]
        return {"bool": {"should": parts, "minimum_should_match": 1}}

    def _combined(self, text: str, terms: list[plan.Term], scale: float) -> dict:
        """``text`` in the terms' fields as one BM25F term (field boosts
        below 1 are not allowed: the smallest becomes the query's boost)."""
        if len(terms) == 1:
            t = terms[0]
            return {"term": {t.field: {"value": text, "boost": t.boost * scale}}}
        least = min(t.boost for t in terms) or 1.0
        fields = [f"{t.field}^{t.boost / least:g}" for t in terms]
        if self.combined:
            return {"combined_fields": {"query": text, "fields": fields, "boost": least * scale}}
        return {"multi_match": {"query": text, "fields": fields, "type": "cross_fields", "boost": least * scale}}

    def proximity(self, node: plan.Phrase) -> dict:
        """A proximity bonus: the phrase scored at ``proximity_share`` (Berita
        adds that share of the words' idf where they stand together)."""
        return self._phrase(replace(node, boost=node.boost * self.proximity_share))

    def _quoted(self, node: plan.Phrase) -> dict:
        """A quoted phrase as Berita scores it: it must stand in the text (a
        filter, no score of its own) and scores its words' BM25 in its field,
        at its boost, so an article about the phrase's words ranks above one
        that quotes it once in passing (Lucene's phrase score counts only the
        phrase's occurrences)."""
        words = [{"term": {node.field: {"value": w, "boost": node.boost}}} for w in node.words]
        return {"bool": {"filter": [self._phrase(replace(node, boost=1.0))], "should": words}}

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
