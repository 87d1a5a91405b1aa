"""Autocomplete: what a reader is probably typing, from the index itself.

The last word being typed is completed from the headline vocabulary (the
``title_exact`` terms, folded like the index's tokens), most frequent first;
when words come before it, a completion is ranked by how many headlines hold
it together with them, so "iuran b" offers "iuran bpjs". The vocabulary is
read per segment once, merged per snapshot, and looked up by binary search.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from index.analysis import TOKEN_PATTERN, fold_token

from ..rank.scoring import lookup
from ..reader.snapshot import SegmentTerms, Snapshot, base_is_settled

SUGGEST_FIELD = "title_exact"
MAX_SUGGESTIONS = 10
CANDIDATES = 50  # most frequent completions considered when earlier words rank them


@dataclass(frozen=True)
class HeadlineWords:
    terms: list[str]  # sorted
    df: np.ndarray  # documents per term (deleted included: a ranking, not a count)
    segments: frozenset[str] = frozenset()  # of a merged base: the segments it holds...
    members: dict[str, SegmentTerms] = field(default_factory=dict)  # ...each one's words (counted out once retired)

    def span(self, prefix: str) -> tuple[int, int]:
        """The rows of the terms that start with ``prefix``."""
        lo = bisect.bisect_left(self.terms, prefix)
        return lo, bisect.bisect_left(self.terms, prefix + "\uffff", lo)

    def count(self, term: str) -> int:
        lo, hi = bisect.bisect_left(self.terms, term), bisect.bisect_right(self.terms, term)
        return int(self.df[lo]) if hi > lo else 0


def _merged(members: dict[str, SegmentTerms]) -> HeadlineWords:
    counts: dict[str, int] = {}
    for part in members.values():
        for word, n in zip(part.terms, part.docs.tolist()):
            counts[word] = counts.get(word, 0) + n
    terms = sorted(counts)
    return HeadlineWords(terms, np.array([counts[t] for t in terms], dtype=np.int64), frozenset(members), members)


@dataclass(frozen=True)
class Vocabulary:
    """A snapshot's headline words: the base, the segments added since it was
    merged (counted in), and those of its segments a merge has retired since
    (counted out)."""

    base: HeadlineWords
    loose: list[HeadlineWords]
    retired: list[HeadlineWords]


def headline_words(snap: Snapshot, settle: bool = False) -> Vocabulary:
    """The snapshot's headline vocabulary: a merged base of the segments an
    earlier snapshot held, then the segments commits have added since, each
    on its own, so that a commit costs its new segments only. As the
    correction index's base (:meth:`~.spelling.CorrectionIndex.of_snapshot`),
    the base is merged again only with ``settle``, by the refresher when idle.
    An engine warmer builds it before requests see the snapshot."""
    memo = snap.memo("suggest")
    found = memo.get("vocabulary")
    if found is None or settle:
        shared = snap.shared_memo("suggest")
        ids = snap.segment_ids
        per_segment = dict(zip(ids, snap.segment_terms(SUGGEST_FIELD)))
        base: HeadlineWords | None = shared.get("base")
        if base is None or (settle and not base_is_settled(base.segments, ids)):
            base = shared["base"] = _merged(per_segment)
        loose = [HeadlineWords(t.terms, t.docs) for sid, t in per_segment.items() if sid not in base.segments]
        retired = [HeadlineWords(t.terms, t.docs) for sid, t in base.members.items() if sid not in per_segment]
        found = memo["vocabulary"] = Vocabulary(base, loose, retired)
    return found


def settle(snap: Snapshot) -> None:
    """Merge the snapshot's headline base again if it is unsettled."""
    if not base_is_settled(headline_words(snap).base.segments, snap.segment_ids):
        headline_words(snap, settle=True)


def _completions(vocabulary: Vocabulary, prefix: str, wanted: int) -> list[str]:
    """The ``wanted`` most frequent terms starting with ``prefix``: the base's
    most frequent, with room for each term a later or retired segment moves."""
    extra: dict[str, int] = {}
    for parts, sign in ((vocabulary.loose, 1), (vocabulary.retired, -1)):
        for part in parts:
            lo, hi = part.span(prefix)
            for term, n in zip(part.terms[lo:hi], part.df[lo:hi].tolist()):
                extra[term] = extra.get(term, 0) + sign * n
    base = vocabulary.base
    lo, hi = base.span(prefix)
    top = lo + np.argsort(-base.df[lo:hi], kind="stable")[: wanted + len(extra)]
    totals = {base.terms[i]: int(base.df[i]) for i in top}
    for term, n in extra.items():
        totals[term] = totals.get(term, base.count(term)) + n
    return sorted((t for t in totals if totals[t] > 0), key=lambda t: (-totals[t], t))[:wanted]


def typed(text: str) -> tuple[list[str], str] | None:
    """(the words before the one being typed, as typed; its folded prefix),
    or None when no word is being typed (nothing, or a space after the last)."""
    words = [m.group(0) for m in TOKEN_PATTERN.finditer(text)]
    if not words or text[-1:].isspace():
        return None
    prefix = fold_token(words[-1])
    return (words[:-1], prefix) if prefix else None


def ranked_together(candidates: list[str], together: list[int], limit: int) -> list[str]:
    """The candidates headlines hold with the earlier words, most such
    headlines first (ties keep the candidates' order: most frequent first)."""
    ranked = sorted(zip(together, candidates), key=lambda x: -x[0])
    return [c for n, c in ranked if n > 0][:limit]


def whole_queries(before: list[str], completions: list[str]) -> list[str]:
    """The completions as whole queries: the earlier words, lower case, then each."""
    head = " ".join(w.lower() for w in before)
    return [f"{head} {c}" if head else c for c in completions]


def complete(snap: Snapshot, text: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Whole-query completions for ``text`` (the last word completed)."""
    found = typed(text)
    if found is None:
        return []
    before, prefix = found
    candidates = _completions(headline_words(snap), prefix, CANDIDATES if before else limit)
    if not candidates:
        return []
    if before:
        docs = snap.postings(SUGGEST_FIELD, fold_token(before[0])).ids
        for word in before[1:]:
            ids = snap.postings(SUGGEST_FIELD, fold_token(word)).ids
            docs = docs[lookup(ids, docs)[0]]
        together = [
            int(lookup(docs, snap.postings(SUGGEST_FIELD, c).ids)[0].sum()) if docs.size else 0 for c in candidates
        ]
        candidates = ranked_together(candidates, together, limit)
    return whole_queries(before, candidates)
