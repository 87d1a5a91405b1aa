"""Per-segment arrays read out of the Whoosh index, cached across snapshots.

Whoosh segments never change once written (only their deletion sets do), so
what is read from one — a term's postings, a field's lengths, the filter
columns — stays valid for every snapshot that contains it, the way Lucene
keeps per-segment caches. A commit that adds one small segment therefore costs
the next snapshot only that segment's arrays.

A segment's postings come from its sidecar (``index.postings``) where it has
one: arrays over the mapped file, no decoding, no lock. Segments without one
(written before sidecars) are read through Whoosh's W3 codec internals
(posting blocks, length columns): that is why ``Whoosh-Reloaded`` is pinned
exactly in ``setup.cfg``. Whoosh's readers keep one file position per open
file and are not thread-safe, so every such read happens under the caller's lock.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

from index.postings import PositionLists, Sidecar

# Whoosh stores a field's length in one byte; this is its decoding table.
BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
EMPTY_IDS = np.zeros(0, dtype=np.int32)
EMPTY_TF = np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class EncodedPositions:
    """Whoosh's encoded position lists, one per posting, decoded (by the
    field's format) only for the documents a check needs."""

    values: tuple[bytes, ...]
    decode: Callable[[bytes], list[int]]

    def of(self, index: int) -> list[int]:
        return self.decode(self.values[index])

    def gather(self, indexes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`index.postings.PositionLists.gather` (decoding each)."""
        lists = [self.of(i) for i in indexes.tolist()]
        owner = np.repeat(np.arange(len(lists)), [len(found) for found in lists])
        return owner, np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=owner.size)


@dataclass(frozen=True)
class SegmentPostings:
    """One term's postings in one segment: local document numbers (sorted),
    within-field frequencies, and (for fields with positions) each posting's
    positions. ``mapped`` postings are views of the segment's sidecar: they
    cost the process no memory of its own."""

    ids: np.ndarray  # int32, local docnums
    tf: np.ndarray  # float32
    positions: PositionLists | EncodedPositions | None
    mapped: bool = False

    @property
    def nbytes(self) -> int:
        if self.mapped:
            return 200
        extra = 0
        if isinstance(self.positions, EncodedPositions):
            extra = sum(len(v) + 40 for v in self.positions.values)
        return self.ids.nbytes + self.tf.nbytes + extra + 200


EMPTY_POSTINGS = SegmentPostings(EMPTY_IDS, EMPTY_TF, None)


class ByteLRU:
    """A thread-safe LRU cache bounded by the total ``nbytes`` of its values."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_load(self, key: Hashable, load: Callable[[], Any], size: Callable[[Any], int]) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found[0]
            self.misses += 1
        value = load()
        nbytes = size(value)
        with self._lock:
            if key not in self._items and nbytes <= self.max_bytes:
                self._items[key] = (value, nbytes)
                self.bytes += nbytes
                while self.bytes > self.max_bytes:
                    _, (_, dropped) = self._items.popitem(last=False)
                    self.bytes -= dropped
        return value

    def forget(self, stale: Callable[[Hashable], bool]) -> None:
        """Drop every entry whose key is ``stale``: what no future lookup can ask for."""
        with self._lock:
            for key in [k for k in self._items if stale(k)]:
                _, nbytes = self._items.pop(key)
                self.bytes -= nbytes

    def __len__(self) -> int:
        return len(self._items)


def read_postings(reader: SegmentReader, fieldname: str, text: str, with_values: bool) -> SegmentPostings:
    """All postings of a term in one segment, block by block (a Python step
    per block of up to 128 postings, not per posting)."""
    if (fieldname, text) not in reader:
        return EMPTY_POSTINGS
    # The raw matcher, not reader.postings(), which hides deleted documents
    # behind a per-posting filter: deletions are masked per snapshot instead.
    format_ = reader.schema[fieldname].format
    decode: Callable[[bytes], list[int]] = getattr(format_, "decode_positions", list)  # (read only when with_values)
    matcher = reader._terms.matcher(fieldname, reader._text_to_bytes(fieldname, text), format_)
    if not hasattr(matcher, "_read_ids"):  # short lists are inlined into the term info
        ids = np.asarray(matcher._ids, dtype=np.int32)
        tf = (
            np.asarray(matcher._weights, dtype=np.float32)
            if matcher._weights is not None
            else np.ones(len(ids), dtype=np.float32)
        )
        values = (
            EncodedPositions(tuple(matcher._values), decode) if with_values and matcher._values is not None else None
        )
        return SegmentPostings(ids, tf, values)
    id_parts: list[np.ndarray] = []
    tf_parts: list[np.ndarray] = []
    read_values: list = []
    while not matcher._atend:
        matcher._read_ids()
        matcher._read_weights()
        id_parts.append(np.asarray(matcher._ids, dtype=np.int32))
        tf_parts.append(np.asarray(matcher._weights, dtype=np.float32))
        if with_values:
            matcher._read_values()
            read_values.extend(matcher._values)
        matcher._next_block()
    positions = EncodedPositions(tuple(read_values), decode) if with_values else None
    return SegmentPostings(np.concatenate(id_parts), np.concatenate(tf_parts), positions)


def sidecar_postings(sidecar: Sidecar, fieldname: str, btext: bytes, key: int) -> SegmentPostings:
    """A term's postings from the segment's sidecar: views of the map, no decoding."""
    found = sidecar.postings(fieldname, btext, key)
    if found is None:
        return EMPTY_POSTINGS
    return SegmentPostings(found.ids, found.tf, found.positions, mapped=True)


def read_lengths(reader: SegmentReader, fieldname: str) -> np.ndarray:
    """The segment's per-document field lengths as Whoosh scores them
    (quantised to one byte; 0 where the field is empty)."""
    count = reader.doc_count_all()
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return np.zeros(count, dtype=np.float64)
    raw = np.fromiter(column, dtype=np.uint8, count=count)
    return BYTE_TO_LENGTH[raw]


def open_stored(reader: SegmentReader) -> None:
    """Open the segment's stored fields before a request reads them (see
    :meth:`index.codec.BeritaPerDocReader.open_stored`; other segments skip)."""
    per_document = reader._perdoc
    if hasattr(per_document, "open_stored"):
        per_document.open_stored()
