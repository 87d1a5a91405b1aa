"""Date, category, source and author filters as boolean masks.

Each filter kind gives its own mask over a candidate array, because facet
counts are multi-select: the category counts ignore the category filter, so
picking one category still shows the others' counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from whoosh.util.times import datetime_to_long

from index.dates import to_utc_naive
from index.model import normalise_key
from index.schema import KEYED_COLUMNS

from ..reader.snapshot import Snapshot
from ..request import InvalidRequest, SearchRequest


@dataclass(frozen=True)
class Filters:
    lo: int | None
    hi: int | None
    keys: dict[str, frozenset[str]]  # filter kind -> normalised keys (OR within a kind)

    @classmethod
    def from_request(cls, request: SearchRequest) -> Filters:
        def keys(values):
            return frozenset(k for k in (normalise_key(v) for v in values) if k)

        return cls(
            lo=time_key(request.date_from),
            hi=time_key(request.date_to),
            keys={
                kind: ks
                for kind, ks in (
                    ("category", keys(request.categories)),
                    ("source", keys(request.sources)),
                    ("author", keys(request.authors)),
                )
                if ks
            },
        )

    def masks(self, snap: Snapshot, docs: np.ndarray) -> dict[str, np.ndarray]:
        """One mask over ``docs`` per filter kind in use."""
        out: dict[str, np.ndarray] = {}
        if self.lo is not None or self.hi is not None:
            published = snap.published[docs]
            mask = np.ones(docs.size, dtype=bool)
            if self.lo is not None:
                mask &= published >= self.lo
            if self.hi is not None:
                mask &= published <= self.hi
            out["date"] = mask
        for kind, wanted in self.keys.items():
            column = KEYED_COLUMNS[kind]
            if kind == "source":
                wanted = self.known_sources(snap, wanted)
            else:
                check_known(snap, kind, wanted)
            # A category section ("news") also passes its subsections ("news/megapolitan").
            table = snap.key_codes[column].table(wanted, sections=kind == "category")
            out[kind] = table[snap.codes[column][docs]]
        return out

    @staticmethod
    def known_sources(snap: Snapshot, wanted: frozenset[str]) -> frozenset[str]:
        """The index's source keys a user's names mean: "kompas", "Kompas.com"
        and "KOMPAS" all mean kompas.com. A name that means none is an error
        that lists the known sources (a silent 0 hits looks like no news)."""
        keys = [k for k in snap.key_codes["source"].keys if k]
        found = set()
        for name in wanted:
            matches = [k for k in keys if loose_source(k) == loose_source(name)]
            if not matches:
                raise InvalidRequest(
                    "source", f"no source {name!r} in the index; known sources: {', '.join(sorted(keys))}"
                )
            found.update(matches)
        return frozenset(found)


LISTED_AT_MOST = 30  # known values a 400 lists; beyond that it says where to find them


def check_known(snap: Snapshot, kind: str, wanted: frozenset[str]) -> None:
    """A category or author the index does not hold is an error, as an unknown
    source is: a silent 0 hits looks like no news."""
    vocab = snap.key_codes[KEYED_COLUMNS[kind]]
    unknown = sorted(k for k in wanted if vocab.lookup(k) is None)
    if not unknown:
        return
    known = sorted(k for k in vocab.keys if k)
    listed = (
        f"known {kind} keys: {', '.join(known)}"
        if len(known) <= LISTED_AT_MOST
        else f"the index holds {len(known):,}; facets={kind}&facet_size=1000 lists them with their counts"
    )
    raise InvalidRequest(kind, f"no {kind} {unknown[0]!r} in the index; {listed}")


def combine(masks: list[np.ndarray], size: int) -> np.ndarray:
    out = np.ones(size, dtype=bool)
    for mask in masks:
        out &= mask
    return out


def time_key(moment: datetime | None) -> int | None:
    """A Whoosh datetime long (UTC µs), clamped so that extreme but valid
    dates (year 1, year 9999 with an offset) still compare instead of overflowing."""
    if moment is None:
        return None
    try:
        return datetime_to_long(to_utc_naive(moment))
    except OverflowError:  # within a day of year 1 or 9999: beyond every article
        return 0 if moment.year < 5000 else (1 << 62)


OUTLET_SUFFIX = re.compile(r"\.(?:co\.id|com|co|id|net|org|tv)$")


def loose_source(key: str) -> str:
    """An outlet's name without case, spacing, punctuation or web suffix."""
    return re.sub(r"[^a-z0-9]", "", OUTLET_SUFFIX.sub("", key.lower()))
