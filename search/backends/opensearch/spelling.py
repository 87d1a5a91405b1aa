"""Did-you-mean over the cluster, simpler than the Whoosh backend's
(:mod:`search.features.spelling`): OpenSearch's term suggester proposes
close words, each rare query word becomes its likeliest far more common one."""

from __future__ import annotations

from index.analysis import TALA_STOPWORDS, fold_token

from ...features.spelling import (
    ALTERNATIVES,
    COMMON_FACTOR,
    MAX_CHECKED_WORDS,
    MIN_CHECKED_LENGTH,
    MIN_CORRECTION_DOCS,
    RARE_WORD_DOCS,
    SPELLING_FIELDS,
    SUGGEST_BELOW,
)
from .cluster import Cluster
from .queries import QueryPlanner


def correction(cluster: Cluster, planner: QueryPlanner, q: str) -> tuple[str, bool] | None:
    """For a query of plain words with fewer than ``SUGGEST_BELOW`` full
    matches (filters aside), each checkable word found in fewer than
    ``RARE_WORD_DOCS`` articles becomes the cluster's likeliest close word
    (the term suggester: one edit, two from 6 letters) found
    ``COMMON_FACTOR`` times as often. (corrected text, whether search
    answers for it: no article holds the words as typed and some hold the
    correction's)."""
    words = q.split()
    if not words or len(words) > MAX_CHECKED_WORDS or not all(w.isalnum() for w in words):
        return None
    full = planner.full_matches(q)
    if full >= SUGGEST_BELOW:
        return None
    folded = [fold_token(w) for w in words]
    checked = [w for w in folded if w.isalpha() and len(w) >= MIN_CHECKED_LENGTH and w not in TALA_STOPWORDS]
    if not checked:
        return None
    suggest = {
        f"w{i}-{field}": {
            "text": word,
            "term": {
                "field": field,
                "suggest_mode": "always",
                "max_edits": 2 if len(word) >= 6 else 1,
                "min_word_length": MIN_CHECKED_LENGTH,
                "prefix_length": 0,
                "size": ALTERNATIVES,
                "analyzer": "berita_terms",
            },
        }
        for i, word in enumerate(folded)
        if word in checked
        for field in SPELLING_FIELDS
    }
    docs = cluster.call(cluster.client.search, index=cluster.index, body={"size": 0, "suggest": suggest})["suggest"]
    fixed = list(folded)
    for i, word in enumerate(folded):
        if word not in checked:
            continue
        seen = cluster.count({"bool": {"should": [{"term": {f: word}} for f in SPELLING_FIELDS]}})
        if seen >= RARE_WORD_DOCS:
            continue
        options: dict[str, tuple[float, int]] = {}
        for field in SPELLING_FIELDS:
            for entry in docs.get(f"w{i}-{field}", []):
                for option in entry["options"]:
                    best = options.get(option["text"], (0.0, 0))
                    options[option["text"]] = (max(best[0], option["score"]), max(best[1], option["freq"]))
        likely = [
            (score, freq, text)
            for text, (score, freq) in options.items()
            if freq >= max(MIN_CORRECTION_DOCS, COMMON_FACTOR * seen) and text.isalpha()
        ]
        if likely:
            fixed[i] = max(likely)[2]
    if fixed == folded:
        return None
    corrected = " ".join(f if f != w else typed for f, w, typed in zip(fixed, folded, words))
    found = planner.full_matches(corrected)
    if found <= full:
        return None
    return corrected, full == 0
