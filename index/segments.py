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
- analyse a text once for all the fields it goes to whose analyzers share a
  first part (a stemmed field and its exact twin: the twin's chain, then the
  stemmer), running only the rest of each chain over the shared tokens
  (:class:`SharedAnalysis`);
- in ``berita index``'s processes too (:class:`BeritaMpWriter` starts
  :class:`SegmentTask` children, which write with :class:`BeritaSegmentWriter`).

Stored fields and columns are still copied by Whoosh, a step per document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from whoosh.analysis import CompositeAnalyzer, Token
from whoosh.analysis.acore import unstopped
from whoosh.fields import TEXT
from whoosh.filedb.filestore import StorageError
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
        self._shared: SharedAnalysis | None = None
        if isinstance(self.fieldwriter, SidecarFieldWriter):
            self.pool = ArrayPool(self.schema)
            self._shared = SharedAnalysis.of(self.schema)

    def add_document(self, **fields) -> None:
        """Whoosh's ``add_document`` for Berita's documents (no boosts, no
        custom stored values, no term vectors or spelling fields: anything
        else goes Whoosh's way), each text analysed once per shared chain."""
        shared = self._shared
        if shared is None or any(name.startswith("_") for name in fields):
            super().add_document(**fields)  # type: ignore[misc]
            return
        self._check_state()  # type: ignore[attr-defined]
        schema, docnum, add, perdoc = self.schema, self.docnum, self.pool.add, self.perdocwriter
        names = sorted(fields)
        self._check_fields(schema, names)  # type: ignore[attr-defined]
        perdoc.start_doc(docnum)
        tokens: dict[tuple[int, int], list[tuple[str, int, float]]] = {}
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    for btext, freq, weight, encoded in shared.terms(name, field, value, tokens):
                        if field.scorable:
                            length += freq
                        add((name, btext, docnum, weight, encoded))
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def add_postings_to_pool(self, reader, startdoc: int, docmap: dict[int, int] | None) -> None:
        terms = getattr(reader, "_terms", None)
        if isinstance(terms, SidecarTermsReader) and isinstance(self.fieldwriter, SidecarFieldWriter):
            try:
                terms.sidecar.verify()  # a damaged segment must not be laundered into a new one
            except ValueError as error:
                raise StorageError(
                    f"segment {reader.segment().segment_id()} has no readable postings: {error}"
                ) from None
            docnums = renumbering(reader.doc_count_all(), startdoc, docmap)
            self.fieldwriter.add_segment(terms.sidecar, docnums, frozenset(self.schema.names()))
        else:
            super().add_postings_to_pool(reader, startdoc, docmap)  # type: ignore[misc]

    def _close_segment(self) -> None:
        """Whoosh closes the field writer here when no segment was flushed
        (a commit that added nothing, a cancel): nothing to write then."""
        if isinstance(self.fieldwriter, SidecarFieldWriter) and not self.fieldwriter.is_closed:
            self.fieldwriter.discard()
        super()._close_segment()  # type: ignore[misc]

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
    docnum: int
    _added: bool
    fieldwriter: Any
    perdocwriter: Any
    pool: Any
    schema: Any
    per_document_reader: Callable[[], Any]


class SharedAnalysis:
    """For each text field, the shortest analyzer in the schema that its own
    begins with (its base: for a stemmed field, the exact twin's chain) and
    the filters that follow it. A document's value is run through a base once
    (with positions; the tokens kept), then each field's format counts the
    kept tokens run through that field's following filters: the same terms,
    frequencies and positions as analysing it again, at the cost of the
    following filters alone."""

    def __init__(self, plans: dict[str, tuple[Any, tuple]]):
        self.plans = plans  # field -> (base analyzer, following filters)

    @classmethod
    def of(cls, schema) -> SharedAnalysis | None:
        """The plans for ``schema``; None where it has a field this writer
        leaves to Whoosh (term vectors, separate spelling)."""
        if any(field.vector or field.separate_spelling() for _, field in schema.items()):
            return None
        chains = [
            field.analyzer
            for _, field in schema.items()
            if isinstance(field, TEXT) and isinstance(field.analyzer, CompositeAnalyzer)
        ]
        plans = {}
        for name, field in schema.items():
            if not (isinstance(field, TEXT) and isinstance(field.analyzer, CompositeAnalyzer)):
                continue
            items = field.analyzer.items
            bases = [c for c in chains if len(c.items) <= len(items) and items[: len(c.items)] == c.items]
            base = min(bases, key=lambda c: len(c.items))
            plans[name] = (base, tuple(items[len(base.items) :]))
        return cls(plans)

    def terms(self, name: str, field, value, tokens: dict) -> Iterator[tuple[bytes, int, float, bytes]]:
        """``field.index(value)``, from the tokens of ``value``'s base
        analysis (made once and kept in ``tokens`` for the document)."""
        plan = self.plans.get(name)
        if plan is None or not isinstance(value, str):
            return field.index(value)
        base, following = plan
        key = (id(base), id(value))
        kept = tokens.get(key)
        if kept is None:
            kept = tokens[key] = [
                (t.text, t.pos, t.boost) for t in unstopped(base(value, positions=True, boosts=True, mode="index"))
            ]
        words = field.format.word_values(value, Replay(kept, following), mode="index")
        return ((field.to_bytes(w), freq, weight, encoded) for w, freq, weight, encoded in words)


class Replay:
    """An analyzer that yields kept tokens again, through ``following``."""

    def __init__(self, kept: list[tuple[str, int, float]], following: tuple):
        self.kept = kept
        self.following = following

    def __call__(self, value, positions: bool = False, mode: str = "", **options) -> Iterator[Token]:
        tokens = self._source(positions, mode, options)
        for component in self.following:
            tokens = component(tokens)
        return tokens

    def _source(self, positions: bool, mode: str, options: dict) -> Iterator[Token]:
        token = Token(positions=positions, mode=mode, **options)
        for text, position, boost in self.kept:
            token.text, token.pos, token.boost, token.stopped = text, position, boost, False
            yield token


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
    writing with :class:`BeritaSegmentWriter`. Documents go to the processes
    (Whoosh's ``add_document`` for it), never analysed here."""

    add_document = MpWriter.add_document

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
