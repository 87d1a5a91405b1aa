"""The postings sidecar: a segment's postings as flat arrays, read through the map.

Whoosh stores postings in blocks that only its Python code decodes (366-1,232
ns a posting, and a Python hash-table probe of 8-19 µs a term); a query that
reads a few thousand postings spent half its time there. Each segment Berita
writes therefore keeps its postings in one sub-file of its compound file
(``.bpo``) as arrays that numpy reads in place (``np.frombuffer`` over the
mapped file: no decoding, no copy, one copy of the index in the page cache
for every worker):

- a term table sorted by a 64-bit hash of (field, term): a lookup is one
  hash and one ``searchsorted``, confirmed against the term's bytes;
- per term, its postings' local document numbers (int32) and weights
  (float32), deleted documents included as in Whoosh's raw postings;
- for fields with positions, each posting's positions (absolute, int32) in a
  separate array, read only for phrases, proximity and compounds;
- (version 2) each term's statistics as Whoosh's W3 term info keeps them.

Whoosh stays the writer and the commit protocol: the sidecar is written by
the segment's field writer (:class:`SidecarWriter`, fed by ``index.codec``),
and since version 2 it is the segment's only copy of its postings, which
Whoosh reads too (``index.terms``). The header carries a format version, the
segment's document count and a CRC-32 of the arrays (:meth:`Sidecar.verify`);
a sidecar that is missing, of another version or that fails its checks is
not used (:func:`open_sidecar` says why). Segments written before version 2
also keep Whoosh's own postings, which a reader falls back to; ``berita index
--upgrade`` rewrites them.

The arrays are also written from tables (:class:`TermTable`): an
:class:`index.pool.ArrayPool`'s, and merged segments' joined in whole-array
steps (:func:`merge_tables`).
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from array import array
from dataclasses import dataclass

import numpy as np

SIDECAR_EXT = ".bpo"
MAGIC = b"BERITAPO"
VERSION = 2  # 2 added each term's statistics, so a segment can keep its postings here alone
READABLE_VERSIONS = (1, 2)
STATISTICS = ("weight", "max_weight", "min_length", "max_length")  # the arrays version 2 added
_HEAD = struct.Struct("<8sI")  # magic, header length; the JSON header follows, then the arrays
_ALIGN = 8


class SidecarError(ValueError):
    """A sidecar that cannot be trusted (the reason is the message)."""


def term_hash(fieldname: str, btext: bytes) -> int:
    """The 64-bit key of a term in the sidecar's table (stable across processes)."""
    digest = hashlib.blake2b(fieldname.encode("utf-8") + b"\x00" + btext, digest_size=8).digest()
    return int.from_bytes(digest, "little")


@dataclass(frozen=True)
class TermTable:
    """A segment's postings as arrays, terms in any order: what a sidecar
    holds, before it is sorted by hash and written (and after it is read).
    ``post_start``/``post_count`` give each term's run of ``ids`` and ``tf``;
    a term of a positional field has ``pos_first`` >= 0, and its ``i``-th
    posting's positions are ``positions[pos_bounds[pos_first + i] :
    pos_bounds[pos_first + i + 1]]``."""

    fields: list[str]
    hash: np.ndarray  # uint64 per term
    field: np.ndarray  # index into fields, per term
    text: np.ndarray  # uint8: every term's bytes, one after another
    text_start: np.ndarray
    text_len: np.ndarray
    post_start: np.ndarray
    post_count: np.ndarray
    pos_first: np.ndarray
    ids: np.ndarray  # int32 per posting
    tf: np.ndarray  # float32 per posting
    pos_bounds: np.ndarray
    positions: np.ndarray

    def owners(self) -> np.ndarray:
        """Each posting's term (its row here). Every posting belongs to one
        term's run and the runs tile ``ids``."""
        by_start = np.argsort(self.post_start, kind="stable")
        return np.repeat(by_start, self.post_count[by_start].astype(np.int64))


class SidecarWriter:
    """Collects one segment's postings as Whoosh's field writer sees them
    (fields, then terms in order, then postings) and writes them as arrays;
    a merge adds whole segments' sidecars instead (:meth:`add_segment`),
    with no Python step per posting.

    Values are appended to ``array.array`` buffers (4 bytes a posting, not a
    Python object each)."""

    def __init__(self) -> None:
        self.fields: list[str] = []
        self._field = -1
        self._positional = False
        self._decode = None
        self._hashes: list[int] = []
        self._term_field = array("H")
        self._text = bytearray()
        self._text_start = array("q")
        self._text_len = array("I")
        self._post_start = array("q")
        self._post_count = array("I")
        self._pos_first = array("q")  # index of the term's first positional posting, or -1
        self._ids = array("i")
        self._tf = array("f")
        self._pos_bounds = array("Q", [0])
        self._positions = array("i")
        self._tables: list[TermTable] = []
        self._segments: list[tuple[Sidecar, np.ndarray, frozenset[str]]] = []

    def start_field(self, fieldname: str, format_) -> None:
        if fieldname not in self.fields:
            self.fields.append(fieldname)
        self._field = self.fields.index(fieldname)
        self._positional = bool(format_.supports("positions"))
        self._decode = format_.decode_positions if self._positional else None

    def start_term(self, fieldname: str, btext: bytes) -> None:
        self._hashes.append(term_hash(fieldname, btext))
        self._term_field.append(self._field)
        self._text_start.append(len(self._text))
        self._text_len.append(len(btext))
        self._text.extend(btext)
        self._post_start.append(len(self._ids))
        self._post_count.append(0)
        self._pos_first.append(len(self._pos_bounds) - 1 if self._positional else -1)

    def add(self, docnum: int, weight: float, vbytes: bytes) -> None:
        self._ids.append(docnum)
        self._tf.append(weight)
        self._post_count[-1] += 1
        if self._decode is not None:
            self._positions.extend(self._decode(vbytes))
            self._pos_bounds.append(len(self._positions))

    def add_table(self, table: TermTable) -> None:
        """Take a table of this segment's postings, numbered as here (what an
        :class:`index.pool.ArrayPool` made of the documents written)."""
        self._tables.append(table)

    def add_segment(self, sidecar: Sidecar, docnums: np.ndarray, fieldnames: frozenset[str]) -> None:
        """Take every posting of another segment's ``sidecar`` (a merge): its
        document ``d`` becomes ``docnums[d]`` here (-1: deleted, left out);
        terms of fields outside ``fieldnames`` are left out. The sidecar's
        arrays are read when this writer writes, so they must stay mapped
        until then (numpy's views keep a closed reader's map alive)."""
        self._segments.append((sidecar, docnums, fieldnames))

    def _own_table(self) -> TermTable:
        return TermTable(
            fields=self.fields,
            hash=np.array(self._hashes, dtype=np.uint64),
            field=np.frombuffer(self._term_field, dtype=np.uint16),
            text=np.frombuffer(bytes(self._text), dtype=np.uint8),
            text_start=np.frombuffer(self._text_start, dtype=np.int64),
            text_len=np.frombuffer(self._text_len, dtype=np.uint32),
            post_start=np.frombuffer(self._post_start, dtype=np.int64),
            post_count=np.frombuffer(self._post_count, dtype=np.uint32),
            pos_first=np.frombuffer(self._pos_first, dtype=np.int64),
            ids=np.frombuffer(self._ids, dtype=np.int32),
            tf=np.frombuffer(self._tf, dtype=np.float32),
            pos_bounds=np.frombuffer(self._pos_bounds, dtype=np.uint64),
            positions=np.frombuffer(self._positions, dtype=np.int32),
        )

    def to_bytes(
        self, doc_count: int, length_codes: dict[str, np.ndarray] | None = None, version: int = VERSION
    ) -> bytes:
        """The sidecar file: header, then each array aligned to 8 bytes.
        ``length_codes``: each field's one-byte document lengths (Whoosh's
        lengths column) in the new segment, for the term statistics."""
        own = self._own_table()
        tables = ([own] if own.hash.size else []) + self._tables
        if self._segments or len(tables) > 1:
            everything = [(t, np.arange(doc_count, dtype=np.int64), frozenset(t.fields)) for t in tables]
            everything += [(s.table(), d, f) for s, d, f in self._segments]
            table = merge_tables(everything)
        else:
            table = tables[0] if tables else own
        return _serialise(table, doc_count, length_codes or {}, version)


def merge_tables(sources: list[tuple[TermTable, np.ndarray, frozenset[str]]]) -> TermTable:
    """One table of every source's postings, each source's documents
    renumbered by its array (-1: left out) and its fields limited to the set:
    a term's postings from every source, in the new document order. A term
    left without postings is dropped, as Whoosh's pool would never have
    seen it. Python steps once per term (to join equal terms across
    sources); the postings and positions move in whole-array steps."""
    terms = TermKeys()
    columns: list[tuple[np.ndarray, ...]] = []
    flat: list[np.ndarray] = []
    flat_offset = 0
    for table, docnums, kept in sources:
        field_of = [terms.field(name) if name in kept else -1 for name in table.fields]
        blob = table.text.tobytes()
        term_of_row = np.full(table.hash.size, -1, dtype=np.int32)
        rows = zip(table.field.tolist(), table.text_start.tolist(), table.text_len.tolist(), table.hash.tolist())
        for row, (field, start, size, key) in enumerate(rows):
            if field_of[field] >= 0:
                term_of_row[row] = terms.add(
                    field_of[field], blob[start : start + size], key, table.pos_first[row] >= 0
                )
        owner = table.owners()
        within = np.arange(owner.size, dtype=np.int64) - table.post_start.astype(np.int64)[owner]
        first = table.pos_first.astype(np.int64)[owner]
        bounds = np.append(table.pos_bounds.astype(np.int64), 0)  # (a table without positions has one bound)
        at = np.where(first >= 0, first + within, -1)
        low = np.where(at >= 0, bounds[np.maximum(at, 0)] + flat_offset, -1)
        high = np.where(at >= 0, bounds[np.maximum(at, 0) + 1] + flat_offset, -1)
        columns.append((term_of_row[owner], docnums.astype(np.int32)[table.ids], table.tf, low, high))
        flat.append(table.positions.astype(np.int32))
        flat_offset += table.positions.size
    term_of, ids, tf, low, high = (np.concatenate(column) for column in zip(*columns))
    return assemble(terms, term_of, ids, tf, low, high, np.concatenate(flat) if flat else np.zeros(0, np.int32))


class TermKeys:
    """The distinct terms met, numbered in the order met (a Python step a
    term): each one's field, bytes, hash and whether it has positions."""

    def __init__(self) -> None:
        self.fields: list[str] = []
        self.number: dict[tuple[int, bytes], int] = {}
        self.field_of: list[int] = []
        self.text: list[bytes] = []
        self.hash: list[int] = []
        self.positional: list[bool] = []

    def field(self, name: str) -> int:
        if name not in self.fields:
            self.fields.append(name)
        return self.fields.index(name)

    def add(self, field: int, btext: bytes, key: int | None = None, positional: bool = False) -> int:
        """The term's number (``key``: its :func:`term_hash`, if known)."""
        found = self.number.get((field, btext))
        if found is None:
            found = self.number[field, btext] = len(self.text)
            self.field_of.append(field)
            self.text.append(btext)
            self.hash.append(term_hash(self.fields[field], btext) if key is None else key)
            self.positional.append(bool(positional))
        return found


def assemble(
    terms: TermKeys,
    term_of: np.ndarray,
    ids: np.ndarray,
    tf: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    flat: np.ndarray,
) -> TermTable:
    """A table from postings in any order: posting ``i`` is term
    ``term_of[i]``'s (-1: left out) in document ``ids[i]`` (-1: left out),
    weighing ``tf[i]``, its positions ``flat[low[i]:high[i]]`` (``low`` -1:
    a field without positions). Each term's postings end up in document
    order; a term left with none is dropped."""
    # (Memory: a merge holds every posting here at once, so one gather, in
    # 32-bit types where they fit: document and term numbers do.)
    keep = np.flatnonzero((term_of >= 0) & (ids >= 0))
    order = keep[np.lexsort((ids[keep], term_of[keep]))]
    del keep
    term_of, ids, tf, low, high = term_of[order], ids[order], tf[order], low[order], high[order]
    del order
    counts = np.bincount(term_of, minlength=len(terms.text))
    alive = np.flatnonzero(counts)
    starts = (np.cumsum(counts) - counts)[alive]
    with_positions = low >= 0
    sizes = (high - low)[with_positions]
    ends = np.cumsum(sizes)
    take = np.repeat(low[with_positions], sizes) + (
        np.arange(int(ends[-1]) if ends.size else 0) - np.repeat(ends - sizes, sizes)
    )
    positional_before: np.ndarray = np.cumsum(with_positions) - with_positions  # positional postings before each
    positional = np.array(terms.positional, dtype=bool)[alive]
    texts = [terms.text[i] for i in alive.tolist()]
    text_len = np.array([len(t) for t in texts], dtype=np.uint32)
    return TermTable(
        fields=terms.fields,
        hash=np.array(terms.hash, dtype=np.uint64)[alive],
        field=np.array(terms.field_of, dtype=np.uint16)[alive],
        text=np.frombuffer(b"".join(texts), dtype=np.uint8),
        text_start=np.cumsum(text_len, dtype=np.int64) - text_len,
        text_len=text_len,
        post_start=starts.astype(np.int64),
        post_count=counts[alive].astype(np.uint32),
        pos_first=np.where(positional, positional_before[starts] if ids.size else 0, -1).astype(np.int64),
        ids=ids.astype(np.int32),
        tf=tf.astype(np.float32),
        pos_bounds=np.concatenate([[0], ends]).astype(np.uint64),
        positions=flat[take],
    )


def _serialise(table: TermTable, doc_count: int, length_codes: dict[str, np.ndarray], version: int) -> bytes:
    """A sidecar file of ``table``: terms sorted by hash, their statistics
    (from version 2), the arrays each aligned to 8 bytes after the JSON
    header."""
    order = np.argsort(table.hash, kind="stable")
    stats = _term_statistics(table, length_codes) if version >= 2 else {}
    # Offsets and positions in the narrowest type that holds them (a
    # segment's positions nearly always fit 16 bits); ids and weights keep
    # the types the scorer reads, so they are used in place.
    arrays: dict[str, np.ndarray] = {
        "hash": table.hash[order],
        "field": table.field.astype(np.uint16)[order],
        "text_start": _narrow(table.text_start.astype(np.int64)[order]),
        "text_len": _narrow(table.text_len.astype(np.uint32)[order]),
        "post_start": _narrow(table.post_start.astype(np.int64)[order]),
        "post_count": _narrow(table.post_count.astype(np.uint32)[order]),
        "pos_first": _narrow(table.pos_first.astype(np.int64)[order]),
        "ids": table.ids.astype(np.int32),
        "tf": table.tf.astype(np.float32),
        "pos_bounds": _narrow(table.pos_bounds.astype(np.uint64)),
        "positions": _narrow(table.positions.astype(np.int32)),
        "text": table.text.astype(np.uint8),
        **{name: values[order] for name, values in stats.items()},
    }
    layout, chunks, offset = {}, [], 0
    for name, values in arrays.items():
        data = np.ascontiguousarray(values).tobytes()
        layout[name] = [values.dtype.str, offset, int(values.size)]
        chunks.append(data)
        pad = -len(data) % _ALIGN
        chunks.append(b"\x00" * pad)
        offset += len(data) + pad
    body = b"".join(chunks)
    header = {
        "version": version,
        "doc_count": doc_count,
        "fields": table.fields,
        "arrays": layout,
        "crc32": zlib.crc32(body),
    }
    head = json.dumps(header, separators=(",", ":")).encode("ascii")
    head += b" " * (-(_HEAD.size + len(head)) % _ALIGN)
    return _HEAD.pack(MAGIC, len(head)) + head + body


def _term_statistics(table: TermTable, length_codes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each term's total weight, largest weight and shortest and longest
    document, as Whoosh's W3 term info keeps them (weights as 32-bit floats,
    lengths as its one-byte codes; 0 for a field without lengths), for a
    segment whose postings are only here. One reduction per statistic."""
    if not table.hash.size:
        weights, codes = np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.uint8)
        return {"weight": weights, "max_weight": weights, "min_length": codes, "max_length": codes}
    # Reductions run over the postings in the order they lie; every term has
    # at least one (Whoosh's writers start a term for a posting; a merge
    # drops empty ones), so every reduceat range is non-empty.
    by_start = np.argsort(table.post_start, kind="stable")
    starts = table.post_start.astype(np.int64)[by_start]
    owner_field = np.repeat(table.field.astype(np.int64)[by_start], table.post_count[by_start].astype(np.int64))
    codes = np.zeros(table.ids.size, dtype=np.uint8)
    for index, name in enumerate(table.fields):
        column = length_codes.get(name)
        if column is not None and column.size:
            mine = owner_field == index
            codes[mine] = column[table.ids[mine]]
    tf = table.tf.astype(np.float32)
    values = {
        "weight": np.add.reduceat(tf.astype(np.float64), starts).astype(np.float32),
        "max_weight": np.maximum.reduceat(tf, starts),
        "min_length": np.minimum.reduceat(codes, starts),
        "max_length": np.maximum.reduceat(codes, starts),
    }
    result = {}
    for name, reduced in values.items():
        placed = np.empty_like(reduced)
        placed[by_start] = reduced
        result[name] = placed
    return result


def _narrow(values: np.ndarray) -> np.ndarray:
    """``values`` in the smallest integer type that holds them (signed only
    where one is negative)."""
    if not values.size:
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int16, np.int32, np.int64) if low < 0 else (np.uint16, np.uint32, np.uint64):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype)
    return values


@dataclass(frozen=True)
class PositionLists:
    """The positions of a run of postings: ``flat[bounds[i]:bounds[i + 1]]``
    are posting ``i``'s (views of the map; nothing is decoded)."""

    bounds: np.ndarray
    flat: np.ndarray

    def of(self, index: int) -> list[int]:
        return self.flat[int(self.bounds[index]) : int(self.bounds[index + 1])].tolist()

    def gather(self, indexes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions of several postings at once, as (owner, position)
        arrays: ``owner[k]`` is the place in ``indexes`` of the posting that
        ``position[k]`` belongs to. One gather in numpy, no loop per posting."""
        starts = self.bounds[indexes].astype(np.int64)
        counts = self.bounds[indexes + 1].astype(np.int64) - starts
        owner = np.repeat(np.arange(indexes.size), counts)
        within = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
        return owner, self.flat[np.repeat(starts, counts) + within].astype(np.int64)


@dataclass(frozen=True)
class TermPostings:
    ids: np.ndarray  # int32 local document numbers, sorted
    tf: np.ndarray  # float32 weights
    positions: PositionLists | None  # for fields with positions


class Sidecar:
    """A segment's sidecar over a buffer (a slice of the mapped compound
    file). ``verify``: check the CRC-32 now (reading every array once);
    Whoosh's term readers open sidecars without it, and a merge verifies
    what it takes (:meth:`verify`)."""

    def __init__(self, buffer, doc_count: int, verify: bool = True):
        view = memoryview(buffer).cast("B")
        if len(view) < _HEAD.size:
            raise SidecarError("truncated header")
        magic, head_len = _HEAD.unpack_from(view, 0)
        if magic != MAGIC:
            raise SidecarError("not a Berita postings sidecar")
        try:
            header = json.loads(bytes(view[_HEAD.size : _HEAD.size + head_len]))
        except ValueError as error:
            raise SidecarError(f"unreadable header: {error}") from None
        if header.get("version") not in READABLE_VERSIONS:
            raise SidecarError(f"format version {header.get('version')}, this Berita reads {READABLE_VERSIONS}")
        if header.get("doc_count") != doc_count:
            raise SidecarError(f"written for {header.get('doc_count')} documents, the segment has {doc_count}")
        body = view[_HEAD.size + head_len :]
        self._body, self._crc32 = body, header.get("crc32")
        self.version: int = header["version"]
        if verify:
            self.verify()
        raw = np.frombuffer(body, dtype=np.uint8)
        # Arrays read in place must be aligned (numpy copies an unaligned one
        # on every searchsorted): a sidecar at an unaligned place (a segment
        # assembled without alignment, a file read without the map) is read
        # from an aligned private copy instead.
        self.copied = raw.ctypes.data % _ALIGN != 0
        arrays_buffer = raw.copy() if self.copied else raw
        self.field_names: list[str] = list(header["fields"])
        self.fields: dict[str, int] = {name: i for i, name in enumerate(self.field_names)}
        arrays = {}
        for name, (dtype, offset, count) in header["arrays"].items():
            arrays[name] = np.frombuffer(arrays_buffer, dtype=np.dtype(dtype), count=count, offset=offset)
        self._hash = arrays["hash"]
        self._field = arrays["field"]
        self._text_start = arrays["text_start"]
        self._text_len = arrays["text_len"]
        self._post_start = arrays["post_start"]
        self._post_count = arrays["post_count"]
        self._pos_first = arrays["pos_first"]
        self._ids = arrays["ids"]
        self._tf = arrays["tf"]
        self._pos_bounds = arrays["pos_bounds"]
        self._positions = arrays["positions"]
        self._text = arrays["text"]
        # Version 2: each term's statistics (see _term_statistics).
        self.statistics: dict[str, np.ndarray] | None = (
            {name: arrays[name] for name in STATISTICS} if self.version >= 2 else None
        )
        self._check_bounds()

    def _check_bounds(self) -> None:
        """Offsets that point outside the arrays would read other terms'
        postings silently: refuse the sidecar instead (cheap, vectorised)."""
        if self._hash.size and (
            int((self._post_start.astype(np.int64) + self._post_count).max()) > self._ids.size
            or int((self._text_start.astype(np.int64) + self._text_len).max()) > self._text.size
            or int((self._pos_first.astype(np.int64) + self._post_count)[self._pos_first >= 0].max(initial=-1)) + 1
            > self._pos_bounds.size
        ):
            raise SidecarError("offsets beyond the arrays")
        if self._ids.size != self._tf.size:
            raise SidecarError("ids and weights differ in length")
        if self._pos_bounds.size and int(self._pos_bounds[-1]) != self._positions.size:
            raise SidecarError("positions and their bounds differ")
        if self.statistics is not None and any(v.size != self._hash.size for v in self.statistics.values()):
            raise SidecarError("term statistics and terms differ in length")

    def verify(self) -> None:
        """Check the arrays against the header's CRC-32 (reads them all once)."""
        if zlib.crc32(self._body) != self._crc32:
            raise SidecarError("checksum mismatch")

    def table(self) -> TermTable:
        """The sidecar's arrays as a table (views of the map), for a merge."""
        return TermTable(
            fields=self.field_names,
            hash=self._hash,
            field=self._field,
            text=self._text,
            text_start=self._text_start,
            text_len=self._text_len,
            post_start=self._post_start,
            post_count=self._post_count,
            pos_first=self._pos_first,
            ids=self._ids,
            tf=self._tf,
            pos_bounds=self._pos_bounds,
            positions=self._positions,
        )

    def row(self, fieldname: str, btext: bytes, key: int | None = None) -> int:
        """The term's row in the table, or -1. ``key`` is its :func:`term_hash`
        (a caller probing every segment for one term computes it once)."""
        field = self.fields.get(fieldname)
        if field is None:
            return -1
        wanted = np.uint64(term_hash(fieldname, btext) if key is None else key)
        row = int(self._hash.searchsorted(wanted))
        size = len(btext)
        while row < self._hash.size and self._hash[row] == wanted:
            start = int(self._text_start[row])
            if (
                self._field[row] == field
                and int(self._text_len[row]) == size
                and self._text[start : start + size].tobytes() == btext
            ):
                return row
            row += 1
        return -1

    def sorted_terms(self, fieldname: str) -> tuple[list[bytes], np.ndarray]:
        """The field's terms in Whoosh's order (by their bytes, which for
        UTF-8 is code-point order) and each one's row (made anew each call:
        a caller that needs them again keeps them)."""
        rows = np.flatnonzero(self._field == self.fields[fieldname]) if fieldname in self.fields else np.zeros(0, int)
        blob = self._text.tobytes()
        texts = [
            blob[start : start + size]
            for start, size in zip(self._text_start[rows].tolist(), self._text_len[rows].tolist())
        ]
        order = sorted(range(len(texts)), key=texts.__getitem__)
        return [texts[i] for i in order], rows[order]

    def terms(self, fieldname: str) -> tuple[list[str], np.ndarray]:
        """The field's terms in Whoosh's order and each one's document count,
        deleted documents included: a segment's vocabulary without walking
        Whoosh's term list (six times faster on the corpus's segments)."""
        texts, rows = self.sorted_terms(fieldname)
        return [t.decode("utf-8") for t in texts], self._post_count[rows].astype(np.int64)

    def doc_frequency(self, fieldname: str, btext: bytes, key: int | None = None) -> int:
        row = self.row(fieldname, btext, key)
        return 0 if row < 0 else int(self._post_count[row])

    def postings(self, fieldname: str, btext: bytes, key: int | None = None) -> TermPostings | None:
        row = self.row(fieldname, btext, key)
        return None if row < 0 else self.postings_at(row)

    def postings_at(self, row: int) -> TermPostings:
        """The postings of the term in ``row`` (views of the map)."""
        start, count = int(self._post_start[row]), int(self._post_count[row])
        first = int(self._pos_first[row])
        positions = None if first < 0 else PositionLists(self._pos_bounds[first : first + count + 1], self._positions)
        return TermPostings(self._ids[start : start + count], self._tf[start : start + count], positions)

    def count_at(self, row: int) -> int:
        """How many documents hold the term in ``row`` (deleted ones included)."""
        return int(self._post_count[row])


def open_sidecar(storage, segment, verify: bool = True) -> Sidecar | str:
    """The segment's sidecar, or why there is none to trust."""
    name = segment.make_filename(SIDECAR_EXT)
    if not storage.file_exists(name):
        return "no sidecar (segment written before sidecars or by another codec)"
    dbfile = storage.open_file(name)
    buffer = getattr(dbfile, "_buf", None)  # a slice of the mapped compound file
    if buffer is None:
        buffer = dbfile.read()
        dbfile.close()
    try:
        return Sidecar(buffer, segment.doc_count_all(), verify)
    except (KeyError, TypeError, ValueError) as error:  # SidecarError, or a header that lies about its arrays
        return f"sidecar not used: {error}"
