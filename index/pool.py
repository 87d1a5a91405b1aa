"""The postings of a segment being written, held as arrays.

Whoosh's writer hands every posting to a pool as a tuple; its pool keeps the
tuples, sorts them (spilling runs to disk) and gives them back one at a time
to the field writer, which for Berita only wanted to put them into arrays
(the sidecar): a third of indexing went to carrying postings one Python object
at a time. :class:`ArrayPool` takes each posting into flat arrays on arrival
(a term number, the document, the weight, the positions unpacked) and makes
the segment's :class:`index.postings.TermTable` in whole-array steps at the
end. It holds the segment in memory (16 bytes a posting plus 4 a position:
~40 MB for a batch of 5,000 articles, and about four times that at the peak
of making the table), where Whoosh's spilled to disk past ``limitmb``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable

import numpy as np

from .formats import POSITION, PackedPositions
from .postings import TermKeys, TermTable, assemble

NO_POSITIONS, PACKED, ENCODED = 0, 1, 2  # how a field's posting values carry positions


class ArrayPool:
    """Whoosh's posting pool (``add``), as arrays; :meth:`table` at the end."""

    def __init__(self, schema) -> None:
        self.fieldnames: set[str] = set()  # (Whoosh's multiprocessing writer reads it)
        self._schema = schema
        self._terms = TermKeys()
        self._number: dict[tuple[str, bytes], int] = {}
        self._kind: list[int] = []  # per term number
        self._decode: list[Callable[[bytes], list[int]] | None] = []
        self._term = array("i")
        self._doc = array("i")
        self._weight = array("f")
        self._position_count = array("i")
        self._positions = array(POSITION)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, btext, docnum, weight, value = item
        term = self._number.get((fieldname, btext))
        if term is None:
            term = self._new_term(fieldname, btext)
        self._term.append(term)
        self._doc.append(docnum)
        self._weight.append(weight)
        kind = self._kind[term]
        if kind == PACKED:
            before = len(self._positions)
            self._positions.frombytes(value)  # type: ignore[arg-type]
            self._position_count.append(len(self._positions) - before)
        elif kind == ENCODED:
            decoded = self._decode[term](value)  # type: ignore[misc, arg-type]
            self._positions.extend(decoded)
            self._position_count.append(len(decoded))
        else:
            self._position_count.append(-1)

    def _new_term(self, fieldname: str, btext: bytes) -> int:
        format_ = self._schema[fieldname].format
        positional = format_.supports("positions")
        term = self._number[fieldname, btext] = self._terms.add(self._terms.field(fieldname), btext, None, positional)
        self.fieldnames.add(fieldname)
        if not positional:
            self._kind.append(NO_POSITIONS)
            self._decode.append(None)
        elif type(format_) is PackedPositions:
            self._kind.append(PACKED)
            self._decode.append(None)
        else:  # another format's encoding (merging a segment written before): its own decoder
            self._kind.append(ENCODED)
            self._decode.append(format_.decode_positions)
        return term

    def table(self) -> TermTable:
        """The pooled postings as a table, each term's in document order."""
        counts = np.frombuffer(self._position_count, dtype=np.int32).astype(np.int64)
        sizes = np.maximum(counts, 0)
        low = np.cumsum(sizes) - sizes
        return assemble(
            self._terms,
            np.frombuffer(self._term, dtype=np.int32),
            np.frombuffer(self._doc, dtype=np.int32),
            np.frombuffer(self._weight, dtype=np.float32),
            np.where(counts >= 0, low, -1),
            np.where(counts >= 0, low + sizes, -1),
            np.frombuffer(self._positions, dtype=np.int32),
        )

    def iter_postings(self):
        raise NotImplementedError("an ArrayPool hands its postings over as one table (ArrayPool.table)")

    def cleanup(self) -> None:
        pass
