"""The Whoosh schema: stemmed fields for recall, exact twins for names and
phrases, and sortable columns for dates, filters and facets."""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from .analysis import SHIPPED, STEM_RULES, Analysis, IndonesianStemFilter
from .formats import PackedPositions

# What readers filter and facet by -> the sortable column holding its normalised key.
KEYED_COLUMNS = {"category": "category", "source": "source", "author": "author_key"}


def build_schema(analysis: Analysis = SHIPPED) -> Schema:
    """Another ``analysis`` than the shipped one exists for evaluations."""
    stemmed = analysis.stemmed()
    exact = analysis.exact()
    return Schema(
        id=ID(stored=True, unique=True),
        url=STORED(),
        # Stemmed fields carry frequencies only: phrases and proximity are
        # matched on the exact twins, which keep positions.
        title=TEXT(analyzer=stemmed, stored=True, phrase=False),
        body=TEXT(analyzer=stemmed, stored=True, phrase=False),
        title_exact=_packed(TEXT(analyzer=exact, phrase=True)),
        body_exact=_packed(TEXT(analyzer=exact, phrase=True)),
        published=DATETIME(stored=True, sortable=True),
        published_has_time=STORED(),
        category=ID(sortable=True),
        category_label=ID(stored=True, sortable=True),
        source=ID(sortable=True),
        source_label=ID(stored=True, sortable=True),
        author=_packed(TEXT(analyzer=exact, stored=True, phrase=True)),
        author_key=ID(sortable=True),
        digest=ID(sortable=True),
    )


def _packed(field: TEXT) -> TEXT:
    """A phrase field whose positions travel packed (see index/formats.py)."""
    field.format = PackedPositions(field_boost=field.format.field_boost)
    return field


def _our_stemmer(schema: Schema) -> IndonesianStemFilter | None:
    for component in getattr(schema["title"].analyzer, "items", ()):
        if type(component) is IndonesianStemFilter:  # not the evaluation-only PlainStemFilter
            return component
    return None


def stem_rules_of(schema: Schema) -> str | None:
    """The stemming-rules fingerprint an index was built with; None for an
    index made before fingerprints existed or without our stemmer."""
    return getattr(_our_stemmer(schema), "rules", None)


def stale_analysis(schema: Schema) -> str | None:
    """Why queries would miss in an index with this schema, or None when it
    stems as this Berita does (or is an unstemmed/plain-Snowball evaluation index)."""
    stemmer = _our_stemmer(schema)
    if stemmer is None:
        return None
    built = getattr(stemmer, "rules", None)
    if built == STEM_RULES:
        return None
    return (
        f"index built with stemming rules {built or '(from before rule fingerprints)'} but this "
        f"Berita stems with {STEM_RULES}: index the articles again into a new directory"
    )
