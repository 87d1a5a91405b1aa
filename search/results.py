"""What a search answers with: its hits, counts, facets and notes, as the
faces (HTTP, page, CLI, feeds) render them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from index.dates import from_utc_naive

from .features.histogram import Bucket
from .query.syntax import without_quotes
from .request import MAX_DEEP, MAX_WINDOW, SearchRequest

if TYPE_CHECKING:
    from .features.highlight import Highlighter

UNQUOTE_BELOW = 10  # fewer results than this (a page): offer the query with its phrases loose


@dataclass(frozen=True)
class Folded:
    """Another outlet's copy of a hit's story, folded under it (``collapse``):
    enough to list it beside the hit without a second request."""

    id: str
    url: str | None
    title: str
    source: str | None


@dataclass(frozen=True)
class Understood:
    """Date words the engine read in ``q`` and applied as the date filter:
    the words as written, the inclusive Jakarta days (None: open), and the
    query searched without them."""

    text: str
    date_from: date | None
    date_to: date | None
    query: str


@dataclass
class Hit:
    id: str
    url: str | None
    title: str
    title_html: str
    snippet: str
    published: datetime
    published_has_time: bool
    category: str | None
    source: str | None
    author: str | None
    score: float | None
    duplicates: list[Folded] = field(default_factory=list)
    missing_word: str | None = None  # a partial match: the query word this article lacks

    @classmethod
    def of(
        cls,
        article: dict,
        marker: Highlighter,
        score: float | None,
        duplicates: list[Folded],
        missing_word: str | None,
    ) -> Hit:
        """A hit of an article's fields (:func:`article_fields`), its title and
        snippet marked by ``marker``: the same on every backend."""
        return cls(
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
            duplicates=duplicates,
            missing_word=missing_word,
        )


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    size: int
    sort: str
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    facets_more: dict[str, int] = field(default_factory=dict)  # per kind: values with a count not listed
    timed_out: bool = False
    partial_total: int = 0  # of ``total``, articles lacking one query word
    relaxed_words: list[str] = field(default_factory=list)  # the words those articles lack
    histogram: tuple[str, list[Bucket]] | None = None  # (interval, buckets) when facets has "date"
    suggestion: str | None = None  # "did you mean": the query with typos corrected
    corrected_query: str | None = None  # no article held every word of ``query``: the results are for this
    unquoted: str | None = None  # the query with its phrases loose, when they match few articles
    generation: int = 0  # of the snapshot that answered
    start: int = 0  # results before this page
    understood: Understood | None = None  # date words in q read as the date filter

    @classmethod
    def page_of(
        cls,
        request: SearchRequest,
        sort: str,
        total: int,
        first: int,
        hits: list[Hit],
        partial: list[tuple[str, int]],
        **found,
    ) -> SearchResult:
        """The page of ``request`` that starts at result ``first``, as every
        backend answers it: ``partial`` is (missing word, articles lacking
        it); ``found`` the rest (facets, histogram, timed_out, generation)."""
        return cls(
            query=request.q,
            total=total,
            unquoted=without_quotes(request.q) if total < UNQUOTE_BELOW else None,
            start=first,
            page=first // request.size + 1 if request.size else request.page,
            size=request.size,
            sort=sort,
            took_ms=0.0,
            hits=hits,
            partial_total=sum(n for _, n in partial),
            relaxed_words=[word for word, _ in partial],
            **found,
        )

    @property
    def next_start(self) -> int | None:
        """Where the next page starts, if there is one a cursor may reach."""
        following = self.start + len(self.hits)
        return following if self.hits and following < min(self.total, MAX_DEEP) else None

    @property
    def pages(self) -> int:
        """How many pages the whole result set fills (0 without results or with size 0)."""
        return math.ceil(self.total / self.size) if self.total and self.size else 0

    @property
    def max_page(self) -> int:
        """The last page ``page`` reaches (the first ``MAX_WINDOW`` results);
        past it, a cursor or the export."""
        return min(self.pages, math.ceil(MAX_WINDOW / self.size)) if self.size else 0


def article_fields(stored: dict) -> dict:
    """An article as the API shows it, from its stored fields."""
    return {
        "id": stored["id"],
        "url": stored.get("url"),
        "title": stored["title"],
        "body": stored.get("body", ""),
        "published": from_utc_naive(stored["published"]),
        "published_has_time": bool(stored.get("published_has_time", True)),
        "category": stored.get("category_label"),
        "source": stored.get("source_label"),
        "author": stored.get("author"),
    }
