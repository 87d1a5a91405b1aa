"""One point-in-time view of the index as arrays: what the scorer reads.

A :class:`Snapshot` wraps one Whoosh searcher and exposes, over global
document numbers, what ranking and filtering need as numpy arrays: the live
(undeleted) mask, publication times, category/source/author codes, field
lengths and term postings. Everything per segment comes from the manager's
:class:`SegmentStore`, so arrays of segments that did not change are reused.

Whoosh's readers share file positions between threads, so every read of the
underlying index (postings, positions, stored fields) takes ``io_lock``: two
requests never interleave reads on one snapshot's files.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import numpy as np
from whoosh.analysis import Analyzer
from whoosh.filedb.filestore import StorageError
from whoosh.searching import Searcher

from index.analysis import is_vocabulary_word
from index.dates import from_utc_naive
from index.postings import Sidecar, open_sidecar, term_hash
from index.schema import KEYED_COLUMNS
from index.stats import leaf_readers, segment_column
from index.terms import SidecarTermsReader

from ..memo import BoundedMemo
from .segments import ByteLRU, SegmentPostings, open_stored, read_lengths, read_postings, sidecar_postings

SCORED_FIELDS = ("title", "body", "title_exact", "body_exact")
POSITIONAL_FIELDS = frozenset({"title_exact", "body_exact", "author"})
APART_MIN_DOCS = 2  # a compound written apart counts where this many documents write it so...
APART_MIN_SHARE = 0.01  # ...and at least this share of the count of those writing it joined
T = TypeVar("T")
MAX_LOOSE_SEGMENTS = 4  # segments a merged vocabulary serves beside its base (see base_is_settled)
SPELLED_COLUMNS = ("category", "source")  # shown as the outlets spell them


class KeyCodes:
    """Filter keys (normalised category, source, author) as small integer
    codes, shared by every snapshot of one index so codes stay stable.

    Code 0 is "no value". Only the refreshing thread adds keys; readers only
    index into the lists (list appends are atomic in CPython)."""

    def __init__(self) -> None:
        self.keys: list[str] = [""]
        self.labels: list[str] = [""]
        self.sections: list[int] = [0]  # code of the key's part before "/"
        self._codes: dict[str, int] = {"": 0}

    def code(self, key: str | None, label: str | None = None) -> int:
        key = key or ""
        found = self._codes.get(key)
        if found is not None:
            if label and self.labels[found] == key:  # first met as a section: now its own label
                self.labels[found] = label
            return found
        section = key.split("/", 1)[0]
        section_code = self.code(section) if section != key else len(self.keys)
        code = len(self.keys)
        self.keys.append(key)
        self.labels.append(label or key)
        self.sections.append(section_code)
        self._codes[key] = code
        return code

    def lookup(self, key: str) -> int | None:
        return self._codes.get(key)

    def label(self, code: int) -> str:
        return self.labels[code]

    def table(self, keys: Iterable[str], sections: bool = True) -> np.ndarray:
        """Per code: is it one of ``keys``, or (``sections``) a ``key/...``
        below one of them? Indexing it with codes gives a mask."""
        table = np.zeros(len(self.keys), dtype=bool)
        codes = [c for c in (self.lookup(k) for k in keys) if c]
        if codes:
            table[codes] = True
            if sections:
                table |= np.isin(np.asarray(self.sections), codes)
        return table


@dataclass(frozen=True)
class SegmentColumns:
    """One segment's per-document values, read once."""

    published: np.ndarray  # int64 Whoosh datetime longs (UTC µs)
    codes: dict[str, np.ndarray]  # column name -> int32 vocabulary codes
    spellings: dict[str, np.ndarray]  # column name -> int32 codes of the labels as the outlets wrote them
    lengths: dict[str, np.ndarray]  # field -> float64 lengths as Whoosh scores them


@dataclass(frozen=True)
class SegmentTerms:
    """One segment's words (alphabetic, two letters or more) in one field."""

    terms: list[str]  # sorted, as the term list holds them
    docs: np.ndarray  # documents per term (deleted included: a ranking, not a count)


class SegmentStore:
    """Per-segment caches owned by one manager: columns for every segment in
    use, a byte-bounded LRU of term postings, and the fields' analyzers."""

    def __init__(self, postings_cache_bytes: int):
        self.postings = ByteLRU(postings_cache_bytes)
        self.key_codes = {name: KeyCodes() for name in KEYED_COLUMNS.values()}
        self.spellings = {name: Spellings() for name in KEYED_COLUMNS.values()}
        self._columns: dict[str, SegmentColumns] = {}
        self._derived: dict[tuple[str, str], object] = {}
        self.memos: dict[str, dict] = {}  # what snapshots derive from one another (see Snapshot.shared_memo)
        self._analysis: dict[str, tuple[Analyzer, dict]] = {}

    def analysis(self, fieldname: str, analyzer: Analyzer) -> tuple[Analyzer, dict]:
        """The field's analyzer and a memo of what it made of text, kept from
        snapshot to snapshot while each new one's schema (unpickled afresh)
        holds an equal analyzer: its stem memo and the memo stay warm."""
        kept = self._analysis.get(fieldname)
        if kept is None or kept[0] != analyzer:
            kept = self._analysis[fieldname] = (analyzer, {})
        return kept

    def columns(self, segment_id: str, reader) -> SegmentColumns:
        found = self._columns.get(segment_id)
        if found is None:
            found = self._read_columns(reader)
            self._columns[segment_id] = found
        return found

    def sidecar(self, segment_id: str, reader) -> Sidecar | str:
        """The segment's postings sidecar, opened and checked once for the
        segment's life (on the refresher's thread), or why it is not used."""
        return self.derived(segment_id, "sidecar", partial(open_sidecar, reader.storage(), reader.segment()))

    def terms(self, segment_id: str, reader, fieldname: str) -> SegmentTerms:
        """A segment's words in a field with their document counts, read once:
        from its sidecar, or by walking Whoosh's term list in Python (seconds
        for a large segment)."""
        sidecar = self.sidecar(segment_id, reader)
        if isinstance(sidecar, Sidecar):
            read = partial(_sidecar_terms, sidecar, fieldname)  # read only when not yet derived
        else:
            read = partial(_read_terms, reader, fieldname)
        return self.derived(segment_id, f"vocabulary:{fieldname}", read)

    def keep_only(self, segment_ids: Iterable[str]) -> None:
        """Forget what was read of segments that merges have retired."""
        alive = set(segment_ids)
        for sid in [s for s in self._columns if s not in alive]:
            del self._columns[sid]
        for key in [k for k in self._derived if k[0] not in alive]:
            del self._derived[key]
        # A retired segment's postings would otherwise sit in the LRU until
        # evicted: after merges, the cache would fill to its bound with them.
        self.postings.forget(lambda key: key[0] not in alive)  # type: ignore[index]  # keys: (segment, field, text)

    def derived(self, segment_id: str, name: str, build: Callable[[], T]) -> T:
        """What ``build`` makes of a segment, made once for the segment's life."""
        key = (segment_id, name)
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = build()
        return found  # type: ignore[return-value]  # one name, one type: the caller's

    def _read_columns(self, reader) -> SegmentColumns:
        published = np.array([v or 0 for v in segment_column(reader, "published", translate=False)], dtype=np.int64)
        labels = {
            "category": segment_column(reader, "category_label"),
            "source": segment_column(reader, "source_label"),
            "author_key": segment_column(reader, "author_key"),
        }
        codes, spellings = {}, {}
        for name in KEYED_COLUMNS.values():
            vocab, spelled = self.key_codes[name], self.spellings[name]
            keys = segment_column(reader, name)
            codes[name] = np.array([vocab.code(k, lb) for k, lb in zip(keys, labels[name])], dtype=np.int32)
            sections = name == "category"
            spellings[name] = np.array(
                [spelled.code(vocab, k, lb, sections) for k, lb in zip(keys, labels[name])], dtype=np.int32
            )
        lengths = {f: read_lengths(reader, f) for f in SCORED_FIELDS}
        return SegmentColumns(published, codes, spellings, lengths)


class Spellings:
    """The labels as outlets wrote them ("Selebriti", "SELEBRITI",
    "Bola / Liga Inggris"), as codes, each with the (key code, spelling)
    pairs it attests: its own key's, and with ``sections`` each section's
    ("Bola" for bola). Only the refreshing thread adds to it."""

    def __init__(self) -> None:
        self.attests: list[tuple[tuple[int, str], ...]] = [()]
        self._codes: dict[str, int] = {"": 0}

    def code(self, vocab: KeyCodes, key: str | None, label: str | None, sections: bool) -> int:
        label = (label or "").strip()
        if not key or not label:
            return 0
        found = self._codes.get(label)
        if found is None:
            parts = [p.strip() for p in label.split("/")]
            key_parts = key.split("/")
            pairs = [(vocab.code(key), label if not sections else " / ".join(p for p in parts if p))]
            if sections and len(parts) == len(key_parts):
                for depth in range(1, len(parts)):
                    pairs.append((vocab.code("/".join(key_parts[:depth])), " / ".join(parts[:depth])))
            found = self._codes[label] = len(self.attests)
            self.attests.append(tuple(pairs))
        return found


def readable_label(label: str) -> str:
    """An outlet's all-lowercase part ("bola", "Daerah / nusantara") with a
    capital first letter; any other spelling is kept as written."""
    return " / ".join(p[:1].upper() + p[1:] if p.islower() else p for p in label.split(" / "))


@dataclass(frozen=True)
class Postings:
    """A term's postings over the whole snapshot (global docnums, sorted)."""

    ids: np.ndarray
    tf: np.ndarray
    parts: tuple[tuple[int, SegmentPostings], ...]  # (first global index, segment postings)

    def gather(self, indexes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions of the postings at ``indexes`` (sorted), as (owner,
        position) arrays (see :meth:`index.postings.PositionLists.gather`)."""
        owners, positions = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        starts = np.array([start for start, _ in self.parts], dtype=np.int64)
        part_of = np.searchsorted(starts, indexes, side="right") - 1
        for k, (start, part) in enumerate(self.parts):
            mine = np.flatnonzero(part_of == k)
            if mine.size and part.positions is not None:
                owner, position = part.positions.gather(indexes[mine] - start)
                owners.append(mine[owner])
                positions.append(position)
        return np.concatenate(owners), np.concatenate(positions)

    def positions_of(self, index: int) -> list[int] | None:
        """The positions of the ``index``-th posting, where the field has them."""
        for start, part in reversed(self.parts):
            if index >= start:
                return None if part.positions is None else part.positions.of(index - start)
        return None


NO_POSTINGS = Postings(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), ())


class Snapshot:
    """Arrays over one searcher's documents; see the module docstring."""

    def __init__(self, searcher: Searcher, store: SegmentStore, generation: int, opened_at: float):
        self.searcher = searcher
        self.generation = generation
        self.opened_at = opened_at
        self.io_lock = threading.RLock()
        self._store = store
        reader = searcher.reader()
        self._leaves = [(leaf, offset, leaf.segment().segment_id()) for leaf, offset in leaf_readers(reader)]
        self.doc_count_all = reader.doc_count_all()
        columns = [store.columns(sid, leaf) for leaf, _, sid in self._leaves]
        found = [store.sidecar(sid, leaf) for leaf, _, sid in self._leaves]
        for leaf, _, _ in self._leaves:
            open_stored(leaf)
        self._sidecars = [s if isinstance(s, Sidecar) else None for s in found]
        self.sidecar_problems = {sid: s for (_, _, sid), s in zip(self._leaves, found) if isinstance(s, str)}
        for leaf, _, sid in self._leaves:  # no second copy to fall back on: refuse rather than answer wrongly
            if sid in self.sidecar_problems and isinstance(getattr(leaf, "_terms", None), SidecarTermsReader):
                raise StorageError(f"segment {sid} has no readable postings: {self.sidecar_problems[sid]}")
        # Every document but each segment's deleted ones (walking all_doc_ids()
        # asked Python for each of 25k documents, 55 ms of every reopen).
        self.live = np.ones(self.doc_count_all, dtype=bool)
        for leaf, offset, _ in self._leaves:
            segment = leaf.segment()
            if segment.has_deletions():
                self.live[offset + np.fromiter(segment.deleted_docs(), dtype=np.int64)] = False
        self.live_count = int(self.live.sum())
        self.published = _concat([c.published for c in columns], np.int64)
        self.codes = {name: _concat([c.codes[name] for c in columns], np.int32) for name in KEYED_COLUMNS.values()}
        self._spelling_codes = {
            name: _concat([c.spellings[name] for c in columns], np.int32) for name in KEYED_COLUMNS.values()
        }
        self.lengths = {f: _concat([c.lengths[f] for c in columns], np.float64) for f in SCORED_FIELDS}
        self.avg_length = {f: (reader.field_length(f) / (self.doc_count_all or 1)) or 1 for f in SCORED_FIELDS}
        self.newest_published = int(self.published[self.live].max()) if self.live_count else None
        self.key_codes = store.key_codes
        # Global (offset, concatenated) postings of this snapshot, bounded too.
        self._terms = ByteLRU(store.postings.max_bytes // 4)
        self._headings: dict[int, tuple[str, str]] = {}
        self._memos: dict[str, BoundedMemo] = {}
        self._analysis: dict[str, tuple[Analyzer, dict]] = {}
        self._users = 0
        self._retired = False
        self._lock = threading.Lock()

    # -- terms -------------------------------------------------------------------

    def postings(self, fieldname: str, text: str, within: frozenset[str] | None = None) -> Postings:
        """The term's postings (deleted documents included: mask with ``live``);
        ``within``: only those of these segments (the others' documents are
        left out), assembled from the segments' cached parts and not kept."""
        if within is not None:
            return self._assemble(fieldname, text, within)
        return self._terms.get_or_load((fieldname, text), lambda: self._assemble(fieldname, text), _postings_bytes)

    def segments_of(self, docnums: np.ndarray) -> frozenset[str]:
        """The segments holding these documents."""
        found = set()
        for leaf, offset, sid in self._leaves:
            end = offset + leaf.doc_count_all()
            if np.any((docnums >= offset) & (docnums < end)):
                found.add(sid)
        return frozenset(found)

    def adjacent(self, fieldname: str, first: str, second: str) -> Postings:
        """A compound written apart (``ibu kota`` for ``ibukota``): the documents
        with the two words next to each other in the field's positional twin,
        and how often (see :meth:`_apart`)."""
        # The stemmed field and its exact twin read the same positions: one entry.
        positional = positional_twin(fieldname)
        key = (positional, first, second)
        return self._terms.get_or_load(key, lambda: self._apart(positional, first, second), _postings_bytes)

    def _apart(self, positional: str, first: str, second: str) -> Postings:
        """Kept only where the corpus attests it: in at least ``APART_MIN_DOCS``
        documents and ``APART_MIN_SHARE`` of those with the joined form, so a
        chance pair (``kali mantan`` in ``kalimantan``) adds nothing."""
        if not (self._has_term(positional, first) and self._has_term(positional, second)):
            return NO_POSTINGS  # (most pairs tried)
        found = self._in_order(positional, ((0, first), (1, second)))
        joined = self.doc_frequency(positional, first + second)
        return found if found.ids.size >= max(APART_MIN_DOCS, APART_MIN_SHARE * joined) else NO_POSTINGS

    def spanning(self, fieldname: str, words: tuple[str, ...]) -> Postings:
        """A long form (*komisi pemberantasan korupsi*): the documents with its
        words in order in the field's positional twin (``_`` any one word),
        and how often."""
        positional = positional_twin(fieldname)
        placed = tuple((offset, w) for offset, w in enumerate(words) if w != "_")
        if not placed or not all(self._has_term(positional, w) for _, w in placed):
            return NO_POSTINGS
        key = (positional, "span", *words)
        return self._terms.get_or_load(key, lambda: self._in_order(positional, placed), _postings_bytes)

    def _in_order(self, positional: str, placed: tuple[tuple[int, str], ...]) -> Postings:
        """The documents holding each ``(offset, word)`` at its offset from one
        start, and how many such starts each holds. Each segment's answer is
        found once for the segment's life (a new snapshot reads only its new
        segments')."""
        ids, counts = [], []
        for index, (_, offset, sid) in enumerate(self._leaves):
            local, found = self._store.postings.get_or_load(
                (sid, "in order", positional, placed),
                partial(self._segment_in_order, index, positional, placed),
                lambda pair: pair[0].nbytes + pair[1].nbytes + 100,
            )
            if local.size:
                ids.append(local + offset if offset else local)
                counts.append(found)
        return Postings(_concat(ids, np.int32), _concat(counts, np.float32), ())

    def _segment_postings(
        self, index: int, fieldname: str, text: str, key: tuple[bytes, int] | None = None
    ) -> SegmentPostings:
        """The term's postings in the ``index``-th segment: views of its
        sidecar, or decoded from Whoosh's blocks into the store's cache.
        ``key``: the term's bytes and :func:`term_hash`, when the caller
        probes every segment for it (made once, not once a segment)."""
        leaf, _, sid = self._leaves[index]
        sidecar = self._sidecars[index]
        if sidecar is not None:  # views of the map: nothing to decode or cache
            btext, hashed = key or _term_key(fieldname, text)
            return sidecar_postings(sidecar, fieldname, btext, hashed)
        with_values = fieldname in POSITIONAL_FIELDS
        return self._store.postings.get_or_load(
            (sid, fieldname, text), partial(self._read, leaf, fieldname, text, with_values), lambda p: p.nbytes
        )

    def _segment_in_order(
        self, index: int, positional: str, placed: tuple[tuple[int, str], ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_in_order` in one segment (local docnums). The positions of
        every word in the documents holding them all are gathered at once; a
        position less its word's offset is a start, and (document's place,
        start) one integer, so the starts every word shares are one
        intersection of integer arrays."""
        parts = [self._segment_postings(index, positional, w, _term_key(positional, w)) for _, w in placed]
        none = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
        if any(p.positions is None or not p.ids.size for p in parts):
            return none
        both = functools.reduce(_sorted_intersection, [p.ids for p in parts])
        if not both.size:
            return none
        gathered = []
        for (offset, _), part in zip(placed, parts):
            assert part.positions is not None  # (checked above)
            owner, at = part.positions.gather(np.searchsorted(part.ids, both))
            gathered.append((owner, at - offset))
        shift = max(offset for offset, _ in placed)  # every start plus this is at least 0
        stride = max(int(at.max(initial=0)) for _, at in gathered) + shift + 1
        starts = functools.reduce(_sorted_intersection, [owner * stride + at + shift for owner, at in gathered])
        found = np.bincount(starts // stride, minlength=both.size).astype(np.float32)
        keep = found > 0
        return both[keep].astype(np.int32), found[keep]

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Documents holding the term (deleted ones included), from the term
        dictionaries: no postings are read."""
        return sum(self._segment_frequencies(fieldname, text))

    def _has_term(self, fieldname: str, text: str) -> bool:
        """Whether any segment holds the term: a term-dictionary probe, where
        reading postings with positions would decode them."""
        return any(self._segment_frequencies(fieldname, text))

    def _segment_frequencies(self, fieldname: str, text: str) -> Iterator[int]:
        """Each segment's document frequency of the term, from its sidecar's
        term table or Whoosh's (under the lock), segment by segment."""
        btext, key = _term_key(fieldname, text)
        for (leaf, _, _), sidecar in zip(self._leaves, self._sidecars):
            if sidecar is not None:
                yield sidecar.doc_frequency(fieldname, btext, key)
            else:
                with self.io_lock:
                    yield int(leaf.doc_frequency(fieldname, text))

    def _assemble(self, fieldname: str, text: str, within: frozenset[str] | None = None) -> Postings:
        """A term's global postings from its per-segment parts (cached per segment)."""
        parts, ids, tfs, start = [], [], [], 0
        key = _term_key(fieldname, text)
        for index, (_, offset, sid) in enumerate(self._leaves):
            if within is not None and sid not in within:
                continue
            part = self._segment_postings(index, fieldname, text, key)
            if part.ids.size:
                parts.append((start, part))
                ids.append(part.ids + offset if offset else part.ids)
                tfs.append(part.tf)
                start += part.ids.size
        return Postings(_concat(ids, np.int32), _concat(tfs, np.float32), tuple(parts))

    def _read(self, leaf, fieldname: str, text: str, with_values: bool) -> SegmentPostings:
        with self.io_lock:
            return read_postings(leaf, fieldname, text, with_values)

    def positions(
        self, fieldname: str, text: str, docnums: np.ndarray, within: frozenset[str] | None = None
    ) -> dict[int, list[int]]:
        """Token positions of a term in each of ``docnums`` that contains it
        (``within``: segments that hold all of ``docnums``, see :meth:`postings`)."""
        postings = self.postings(fieldname, text, within)
        if not postings.ids.size or not docnums.size:
            return {}
        where = np.searchsorted(postings.ids, docnums)
        where[where >= postings.ids.size] = 0
        found = postings.ids[where] == docnums
        out = {}
        for doc, index in zip(docnums[found].tolist(), where[found].tolist()):
            found = postings.positions_of(index)
            if found is not None:
                out[doc] = found
        return out

    # -- stored fields -------------------------------------------------------------

    def stored(self, docnum: int) -> dict:
        with self.io_lock:
            return self.searcher.stored_fields(docnum)

    def _heading(self, docnum: int) -> tuple[str, str]:
        """(id, title) of a document, remembered for this snapshot (reading
        stored fields unpickles the whole article)."""
        found = self._headings.get(docnum)
        if found is None:
            stored = self.stored(docnum)
            found = self._headings[docnum] = (stored["id"], stored["title"])
        return found

    def article_id(self, docnum: int) -> str:
        return self._heading(docnum)[0]

    def title(self, docnum: int) -> str:
        return self._heading(docnum)[1]

    def analysis(self, fieldname: str) -> tuple[Analyzer, dict]:
        """The analyzer this index was built with for a field (from its schema:
        what the index holds for a text, so highlights agree with matches),
        and a memo for what it made of text (see :meth:`SegmentStore.analysis`)."""
        found = self._analysis.get(fieldname)
        if found is None:
            analyzer = self.searcher.schema[fieldname].analyzer
            found = self._analysis[fieldname] = self._store.analysis(fieldname, analyzer)
        return found

    def label(self, column: str, code: int) -> str:
        """How a key is shown: the spelling most of this snapshot's articles
        give it ("Selebriti" 1,562 over "SELEBRITI" 873; a section counts the
        spellings of the paths under it), an all-lowercase one capitalised."""
        if column not in SPELLED_COLUMNS:  # authors are shown by their key, as before
            return self.key_codes[column].label(code)
        memo = self.memo("labels")
        table = memo.get(column)
        if table is None:
            table = memo[column] = self._labels(column)
        return table.get(code) or readable_label(self.key_codes[column].label(code))

    def _labels(self, column: str) -> dict[int, str]:
        spelled = self._store.spellings[column]
        found, counts = np.unique(self._spelling_codes[column][self.live], return_counts=True)
        tally: dict[int, dict[str, int]] = {}
        for code, n in zip(found.tolist(), counts.tolist()):
            for key_code, spelling in spelled.attests[code]:
                votes = tally.setdefault(key_code, {})
                votes[spelling] = votes.get(spelling, 0) + n
        return {k: readable_label(max(votes, key=lambda sp: (votes[sp], sp))) for k, votes in tally.items()}

    def memo(self, name: str, limit: int | None = None) -> BoundedMemo:
        """A memo that lives as long as this snapshot (derived per-document or
        per-query values); ``limit`` bounds it (see :class:`BoundedMemo`)."""
        return self._memos.setdefault(name, BoundedMemo(limit))  # one memo per name, whichever thread asks first

    def docnum_of(self, article_id: str) -> int | None:
        with self.io_lock:
            return self.searcher.document_number(id=article_id)

    def newest_datetime(self):
        """The newest live article's publication time (aware), or None."""
        from whoosh.util.times import long_to_datetime

        return from_utc_naive(long_to_datetime(self.newest_published)) if self.newest_published else None

    # -- reference counting (the manager closes a retired snapshot when unused) ----

    def _acquire(self) -> None:
        with self._lock:
            self._users += 1

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            close = self._retired and self._users == 0
        if close:
            self.searcher.close()

    def _retire(self) -> None:
        with self._lock:
            self._retired = True
            close = self._users == 0
        if close:
            self.searcher.close()

    def segment_terms(self, fieldname: str) -> list[SegmentTerms]:
        """Each segment's words in ``fieldname`` (see :meth:`SegmentStore.vocabulary`)."""
        with self.io_lock:
            return [self._store.terms(sid, leaf, fieldname) for leaf, _, sid in self._leaves]

    def shared_memo(self, name: str) -> dict:
        """A memo every snapshot of this manager shares (what a new snapshot
        may reuse of an earlier one's work)."""
        return self._store.memos.setdefault(name, {})

    def per_segment(self, name: str, build: Callable[[Callable[[str], SegmentTerms]], T]) -> list[T]:
        """``build(terms)`` per segment, made once for the segment's life;
        ``terms(fieldname)`` is that segment's words in a field."""
        with self.io_lock:
            return [
                self._store.derived(sid, name, partial(build, partial(self._store.terms, sid, leaf)))
                for leaf, _, sid in self._leaves
            ]

    @property
    def cached_bytes(self) -> int:
        """Bytes this snapshot's assembled postings hold (beyond the segment cache)."""
        return self._terms.bytes

    @property
    def cached_max_bytes(self) -> int:
        """The bound on :attr:`cached_bytes`."""
        return self._terms.max_bytes

    @property
    def segment_readers(self) -> list:
        """The Whoosh reader of each segment (read them under ``io_lock``)."""
        return [leaf for leaf, _, _ in self._leaves]

    @property
    def segment_ids(self) -> list[str]:
        return [sid for _, _, sid in self._leaves]

    @property
    def segments(self) -> list[tuple[str, int, Any]]:
        """(segment id, first document number, Whoosh reader) of each segment
        (read them under ``io_lock``)."""
        return [(sid, offset, leaf) for leaf, offset, sid in self._leaves]


def base_is_settled(base_segments: frozenset[str], segment_ids: Iterable[str]) -> bool:
    """Whether a vocabulary merged over ``base_segments`` serves a snapshot of
    ``segment_ids`` as it should: none of its segments retired by a merge, and
    no more than :data:`MAX_LOOSE_SEGMENTS` beside it, each looked up apart."""
    ids = set(segment_ids)
    return base_segments <= ids and len(ids - base_segments) <= MAX_LOOSE_SEGMENTS


def positional_twin(fieldname: str) -> str:
    """The field a field's word positions are read from: itself when it keeps
    positions, else its exact twin (the stemmed fields keep frequencies only)."""
    return fieldname if fieldname in POSITIONAL_FIELDS else fieldname + "_exact"


def _postings_bytes(postings: Postings) -> int:
    """What a cached posting list holds in memory, roughly."""
    return postings.ids.nbytes + postings.tf.nbytes + 100


def _read_terms(reader, fieldname: str) -> SegmentTerms:
    pairs = [
        (term.decode("utf-8") if isinstance(term, bytes) else term, info.doc_frequency())
        for term, info in reader.iter_field(fieldname)
    ]
    return _words([t for t, _ in pairs], np.array([d for _, d in pairs], dtype=np.int64))


def _sidecar_terms(sidecar: Sidecar, fieldname: str) -> SegmentTerms:
    return _words(*sidecar.terms(fieldname))


def _words(terms: list[str], docs: np.ndarray) -> SegmentTerms:
    """The words among a field's terms (alphabetic, two letters or more)."""
    keep = [i for i, term in enumerate(terms) if is_vocabulary_word(term)]
    return SegmentTerms([terms[i] for i in keep], docs[keep] if len(keep) else np.zeros(0, dtype=np.int64))


def _sorted_intersection(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The values in both of two sorted arrays of distinct values (document
    numbers; a document's word starts): a binary search of the shorter in the
    longer, where ``np.intersect1d`` sorts both again."""
    if first.size > second.size:
        first, second = second, first
    if not first.size:
        return first
    where = np.minimum(np.searchsorted(second, first), second.size - 1)
    return first[second[where] == first]


def _term_key(fieldname: str, text: str) -> tuple[bytes, int]:
    """A term's bytes and its sidecar hash (:func:`index.postings.term_hash`)."""
    btext = text.encode("utf-8")
    return btext, term_hash(fieldname, btext)


def _concat(arrays: list[np.ndarray], dtype) -> np.ndarray:
    if not arrays:
        return np.zeros(0, dtype=dtype)
    if len(arrays) == 1:
        return arrays[0]
    return np.concatenate(arrays)
