"""One article, and its related stories: its distinctive stems (tf-idf, title
twice) searched for, as :mod:`search.features.related` does on the Whoosh
index, with document frequencies from the cluster's term statistics; a
near-duplicate title from another source is the same story elsewhere."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
from whoosh.analysis import Analyzer

from index.analysis import TALA_STOPWORDS

from ...features.highlight import Highlighter
from ...features.related import DISTINCTIVE_WORDS, MAX_WITHIN_DAYS
from ...query import plan
from ...query.compile import Weights
from ...rank.rerank import near_duplicate, title_fingerprint
from ...request import MAX_SIZE, InvalidRequest
from ...results import Hit, SearchResult
from .cluster import Cluster
from .generation import GenerationWatch
from .hits import SOURCE_FIELDS, article_of, fetch, hit_of

SECONDS_PER_DAY = 86_400


class Articles:
    """Articles by id and the stories related to one."""

    def __init__(
        self,
        cluster: Cluster,
        generation: GenerationWatch,
        weights: Weights,
        stemmed_analyzer: Analyzer,
        exact_analyzer: Analyzer,
    ):
        self.cluster = cluster
        self.generation = generation
        self.weights = weights
        self.stemmed_analyzer = stemmed_analyzer
        self.exact_analyzer = exact_analyzer

    def source_of(self, article_id: str) -> dict | None:
        """The stored source of one article (None if the index lacks it)."""
        from opensearchpy.exceptions import NotFoundError

        try:
            found = self.cluster.call(
                self.cluster.client.get,
                index=self.cluster.index,
                id=article_id,
                params={"_source": ",".join(SOURCE_FIELDS)},
            )
        except NotFoundError:
            return None
        return found["_source"] if found.get("found") else None

    def article(self, article_id: str) -> dict | None:
        if not article_id:
            return None
        src = self.source_of(article_id)
        return None if src is None else article_of(src)

    def related(
        self, article_id: str, size: int = 5, within_days: int | None = None
    ) -> tuple[SearchResult, list[Hit]] | None:
        """(related stories, the same story from other sources); None for an unknown id."""
        if not 1 <= size <= MAX_SIZE:
            raise InvalidRequest("size", f"size must be between 1 and {MAX_SIZE}")
        if within_days is not None and not 0 <= within_days <= MAX_WITHIN_DAYS:
            raise InvalidRequest("within_days", f"within_days must be between 0 and {MAX_WITHIN_DAYS}")
        started = time.perf_counter()
        src = self.source_of(article_id) if article_id else None
        if src is None:
            return None
        article = article_of(src)
        terms = self._distinctive(article["title"], article["body"])
        weights = self.weights
        hits: list[Hit] = []
        same: list[Hit] = []
        if terms:
            query = plan.Any(
                tuple(
                    plan.Token((plan.Term("title", t, weights.title), plan.Term("body", t, weights.body)))
                    for t in terms
                )
            )
            filters: list[dict] = []
            if within_days is not None:
                when = article["published"]
                gap = within_days * SECONDS_PER_DAY
                filters.append(
                    {
                        "range": {
                            "published": {
                                "gte": datetime.fromtimestamp(when.timestamp() - gap, UTC).isoformat(),
                                "lte": datetime.fromtimestamp(when.timestamp() + gap, UTC).isoformat(),
                            }
                        }
                    }
                )
            body = {
                "bool": {
                    "must": [self.cluster.translator.query(query)],
                    "must_not": [{"ids": {"values": [article_id]}}],
                    "filter": filters,
                }
            }
            rows = fetch(self.cluster, body, "relevance", 0, 4 * size + 20)
            marker = Highlighter(set(terms), self.stemmed_analyzer)
            own = title_fingerprint(article["title"], self.exact_analyzer)
            for row, score in rows:
                other = row["article"]
                if (
                    near_duplicate(own, title_fingerprint(other["title"], self.exact_analyzer))
                    and other.get("source") != article["source"]
                ):
                    same.append(hit_of(row, score, marker, [], None))
                elif len(hits) < size:
                    hits.append(hit_of(row, score, marker, [], None))
        result = SearchResult(
            query=" ".join(terms),
            total=len(hits),
            page=1,
            size=size,
            sort="relevance",
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            generation=self.generation.current,
        )
        return result, same[:size]

    def _distinctive(self, title: str, body: str) -> list[str]:
        tf: dict[str, int] = {}
        for text, weight in ((title, 2), (body, 1)):
            for token in self.stemmed_analyzer(text):
                word = token.text
                if word.isalpha() and len(word) > 2 and word not in TALA_STOPWORDS:
                    tf[word] = tf.get(word, 0) + weight
        if not tf:
            return []
        words = sorted(tf)
        answer = self.cluster.call(
            self.cluster.client.termvectors,
            index=self.cluster.index,
            body={
                "doc": {"title": " ".join(words), "body": " ".join(words)},
                "term_statistics": True,
                "field_statistics": True,
                "fields": ["title", "body"],
            },
        )
        vectors = answer.get("term_vectors", {})
        docs = max(
            (vectors.get(f, {}).get("field_statistics", {}).get("doc_count", 0) for f in ("title", "body")), default=0
        )
        scored = []
        for word, count in tf.items():
            df = max(vectors.get(f, {}).get("terms", {}).get(word, {}).get("doc_freq", 0) for f in ("title", "body"))
            if df >= 2 and docs:
                scored.append((count * float(np.log(docs / df)), word))
        return [word for _, word in sorted(scored, reverse=True)[:DISTINCTIVE_WORDS]]
