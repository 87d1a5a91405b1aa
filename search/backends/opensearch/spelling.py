"""Did-you-mean over the cluster, as the Whoosh backend corrects
(:func:`search.features.spelling.correct`), with the cluster's own means.

OpenSearch's term suggester (Lucene's ``DirectSpellChecker`` over the exact
forms of titles and bodies) proposes the close words of each rare query word;
they are ranked as the Whoosh corrector ranks its own (fewest edits weighed
against frequency, document counts from a ``filters`` aggregation). A word
no article writes may also be two words run together, and two words one
split apart. Each combination is then scored by how many articles hold its
words together, every combination counted in one ``msearch``, less a cost
per edit (the noisy channel); the query changes only when a combination
beats the query as typed, so a correct rare word its neighbours find stays.
"""

from __future__ import annotations

import math

from rapidfuzz.distance import OSA

from index.analysis import TALA_STOPWORDS, fold, is_vocabulary_word
from index.opensearch.documents import STEMMED_FIELDS

from ...features.spelling import (
    COMMON_FACTOR,
    EDIT_COST,
    MAX_CHECKED_WORDS,
    MIN_CHECKED_LENGTH,
    MIN_CORRECTION_DOCS,
    RARE_WORD_DOCS,
    SPELLING_FIELDS,
    SUGGEST_BELOW,
    Choice,
    add_joins,
    checkable,
    combinations_of,
    likeliest,
    max_distance,
    plain_words,
    rewritten,
    split_points,
    splits_of,
)
from .cluster import Cluster
from .queries import QueryPlanner

SUGGESTER_SIZE = 10  # close words the term suggester proposes per word and field, before they are ranked


def _unread() -> None:
    """(A choice's articles are counted by the cluster, never loaded here.)"""
    return None


class Corrector:
    """Corrections of a query's likely typos, from the cluster's vocabulary and counts."""

    def __init__(self, cluster: Cluster, planner: QueryPlanner):
        self.cluster = cluster
        self.planner = planner

    def correction(self, q: str) -> tuple[str, bool] | None:
        """(the query corrected, whether search answers for it instead: no
        article holds the words as typed and some hold the correction's), or
        None. Asked of queries with fewer than ``SUGGEST_BELOW`` full matches
        (filters aside) or a word written as no article writes it."""
        words = plain_words(q)[:MAX_CHECKED_WORDS]
        if not words:
            return None
        folded = [fold(w) for w in words]
        checked = sorted({f for f in folded if checkable(f)})
        full, seen = self._full_and_seen(q, sorted(set(folded)))
        if full >= SUGGEST_BELOW and all(seen[f] for f in checked):
            return None
        rare = [f for f in checked if seen[f] < RARE_WORD_DOCS]
        suggested = self._near(rare)
        asked = {t for f in rare for t in suggested.get(f, {})}
        asked |= {part for f in rare if not seen[f] for pair in split_points(f) for part in pair}
        asked |= {a + b for a, b in zip(folded, folded[1:]) if (a + b).isalpha()}
        counted = {**self._counts(sorted(asked - set(seen))), **seen}

        def count(term: str) -> int:
            return counted.get(term, 0)

        clauses: dict[int, dict | None] = {}

        def choice(text: str, cost: float, clause: dict | None, joins_next: bool = False) -> Choice:
            made = Choice(text, cost, _unread, 0.0, joins_next)
            clauses[id(made)] = clause
            return made

        def alternative(text: str, cost: float, joins_next: bool = False) -> Choice:
            return choice(text, cost, self._as_searched(text), joins_next)

        options: list[list[Choice]] = []
        all_seen = True
        for word, f in zip(words, folded):
            n = seen[f] if checkable(f) else RARE_WORD_DOCS
            if n >= RARE_WORD_DOCS:
                options.append([alternative(word, 0.0)])
                continue
            all_seen = all_seen and n > 0
            # A rare form counts where it is written as typed, not through its stem.
            choices = [choice(word, 0.0, _written(f))]
            at_least = max(MIN_CORRECTION_DOCS, COMMON_FACTOR * n)
            near = {t: (d, count(t)) for t, d in suggested.get(f, {}).items()}
            choices += [alternative(t, EDIT_COST * d) for t, d in likeliest(near, at_least)]
            if not n:  # an unknown word may be two run together
                for a, b in splits_of(f, count, at_least):
                    parts = [c for c in (self._as_searched(a), self._as_searched(b)) if c is not None]
                    choices.append(choice(f"{a} {b}", EDIT_COST, {"bool": {"filter": parts}}))
            options.append(choices)
        add_joins(options, folded, count, count, alternative)
        combinations = combinations_of(options)
        if not combinations:
            return None
        together = self._together([[clauses.get(id(c)) for c in combination] for combination in combinations])
        best_score, best = math.log1p(full) if all_seen else -math.inf, None
        for combination, n in zip(combinations, together):
            score = math.log1p(n) - sum(c.cost for c in combination)
            if n and score > best_score:
                best_score, best = score, combination
        if best is None:
            return None
        corrected = rewritten(q, words, best)
        return corrected, full == 0 and self.planner.full_matches(corrected) > 0

    def _full_and_seen(self, q: str, words: list[str]) -> tuple[int, dict[str, int]]:
        """(articles holding every word of ``q``, filters aside; documents
        writing each word as typed, titles and bodies counted apart), in the
        one request an ordinary search pays for its spelling check."""
        answer = self.cluster.call(
            self.cluster.client.search,
            index=self.cluster.index,
            body={
                "size": 0,
                "track_total_hits": True,
                "query": self.planner.match(self.planner.compiled(q)),
                "aggs": {"everywhere": {"global": {}, "aggs": _count_aggregations(words)}},
            },
        )
        return int(answer["hits"]["total"]["value"]), _counted(words, answer["aggregations"]["everywhere"])

    def _near(self, rare: list[str]) -> dict[str, dict[str, int]]:
        """For each rare word, its close words (the term suggester's, over the
        exact forms of titles and bodies) with their edits."""
        if not rare:
            return {}
        suggest = {
            f"w{i}-{field}": {
                "text": word,
                "term": {
                    "field": field,
                    "suggest_mode": "always",
                    "max_edits": max_distance(word),
                    "min_word_length": MIN_CHECKED_LENGTH,
                    "prefix_length": 0,
                    "size": SUGGESTER_SIZE,
                    "analyzer": "berita_terms",
                },
            }
            for i, word in enumerate(rare)
            for field in SPELLING_FIELDS
        }
        answer = self.cluster.call(
            self.cluster.client.search, index=self.cluster.index, body={"size": 0, "suggest": suggest}
        )
        near: dict[str, dict[str, int]] = {}
        for i, word in enumerate(rare):
            limit = max_distance(word)
            for field in SPELLING_FIELDS:
                for entry in answer["suggest"].get(f"w{i}-{field}", []):
                    for option in entry["options"]:
                        term = option["text"]
                        if is_vocabulary_word(term) and term not in TALA_STOPWORDS:
                            distance = OSA.distance(word, term)
                            if 0 < distance <= limit:
                                near.setdefault(word, {})[term] = distance
        return near

    def _counts(self, terms: list[str]) -> dict[str, int]:
        """Documents writing each term, titles and bodies counted apart."""
        if not terms:
            return {}
        answer = self.cluster.call(
            self.cluster.client.search,
            index=self.cluster.index,
            body={"size": 0, "aggs": _count_aggregations(terms)},
        )
        return _counted(terms, answer["aggregations"])

    def _as_searched(self, text: str) -> dict | None:
        """The articles a word matches as search matches it (its stems in titles
        and bodies); None for a word search ignores (a stopword)."""
        stems = self.planner.base_compiler.stems(text)
        if not stems:
            return None
        return {
            "bool": {"should": [{"term": {f: s}} for s in stems for f in STEMMED_FIELDS], "minimum_should_match": 1}
        }

    def _together(self, combinations: list[list[dict | None]]) -> list[int]:
        """How many articles hold every word of each combination, in one ``msearch``."""
        body: list[dict] = []
        for clauses in combinations:
            query = {"bool": {"filter": [c for c in clauses if c is not None]}}
            body += [{"index": self.cluster.index}, {"size": 0, "track_total_hits": True, "query": query}]
        answers = self.cluster.call(self.cluster.client.msearch, body=body)["responses"]
        return [int(a["hits"]["total"]["value"]) if "hits" in a else 0 for a in answers]


def _written(folded: str) -> dict:
    """The articles writing a form as typed (titles or bodies)."""
    return {"bool": {"should": [{"term": {f: folded}} for f in SPELLING_FIELDS], "minimum_should_match": 1}}


def _count_aggregations(terms: list[str]) -> dict:
    filters = {f"t{i}-{field}": {"term": {field: t}} for i, t in enumerate(terms) for field in SPELLING_FIELDS}
    return {"counts": {"filters": {"filters": filters}}}


def _counted(terms: list[str], aggregations: dict) -> dict[str, int]:
    buckets = aggregations["counts"]["buckets"]
    return {
        t: sum(int(buckets[f"t{i}-{field}"]["doc_count"]) for field in SPELLING_FIELDS) for i, t in enumerate(terms)
    }
