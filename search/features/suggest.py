"""Autocomplete: what a reader is probably typing, from the index itself.

The last word being typed is completed from the headline vocabulary (the
``title_exact`` terms, folded like the index's tokens), most frequent first;
when words come before it, a completion is ranked by how many headlines hold
it together with them, so "iuran b" offers "iuran bpjs". The vocabulary is
read per segment once, merged per snapshot, and looked up by binary search.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from index.analysis import TOKEN_PATTERN, fold_token

from ..rank.scoring import lookup
from ..reader.snapshot import Snapshot

SUGGEST_FIELD = "title_exact"
MAX_SUGGESTIONS = 10
CANDIDATES = 50  # most frequent completions considered when earlier words rank them


@dataclass(frozen=True)
class HeadlineWords:
    terms: list[str]  # sorted
    df: np.ndarray  # documents per term (deleted included: a ranking, not a count)


def headline_words(snap: Snapshot) -> HeadlineWords:
    """The snapshot's headline vocabulary, merged from its segments' (an
    engine warmer builds it before requests see the snapshot)."""
    memo = snap.memo("suggest")
    found = memo.get("vocabulary")
    if found is None:
        counts: dict[str, int] = {}
        for part in snap.segment_terms(SUGGEST_FIELD):
            for word, n in zip(part.terms, part.docs.tolist()):
                counts[word] = counts.get(word, 0) + n
        terms = sorted(counts)
        found = memo["vocabulary"] = HeadlineWords(terms, np.array([counts[t] for t in terms], dtype=np.int64))
    return found


def complete(snap: Snapshot, text: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Whole-query completions for ``text`` (the last word completed)."""
    words = [m.group(0) for m in TOKEN_PATTERN.finditer(text)]
    if not words:
        return []
    ends_with_space = text[-1:].isspace()
    before, prefix = (words, "") if ends_with_space else (words[:-1], fold_token(words[-1]))
    if not prefix:
        return []
    vocab = headline_words(snap)
    lo = bisect.bisect_left(vocab.terms, prefix)
    hi = bisect.bisect_left(vocab.terms, prefix + "\uffff", lo)
    if lo == hi:
        return []
    df = vocab.df[lo:hi]
    top = lo + np.argsort(-df, kind="stable")[: CANDIDATES if before else limit]
    candidates = [vocab.terms[i] for i in top]
    if before:
        docs = snap.postings(SUGGEST_FIELD, fold_token(before[0])).ids
        for word in before[1:]:
            ids = snap.postings(SUGGEST_FIELD, fold_token(word)).ids
            docs = docs[lookup(ids, docs)[0]]
        together = [
            int(lookup(docs, snap.postings(SUGGEST_FIELD, c).ids)[0].sum()) if docs.size else 0 for c in candidates
        ]
        ranked = sorted(zip(together, candidates), key=lambda x: -x[0])
        candidates = [c for n, c in ranked if n > 0][:limit]
    head = " ".join(w.lower() for w in before)
    return [f"{head} {c}" if head else c for c in candidates]
