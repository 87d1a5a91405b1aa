"""What matching asks of a backend: one small interface, two implementations.

Everything news-aware (the store, the prefilter of :class:`AlertIndex`,
recording deliveries, near-duplicates, digests: :mod:`.match`) is the same
on every backend. Two things are not, and a backend answers them through a
:class:`Look`, one view of its index per matching pass:

(a) which articles became visible since the watermark (:meth:`Look.fresh`,
    and the watermark it advances: segments on Whoosh, an ingest time on the
    cluster), and
(b) which of those articles a saved search lists, and their highlights
    (:meth:`Look.listed`, :meth:`Look.highlighted`).

:mod:`.snapshots` implements it over a Whoosh snapshot,
:mod:`search.backends.opensearch.alerts` over the cluster. A :class:`Watch`
opens a look; :func:`watch_for` picks the engine's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from ..query.compile import QueryCompiler
from ..request import SearchRequest
from .store import AlertStore

# The text fields a query term may name, and the analysis (stemmed or exact)
# each is indexed with on both backends (the author as the exact twins are).
STEMMED_TEXT = ("title", "body")
EXACT_TEXT = ("title_exact", "body_exact", "author")


@dataclass(frozen=True)
class Fresh:
    """An article a look found visible and not yet matched: new, or changed
    (``update``). ``ref`` is the look's own handle on it (a docnum of the
    Whoosh snapshot; a place in the cluster look's fetched documents)."""

    ref: int
    id: str
    digest: str
    update: bool


Seen = Callable[[list[str]], dict[str, str]]  # article ids -> the digest the store saw of each


class Look(Protocol):
    """One view of the index for one matching pass."""

    generation: int  # the backend's generation when the look was taken

    @property
    def compiler(self) -> QueryCompiler:
        """The query compiler with the acronyms learned from this view, as search compiles."""
        ...

    def current(self, store: AlertStore) -> bool:
        """Read the store's watermark; True when nothing can lie beyond it (the pass ends)."""
        ...

    def fresh(self, seen: Seen) -> list[Fresh]:
        """The articles visible beyond the watermark (everything, before
        :meth:`current` read one) whose (id, digest) ``seen`` does not hold."""
        ...

    def idle(self, fresh: list[Fresh]) -> bool:
        """Nothing to record: the pass may end without writing the store."""
        ...

    def advance(self, db: sqlite3.Connection, fresh: list[Fresh]) -> None:
        """Record ``fresh`` as seen and move the watermark to this look (in the caller's transaction)."""
        ...

    def unmoved(self, db: sqlite3.Connection) -> bool:
        """The watermark is still the one :meth:`current` read (no other matcher advanced it)."""
        ...

    def words(self, article: Fresh) -> set[str]:
        """Every term the index holds for the article in its text fields, as query terms name them."""
        ...

    def fields(self, article: Fresh) -> dict:
        """The article as the API shows it (:func:`search.results.article_fields`)."""
        ...

    def listed(self, asked: dict[str, tuple[SearchRequest, list[Fresh]]]) -> dict[str, list[Fresh]]:
        """Per alert: which of its candidate articles a search of its request
        (by date, no spelling correction, date words read as search reads
        them) lists; alerts that list none are left out."""
        ...

    def highlighted(self, q: str, article: Fresh) -> tuple[str, str]:
        """(title, snippet) with ``q``'s words in ``<mark>``, as a hit shows them."""
        ...

    def fingerprint(self, title: str) -> frozenset[str]:
        """The title's words for the near-duplicate test (:func:`title_fingerprint`)."""
        ...


class Watch(Protocol):
    """Opens looks at one backend's index."""

    def look(self) -> AbstractContextManager[Look]: ...


def text_words(analyzer_of: Callable[[str], Callable], stored: dict) -> set[str]:
    """Every term an article's text fields hold (both analyses of title and
    body, and the author), given the analyzer of each field."""
    words: set[str] = set()
    for fieldname in (*STEMMED_TEXT, *EXACT_TEXT):
        text = stored.get(fieldname.removesuffix("_exact")) or ""
        if text:
            words.update(t.text for t in analyzer_of(fieldname)(text, mode="index"))
    return words


def watch_for(engine: object) -> Watch:
    """The engine's watch: a Whoosh engine's snapshots, or the cluster's
    (its client imported only then)."""
    from ..engine import SearchEngine

    if isinstance(engine, SearchEngine):
        from .snapshots import SnapshotWatch

        return SnapshotWatch(engine)
    from ..backends.opensearch.alerts import ClusterWatch

    return ClusterWatch(engine)  # type: ignore[arg-type]
