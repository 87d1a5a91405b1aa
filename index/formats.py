"""How a posting's value is written while a segment is being built.

Whoosh's ``Positions`` format pickles each posting's position deltas, and
the pool holding them unpickles them again to write the sidecar: two Python
steps a posting (a tenth of indexing). :class:`PackedPositions` keeps them
as raw 32-bit integers, which ``array`` packs and unpacks in C. Postings are
stored in the sidecar either way; this format only changes the value that
travels from the analyzer to the pool (and what Whoosh's own matchers hand
out when they read the sidecar). Indexes made before keep ``Positions`` in
their pickled schema and are read as before.
"""

from __future__ import annotations

from array import array

from whoosh.formats import Positions

POSITION = "i"  # array typecode of one position


class PackedPositions(Positions):
    """Positions as raw 32-bit integers (frequency: how many there are)."""

    def encode(self, poslist) -> bytes:
        return array(POSITION, poslist).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return array(POSITION, valuestring).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // array(POSITION).itemsize
