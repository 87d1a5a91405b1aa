"""Whoosh's term dictionary and postings of a segment that keeps them only in
its sidecar (:mod:`index.postings`).

Segments written before this held every posting twice: in Whoosh's own
files (``.trm`` term table and ``.pst`` blocks, pickled and zlib-compressed
per block) and in the sidecar the engine reads. Whoosh's files were half of
the index (199 of 377 MB on the corpus) and writing them a quarter of the
indexing time. A segment written now keeps the sidecar only; this reader
serves Whoosh from it, so everything that reads through Whoosh still works
unchanged on it: Whoosh's own merges (Berita's writers take a merged
sidecar whole, ``index.segments``), ``delete_by_term`` and
``document_number`` on the id field, the vocabulary walks, Whoosh's own
searcher in the tests' reference scoring. Whoosh's matchers get each
posting's value made again from the arrays (positions encoded as the
field's format encodes them).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

import numpy as np
from whoosh.codec.base import FieldCursor, TermsReader
from whoosh.matching import ListMatcher
from whoosh.reading import TermInfo, TermNotFound
from whoosh.util.numeric import byte_to_length, pack_uint

from .postings import Sidecar


class SidecarTermsReader(TermsReader):
    """:class:`whoosh.codec.base.TermsReader` over a segment's sidecar."""

    def __init__(self, sidecar: Sidecar):
        if sidecar.statistics is None:
            raise ValueError("a sidecar without term statistics (version 1) cannot stand in for Whoosh's postings")
        self.sidecar = sidecar
        self._sorted: dict[str, tuple[list[bytes], np.ndarray]] = {}

    def sorted_terms(self, fieldname: str) -> tuple[list[bytes], np.ndarray]:
        """The field's terms in order and their rows, made once per reader."""
        found = self._sorted.get(fieldname)
        if found is None:
            found = self._sorted[fieldname] = self.sidecar.sorted_terms(fieldname)
        return found

    def _row(self, fieldname: str, btext: bytes, missing: type[Exception] = TermNotFound) -> int:
        """The term's row; a missing term raises as W3's reader does (its
        ``frequency`` and ``doc_frequency`` a ``KeyError``, which Whoosh's
        segment reader turns into 0, the rest ``TermNotFound``)."""
        row = self.sidecar.row(fieldname, btext)
        if row < 0:
            raise missing(f"No term {fieldname}:{btext!r}")
        return row

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        return self.sidecar.row(*term) >= 0

    def indexed_field_names(self):
        return self.sidecar.fields.keys()

    def cursor(self, fieldname: str, fieldobj) -> SidecarFieldCursor:
        return SidecarFieldCursor(self, fieldname, fieldobj)

    def terms(self) -> Iterator[tuple[str, bytes]]:
        for fieldname in sorted(self.sidecar.fields):
            for btext in self.sorted_terms(fieldname)[0]:
                yield fieldname, btext

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        for term, _ in self.items_from(fieldname, prefix):
            yield term

    def items(self) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        for fieldname in sorted(self.sidecar.fields):
            yield from self._field_items(fieldname, 0)

    def items_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        """The terms from ``prefix`` on, this field's then the later fields'
        (Whoosh's callers stop where the field changes)."""
        texts, _ = self.sorted_terms(fieldname)
        yield from self._field_items(fieldname, bisect_left(texts, prefix))
        for later in sorted(name for name in self.sidecar.fields if name > fieldname):
            yield from self._field_items(later, 0)

    def _field_items(self, fieldname: str, start: int) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        texts, rows = self.sorted_terms(fieldname)
        for i in range(start, len(texts)):
            yield (fieldname, texts[i]), self._info(int(rows[i]))

    def _info(self, row: int) -> TermInfo:
        stats = self.sidecar.statistics
        assert stats is not None  # (checked when made)
        ids = self.sidecar.postings_at(row).ids
        return TermInfo(
            weight=float(stats["weight"][row]),
            df=int(ids.size),
            minlength=byte_to_length(int(stats["min_length"][row])),
            maxlength=byte_to_length(int(stats["max_length"][row])),
            maxweight=float(stats["max_weight"][row]),
            minid=int(ids[0]) if ids.size else None,
            maxid=int(ids[-1]) if ids.size else 0,
        )

    def term_info(self, fieldname: str, btext: bytes) -> TermInfo:
        return self._info(self._row(fieldname, btext))

    def frequency(self, fieldname: str, btext: bytes) -> float:
        stats = self.sidecar.statistics
        assert stats is not None
        return float(stats["weight"][self._row(fieldname, btext, KeyError)])

    def doc_frequency(self, fieldname: str, btext: bytes) -> int:
        return self.sidecar.count_at(self._row(fieldname, btext, KeyError))

    def matcher(self, fieldname: str, btext: bytes, format_, scorer=None) -> ListMatcher:
        row = self._row(fieldname, btext)
        postings = self.sidecar.postings_at(row)
        weights = postings.tf.tolist()
        values: list[bytes | None]
        if postings.positions is not None:
            values = [format_.encode(postings.positions.of(i)) for i in range(len(weights))]
        elif format_.fixed_value_size() == 0:  # nothing but the document (ids, dates, keys)
            values = [None] * len(weights)
        else:  # frequencies
            boost = format_.field_boost or 1.0
            values = [pack_uint(round(w / boost)) for w in weights]
        return ListMatcher(
            postings.ids.tolist(),
            weights,
            values,
            format_,
            scorer=scorer,
            term=(fieldname, btext),
            terminfo=self._info(row),
        )

    def close(self) -> None:
        pass


class SidecarFieldCursor(FieldCursor):
    """A field's terms in order, for Whoosh's automata (fuzzy terms)."""

    def __init__(self, reader: SidecarTermsReader, fieldname: str, fieldobj):
        self._reader = reader
        self._fieldobj = fieldobj
        self._texts, self._rows = reader.sorted_terms(fieldname)
        self._i = 0

    def first(self):
        self._i = 0
        return self.text()

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        self._i = bisect_left(self._texts, term)
        return self.text()

    def next(self):
        self._i += 1
        return self.text()

    def is_valid(self) -> bool:
        return self._i < len(self._texts)

    def text(self):
        return self._fieldobj.from_bytes(self._texts[self._i]) if self.is_valid() else None

    def term(self):
        return self.text()

    def term_info(self) -> TermInfo | None:
        return self._reader._info(int(self._rows[self._i])) if self.is_valid() else None
