"""Did-you-mean: corrections for query words, chosen in their query's context.

Two parts, as Lucene's ``DirectSpellChecker`` and Elasticsearch's phrase
suggester divide the work:

- :class:`CorrectionIndex`, made off the request path (an engine warmer) from
  the exact-form vocabulary of titles and bodies with document counts, read
  per segment and kept while the segment lives: a merged base plus the few
  segments commits added since, and of them the words common enough to be a
  correction, by length, with letter masks. A request only compares strings
  in memory (numpy, then rapidfuzz's optimal-string-alignment distance in
  C++): no term-list walk, no lock held across the work.
- :func:`correct`, for a query with few full matches: each plain word may stay
  or become a close, far more common word (or two words, for a missing space);
  each combination is scored by how many articles hold its words together (a
  document co-occurrence language model over the index's own stems) less a
  cost per edit (the noisy channel). The query is changed only when a
  combination beats the query as typed: a correct rare word that its
  neighbours find stays.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property, partial

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from index.analysis import TALA_STOPWORDS, fold

from ..memo import BoundedMemo
from ..query.syntax import Word, parse_user_query
from ..rank.scoring import Deadline, lookup
from ..reader.snapshot import SegmentTerms, Snapshot, base_is_settled

SPELLING_FIELDS = ("title_exact", "body_exact")  # the forms readers type
MIN_CORRECTION_DOCS = 2  # a correction is a word found twice (titles and bodies) or more...
COMMON_FACTOR = 5  # ...and this many times more than the word it replaces
MIN_CHECKED_LENGTH = 4  # shorter words are too ambiguous to correct
RARE_WORD_DOCS = 20  # a word found this often (titles and bodies) is taken as meant
SUGGEST_BELOW = 5  # fewer full matches than this (filters aside): look for a spelling correction
MAX_CHECKED_WORDS = 8  # correction work per query is bounded
ALTERNATIVES = 3  # corrections considered per word (the most likely first)
MAX_COMBINATIONS = 64  # combinations of corrections scored per query
NEAR_MEMO = 20_000  # words whose corrections a snapshot remembers
EDIT_COST = math.log(20)  # an edit must be backed by 20x the co-occurring articles


def max_distance(word: str) -> int:
    """Edits a word of this length may have suffered (one for short words,
    where two would reach too many other words)."""
    return 1 if len(word) <= 5 else 2


def letter_mask(word: str) -> int:
    """The letters a word holds, one bit each: an edit changes at most two
    bits, so words ``d`` edits apart differ in at most ``2 d`` bits."""
    mask = 0
    for ch in word:
        mask |= 1 << (ord(ch) & 31)
    return mask


class Band:
    """The words of one length in one segment, with their letter masks: what
    rules most of them out before a string is compared."""

    def __init__(self, terms: list[str]):
        self.terms = np.array(terms, dtype=object)  # picked by index arrays, in C
        codes = np.array(terms).view(np.uint32).reshape(len(terms), -1)  # one length: no padding
        self.masks = np.bitwise_or.reduce(np.left_shift(np.uint32(1), codes & 31), axis=1).astype(np.uint32)

    def close(self, mask: int, limit: int) -> list[str]:
        """The terms whose letters allow them to be ``limit`` edits from a word
        with letter mask ``mask``."""
        return self.terms[np.bitwise_count(self.masks ^ np.uint32(mask)) <= 2 * limit].tolist()


class SegmentWords:
    """Exact-form words of titles and bodies with their document counts, and
    by length those found often enough to be a correction: of one segment, or
    merged over several (see :meth:`CorrectionIndex.of_snapshot`)."""

    def __init__(self, docs: Mapping[str, int]):
        self.docs = dict(docs)
        self.segments: frozenset[str] = frozenset()  # of a merged base: the segments it holds...
        self.members: dict[str, SegmentWords] = {}  # ...and each one's words (counted out once retired)

    @cached_property
    def bands(self) -> dict[int, Band]:
        """Made only for the words that are looked up (a merged base, the loose
        segments), not for a segment that only feeds a base."""
        by_length: dict[int, list[str]] = {}
        for term, n in self.docs.items():
            if n >= MIN_CORRECTION_DOCS:  # (a word once in each of two segments is left out until they merge)
                by_length.setdefault(len(term), []).append(term)
        return {length: Band(terms) for length, terms in by_length.items()}

    @classmethod
    def of(cls, vocabulary: Callable[[str], SegmentTerms]) -> SegmentWords:
        docs: dict[str, int] = {}
        for fieldname in SPELLING_FIELDS:
            part = vocabulary(fieldname)
            for term, n in zip(part.terms, part.docs.tolist()):
                docs[term] = docs.get(term, 0) + n
        return cls(docs)


def _merged(parts: Iterable[SegmentWords]) -> dict[str, int]:
    """The words of several parts with their counts added up."""
    merged: dict[str, int] = {}
    for part in parts:
        for term, n in part.docs.items():
            merged[term] = merged.get(term, 0) + n
    return merged


class CorrectionIndex:
    """One snapshot's words for corrections: its segments' (see the module
    docstring), counted together at lookup."""

    def __init__(self, parts: list[SegmentWords], retired: Sequence[SegmentWords] = (), settled: bool = True):
        self.parts = parts
        self.retired = retired  # segments the base counts that a merge has replaced: counted out
        self.settled = settled  # False: the base counts retired segments, or too many are loose
        self._near = BoundedMemo(NEAR_MEMO)  # popular typos come back

    @classmethod
    def of_snapshot(cls, snap: Snapshot, settle: bool = False) -> CorrectionIndex:
        """A merged base of the segments an earlier snapshot held, plus the
        few segments commits have added since, each on its own: a commit
        costs its new segments only. Merging the base again costs the whole
        vocabulary (200 ms on the corpus), so it is done only with ``settle``
        (the refresher, when idle: :func:`settle`); until then the segments
        a merge retired are counted out of the base, and the merged segment is
        one more beside it."""
        memo = snap.shared_memo("spelling")
        ids = snap.segment_ids
        base: SegmentWords | None = memo.get("base")
        per_segment = snap.per_segment("spelling", SegmentWords.of)
        if base is None or (settle and not base_is_settled(base.segments, ids)):
            base = SegmentWords(_merged(per_segment))
            base.segments = frozenset(ids)
            base.members = dict(zip(ids, per_segment))
            memo["base"] = base
        loose = [w for sid, w in zip(ids, per_segment) if sid not in base.segments]
        alive = set(ids)
        retired = [words for sid, words in base.members.items() if sid not in alive]
        for words in (base, *loose):
            words.bands  # noqa: B018  # made here, on the warmer's thread, not by a request
        return cls([base, *loose], retired, base_is_settled(base.segments, ids))

    def count(self, term: str) -> int:
        """Documents holding the word (titles and bodies counted apart)."""
        return sum(part.docs.get(term, 0) for part in self.parts) - sum(part.docs.get(term, 0) for part in self.retired)

    def counts(self) -> dict[str, int]:
        """Every word with its count (for tools: requests never merge them)."""
        counted = _merged(self.parts)
        for part in self.retired:
            for term, n in part.docs.items():
                counted[term] -= n
        return {term: n for term, n in counted.items() if n > 0}

    def near(self, word: str, at_least: int) -> list[tuple[str, int]]:
        """(term, distance) of the words within :func:`max_distance` of
        ``word`` that are in ``at_least`` documents (and at least
        :data:`MIN_CORRECTION_DOCS`), the likeliest first (fewest edits
        weighed against frequency)."""
        key = (word, at_least)
        known = self._near.get(key)
        if known is not None:
            return known
        limit, mask = max_distance(word), letter_mask(word)
        choices = {
            term
            for part in self.parts
            for length in range(len(word) - limit, len(word) + limit + 1)
            if (band := part.bands.get(length)) is not None
            for term in band.close(mask, limit)
            if term not in TALA_STOPWORDS  # indexed since issue 27, never a correction
        }
        found = {
            term: int(distance)
            for term, distance, _ in process.extract(word, choices, scorer=OSA.distance, score_cutoff=limit, limit=None)
            if distance
        }
        return self._near.remember(key, likeliest({t: (d, self.count(t)) for t, d in found.items()}, at_least))

    def splits(self, word: str, at_least: int) -> list[tuple[str, str]]:
        """Two known words that ``word`` runs together (a missing space), the
        most common pair first."""
        return splits_of(word, self.count, at_least)


def likeliest(found: Mapping[str, tuple[int, int]], at_least: int) -> list[tuple[str, int]]:
    """(term, distance) of the ``ALTERNATIVES`` likeliest corrections among
    ``found`` (term -> (distance, documents)) in ``at_least`` documents (and
    at least :data:`MIN_CORRECTION_DOCS`): fewest edits weighed against frequency."""
    floor = max(at_least, MIN_CORRECTION_DOCS)
    counted = [(term, distance, n) for term, (distance, n) in found.items() if n >= floor]
    counted.sort(key=lambda f: (EDIT_COST * f[1] - math.log(f[2]), f[0]))
    return [(term, distance) for term, distance, _ in counted[:ALTERNATIVES]]


def split_points(word: str) -> list[tuple[str, str]]:
    """The ways ``word`` may be two words run together (each two letters or
    more, neither a stopword)."""
    return [
        (word[:i], word[i:])
        for i in range(2, len(word) - 1)
        if word[:i] not in TALA_STOPWORDS and word[i:] not in TALA_STOPWORDS
    ]


def splits_of(word: str, count: Callable[[str], int], at_least: int) -> list[tuple[str, str]]:
    """Two words in ``at_least`` documents each (``count``: titles and bodies
    counted apart) that ``word`` runs together, the most common pair first."""
    floor = max(at_least, MIN_CORRECTION_DOCS)
    counted = ((count(a), count(b), a, b) for a, b in split_points(word))
    pairs = [(min(n, m), a, b) for n, m, a, b in counted if n >= floor and m >= floor]
    pairs.sort(reverse=True)
    return [(a, b) for _, a, b in pairs[:ALTERNATIVES]]


class Choice:
    """What may stand for one query word: itself, or a correction at a cost.
    Its articles are read only when a combination that holds it could win:
    ``bound`` (at least as many as it has) says whether one could."""

    def __init__(self, text: str, cost: float, load: Callable[[], np.ndarray | None], bound: float, joins_next=False):
        self.text = text
        self.cost = cost
        self.bound = bound
        self.joins_next = joins_next  # the word and the next one were one word split apart
        self._load = load

    @cached_property
    def docs(self) -> np.ndarray | None:
        """Live articles holding it (all its parts, for a split); None: any (a stopword)."""
        return self._load()


def _known(text: str, docs: np.ndarray | None) -> Choice:
    """A choice whose articles are known already."""
    return Choice(text, 0.0, lambda: docs, math.inf if docs is None else docs.size)


JOINED = _known("", None)  # the word was joined to the one before it
END = _known("", None)  # after the last word: nothing to join


def plain_words(q: str) -> list[str]:
    """The query's unscoped, unquoted, not excluded words (what a typo can be in)."""
    out: list[str] = []
    stack = [parse_user_query(q)]
    while stack:
        node = stack.pop()
        if isinstance(node, Word):
            if node.field is None and not node.phrase:
                out.append(node.text)
        elif hasattr(node, "children"):
            stack.extend(reversed(node.children))  # type: ignore[arg-type]  # a Group's children are nodes
    return out


def _together(arrays: Iterable[np.ndarray | None]) -> np.ndarray:
    """The articles in every one of ``arrays`` (sorted docnums; None stands
    for every article)."""
    ordered = sorted((a for a in arrays if a is not None), key=len)
    if not ordered:
        return np.zeros(0, dtype=np.int64)
    docs = ordered[0]
    for other in ordered[1:]:
        if not docs.size:
            break
        docs = docs[lookup(other, docs)[0]]
    return docs


def checkable(folded: str) -> bool:
    """Whether a folded query word is one a correction is looked for."""
    return folded.isalpha() and len(folded) >= MIN_CHECKED_LENGTH and folded not in TALA_STOPWORDS


def _seen(snap: Snapshot, folded: str) -> int:
    """Documents holding the form as typed, in titles and bodies counted apart
    (the search has read these postings already)."""
    return sum(snap.postings(f, folded).ids.size for f in SPELLING_FIELDS)


def _written(snap: Snapshot, folded: str) -> np.ndarray:
    """The live articles that write the form as typed."""
    docs = np.union1d(*(snap.postings(f, folded).ids for f in SPELLING_FIELDS))
    return docs[snap.live[docs]]


def has_unknown_word(snap: Snapshot, q: str) -> bool:
    """Whether a plain word of ``q`` is written as no article writes it (found,
    if at all, only through its stem or as two words): the one case where a
    query with many full matches is still checked."""
    return any(checkable(f) and not _seen(snap, f) for f in map(fold, plain_words(q)[:MAX_CHECKED_WORDS]))


def correct(
    snap: Snapshot,
    index: CorrectionIndex,
    word_docs: Callable[[str], np.ndarray | None],
    word_bound: Callable[[str], float],
    q: str,
    full_matches: int,
    deadline: Deadline,
) -> str | None:
    """``q`` with its likely typos corrected, or None when no correction
    finds more articles than the query as typed does (``full_matches``) by
    the margin its edits cost; a query with a word no article writes that way
    gives way to any correction whose words are found together. Words found
    in :data:`RARE_WORD_DOCS` documents stay. ``word_docs`` gives the live
    articles a word matches as search matches it (its stems), ``word_bound``
    at least as many as that, cheaply (document frequencies)."""

    def alternative(text: str, cost: float, joins_next: bool = False) -> Choice:
        return Choice(text, cost, lambda: word_docs(text), word_bound(text), joins_next)

    def split(a: str, b: str) -> Choice:
        return Choice(f"{a} {b}", EDIT_COST, lambda: _together([word_docs(a), word_docs(b)]), word_bound(a))

    words = plain_words(q)[:MAX_CHECKED_WORDS]
    options: list[list[Choice]] = []
    all_seen = True
    for word in words:
        if deadline.passed():
            return None
        folded = fold(word)
        seen = _seen(snap, folded) if checkable(folded) else RARE_WORD_DOCS
        if seen >= RARE_WORD_DOCS:
            options.append([alternative(word, 0.0)])
            continue
        all_seen = all_seen and seen > 0
        # A rare form counts where it is written as typed, not through its stem
        # (korupsii stems to korupsi): the typo must not win on its correction's articles.
        typed = _known(word, _written(snap, folded))
        at_least = max(MIN_CORRECTION_DOCS, COMMON_FACTOR * seen)
        choices = [typed]
        choices += [alternative(t, EDIT_COST * d) for t, d in index.near(folded, at_least)]
        if not seen:  # an unknown word may be two run together
            choices += [split(a, b) for a, b in index.splits(folded, at_least)]
        options.append(choices)
    add_joins(options, [fold(w) for w in words], partial(_seen, snap), index.count, alternative)
    # The query as typed: found together in full_matches articles, or (a word no
    # article writes so) nowhere, when any correction found together beats it.
    best_score, best = math.log1p(full_matches) if all_seen else -math.inf, None
    combinations = [
        (math.log1p(min(c.bound for c in combination)) - sum(c.cost for c in combination), combination)
        for combination in combinations_of(options)
    ]
    combinations.sort(key=lambda c: -c[0])  # the likeliest first: the rest often need no reading
    for bound, combination in combinations:
        if deadline.passed() or bound <= best_score:
            break
        together = _together(c.docs for c in combination).size
        if not together:
            continue
        score = math.log1p(together) - sum(c.cost for c in combination)
        if score > best_score:
            best_score, best = score, combination
    return None if best is None else rewritten(q, words, best)


def add_joins(
    options: list[list[Choice]],
    folded: list[str],
    seen: Callable[[str], int],
    count: Callable[[str], int],
    alternative: Callable[..., Choice],
) -> None:
    """Add to ``options`` each pair of words split apart (kecela kaan): one of
    them written nowhere, the two joined found ``COMMON_FACTOR`` times as often."""
    for i in range(len(options) - 1):
        first, second = folded[i], folded[i + 1]
        parts_seen = [seen(w) for w in (first, second)]
        joined, at_least = first + second, max(MIN_CORRECTION_DOCS, COMMON_FACTOR * max(parts_seen))
        if joined.isalpha() and min(parts_seen) == 0 and count(joined) >= at_least:
            options[i].append(alternative(joined, EDIT_COST, joins_next=True))
            options[i + 1].append(JOINED)


def combinations_of(options: list[list[Choice]]) -> list[tuple[Choice, ...]]:
    """The corrected queries worth scoring: the most promising choices of the
    words that have any, at most ``MAX_COMBINATIONS``, each changing something
    and joining words only where both agree (``options`` is cut to fit)."""
    if all(len(o) == 1 for o in options):
        return []
    while math.prod(len(o) for o in options) > MAX_COMBINATIONS:
        widest = max(options, key=len)
        widest.pop()
    return [
        combination
        for combination in itertools.product(*options)
        if any(c.cost for c in combination)
        and all(a.joins_next == (b is JOINED) for a, b in zip(combination, combination[1:] + (END,)))
    ]


def rewritten(q: str, words: list[str], best: Sequence[Choice]) -> str:
    """``q`` with each word (or pair joined) that ``best`` changes replaced."""
    corrected = q
    for i, choice in enumerate(best):
        if choice.cost:  # (corrections are letters and spaces: nothing re.sub reads as an escape)
            as_typed = r"\s+".join(map(re.escape, words[i : i + 2] if choice.joins_next else words[i : i + 1]))
            corrected = re.sub(rf"(?<!\w){as_typed}(?!\w)", choice.text, corrected, count=1)
    return corrected


def corrections(snap: Snapshot) -> CorrectionIndex:
    """The snapshot's correction index (an engine warmer builds it before
    requests see the snapshot; here for one no warmer saw)."""
    memo = snap.memo("spelling")
    found = memo.get("index")
    return found if found is not None else memo.setdefault("index", CorrectionIndex.of_snapshot(snap))


def settle(snap: Snapshot) -> None:
    """Merge the snapshot's correction base again if it is unsettled (the
    refresher's idle work: never on a request, never delaying a commit's
    visibility)."""
    if not corrections(snap).settled:
        snap.memo("spelling")["index"] = CorrectionIndex.of_snapshot(snap, settle=True)
