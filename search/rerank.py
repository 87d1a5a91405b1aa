"""Reranking a bounded top-K of relevance results.

Both steps work on at most a few hundred documents after BM25F has ranked
them, instead of rescoring every match (Whoosh's ``final()`` hook disables
block skipping and made queries ~2.8x slower).
"""

from __future__ import annotations

import math
from typing import Callable

from index.analysis import TALA_STOPWORDS, TOKEN_PATTERN, fold

USEC_PER_DAY = 86_400 * 1_000_000
RECENCY_WEIGHT = 0.7   # share of the score that decays; the rest never does
NEAR_DUPLICATE = 0.6   # Jaccard similarity of title words


def recency_rerank(scored: list[tuple[int, float]], published: list[int], now: int | None,
                   half_life_days: float) -> list[tuple[int, float]]:
    """Relevance blended with an exponential decay on age (like Elasticsearch's
    ``function_score`` exp decay): ``score * (0.3 + 0.7 * 2^(-age/half_life))``.

    Among equally relevant stories the newer wins; an old story needs more
    than ~3x the relevance of a fresh one to stay ahead. Articles newer than
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


def title_fingerprint(title: str) -> frozenset[str]:
    """The title's content words, folded: what near-duplicate titles share."""
    words = (fold(m.group(0)) for m in TOKEN_PATTERN.finditer(title))
    return frozenset(w for w in words if w not in TALA_STOPWORDS)


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= NEAR_DUPLICATE


def collapse_near_duplicates(ranked: list[tuple[int, float | None, list]],
                             fingerprint_of: Callable[[int], frozenset[str]],
                             source: list[str], depth: int) -> list[tuple[int, float | None, list]]:
    """Fold a story that another outlet already covers, higher up, with a
    near-identical title into that hit's ``duplicates`` list.

    Greedy in rank order, so the first N results only depend on what ranks
    above them and paging stays consistent. Only the first ``depth`` results
    are examined; ``fingerprint_of`` gives a document's :func:`title_fingerprint`."""
    head, tail = ranked[:depth], ranked[depth:]
    kept: list[tuple[int, float | None, list]] = []
    prints: list[frozenset[str]] = []
    for docnum, score, _ in head:
        fp = fingerprint_of(docnum)
        for i, (kept_doc, _, dups) in enumerate(kept):
            if source[kept_doc] != source[docnum] and similar(fp, prints[i]):
                dups.append(docnum)
                break
        else:
            kept.append((docnum, score, []))
            prints.append(fp)
    return kept + tail
