"""More like this: an article's related coverage and the same story elsewhere.

The article's distinctive words are its stems weighted by tf-idf over title
(counted twice) and body; the engine then searches for any of them (BM25F).
The search is the engine's pipeline with the dates ``within_days`` of the
article as its filter. Among the results, articles from other outlets whose titles are near-identical
(the folding rule's fingerprints) are "the same story elsewhere"; the rest are
related stories. The article itself is never listed.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from index.analysis import TALA_STOPWORDS
from index.dates import USEC_PER_DAY

from ..query import plan
from ..query.compile import Weights
from ..rank.filters import Filters
from ..rank.pipeline import TopDocs, candidates_of
from ..rank.rerank import fingerprint_of, near_duplicate
from ..rank.scoring import Evaluation
from ..reader.snapshot import Snapshot

DISTINCTIVE_WORDS = 12
MAX_WITHIN_DAYS = 3650


@dataclass(frozen=True)
class Related:
    terms: list[str]  # the distinctive words searched for
    related: list[tuple[int, float]]
    same_story: list[tuple[int, float]]


def distinctive_terms(snap: Snapshot, analyzer, title: str, body: str, limit: int = DISTINCTIVE_WORDS) -> list[str]:
    """Stems by tf-idf: the title's twice, the body's once; words in at least
    two articles (a word only this article has finds nothing else)."""
    tf: Counter[str] = Counter()
    for text, weight in ((title, 2), (body, 1)):
        for token in analyzer(text):
            word = token.text
            if word.isalpha() and len(word) > 2 and word not in TALA_STOPWORDS:
                tf[word] += weight
    scored = []
    for word, count in tf.items():
        df = max(snap.postings("title", word).ids.size, snap.postings("body", word).ids.size)
        if df >= 2:
            scored.append((count * math.log(snap.doc_count_all / df), word))
    return [word for _, word in sorted(scored, reverse=True)[:limit]]


def related_articles(
    ev: Evaluation, analyzer, weights: Weights, docnum: int, stored: dict, size: int, within_days: int | None
) -> Related:
    snap = ev.snap
    terms = distinctive_terms(snap, analyzer, stored["title"], stored.get("body", ""))
    if not terms:
        return Related([], [], [])
    query = plan.Any(
        tuple(plan.Token((plan.Term("title", t, weights.title), plan.Term("body", t, weights.body))) for t in terms)
    )
    cand = ev.docs(query)
    cand = cand[snap.live[cand] & (cand != docnum)]
    when = int(snap.published[docnum])
    gap = None if within_days is None else within_days * USEC_PER_DAY
    within = Filters(None, None, {}) if gap is None else Filters(when - gap, when + gap, {})
    ranked = candidates_of(ev, query, within, cand).collect(TopDocs("relevance", 0, 4 * size + 20))
    own_print = fingerprint_of(snap, docnum)
    own_source = snap.codes["source"][docnum]
    related: list[tuple[int, float]] = []
    same: list[tuple[int, float]] = []
    for d, s, _ in ranked.entries:
        assert s is not None  # ranked by relevance
        if near_duplicate(own_print, fingerprint_of(snap, d)) and snap.codes["source"][d] != own_source:
            same.append((d, s))
        elif len(related) < size:
            related.append((d, s))
    return Related(terms, related, same[:size])
