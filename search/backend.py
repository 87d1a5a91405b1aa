"""The engine seam: what the service, the pages, the CLI, the feeds, export
and the write API ask of a search backend, named once.

Two backends implement it: :class:`search.engine.SearchEngine` (the embedded
Whoosh index, the default) and
:class:`search.backends.opensearch.engine.OpenSearchEngine` (an OpenSearch
cluster; its client is imported only there). The faces are typed against
:class:`Engine` and :class:`ArticleWriter`, so either can be given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from index.model import Article
from index.opensearch.target import ClusterUnavailable as BackendUnavailable

from .request import SearchRequest
from .results import Hit, SearchResult, Understood

__all__ = ["ArticleWriter", "BackendUnavailable", "Committed", "Engine"]


class Engine(Protocol):
    """Reads: search, its date words and spelling as search applies them,
    one article, related stories, export, autocomplete and health."""

    @property
    def generation(self) -> int:
        """What answers depend on (ETags, cursors): changes with every write seen."""
        ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def understand(self, request: SearchRequest) -> tuple[SearchRequest, Understood | None]: ...

    def spellchecked(self, request: SearchRequest) -> SearchRequest: ...

    def article(self, article_id: str) -> dict | None: ...

    def related(
        self, article_id: str, size: int = 5, within_days: int | None = None
    ) -> tuple[SearchResult, list[Hit]] | None: ...

    def export(self, request: SearchRequest, limit: int = ...) -> Iterator[dict]: ...

    def complete(self, text: str, limit: int = ...) -> list[str]: ...

    def newest_published(self) -> datetime | None: ...

    def health(self) -> dict: ...

    def on_new_snapshot(self, listen: Callable[[int], None]) -> None: ...

    def refresh_to(self, generation: int, timeout: float) -> bool: ...

    def close(self) -> None: ...


@dataclass
class Committed:
    """What one request's part of a commit did: per id (added, updated,
    unchanged, or failed with the reason), and the generation to read it from."""

    outcomes: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    generation: int | None = None


class ArticleWriter(Protocol):
    """Writes: an upsert of articles and a delete by id, each answered only
    once it is durable, with an outcome per record."""

    def upsert(self, articles: list[Article]) -> Committed: ...

    def delete(self, article_id: str) -> Committed:
        """``outcomes`` is {id: "deleted"} when it was there, else empty."""
        ...
