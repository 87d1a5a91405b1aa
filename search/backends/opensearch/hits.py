"""Stored articles as hits: what a search fetches of each document, in which
order, and how it is shown (the Whoosh backend's highlighter on the page)."""

from __future__ import annotations

from datetime import UTC, datetime

from index.dates import WIB, from_utc_naive

from ...features.highlight import Highlighter
from ...results import Folded, Hit
from .cluster import Cluster

SOURCE_FIELDS = ["article", "published", "published_has_time", "source"]
# Scores from the whole index's term statistics, not each shard's (as the
# Whoosh index scores): one more round trip to the shards per ranked search.
GLOBAL_STATISTICS = {"search_type": "dfs_query_then_fetch"}


def published_of(src: dict) -> datetime:
    return from_utc_naive(datetime.fromisoformat(src["published"].rstrip("Z")))


def article_of(src: dict) -> dict:
    """An article as the API shows it, from its stored source."""
    record = src["article"]
    return {
        "id": record["id"],
        "url": record.get("url"),
        "title": record["title"],
        "body": record.get("body") or "",
        "published": published_of(src),
        "published_has_time": bool(src.get("published_has_time", True)),
        "category": record.get("category"),
        "source": record.get("source"),
        "author": record.get("author"),
    }


def hit_of(src: dict, score: float | None, marker: Highlighter, dups: list[Folded], missing_word: str | None) -> Hit:
    return Hit.of(article_of(src), marker, score, dups, missing_word)


def sort_clause(sort: str) -> list:
    """A request's sort as the cluster's (ties by date, then id: a stable order)."""
    if sort in ("newest", "oldest"):
        order = "desc" if sort == "newest" else "asc"
        return [{"published": order}, {"id": "asc"}]
    return [{"_score": "desc"}, {"published": "desc"}, {"id": "asc"}]


def fetch(cluster: Cluster, query: dict, sort: str, start: int, size: int) -> list[tuple[dict, float | None]]:
    """(stored source, score) of ``size`` hits from ``start``; no score when sorted by date."""
    if size <= 0:
        return []
    answer = cluster.search(
        {
            "query": query,
            "from": start,
            "size": size,
            "sort": sort_clause(sort),
            "_source": SOURCE_FIELDS,
            "track_scores": True,
        },
        **GLOBAL_STATISTICS,
    )
    return [
        (h["_source"], h.get("_score") if sort not in ("newest", "oldest") else None) for h in answer["hits"]["hits"]
    ]


def newest_published(cluster: Cluster) -> datetime | None:
    """When the newest article was published (ages for the recency blend and date words count from it)."""
    answer = cluster.search({"size": 0, "aggs": {"last": {"max": {"field": "published"}}}})
    value = answer["aggregations"]["last"].get("value")
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC).astimezone(WIB)
