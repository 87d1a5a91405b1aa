"""What is in an index: counts, date range, sources, categories, size."""

from __future__ import annotations

import os
from collections import Counter

from .dates import from_utc_naive
from .postings import Sidecar, open_sidecar
from .schema import stale_analysis, stem_rules_of
from .store import index_size_bytes, open_existing


def leaf_readers(reader) -> list:
    """(segment reader, first document number) of an index reader's segments
    (none for an empty index)."""
    if reader.doc_count_all() == 0:
        return []
    return [(reader, 0)] if reader.is_atomic() else list(reader.leaf_readers())


def segment_column(leaf, name: str, translate: bool = True) -> list:
    """A column's values for every document of one segment; None for each where
    the segment has no such column (none of its articles had the field):
    reading the index-wide column then would misalign the segments after it."""
    if not leaf.has_column(name):
        return [None] * leaf.doc_count_all()
    return list(leaf.column_reader(name, translate=translate))


def index_stats(index_dir: str | os.PathLike) -> dict:
    """The figures ``berita stats`` prints, read from columns (no stored text)."""
    ix = open_existing(index_dir)
    try:
        with ix.searcher() as searcher:
            leaves = leaf_readers(searcher.reader())
            dates: list = []
            sources: Counter = Counter()
            categories: Counter = Counter()
            for leaf, _ in leaves:
                live = list(leaf.all_doc_ids())
                published, source, category = (
                    segment_column(leaf, name) for name in ("published", "source_label", "category_label")
                )
                dates += [published[d] for d in live if published[d]]
                sources.update(source[d] or "(none)" for d in live)
                categories.update(category[d] or "(none)" for d in live)
            return {
                "index": str(index_dir),
                "documents": searcher.doc_count(),
                "first_published": from_utc_naive(min(dates)).isoformat() if dates else None,
                "last_published": from_utc_naive(max(dates)).isoformat() if dates else None,
                "sources": dict(sources.most_common()),
                "categories": dict(categories.most_common()),
                "segments": len(leaves),
                "segments_mapped": sum(
                    isinstance(open_sidecar(leaf.storage(), leaf.segment()), Sidecar) for leaf, _ in leaves
                ),
                "generation": ix.latest_generation(),
                "size_bytes": index_size_bytes(index_dir),
                "stem_rules": stem_rules_of(ix.schema),
                "stale_analysis": stale_analysis(ix.schema),
            }
    finally:
        ix.close()
