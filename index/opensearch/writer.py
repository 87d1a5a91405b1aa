"""Writes to the cluster: upserts and deletes through ``_bulk``, idempotent
by id, acknowledged once searchable (``refresh=wait_for``), with an outcome
per record as the Whoosh writer reports them (added, updated, unchanged,
failed with its reason).

The index Berita names (``berita``) is an alias of a concrete index whose
name carries the stem-rules fingerprint; :meth:`ClusterWriter.ensure` makes
both on first use.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..analysis import STEM_RULES
from ..model import Article
from ..readers import Item, Note, Problem, article_from_record
from ..store import StaleAnalysis
from ..writer import IngestReport, _batches
from . import mapping
from .documents import DocumentMaker
from .target import WRITE_TIMEOUT, ClusterTarget, ClusterUnavailable

BULK_BATCH = 500  # articles per _bulk request (a few MB: small heaps take it whole)


def unavailable(target: ClusterTarget, exc: Exception) -> ClusterUnavailable:
    return ClusterUnavailable(
        f"the OpenSearch cluster at {', '.join(target.urls)} did not answer: {type(exc).__name__}: {exc}"
    )


def connection_errors() -> tuple[type[Exception], ...]:
    """What the client raises when no node answers (imported with the client)."""
    from opensearchpy.exceptions import ConnectionError, ConnectionTimeout

    return (ConnectionError, ConnectionTimeout)


def concrete_name(alias: str, rules: str = STEM_RULES, layout: int = mapping.LAYOUT, stamp: str = "") -> str:
    """The index behind ``alias`` for these stem rules and document layout
    (lower case, no odd characters); ``stamp`` tells two builds apart."""
    fingerprint = re.sub(r"[^a-z0-9-]+", "-", rules.lower()).strip("-")
    return f"{alias}-{fingerprint}-v{layout}" + (f"-{stamp}" if stamp else "")


def now_millis() -> int:
    """The ``ingested`` stamp of a document written now."""
    return int(time.time() * 1000)


class CountMismatch(RuntimeError):
    """A rebuilt index does not hold what the old one did: the alias was not switched."""


class ClusterWriter:
    """Upserts and deletes articles in the cluster's index (made if absent)."""

    def __init__(
        self,
        target: ClusterTarget,
        client: Any | None = None,
        shards: int = 1,
        replicas: int = 0,
        batch_size: int = BULK_BATCH,
    ):
        self.target = target
        self.client = client if client is not None else target.client()
        self.shards = shards
        self.replicas = replicas
        self.batch_size = batch_size
        self.documents = DocumentMaker()
        self._ensured = False
        # id -> ``ingested`` to keep instead of now (a rebuild copies each
        # document's stamp: moving the alias is not news to an alert).
        self.kept_stamps: dict[str, int] = {}

    # -- the index --------------------------------------------------------------

    def ensure(self) -> str:
        """The concrete index behind the alias, made (with the alias) if
        absent. One built with other stem rules or another document layout
        is refused for writes (:class:`StaleAnalysis`: rebuild it,
        ``berita index --rebuild``)."""
        name, rules = self.resolve()
        stale = mapping.staleness(rules, self.layout(name))
        if stale:
            raise StaleAnalysis(
                f"the cluster index {name} cannot take writes: {stale} behind the alias with "
                "'berita index --backend opensearch --rebuild'"
            )
        self._ensured = True
        return name

    def resolve(self) -> tuple[str, str | None]:
        """(the concrete index behind the alias, made if absent; its stem rules)."""
        try:
            if self.client.indices.exists_alias(name=self.target.index):
                name = sorted(self.client.indices.get_alias(name=self.target.index))[0]
            elif self.client.indices.exists(index=self.target.index):
                name = self.target.index  # a plain index of that name (made by hand)
            else:
                name = self._create(concrete_name(self.target.index), alias=True)
            self.client.indices.put_mapping(index=name, body={"properties": mapping.ADDED})
            return name, self.stem_rules(name)
        except connection_errors() as exc:
            raise unavailable(self.target, exc) from exc

    def _create(self, name: str, alias: bool) -> str:
        from opensearchpy.exceptions import RequestError

        body: dict = {"settings": mapping.settings(self.shards, self.replicas), "mappings": mapping.mappings()}
        if alias:
            body["aliases"] = {self.target.index: {}}
        try:
            self.client.indices.create(
                index=name, body=body, params={"wait_for_active_shards": "1", "request_timeout": WRITE_TIMEOUT}
            )
        except RequestError as exc:
            # A create whose answer timed out was applied, and the client's retry finds it made
            # (with its alias: one request made both); anything else is a real refusal.
            if exc.error != "resource_already_exists_exception":
                raise
        self.client.cluster.health(index=name, params={"wait_for_status": "yellow", "request_timeout": 30})
        return name

    def stem_rules(self, name: str) -> str | None:
        return mapping.built_with(self.client.indices.get_mapping(index=name))[0]

    def layout(self, name: str) -> int | None:
        """The document layout index ``name`` was made with (:data:`mapping.LAYOUT`)."""
        return mapping.built_with(self.client.indices.get_mapping(index=name))[1]

    def rebuild(self, on_article: Callable[[Article], None] | None = None) -> tuple[str, str, int]:
        """Analyse every stored article again into a new index, check it holds
        as many as the old one, then move the alias to it in one atomic
        ``_aliases`` call (searches never see an empty or half-built index)
        and delete the old one. Returns (old index, new index, articles)."""
        try:
            old = sorted(self.client.indices.get_alias(name=self.target.index))[0]
            expected = int(self.client.count(index=old)["count"])
            new = self._create(concrete_name(self.target.index, stamp=time.strftime("%Y%m%d%H%M%S")), alias=False)
            building = ClusterWriter(
                ClusterTarget(self.target.urls, new, self.target.timeout), self.client, self.shards, self.replicas
            )
            building._ensured = True
            report = building.ingest(self._stored(old, building.kept_stamps), on_article=on_article)
            self.client.indices.refresh(index=new)
            held = int(self.client.count(index=new)["count"])
            if held != expected or report.problems:
                self.client.indices.delete(index=new)
                raise CountMismatch(
                    f"the rebuilt index held {held:,} articles where {old} holds {expected:,} "
                    f"({len(report.problems)} failed): the alias still points to {old}"
                )
            self.client.indices.update_aliases(
                body={
                    "actions": [
                        {"remove": {"index": old, "alias": self.target.index}},
                        {"add": {"index": new, "alias": self.target.index}},
                    ]
                }
            )
            self.client.indices.delete(index=old)
        except connection_errors() as exc:
            raise unavailable(self.target, exc) from exc
        return old, new, held

    def _stored(self, name: str, stamps: dict[str, int]) -> Iterator[Item]:
        """Every article stored in index ``name`` (a point in time, in id
        order), its ``ingested`` put into ``stamps`` (0 where an older layout
        has none: archive, never news)."""
        pit = self.client.create_pit(index=name, params={"keep_alive": "5m"})["pit_id"]
        after: list | None = None
        try:
            while True:
                body: dict = {
                    "size": self.batch_size,
                    "sort": [{"id": "asc"}],
                    "_source": ["article", "ingested"],
                    "pit": {"id": pit, "keep_alive": "5m"},
                }
                if after is not None:
                    body["search_after"] = after
                hits = self.client.search(body=body)["hits"]["hits"]
                if not hits:
                    return
                for hit in hits:
                    article = article_from_record(hit["_source"]["article"])
                    if isinstance(article, Article):
                        stamps[article.id] = int(hit["_source"].get("ingested") or 0)
                    yield article
                after = hits[-1]["sort"]
        finally:
            self.client.delete_pit(body={"pit_id": [pit]})

    # -- writes -----------------------------------------------------------------

    def ingest(
        self,
        items: Iterable[Item],
        on_article: Callable[[Article], None] | None = None,
        on_problem: Callable[[Problem], None] | None = None,
    ) -> IngestReport:
        """Upsert every article, batch by batch (``berita index --backend opensearch``)."""
        report = IngestReport()

        def problem(p: Problem) -> None:
            (report.notes if isinstance(p, Note) else report.problems).append(p)  # type: ignore[arg-type]
            if on_problem:
                on_problem(p)

        for batch in _batches(items, self.batch_size, problem, report.duplicates):
            self._write(list(batch.values()), report, problem)
            if on_article:
                for article in batch.values():
                    on_article(article)
        return report

    def upsert_report(self, articles: list[Article]) -> IngestReport:
        report = IngestReport()
        for start in range(0, len(articles), self.batch_size):
            self._write(articles[start : start + self.batch_size], report, lambda p: report.problems.append(p))
        return report

    def _write(self, articles: list[Article], report: IngestReport, problem: Callable[[Problem], None]) -> None:
        if not articles:
            return
        if not self._ensured:
            self.ensure()
        try:
            found = self.client.mget(
                index=self.target.index, body={"ids": [a.id for a in articles]}, params={"_source": "digest"}
            )
            digests = {d["_id"]: d["_source"].get("digest") for d in found["docs"] if d.get("found")}
            changed = [a for a in articles if digests.get(a.id) != a.digest]
            for a in articles:
                if a.id in digests and digests[a.id] == a.digest:
                    report.unchanged += 1
                    report.outcomes[a.id] = "unchanged"
            if not changed:
                return
            body: list[dict] = []
            made: list[Article] = []
            stamp = now_millis()  # before the write: alerts read visibility with a margin after it
            for article in changed:
                try:
                    doc = self.documents.document(article)
                    doc["ingested"] = self.kept_stamps.get(article.id, stamp)
                except Exception as exc:  # one record's analysis failed: it alone is left out
                    report.failed[article.id] = f"could not be indexed: {type(exc).__name__}: {exc}"
                    problem(Problem(f"article {article.id!r}", 0, report.failed[article.id]))
                    continue
                body += [{"index": {"_index": self.target.index, "_id": article.id}}, doc]
                made.append(article)
            if not made:
                return
            answer = self.client.bulk(body=body, params={"refresh": "wait_for", "request_timeout": WRITE_TIMEOUT})
        except connection_errors() as exc:
            raise unavailable(self.target, exc) from exc
        for article, item in zip(made, answer["items"]):
            result = item["index"]
            if result.get("error"):
                error = result["error"]
                report.failed[article.id] = f"could not be indexed: {error.get('type')}: {error.get('reason')}"
                problem(Problem(f"article {article.id!r}", 0, report.failed[article.id]))
                continue
            outcome = "updated" if article.id in digests else "added"
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.outcomes[article.id] = outcome
        report.commits += 1

    def delete(self, ids: Iterable[str]) -> tuple[list[str], list[str]]:
        """Remove articles by id; returns (deleted, not found)."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return [], []
        if not self._ensured:
            self.ensure()
        try:
            answer = self.client.bulk(
                body=[{"delete": {"_index": self.target.index, "_id": i}} for i in ids],
                params={"refresh": "wait_for", "request_timeout": WRITE_TIMEOUT},
            )
        except connection_errors() as exc:
            raise unavailable(self.target, exc) from exc
        deleted = [i for i, item in zip(ids, answer["items"]) if item["delete"].get("result") == "deleted"]
        return deleted, [i for i in ids if i not in deleted]

    # -- what it holds ----------------------------------------------------------

    def stats(self) -> dict:
        """``berita stats --backend opensearch``: documents, date range, keys,
        and which index the alias points to."""
        name, rules = self.resolve()
        try:
            count = self.client.count(index=self.target.index)["count"]
            aggs = self.client.search(
                index=self.target.index,
                body={
                    "size": 0,
                    "aggs": {
                        "first": {"min": {"field": "published"}},
                        "last": {"max": {"field": "published"}},
                        "sources": {"terms": {"field": "source_label", "size": 1000}},
                        "categories": {"terms": {"field": "category_label", "size": 1000}},
                    },
                },
            )["aggregations"]
            store = self.client.indices.stats(index=name, metric="store")
        except connection_errors() as exc:
            raise unavailable(self.target, exc) from exc
        return {
            "index": self.target.index,
            "alias_of": name,
            "nodes": list(self.target.urls),
            "documents": count,
            "first_published": aggs["first"].get("value_as_string"),
            "last_published": aggs["last"].get("value_as_string"),
            "size_bytes": store["_all"]["primaries"]["store"]["size_in_bytes"],
            "sources": {b["key"]: b["doc_count"] for b in aggs["sources"]["buckets"]},
            "categories": {b["key"]: b["doc_count"] for b in aggs["categories"]["buckets"]},
            "stem_rules": rules,
            "stale_analysis": mapping.staleness(rules, self.layout(name)),
        }
