"""Export of a whole result set over the cluster: read through a point in
time with ``search_after`` (consistent however long it takes), in the order
paging lists them: full matches, then those lacking one word (with the word)."""

from __future__ import annotations

from collections.abc import Iterator

from ...features.export import COLUMNS as EXPORT_COLUMNS
from ...request import SearchRequest
from .cluster import Cluster
from .filters import RequestFilters
from .hits import SOURCE_FIELDS, article_of, sort_clause
from .queries import QueryPlanner

EXPORT_PAGE = 1000  # rows one point-in-time page fetches
PIT_KEEP_ALIVE = "2m"


def export_rows(
    cluster: Cluster, planner: QueryPlanner, filters: RequestFilters, request: SearchRequest, limit: int
) -> Iterator[dict]:
    """Every result of an understood, spellchecked request (up to ``limit``)."""
    compiled = planner.compiled(request.q) if request.q.strip() else None
    dates, keyed = filters.of(request)
    every_filter = dates + list(keyed.values())
    full_filtered = {"bool": {"must": [planner.match(compiled)], "filter": every_filter}}
    shown = cluster.count(full_filtered) if compiled is not None and compiled.relaxations else 0
    groups = planner.relaxed(request, compiled, shown)
    sort = (
        request.effective_sort
        if compiled is not None
        else ("oldest" if request.effective_sort == "oldest" else "newest")
    )
    parts: list[tuple[dict, str]] = [(planner.scored(compiled, full_filtered), sort)]
    if groups:
        named = [{"bool": {"must": [q], "filter": every_filter, "_name": word}} for word, q in groups]
        parts.append(({"bool": {"should": named, "minimum_should_match": 1}}, "relevance"))
    left = limit
    for query, order in parts:
        ranked = order in ("relevance", "recent")
        for hit in points_in_time(cluster, query, "relevance" if order == "recent" else order, left):
            left -= 1
            src = hit["_source"]
            article = article_of(src)
            names = hit.get("matched_queries") or []
            yield {
                **{column: article[column] for column in EXPORT_COLUMNS if column in article},
                "score": round(hit["_score"], 4) if ranked and hit.get("_score") is not None else None,
                "missing_word": names[0] if names else None,
            }
        if left <= 0:
            return


def points_in_time(cluster: Cluster, query: dict, sort: str, limit: int) -> Iterator[dict]:
    """Up to ``limit`` hits of ``query`` in ``sort`` order, page by page through one point in time."""
    if limit <= 0:
        return
    pit = cluster.call(cluster.client.create_pit, index=cluster.index, params={"keep_alive": PIT_KEEP_ALIVE})["pit_id"]
    try:
        after: list | None = None
        left = limit
        while left > 0:
            body: dict = {
                "query": query,
                "size": min(EXPORT_PAGE, left),
                "sort": sort_clause(sort),
                "_source": SOURCE_FIELDS,
                "track_scores": True,
                "pit": {"id": pit, "keep_alive": PIT_KEEP_ALIVE},
            }
            if after is not None:
                body["search_after"] = after
            page = cluster.call(cluster.client.search, body=body)["hits"]["hits"]
            if not page:
                return
            yield from page
            left -= len(page)
            after = page[-1]["sort"]
    finally:
        try:
            cluster.client.delete_pit(body={"pit_id": [pit]})
        except Exception:  # the point in time expires by itself
            pass
