"""The HTTP write API's writer over the cluster (:class:`search.backend.ArticleWriter`):
the indexer's ``_bulk`` writes, answered with the generation to read them from."""

from __future__ import annotations

from index.model import Article
from index.opensearch.writer import ClusterWriter

from ...backend import Committed
from .cluster import Cluster
from .generation import GenerationWatch


class ClusterArticleWriter:
    """Upserts and deletes, each acknowledged once searchable."""

    def __init__(self, cluster: Cluster, generation: GenerationWatch):
        self.generation = generation
        self.cluster = ClusterWriter(cluster.target, cluster.client)

    def upsert(self, articles: list[Article]) -> Committed:
        report = self.cluster.upsert_report(articles)
        return Committed(
            outcomes={a.id: report.outcomes.get(a.id, "failed") for a in articles},
            errors=dict(report.failed),
            generation=self.generation.read() if report.commits else None,
        )

    def delete(self, article_id: str) -> Committed:
        deleted, _ = self.cluster.delete([article_id])
        return Committed(
            outcomes={article_id: "deleted"} if deleted else {},
            generation=self.generation.read() if deleted else None,
        )
