"""Reranking a bounded top-K of relevance results.

Both steps work on at most a few hundred documents after BM25F has ranked
them, instead of rescoring every match (Whoosh's ``final()`` hook disables
block skipping and made queries ~2.8x slower).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from whoosh.analysis import Analyzer

from index.analysis import TALA_STOPWORDS
from index.dates import USEC_PER_DAY

RECENCY_WEIGHT = 0.5  # share of the score that decays; the rest never does (BM25F saturates: ratios are smaller)
NEAR_DUPLICATE = 0.6  # Jaccard similarity of title words


def recency_rerank(
    scored: list[tuple[int, float]], published: np.ndarray, now: int | None, half_life_days: float
) -> list[tuple[int, float]]:
    """Relevance blended with an exponential decay on age (like Elasticsearch's
    ``function_score`` exp decay): ``score * (0.5 + 0.5 * 2^(-age/half_life))``.

    Among equally relevant stories the newer wins; an old story needs more
    than ~2x the relevance of a fresh one to stay ahead. Articles newer than
    ``now`` count as age 0."""
    if now is None:
        return scored
    out = []
    for docnum, score in scored:
        age_days = max(0.0, (now - published[docnum]) / USEC_PER_DAY)
        decay = math.pow(2.0, -age_days / half_life_days)
        out.append((docnum, score * ((1 - RECENCY_WEIGHT) + RECENCY_WEIGHT * decay)))
    out.sort(key=lambda item: (-item[1], -published[item[0]]))
    return out


def title_fingerprint(title: str, exact: Analyzer) -> frozenset[str]:
    """The title's content words, as the ``exact`` (unstemmed) analyzer gives
    them for a query: folded, stopwords out, a hyphenated word whole. What
    near-duplicate titles share. Stopwords are left out here, as the index
    holds them since issue 27 (two titles differing by a *di* are one story)."""
    return frozenset(t.text for t in exact(title, mode="query") if t.text not in TALA_STOPWORDS)


def near_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    """Are two title fingerprints alike enough to be one story (Jaccard)?"""
    return alike(len(a & b), len(a), len(b))


def alike(shared: int, size_a: int, size_b: int) -> bool:
    """:func:`near_duplicate` from counts: ``shared`` words of two fingerprints
    of ``size_a`` and ``size_b`` words (folding counts them without sets)."""
    return shared / max(1, size_a + size_b - shared) >= NEAR_DUPLICATE


def fingerprint_of(snap, docnum: int) -> frozenset[str]:
    """A document's title fingerprint, computed once per snapshot."""
    memo = snap.memo("title_fingerprint")
    found = memo.get(docnum)
    if found is None:
        found = memo[docnum] = title_fingerprint(snap.title(docnum), snap.analysis("title_exact")[0])
    return found


def collapse_near_duplicates(
    ranked: list[tuple[int, float | None, list]],
    fingerprint_of: Callable[[int], frozenset[str]],
    source: np.ndarray,
    depth: int,
    fill: int = 0,
) -> list[tuple[int, float | None, list]]:
    """Fold a story that another outlet already covers, higher up, with a
    near-identical title into that hit's ``duplicates`` list.

    Greedy in rank order, so the first N results only depend on what ranks
    above them and paging stays consistent. Only the first ``depth`` results
    are examined; ``fingerprint_of`` gives a document's :func:`title_fingerprint`.
    Kept titles are indexed by word, so each title is compared only with the
    kept ones it shares words with (deep pages stay cheap).

    Folding never costs recall: when the distinct stories would not fill the
    first ``fill`` results (a rare story that every outlet covered), nothing
    is folded and every copy stays in the list."""
    head, tail = ranked[:depth], ranked[depth:]
    kept: list[tuple[int, float | None, list]] = []
    sizes: list[int] = []
    by_word: dict[str, list[int]] = {}
    for docnum, score, _ in head:
        fp = fingerprint_of(docnum)
        shared: dict[int, int] = {}  # kept hit -> words in common (a Counter costs 3x)
        for word in fp:
            for i in by_word.get(word, ()):
                shared[i] = shared.get(i, 0) + 1
        for i in sorted(shared):
            overlap = shared[i]
            if source[kept[i][0]] != source[docnum] and alike(overlap, len(fp), sizes[i]):
                kept[i][2].append(docnum)
                break
        else:
            for word in fp:
                by_word.setdefault(word, []).append(len(kept))
            kept.append((docnum, score, []))
            sizes.append(len(fp))
    if len(kept) + len(tail) < min(fill, len(ranked)):
        return ranked
    return kept + tail
