"""Whoosh's segment writers, merging segments whose postings stand in their
sidecar alone in whole-array steps.

Whoosh merges by reading every posting of every merged segment through a
matcher, pooling and sorting them one Python object each, and writing them
again one call each: at scale one merge took ten minutes while the indexing
processes waited. A segment written by :class:`index.codec.BeritaCodec`
keeps its postings as arrays, so its postings are handed to the new
segment's field writer whole (:meth:`SidecarMerging.add_postings_to_pool`),
renumbered and joined in numpy (:func:`index.postings.merge_tables`). The
stored fields and columns are still copied by Whoosh, a step per document;
segments written before (Whoosh's own postings) still merge Whoosh's way.
"""

from __future__ import annotations

import numpy as np
from whoosh.index import Index
from whoosh.multiproc import MpWriter
from whoosh.writing import SegmentWriter

from .codec import SidecarFieldWriter
from .terms import SidecarTermsReader


class SidecarMerging:
    """Mixed into a Whoosh segment writer: a merged segment's sidecar goes to
    the field writer whole."""

    def add_postings_to_pool(self, reader, startdoc: int, docmap: dict[int, int] | None) -> None:
        terms = getattr(reader, "_terms", None)
        fieldwriter = self.fieldwriter  # type: ignore[attr-defined]
        if not (isinstance(terms, SidecarTermsReader) and isinstance(fieldwriter, SidecarFieldWriter)):
            super().add_postings_to_pool(reader, startdoc, docmap)  # type: ignore[misc]
            return
        fieldwriter.add_segment(
            terms.sidecar,
            renumbering(reader.doc_count_all(), startdoc, docmap),
            frozenset(self.schema.names()),  # type: ignore[attr-defined]
        )


def renumbering(doc_count: int, startdoc: int, docmap: dict[int, int] | None) -> np.ndarray:
    """Each old document number's new one, as Whoosh's merge numbers them:
    ``startdoc`` on when nothing is deleted, else ``docmap``'s (deleted
    documents: -1)."""
    if docmap is None:
        return np.arange(startdoc, startdoc + doc_count, dtype=np.int64)
    numbers = np.full(doc_count, -1, dtype=np.int64)
    if docmap:
        numbers[np.fromiter(docmap.keys(), dtype=np.int64)] = np.fromiter(docmap.values(), dtype=np.int64)
    return numbers


class BeritaSegmentWriter(SidecarMerging, SegmentWriter):
    pass


class BeritaMpWriter(SidecarMerging, MpWriter):
    pass


def segment_writer(ix: Index, procs: int = 1, **options) -> SegmentWriter:
    """What ``ix.writer(procs=..., **options)`` makes, with sidecar merging."""
    if procs > 1:
        return BeritaMpWriter(ix, procs=procs, **options)
    return BeritaSegmentWriter(ix, **options)
