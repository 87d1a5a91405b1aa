"""What is in an index: counts, date range, sources, categories, size."""

from __future__ import annotations

import os
from collections import Counter

from .dates import from_utc_naive
from .schema import stale_analysis, stem_rules_of
from .store import index_size_bytes, open_existing


def index_stats(index_dir: str | os.PathLike) -> dict:
    """The figures ``berita stats`` prints, read from columns (no stored text)."""
    ix = open_existing(index_dir)
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            live = list(reader.all_doc_ids())
            published = reader.column_reader("published")
            sources_col = reader.column_reader("source_label")
            categories_col = reader.column_reader("category_label")
            dates = [published[d] for d in live]
            sources = Counter(sources_col[d] or "(none)" for d in live)
            categories = Counter(categories_col[d] or "(none)" for d in live)
            return {
                "index": str(index_dir),
                "documents": searcher.doc_count(),
                "first_published": from_utc_naive(min(dates)).isoformat() if dates else None,
                "last_published": from_utc_naive(max(dates)).isoformat() if dates else None,
                "sources": dict(sources.most_common()),
                "categories": dict(categories.most_common()),
                "segments": len(reader.leaf_readers()),
                "generation": ix.latest_generation(),
                "size_bytes": index_size_bytes(index_dir),
                "stem_rules": stem_rules_of(ix.schema),
                "stale_analysis": stale_analysis(ix.schema),
            }
    finally:
        ix.close()
