"""Per-document values held in memory for one snapshot: dates and filter keys.

Filtering matches on these arrays inside the collector is ~25x faster than
Whoosh's DateRange query, and facet counts come from the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.searching import Searcher


def _column(reader, name: str, translate: bool = True) -> list:
    if not reader.has_column(name):
        return [None] * reader.doc_count_all()
    return list(reader.column_reader(name, translate=translate))


def _labels(keys: list[str], labels_by_doc: list) -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, label in zip(keys, labels_by_doc):
        if key and key not in labels:
            labels[key] = label or key
    return labels


@dataclass(frozen=True)
class DocValues:
    """Lists are indexed by global document number."""

    published: list[int]          # Whoosh datetime longs (UTC microseconds)
    category: list[str]           # normalised keys ("" when absent)
    source: list[str]
    author: list[str]
    category_labels: dict[str, str]  # key -> the first original label seen, for display
    source_labels: dict[str, str]
    newest_published: int | None  # of the live documents: "now" for an archive
    live: frozenset[int]          # docnums not deleted

    @classmethod
    def load(cls, searcher: Searcher) -> "DocValues":
        reader = searcher.reader()
        published = [v or 0 for v in _column(reader, "published", translate=False)]
        live = frozenset(reader.all_doc_ids())
        category = [v or "" for v in _column(reader, "category")]
        source = [v or "" for v in _column(reader, "source")]
        return cls(
            published=published,
            newest_published=max((published[d] for d in live), default=None),
            live=live,
            category=category,
            source=source,
            author=[v or "" for v in _column(reader, "author_key")],
            category_labels=_labels(category, _column(reader, "category_label")),
            source_labels=_labels(source, _column(reader, "source_label")),
        )
