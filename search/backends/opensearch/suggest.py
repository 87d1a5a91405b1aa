"""Autocomplete over the cluster, as the Whoosh backend completes
(:mod:`search.features.suggest`): the last word from the headline
vocabulary, most frequent first, and after earlier words, by how many
headlines hold it with them.

Each document lists its title's distinct ``title_exact`` terms in the
``title_words`` keyword (:func:`index.opensearch.documents.headline_terms`),
so a word's document count there is its headline document frequency: a
``terms`` aggregation with the prefix as its ``include`` pattern lists the
most frequent completions, and one filtered by the earlier words (as terms
of ``title_exact``, any term: a number or a hyphenated word too) counts the
candidates' headlines with them.
"""

from __future__ import annotations

from index.analysis import fold_token
from index.opensearch.documents import TITLE_WORDS

from ...features.suggest import CANDIDATES, SUGGEST_FIELD, ranked_together, typed, whole_queries
from .cluster import Cluster

# Terms each shard sends for the prefix: a word's count is exact where it is
# among every shard's top so many (always on one shard).
SHARD_CANDIDATES = 500


def prefix_pattern(prefix: str) -> str:
    """A Lucene regular expression matching the terms that start with ``prefix``."""
    return "".join(c if c.isalnum() else "\\" + c for c in prefix) + ".*"


def complete(cluster: Cluster, text: str, limit: int) -> list[str]:
    """Whole-query completions for ``text`` (the last word completed)."""
    found = typed(text)
    if found is None:
        return []
    before, prefix = found
    wanted = CANDIDATES if before else limit
    answer = cluster.search(
        {
            "size": 0,
            "aggs": {
                "words": {
                    "terms": {
                        "field": TITLE_WORDS,
                        "include": prefix_pattern(prefix),
                        "size": wanted,
                        "shard_size": max(wanted, SHARD_CANDIDATES),
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
            },
        }
    )
    candidates = [b["key"] for b in answer["aggregations"]["words"]["buckets"]]
    if not candidates:
        return []
    if before:
        with_them = cluster.search(
            {
                "size": 0,
                "query": {"bool": {"filter": [{"term": {SUGGEST_FIELD: fold_token(w)}} for w in before]}},
                "aggs": {"words": {"terms": {"field": TITLE_WORDS, "include": candidates, "size": len(candidates)}}},
            }
        )
        counts = {b["key"]: int(b["doc_count"]) for b in with_them["aggregations"]["words"]["buckets"]}
        candidates = ranked_together(candidates, [counts.get(c, 0) for c in candidates], limit)
    return whole_queries(before, candidates)
