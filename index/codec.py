"""Whoosh's W3 codec with field lengths read once per segment flush and
stored fields kept uncompressed.

While writing postings, Whoosh 2.7 looks up each posting's document length in
the on-disk lengths column, one Python-level read per posting; that was ~15% of
indexing time here. This codec reads each length column into memory once.

W3 zlib-compresses each document's stored fields; inflating them was two
thirds of reading one article (12 of 18 us), paid for every hit on every
page. New segments keep them uncompressed in their own column (Lucene's
BEST_SPEED stored-fields mode against BEST_COMPRESSION): the index grows, a
hit reads faster. Segments written before are still read from W3's column.
Whoosh pickles the codec into the table of contents, hence module-level classes.

New segments are named from the operating system's randomness: Whoosh names
them with the ``random`` module, whose state anything in the process may set
(a seeded test, a library), and a repeated name would write into a segment
already committed.
"""

from __future__ import annotations

import secrets

from whoosh import columns
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3PerDocWriter, W3Segment, _lenfield
from whoosh.util.numeric import byte_to_length

PLAIN_STORED = "_stored_plain"  # the column of uncompressed stored fields
PLAIN_STORED_COLUMN = columns.PickleColumn(columns.VarBytesColumn())


class PlainStoredPerDocWriter(W3PerDocWriter):
    """Writes each document's stored fields to the uncompressed column."""

    def finish_doc(self) -> None:
        stored = self._storedfields
        if stored:
            self.add_column_value(PLAIN_STORED, PLAIN_STORED_COLUMN, stored)
            stored.clear()
        self._indoc = False


class BeritaPerDocReader(W3PerDocReader):
    """Lengths read once per column; stored fields from the plain column when
    the segment has one."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._length_cache: dict[str, list[int] | None] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        if fieldname in self._length_cache:
            lengths = self._length_cache[fieldname]
        else:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = None if reader is None else [byte_to_length(b) for b in reader]
            self._length_cache[fieldname] = lengths
        if lengths is None or docnum >= len(lengths):
            return default
        return lengths[docnum] or default

    def stored_fields(self, docnum: int) -> dict:
        reader = self._cached_reader(PLAIN_STORED, PLAIN_STORED_COLUMN)
        if reader is None:  # a segment written before the plain column
            return super().stored_fields(docnum)
        return reader[docnum] or {}


SEGMENT_ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"  # Whoosh's


class BeritaCodec(W3Codec):
    def new_segment(self, storage, indexname):
        segment = W3Segment(self, indexname)
        taken = set(storage.list())
        while True:
            segment.segid = "".join(secrets.choice(SEGMENT_ID_CHARS) for _ in range(16))
            if not any(name.startswith(segment.segment_id()) for name in taken):
                return segment

    def per_document_writer(self, storage, segment):
        return PlainStoredPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return BeritaPerDocReader(storage, segment)
