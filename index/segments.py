"""Whoosh's segment writers, carrying postings as arrays rather than one
Python object each.

Whoosh's writer pools every posting as a tuple, sorts the pool and hands the
postings to the field writer one call each; a merge reads every posting of
every merged segment through a matcher into that pool first. At scale one
merge took ten minutes while the indexing processes waited, and on the
corpus the pool and the calls were a third of indexing. Berita's writers:

- pool the new documents' postings in arrays (:class:`index.pool.ArrayPool`)
  and hand them to the field writer as one table when the segment is written;
- hand a merged segment's sidecar to the field writer whole, renumbered and
  joined in numpy (:func:`index.postings.merge_tables`), when its postings
  stand in the sidecar alone (segments written before still merge Whoosh's
  way, through the pool);
- in ``berita index``'s processes too (:class:`BeritaMpWriter` starts
  :class:`SegmentTask` children, which write with :class:`BeritaSegmentWriter`).

Stored fields and columns are still copied by Whoosh, a step per document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from whoosh.index import Index
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from .codec import SidecarFieldWriter
from .pool import ArrayPool
from .terms import SidecarTermsReader


class ArrayPostings:
    """Mixed into a Whoosh segment writer: postings pooled as arrays and
    merged segments' sidecars taken whole (when the codec writes sidecars)."""

    def __init__(self, ix: Index, **options):
        super().__init__(ix, **options)  # type: ignore[call-arg]
        if isinstance(self.fieldwriter, SidecarFieldWriter):
            self.pool = ArrayPool(self.schema)

    def add_postings_to_pool(self, reader, startdoc: int, docmap: dict[int, int] | None) -> None:
        terms = getattr(reader, "_terms", None)
        if isinstance(terms, SidecarTermsReader) and isinstance(self.fieldwriter, SidecarFieldWriter):
            docnums = renumbering(reader.doc_count_all(), startdoc, docmap)
            self.fieldwriter.add_segment(terms.sidecar, docnums, frozenset(self.schema.names()))
        else:
            super().add_postings_to_pool(reader, startdoc, docmap)  # type: ignore[misc]

    def _flush_segment(self) -> None:
        if not isinstance(self.pool, ArrayPool):
            super()._flush_segment()  # type: ignore[misc]
            return
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            self.fieldwriter.add_table(self.schema, lengths, self.pool.table())
            self.fieldwriter.close()
        finally:
            lengths.close()

    # (what the Whoosh writer this is mixed into has)
    fieldwriter: Any
    perdocwriter: Any
    pool: Any
    schema: Any
    per_document_reader: Callable[[], Any]


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


class BeritaSegmentWriter(ArrayPostings, SegmentWriter):
    pass


class SegmentTask(SubWriterTask):
    """One of ``berita index``'s writing processes: indexes the job files the
    parent hands it into a segment of its own with
    :class:`BeritaSegmentWriter` and hands the segment back (Whoosh's
    "multisegment" mode, the only one Berita uses)."""

    def run(self) -> None:
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BeritaSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        fieldnames = writer.pool.fieldnames
        self.resultqueue.put((None, fieldnames, writer._finalize_segment()), timeout=5)


class BeritaMpWriter(ArrayPostings, MpWriter):
    """Whoosh's multiprocessing writer in multisegment mode, its processes
    writing with :class:`BeritaSegmentWriter`."""

    def __init__(self, ix: Index, **options):
        if not options.get("multisegment"):
            raise ValueError("Berita's multiprocessing writer keeps each process's segment (multisegment=True)")
        super().__init__(ix, **options)

    def _new_task(self) -> SegmentTask:
        task = SegmentTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task


def segment_writer(ix: Index, procs: int = 1, **options) -> SegmentWriter:
    """What ``ix.writer(procs=..., **options)`` makes, with Berita's writers."""
    if procs > 1:
        return BeritaMpWriter(ix, procs=procs, **options)
    return BeritaSegmentWriter(ix, **options)
