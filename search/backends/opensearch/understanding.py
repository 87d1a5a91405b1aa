"""Date words in the query (*banjir kemarin*), read as the Whoosh backend
reads them: the date filter, unless they read as content words."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from datetime import time as dtime

from index.dates import WIB

from ...query.dates import read_dates, title_phrases, written_with
from ...request import SearchRequest
from ...results import Understood
from .cluster import Cluster
from .filters import RequestFilters
from .hits import newest_published
from .queries import QueryPlanner


def understand(
    cluster: Cluster, planner: QueryPlanner, filters: RequestFilters, request: SearchRequest
) -> tuple[SearchRequest, Understood | None]:
    """As :meth:`search.engine.SearchEngine.understand`: the date words in
    ``q`` as the date filter, unless they read as content words: titles
    write the words before them followed by them (a name with its date);
    the rest of the query matches nothing in those dates, fully or lacking
    one word as search would list it, while the whole does; or nothing else
    is asked and the date is a calendar one."""
    if not request.dates or request.date_from or request.date_to or not request.q.strip():
        return request, None
    now = request.now or newest_published(cluster)
    reading = read_dates(request.q, now) if now is not None else None
    if reading is None:
        return request, None
    lo = datetime.combine(reading.date_from, dtime.min, WIB) if reading.date_from else None
    hi = datetime.combine(reading.date_to, dtime.max, WIB) if reading.date_to else None
    filtered = replace(request, q=reading.remaining, date_from=lo, date_to=hi)
    rest = planner.compiled(reading.remaining) if reading.remaining.strip() else None
    phrases = title_phrases(request.q, reading)
    if rest is None or rest.is_empty:
        content = not reading.relative
    elif phrases is not None and written_with(*(planner.full_matches(p) for p in phrases)):
        content = True
    else:
        dates, keyed = filters.of(filtered)
        within = dates + list(keyed.values())
        listed = cluster.count({"bool": {"must": [planner.match(rest)], "filter": within}})
        groups = planner.relaxed(filtered, rest, listed) if not listed else []
        if groups:  # what the filtered search would list lacking one word counts too, as on Whoosh
            either = [query for _, query in groups]
            listed = cluster.count({"bool": {"should": either, "minimum_should_match": 1, "filter": within}})
        content = listed == 0 and planner.full_matches(request.q) > 0
    if content:
        return request, None
    return filtered, Understood(reading.text, reading.date_from, reading.date_to, reading.remaining)
