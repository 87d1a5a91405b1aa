"""The Whoosh schema: stemmed fields for recall, exact twins for names and
phrases, and sortable columns for dates, filters and facets."""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from .analysis import exact_analyzer, stemmed_analyzer


def build_schema(stemming: str = "protected") -> Schema:
    """``stemming`` ("protected", "snowball", "none") exists for evaluations;
    the shipped index uses "protected"."""
    stemmed = stemmed_analyzer(stemming)
    exact = exact_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        url=STORED(),
        # Stemmed fields carry frequencies only: phrases and proximity are
        # matched on the exact twins, which keep positions.
        title=TEXT(analyzer=stemmed, stored=True, phrase=False),
        body=TEXT(analyzer=stemmed, stored=True, phrase=False),
        title_exact=TEXT(analyzer=exact, phrase=True),
        body_exact=TEXT(analyzer=exact, phrase=True),
        published=DATETIME(stored=True, sortable=True),
        published_has_time=STORED(),
        category=ID(sortable=True),
        category_label=ID(stored=True, sortable=True),
        source=ID(sortable=True),
        source_label=ID(stored=True, sortable=True),
        author=TEXT(analyzer=exact, stored=True, phrase=True),
        author_key=ID(sortable=True),
        digest=ID(sortable=True),
    )
