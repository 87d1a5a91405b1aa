"""Whoosh's W3 codec with field lengths read once per segment flush.

While writing postings, Whoosh 2.7 looks up each posting's document length in
the on-disk lengths column, one Python-level read per posting; that was ~15% of
indexing time here. This codec reads each length column into memory once. The
on-disk format is W3's, unchanged: any Whoosh 2.7 reader opens the index.
Whoosh pickles the codec into the table of contents, hence a module-level class.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, _lenfield
from whoosh.util.numeric import byte_to_length


class CachedLengthsPerDocReader(W3PerDocReader):
    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._length_cache: dict[str, list[int] | None] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._length_cache.get(fieldname, False)
        if lengths is False:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = None if reader is None else [byte_to_length(b) for b in reader]
            self._length_cache[fieldname] = lengths
        if lengths is None or docnum >= len(lengths):
            return default
        return lengths[docnum] or default


class BeritaCodec(W3Codec):
    def per_document_reader(self, storage, segment):
        return CachedLengthsPerDocReader(storage, segment)
