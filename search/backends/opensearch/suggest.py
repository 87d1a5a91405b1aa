"""Autocomplete over the cluster: the query with its last word completed."""

from __future__ import annotations

from whoosh.analysis import Analyzer

from index.opensearch.documents import token_positions

from .cluster import Cluster
from .hits import fetch

NEWEST_TITLES = 200  # titles whose words are counted


def complete(cluster: Cluster, exact_analyzer: Analyzer, text: str, limit: int) -> list[str]:
    """Words of the newest titles that hold the earlier words and a word
    starting so, most frequent first (an approximation of the headline vocabulary)."""
    words = [t.text for t in exact_analyzer(text, mode="query")]
    if not words or text[-1:].isspace():
        return []
    before, prefix = words[:-1], words[-1]
    must: list[dict] = [{"term": {"title_exact": w}} for w in before]
    must.append({"prefix": {"title_exact": prefix}})
    rows = fetch(cluster, {"bool": {"filter": must}}, "newest", 0, NEWEST_TITLES)
    counts: dict[str, int] = {}
    for row, _ in rows:
        for group in token_positions(exact_analyzer, row["article"]["title"]):
            for word in set(group):
                if word.startswith(prefix) and word.isalnum():
                    counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))[:limit]
    head = " ".join(before)
    return [f"{head} {w}" if head else w for w in ranked]
