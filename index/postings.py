"""The postings sidecar: a segment's postings as flat arrays, read through the map.

Whoosh stores postings in blocks that only its Python code decodes (366-1,232
ns a posting, and a Python hash-table probe of 8-19 µs a term); a query that
reads a few thousand postings spent half its time there. Each segment Berita
writes therefore carries, beside Whoosh's own files and inside its compound
file, one more sub-file (``.bpo``) with the same postings as arrays that
numpy reads in place (``np.frombuffer`` over the mapped file: no decoding,
no copy, one copy of the index in the page cache for every worker):

- a term table sorted by a 64-bit hash of (field, term): a lookup is one
  hash and one ``searchsorted``, confirmed against the term's bytes;
- per term, its postings' local document numbers (int32) and weights
  (float32), deleted documents included as in Whoosh's raw postings;
- for fields with positions, each posting's positions (absolute, int32) in a
  separate array, read only for phrases, proximity and compounds.

Whoosh stays the writer, the commit protocol and the source of truth: the
sidecar is written by the same field writer as Whoosh's postings
(:class:`SidecarWriter`, fed by ``index.codec``), so new segments and merged
ones get one. The header carries a format version, the segment's document
count and a CRC-32 of the arrays; a sidecar that is missing, of another
version or that fails its checks is not used (:func:`open_sidecar` says why)
and the reader falls back to Whoosh's postings. ``berita index --upgrade``
rewrites older segments so that they get one.
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
VERSION = 1
_HEAD = struct.Struct("<8sI")  # magic, header length; the JSON header follows, then the arrays
_ALIGN = 8


class SidecarError(ValueError):
    """A sidecar that cannot be trusted (the reason is the message)."""


def term_hash(fieldname: str, btext: bytes) -> int:
    """The 64-bit key of a term in the sidecar's table (stable across processes)."""
    digest = hashlib.blake2b(fieldname.encode("utf-8") + b"\x00" + btext, digest_size=8).digest()
    return int.from_bytes(digest, "little")


class SidecarWriter:
    """Collects one segment's postings as Whoosh's field writer sees them
    (fields, then terms in order, then postings) and writes them as arrays.

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

    def to_bytes(self, doc_count: int) -> bytes:
        """The sidecar file: header, then each array aligned to 8 bytes."""
        hashes = np.array(self._hashes, dtype=np.uint64)
        order = np.argsort(hashes, kind="stable")
        # Offsets and positions in the narrowest type that holds them (a
        # segment's positions nearly always fit 16 bits); ids and weights keep
        # the types the scorer reads, so they are used in place.
        arrays: dict[str, np.ndarray] = {
            "hash": hashes[order],
            "field": np.frombuffer(self._term_field, dtype=np.uint16)[order],
            "text_start": _narrow(np.frombuffer(self._text_start, dtype=np.int64)[order]),
            "text_len": _narrow(np.frombuffer(self._text_len, dtype=np.uint32)[order]),
            "post_start": _narrow(np.frombuffer(self._post_start, dtype=np.int64)[order]),
            "post_count": _narrow(np.frombuffer(self._post_count, dtype=np.uint32)[order]),
            "pos_first": _narrow(np.frombuffer(self._pos_first, dtype=np.int64)[order]),
            "ids": np.frombuffer(self._ids, dtype=np.int32),
            "tf": np.frombuffer(self._tf, dtype=np.float32),
            "pos_bounds": _narrow(np.frombuffer(self._pos_bounds, dtype=np.uint64)),
            "positions": _narrow(np.frombuffer(self._positions, dtype=np.int32)),
            "text": np.frombuffer(bytes(self._text), dtype=np.uint8),
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
            "version": VERSION,
            "doc_count": doc_count,
            "fields": self.fields,
            "arrays": layout,
            "crc32": zlib.crc32(body),
        }
        head = json.dumps(header, separators=(",", ":")).encode("ascii")
        head += b" " * (-(_HEAD.size + len(head)) % _ALIGN)
        return _HEAD.pack(MAGIC, len(head)) + head + body


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
    """A segment's sidecar over a buffer (a slice of the mapped compound file)."""

    def __init__(self, buffer, doc_count: int):
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
        if header.get("version") != VERSION:
            raise SidecarError(f"format version {header.get('version')}, this Berita reads {VERSION}")
        if header.get("doc_count") != doc_count:
            raise SidecarError(f"written for {header.get('doc_count')} documents, the segment has {doc_count}")
        body = view[_HEAD.size + head_len :]
        if zlib.crc32(body) != header["crc32"]:
            raise SidecarError("checksum mismatch")
        raw = np.frombuffer(body, dtype=np.uint8)
        # Arrays read in place must be aligned (numpy copies an unaligned one
        # on every searchsorted): a sidecar at an unaligned place (a segment
        # assembled without alignment, a file read without the map) is read
        # from an aligned private copy instead.
        self.copied = raw.ctypes.data % _ALIGN != 0
        arrays_buffer = raw.copy() if self.copied else raw
        self.fields: dict[str, int] = {name: i for i, name in enumerate(header["fields"])}
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

    def terms(self, fieldname: str) -> tuple[list[str], np.ndarray]:
        """The field's terms in Whoosh's order (by their bytes, which for UTF-8
        is code-point order) and each one's document count, deleted documents
        included: a segment's vocabulary without walking Whoosh's term list
        (six times faster on the corpus's segments)."""
        rows = np.flatnonzero(self._field == self.fields[fieldname]) if fieldname in self.fields else np.zeros(0, int)
        blob = self._text.tobytes()
        words = [
            blob[start : start + size].decode("utf-8")
            for start, size in zip(self._text_start[rows].tolist(), self._text_len[rows].tolist())
        ]
        order = sorted(range(len(words)), key=words.__getitem__)
        return [words[i] for i in order], self._post_count[rows][order].astype(np.int64)

    def doc_frequency(self, fieldname: str, btext: bytes, key: int | None = None) -> int:
        row = self.row(fieldname, btext, key)
        return 0 if row < 0 else int(self._post_count[row])

    def postings(self, fieldname: str, btext: bytes, key: int | None = None) -> TermPostings | None:
        row = self.row(fieldname, btext, key)
        if row < 0:
            return None
        start, count = int(self._post_start[row]), int(self._post_count[row])
        first = int(self._pos_first[row])
        positions = None if first < 0 else PositionLists(self._pos_bounds[first : first + count + 1], self._positions)
        return TermPostings(self._ids[start : start + count], self._tf[start : start + count], positions)


def open_sidecar(storage, segment) -> Sidecar | str:
    """The segment's sidecar, or why there is none to trust."""
    name = segment.make_filename(SIDECAR_EXT)
    if not storage.file_exists(name):
        return "no sidecar (segment written before sidecars or by another codec)"
    dbfile = storage.open_file(name)
    buffer = getattr(dbfile, "_buf", None)  # a slice of the mapped compound file
    if buffer is None:
        buffer = dbfile.read()
    try:
        return Sidecar(buffer, segment.doc_count_all())
    except (KeyError, TypeError, ValueError) as error:  # SidecarError, or a header that lies about its arrays
        return f"sidecar not used: {error}"
