"""Merging small segments apart from the commits that wrote them.

An HTTP write commits its articles as a new segment without merging anything
(:func:`index.writer.Indexer` with ``merge=False``), so how long a publish
waits for its acknowledgement never depends on how many old segments a merge
policy happens to pick that time. Each commit adds a segment, though, and
every query and every reopen pays a little per segment; so the service merges
them again in a commit of its own (:func:`merge_small_segments`), between
write groups, under the same write lock as every other writer (though it
never waits for it: see :func:`merge_small_segments`).

The policy is tiered, like Lucene's: segments are grouped by size (a tier per
power of ``MERGE_FACTOR`` documents); when ``MERGE_FACTOR`` segments share a
tier they become one segment of the next. A merge never makes a segment of
more than ``MAX_MERGED_DOCS`` documents, so one merge holds the lock for a
bounded time (docs/benchmarks.md: "Merging apart from the write"). Segments
at or above that size (the indexer's batches) are left to ``berita index``.
So the segments that writes add stay at most ``MERGE_FACTOR - 1`` per tier
below the cap, plus one segment of about ``MAX_MERGED_DOCS`` per that many
articles written.

``berita index``'s bulk commits merge by the same tiers, wider and with a
higher cap (:data:`BULK_MERGE`: ten segments of a tier at a time, never a
segment of more than ``BULK_MAX_MERGED_DOCS``). Whoosh's own policy
(``MERGE_SMALL``) merged ever larger segments, all of a merge held in memory
while it is written: at 730,000 articles one such merge took the indexer past
24 GB and the kernel killed it. With the cap a merge's memory is bounded by
the cap, and a million articles make about twenty segments of the cap's half.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial

from whoosh.index import TOC
from whoosh.reading import SegmentReader

from .codec import BeritaCodec
from .store import open_existing

MERGE_FACTOR = 4
MAX_MERGED_DOCS = 1_024  # four segments of the last tier below it (256-1,023 documents)
BULK_MERGE_FACTOR = 10  # Lucene's segments per tier
BULK_MAX_MERGED_DOCS = 100_000  # ten of berita index's 5,000-article segments make one of 50,000


def tier(doc_count: int, factor: int = MERGE_FACTOR) -> int:
    """0 for 1 to factor-1 documents, 1 up to factor**2-1, and so on."""
    level, size = 0, max(1, doc_count)
    while size >= factor:
        size //= factor
        level += 1
    return level


def segments_to_merge(segments: Sequence, factor: int = MERGE_FACTOR, max_docs: int = MAX_MERGED_DOCS) -> list:
    """The segments one merge should combine (empty: none is due): the
    smallest tier holding ``factor`` segments, its smallest ``factor``
    segments, unless together they would pass ``max_docs``."""
    by_tier: dict[int, list] = {}
    for segment in segments:
        if segment.doc_count_all() < max_docs:
            by_tier.setdefault(tier(segment.doc_count_all(), factor), []).append(segment)
    for level in sorted(by_tier):
        members = sorted(by_tier[level], key=lambda s: s.doc_count_all())
        if len(members) >= factor:
            chosen = members[:factor]
            if sum(s.doc_count_all() for s in chosen) <= max_docs:
                return chosen
    return []


def merge_due(index_dir: str | os.PathLike, factor: int = MERGE_FACTOR, max_docs: int = MAX_MERGED_DOCS) -> bool:
    """Whether the latest commit has segments to merge (read without the lock)."""
    from whoosh.filedb.filestore import FileStorage

    try:
        toc = TOC.read(FileStorage(str(index_dir)), "MAIN")
    except Exception:  # no commit yet, or one being replaced: nothing to do now
        return False
    return bool(segments_to_merge(toc.segments, factor, max_docs))


def tiered_policy(writer, segments: list, factor: int = MERGE_FACTOR, max_docs: int = MAX_MERGED_DOCS) -> list:
    """A Whoosh merge function: add the due segments to ``writer``'s new
    segment and return the ones kept as they are."""
    chosen = segments_to_merge(segments, factor, max_docs)
    ids = {s.segment_id() for s in chosen}
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [s for s in segments if s.segment_id() not in ids]


BULK_MERGE = partial(tiered_policy, factor=BULK_MERGE_FACTOR, max_docs=BULK_MAX_MERGED_DOCS)


def merge_small_segments(
    index_dir: str | os.PathLike, factor: int = MERGE_FACTOR, max_docs: int = MAX_MERGED_DOCS
) -> int | None:
    """One merge commit if one is due: the new generation, else None. Takes
    the write lock like every writer but never waits for it: ``IndexBusy`` at
    once when another process holds it (a write or an indexer is running, so
    this is no idle moment, and a merge must not make writes wait longer). A
    failure leaves the last commit as it was (``DiskFull`` on a full disk),
    like any other commit."""
    from .writer import writing

    if not merge_due(index_dir, factor, max_docs):
        return None
    ix = open_existing(index_dir)
    try:
        with writing(ix, index_dir, wait=0, codec=BeritaCodec()) as writer:  # busy: not idle, merge later
            if not segments_to_merge(writer.segments, factor, max_docs):  # another process merged meanwhile
                writer.cancel()
                return None
            writer.commit(mergetype=partial(tiered_policy, factor=factor, max_docs=max_docs))
        return ix.latest_generation()
    finally:
        ix.close()
