"""What a search asks for, and the limits every request is held to.

The engine, the HTTP service and the CLI share these: a request is built
once (by :mod:`search.http.models` from HTTP or CLI values) and validated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal, get_args

from index.dates import WIB
from index.schema import KEYED_COLUMNS

from .query.syntax import word_count

Sort = Literal["relevance", "recent", "newest", "oldest"]
SORTS: tuple[str, ...] = get_args(Sort)
MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 32  # more words cost more than they add
MAX_SIZE = 50
FACET_SIZE = 20  # facet values listed per kind unless asked for more
MAX_FACET_SIZE = 1000
MAX_WINDOW = 1000  # deepest result a client may reach by page number
MAX_DEEP = 100_000  # deepest result a cursor (or an export) may reach
RERANK_DEPTH = 200  # relevance top-K that "recent" reranks
DEFAULT_HALF_LIFE_DAYS = 7.0
DEFAULT_BUDGET_SECONDS = 1.0
DEFAULT_CACHE_ENTRIES = 1024  # results a serving process keeps for repeated requests
FACET_KINDS = (*KEYED_COLUMNS, "date")
KEYED_FACETS = frozenset(KEYED_COLUMNS)  # what facets=true asks for
Interval = Literal["day", "week", "month", "year", "auto"]
INTERVALS: tuple[str, ...] = get_args(Interval)


def parse_date_bound(text: str | datetime | None, end: bool = False) -> datetime | None:
    """A date or an ISO 8601 datetime; a bare date is a whole Asia/Jakarta day
    (its first instant, or with ``end`` its last). Raises ValueError saying
    what is accepted, for the caller to prefix with the parameter's name."""
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=WIB)
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time.max if end else time.min, WIB)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        hint = (
            "; to skip results use page and size, or the cursor (from is not an offset here)"
            if value.isdigit() and not end
            else ""
        )
        raise ValueError(f"must be a date (YYYY-MM-DD) or an ISO 8601 datetime, not {value!r}{hint}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=WIB)


class StaleCursor(ValueError):
    """A cursor made on an index generation that has since been replaced."""


class InvalidRequest(ValueError):
    """A request the engine cannot answer; ``param`` names the culprit and
    ``reason`` (when a parameter can be wrong in more than one way) which way,
    so each face can say it in its own words."""

    def __init__(self, param: str, detail: str, reason: str | None = None):
        super().__init__(detail)
        self.param = param
        self.detail = detail
        self.reason = reason


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    date_from: datetime | None = None  # aware, inclusive
    date_to: datetime | None = None  # aware, inclusive
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    sort: str | None = None  # None: relevance with words, newest without
    page: int = 1
    size: int = 10
    now: datetime | None = None  # "recent": decay reference (default: newest article)
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    collapse: bool = False  # fold near-identical stories from other outlets (the search page asks for it)
    facets: frozenset[str] = frozenset()  # of FACET_KINDS
    facet_size: int = FACET_SIZE  # values listed per facet kind
    interval: str = "auto"  # of the date facet: day, week, month, year, auto
    offset: int | None = None  # from a cursor: results to skip (instead of page)
    generation: int | None = None  # from a cursor: the index generation its ranking came from
    spellcheck: bool = True  # correct typos: a query no article matches in full is searched as corrected
    dates: bool = True  # date words in q (banjir kemarin) become the date filter (search/query/dates.py)

    @property
    def start(self) -> int:
        """How many results come before this page."""
        return self.offset if self.offset is not None else (self.page - 1) * self.size

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q.strip() else "newest")

    def require_reachable(self, total: int) -> None:
        """Refuse a page number past the first ``MAX_WINDOW`` of ``total``
        results (the cursor and export reach further, and cost less)."""
        first = self.start
        if self.offset is None and first >= MAX_WINDOW and first < total:
            raise InvalidRequest(
                "page",
                f"only the first {MAX_WINDOW} results can be reached by page number; "
                "follow the cursor of the previous page, export the whole set, or narrow the query",
                reason="window",
            )


def validate(request: SearchRequest) -> None:
    if len(request.q) > MAX_QUERY_CHARS:
        raise InvalidRequest("q", f"q is {len(request.q)} characters long; at most {MAX_QUERY_CHARS} are allowed")
    words = word_count(request.q)
    if words > MAX_QUERY_WORDS:
        raise InvalidRequest("q", f"q has {words} words; at most {MAX_QUERY_WORDS} are allowed")
    if request.sort is not None and request.sort not in SORTS:
        raise InvalidRequest("sort", f"unknown sort {request.sort!r}; use one of {', '.join(SORTS)}")
    if not 0 <= request.size <= MAX_SIZE:
        raise InvalidRequest("size", f"size must be between 0 (counts and facets only) and {MAX_SIZE}")
    if request.page < 1:
        raise InvalidRequest("page", "page must be 1 or more")
    if not 1 <= request.facet_size <= MAX_FACET_SIZE:
        raise InvalidRequest("facet_size", f"facet_size must be between 1 and {MAX_FACET_SIZE}")
    if request.offset is not None and not 0 <= request.offset < MAX_DEEP:
        raise InvalidRequest("cursor", f"a cursor reaches at most the first {MAX_DEEP:,} results")
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise InvalidRequest("from", "from is after to", reason="after_to")
    if not request.facets <= set(FACET_KINDS):
        unknown = ", ".join(sorted(request.facets - set(FACET_KINDS)))
        raise InvalidRequest(
            "facets", f"unknown facet {unknown}; use true, false or a list of {', '.join(FACET_KINDS)}"
        )
    if request.interval not in INTERVALS:
        raise InvalidRequest("interval", f"unknown interval {request.interval!r}; use one of {', '.join(INTERVALS)}")
    if not request.half_life_days > 0:
        raise InvalidRequest("half_life", "half_life must be a positive number of days")
