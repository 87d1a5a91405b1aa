"""Whoosh's W3 codec with postings kept only in Berita's sidecar, field
lengths read once per segment flush and stored fields kept uncompressed.

New segments keep their postings once, in the sidecar the engine maps
(:mod:`index.postings`), and Whoosh reads them from there too
(:mod:`index.terms`); W3's term table and postings blocks are still read in
segments written before.

While writing postings, Whoosh 2.7 looks up each posting's document length in
the on-disk lengths column, one Python-level read per posting; that was ~15% of
indexing time here. This codec reads each length column into memory once.

W3 zlib-compresses each document's stored fields; inflating them was two
thirds of reading one article (12 of 18 us), paid for every hit on every
page. New segments keep them uncompressed in their own column (Lucene's
BEST_SPEED stored-fields mode against BEST_COMPRESSION): the index grows, a
hit reads faster. Segments written before are still read from W3's column.
Whoosh pickles the codec into the table of contents, hence module-level classes.

New segments read their compound file through the map, never a copy: Whoosh
wraps each sub-file of a mapped compound segment in ``BytesIO(memoryview)``,
which copies it into the process (postings and terms at open, stored fields
at first read): every worker held a private copy of the index, and each
reopen after a commit copied the new segments again. :class:`BeritaSegment`
slices the map instead (:class:`MappedFile`), so the page cache holds the
index once for every process. Segments written before stay as they were
until a merge rewrites them.

New segments are named from the operating system's randomness: Whoosh names
them with the ``random`` module, whose state anything in the process may set
(a seeded test, a library), and a repeated name would write into a segment
already committed.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil

import numpy as np
from whoosh import columns
from whoosh.codec.base import FieldWriter
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3PerDocReader,
    W3PerDocWriter,
    W3Segment,
    _lenfield,
)
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import StorageError
from whoosh.filedb.structfile import BufferFile
from whoosh.util.numeric import byte_to_length

from .postings import SIDECAR_EXT, SidecarWriter, open_sidecar
from .terms import SidecarTermsReader

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

    def open_stored(self) -> None:
        """Read the stored-fields column's offsets now (the refresher's thread
        opening a snapshot), not on the first hit of a request: 0.6 ms a
        segment, paid again by every snapshot's new readers."""
        self._cached_reader(PLAIN_STORED, PLAIN_STORED_COLUMN)

    def stored_fields(self, docnum: int) -> dict:
        reader = self._cached_reader(PLAIN_STORED, PLAIN_STORED_COLUMN)
        if reader is None:  # a segment written before the plain column
            return super().stored_fields(docnum)
        return reader[docnum] or {}


class SidecarFieldWriter(FieldWriter):
    """Writes a segment's postings as its sidecar only (:mod:`index.postings`;
    Whoosh reads them back through :class:`index.terms.SidecarTermsReader`),
    new segments and merged ones alike, before the compound file is
    assembled, so the sidecar is one sub-file of the segment and lives and
    dies with it. Whoosh's own term table and postings blocks are no longer
    written: they held every posting a second time.

    Berita's segment writers (:mod:`index.segments`) hand over the new
    documents' postings as one table (:meth:`add_table`) and merged
    segments' sidecars whole (:meth:`add_segment`) instead of every posting."""

    def __init__(self, codec, storage, segment):
        self._storage = storage
        self._segment = segment
        self._sidecar = SidecarWriter()
        self._fieldname = ""
        self._lengths = None  # the new segment's per-document reader, once Whoosh hands it over
        self._scored: list[str] = []  # the fields with lengths
        self.is_closed = False

    def add_postings(self, schema, lengths, items):
        self._lengths, self._scored = lengths, list(schema.scorable_names())
        super().add_postings(schema, lengths, items)

    def add_segment(self, sidecar, docnums, fieldnames) -> None:
        self._sidecar.add_segment(sidecar, docnums, fieldnames)

    def add_table(self, schema, lengths, table) -> None:
        """The new segment's own postings, as a table (an ArrayPool's),
        where Whoosh would call :meth:`add_postings` with each posting."""
        self._lengths, self._scored = lengths, list(schema.scorable_names())
        self._sidecar.add_table(table)

    def start_field(self, fieldname, fieldobj):
        self._fieldname = fieldname
        self._sidecar.start_field(fieldname, fieldobj.format)

    def start_term(self, btext):
        self._sidecar.start_term(self._fieldname, btext)

    def add(self, docnum, weight, vbytes, length):
        self._sidecar.add(docnum, weight, vbytes)

    def finish_term(self):
        pass

    def discard(self) -> None:
        """Close without writing: the segment is being thrown away (a
        cancelled writer, or a commit that added nothing)."""
        self.is_closed = True

    def close(self):
        count = self._segment.doc_count_all()
        sidecar = self._segment.create_file(self._storage, SIDECAR_EXT)
        sidecar.write(self._sidecar.to_bytes(count, _length_codes(self._lengths, self._scored, count)))
        sidecar.close()
        self.is_closed = True


def _length_codes(per_document, fieldnames: list[str], count: int) -> dict[str, np.ndarray]:
    """Each field's one-byte document lengths in a segment being written
    (Whoosh's lengths columns), read once each."""
    codes = {}
    for name in fieldnames if per_document is not None else ():
        column = per_document._cached_reader(_lenfield(name), LENGTHS_COLUMN)
        if column is not None:
            codes[name] = np.fromiter(column, dtype=np.uint8, count=count)
    return codes


class MemoryFile(io.RawIOBase):
    """A read-only file over a memoryview: each read copies only what it
    returns (``BytesIO(view)`` copies the whole view up front)."""

    def __init__(self, view: memoryview):
        self._view = view
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        end = min(len(self._view), self._pos + len(buffer))
        n = end - self._pos
        memoryview(buffer).cast("B")[:n] = self._view[self._pos : end]
        self._pos = end
        return n

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        data = self._view[self._pos : end].tobytes()
        self._pos = end
        return data

    def readline(self, size: int | None = -1) -> bytes:
        line = bytearray()
        while self._pos < len(self._view) and (size is None or size < 0 or len(line) < size):
            byte = self._view[self._pos]
            line.append(byte)
            self._pos += 1
            if byte == 0x0A:
                break
        return bytes(line)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


class MappedFile(BufferFile):
    """Whoosh's in-memory file, over a slice of the mapped compound file."""

    def __init__(self, view: memoryview, name: str | None = None):
        self._buf = view
        self._name = name
        self.file = MemoryFile(view)
        self.onclose = None
        self.is_real = False
        self.is_closed = False


class MappedCompoundStorage(CompoundStorage):
    """A compound segment whose sub-files are slices of one read-only map."""

    def open_file(self, name, *args, **kwargs):
        if self.is_closed:
            raise StorageError("Storage was closed")
        if self._source is None:  # not mapped (no memory for a map): Whoosh's sub-files
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        return MappedFile(memoryview(self._source)[offset : offset + length], name=name)


SUBFILE_ALIGN = 64  # bytes: every sub-file of a compound segment starts at a multiple


def assemble_aligned(dbfile, store, names) -> None:
    """Whoosh's compound file (:meth:`CompoundStorage.assemble`: a directory
    of (offset, length) per sub-file) with each sub-file starting at a
    multiple of ``SUBFILE_ALIGN``: numpy reads the sidecar's arrays in place
    only where they are aligned (an unaligned array is copied on every
    ``searchsorted``). Readers find sub-files by the directory, so the padding
    is invisible to them."""
    directory = {}
    basepos = dbfile.tell()
    dbfile.write_long(0)  # the directory's position and length, filled in by write_dir
    dbfile.write_int(0)
    for name in names:
        pad = -(dbfile.tell() - basepos) % SUBFILE_ALIGN
        dbfile.write(b"\x00" * pad)
        offset = dbfile.tell()
        directory[name] = {"offset": offset, "length": store.file_length(name), "modified": store.file_modified(name)}
        with store.open_file(name) as source:
            shutil.copyfileobj(source, dbfile)
    CompoundStorage.write_dir(dbfile, basepos, directory)


class BeritaSegment(W3Segment):
    """A W3 segment that assembles its compound file aligned
    (:func:`assemble_aligned`) and opens it as :class:`MappedCompoundStorage`."""

    def create_compound_file(self, storage):
        names = self.list_files(storage)
        assert not any(name.endswith(self.COMPOUND_EXT) for name in names)
        compound = self.create_file(storage, self.COMPOUND_EXT)
        assemble_aligned(compound, storage, names)
        for name in names:
            storage.delete_file(name)
        self.compound = True

    def open_compound_file(self, storage):
        dbfile = storage.open_file(self.make_filename(self.COMPOUND_EXT))
        return MappedCompoundStorage(dbfile, use_mmap=storage.supports_mmap)


def keeps_whoosh_postings(storage, segment) -> bool:
    """Whether the segment was written before its postings stood in the
    sidecar alone: it has W3's term table (and blocks, and maybe a sidecar
    beside them). ``berita index --upgrade`` rewrites such segments.
    ``storage``: the index's, or the segment's own compound file's."""
    name = segment.make_filename(W3Codec.TERMS_EXT)
    if storage.file_exists(name):
        return True
    if not (segment.is_compound() and storage.file_exists(segment.make_filename(segment.COMPOUND_EXT))):
        return False
    compound = segment.open_compound_file(storage)
    try:
        return compound.file_exists(name)
    finally:
        compound.close()


SEGMENT_ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"  # Whoosh's


class BeritaCodec(W3Codec):
    def new_segment(self, storage, indexname):
        segment = BeritaSegment(self, indexname)
        taken = set(storage.list())
        while True:
            segment.segid = "".join(secrets.choice(SEGMENT_ID_CHARS) for _ in range(16))
            if not any(name.startswith(segment.segment_id()) for name in taken):
                return segment

    def per_document_writer(self, storage, segment):
        return PlainStoredPerDocWriter(self, storage, segment)

    def field_writer(self, storage, segment):
        return SidecarFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        """Whoosh's own term table where the segment has one (written before
        sidecars stood alone), else the sidecar's."""
        if keeps_whoosh_postings(storage, segment):
            return super().terms_reader(storage, segment)
        # Not checksummed here: every searcher Whoosh opens makes a reader, and
        # the CRC reads the whole sidecar. The engine checks each segment once
        # per process, and a merge checks what it takes.
        sidecar = open_sidecar(storage, segment, verify=False)
        try:
            if isinstance(sidecar, str):
                raise ValueError(sidecar)
            return SidecarTermsReader(sidecar)
        except ValueError as error:
            raise StorageError(f"segment {segment.segment_id()} has no readable postings: {error}") from None

    def per_document_reader(self, storage, segment):
        return BeritaPerDocReader(storage, segment)
