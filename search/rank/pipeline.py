"""One execution pipeline for every query (Lucene's and tantivy's collectors).

plan → candidates (the full matches, then articles lacking one word) →
filter masks → collectors. Search, export, related articles and the feeds
are configurations of it: each asks the same :class:`Candidates` for what it
needs through a collector (:class:`TopDocs`, :class:`Facets`,
:class:`DateHistogram`), so what is counted, faceted, ranked and exported is
one set, computed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import NamedTuple, Protocol, TypeVar

import numpy as np

from index.schema import KEYED_COLUMNS

from ..features.histogram import Bucket, histogram
from ..query import plan
from ..query.compile import CompiledQuery
from ..reader.snapshot import Snapshot
from ..request import DEFAULT_HALF_LIFE_DAYS, RERANK_DEPTH
from .filters import Filters, combine, time_key
from .rerank import collapse_near_duplicates, fingerprint_of, recency_rerank
from .scoring import SCORE_DECIMALS, Evaluation, lookup, top_scored

PARTIAL_BELOW = 20  # fewer full matches than this: add articles lacking one word (3+ words: always)
EMPTY = np.zeros(0, dtype=np.int64)

T = TypeVar("T", covariant=True)


class Group(NamedTuple):
    """Candidates that match ``query``: every word (``missing`` empty) or all
    but the word ``missing``."""

    missing: str
    query: plan.Node | None
    docs: np.ndarray  # live docnums


@dataclass(frozen=True)
class Candidates:
    """What a query matches before ranking: the groups, full matches first,
    each cut to the articles that pass every filter; and, for multi-select
    facets, the whole pool with each filter's own mask over it."""

    ev: Evaluation
    groups: list[Group]
    pool: np.ndarray  # every group's docs before filtering, concatenated
    masks: dict[str, np.ndarray]  # filter kind -> its mask over ``pool``
    accepted: np.ndarray  # the masks' conjunction
    proximity: tuple[plan.Phrase, ...] = ()  # what adds score where the query's words stand close

    @property
    def snap(self) -> Snapshot:
        return self.ev.snap

    @property
    def total(self) -> int:
        return sum(g.docs.size for g in self.groups)

    @property
    def partial(self) -> list[tuple[str, int]]:
        """(left-out word, how many lack only it), for groups that found any."""
        return [(g.missing, g.docs.size) for g in self.groups[1:] if g.docs.size]

    def collect(self, collector: Collector[T]) -> T:
        return collector.collect(self)


class Collector(Protocol[T]):
    """Reads what it needs of a query's candidates (Lucene's ``Collector``)."""

    def collect(self, candidates: Candidates) -> T: ...


def full_matches(ev: Evaluation, compiled: CompiledQuery | None) -> np.ndarray:
    """The live articles that match every word of the query (without a query:
    every live article)."""
    if compiled is None:
        return np.flatnonzero(ev.snap.live)
    if compiled.is_empty:
        return EMPTY
    docs = ev.docs(compiled.nonempty_query())
    return docs[ev.snap.live[docs]]


def candidates(
    ev: Evaluation,
    compiled: CompiledQuery | None,
    filters: Filters,
    full: np.ndarray | None = None,
    relax: bool = True,
) -> Candidates:
    """The candidates of a compiled query (None: every live article, by date)
    under ``filters``. ``full`` (its live full matches) when the caller has
    them already; ``relax`` adds articles lacking one word
    (:func:`partial_groups`) where the full matches are few."""
    full = full_matches(ev, compiled) if full is None else full
    if compiled is None:
        return candidates_of(ev, None, filters, full)
    shown = int(combine(list(filters.masks(ev.snap, full).values()), full.size).sum()) if relax else 0
    partial = partial_groups(ev, compiled, full, shown) if relax else []
    return candidates_of(ev, compiled.query, filters, full, partial, compiled.proximity)


def candidates_of(
    ev: Evaluation,
    query: plan.Node | None,
    filters: Filters,
    full: np.ndarray,
    partial: list[Group] | None = None,
    proximity: tuple[plan.Phrase, ...] = (),
) -> Candidates:
    """Candidates from their groups: the live articles matching ``query``
    (``full``) and those lacking one word (``partial``), cut to the filters."""
    groups = [Group("", query, full), *(partial or [])]
    pool = np.concatenate([g.docs for g in groups]) if len(groups) > 1 else full
    masks = filters.masks(ev.snap, pool)
    accepted = combine(list(masks.values()), pool.size)
    kept, start = [], 0
    for g in groups:
        kept.append(g._replace(docs=g.docs[accepted[start : start + g.docs.size]]))
        start += g.docs.size
    return Candidates(ev, kept, pool, masks, accepted, proximity)


def partial_groups(ev: Evaluation, compiled: CompiledQuery, full: np.ndarray, shown: int) -> list[Group]:
    """Groups of live articles matching the query without one word but not the
    full query, when the full matches that pass the filters (``shown``) are
    few or the query has 3+ words. An article lacking one word is in exactly
    one group."""
    if not compiled.relaxations or (shown >= PARTIAL_BELOW and len(compiled.relaxations) < 3):
        return []
    out: list[Group] = []
    for word, query in compiled.relaxations:
        if ev.deadline.passed():
            break
        docs = ev.docs(query)
        docs = docs[ev.snap.live[docs]]
        out.append(Group(word, query, docs[~lookup(full, docs)[0]]))
    return out


# -- collectors ---------------------------------------------------------------


class Ranked(NamedTuple):
    """A ranked window: (docnum, score or None, folded duplicates) best first,
    and for partial matches the word each lacks."""

    entries: list[tuple[int, float | None, list[int]]]
    missing: dict[int, str]


@dataclass(frozen=True)
class TopDocs:
    """The first ``window`` candidates in ``sort`` order (Lucene's
    ``TopDocsCollector``): by relevance (full matches above partial ones),
    relevance blended with freshness (``recent``), or by date. ``collapse``
    folds another outlet's copy of a story under the first. An export is
    the same collector with the whole set as its window."""

    sort: str
    start: int
    size: int
    collapse: bool = False
    now: datetime | None = None
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS

    def collect(self, candidates: Candidates) -> Ranked:
        ev, window = candidates.ev, self.start + self.size
        if self.sort in ("newest", "oldest") or candidates.groups[0].query is None:
            docs = by_date(ev.snap, candidates.groups[0].docs, window, newest=self.sort != "oldest")
            return Ranked([(d, None, []) for d in docs], {})
        # Collapsing looks at 2 pages' worth beyond the window; "recent" reranks a fixed top-K.
        depth = 2 * window + self.size if self.collapse else window
        if self.sort == "recent":
            depth = max(depth, RERANK_DEPTH)
        scored, missing = relevance_ranking(ev, candidates.groups, candidates.proximity, depth)
        if self.sort == "recent":
            full = [item for item in scored if item[0] not in missing]
            rest = [item for item in scored if item[0] in missing]
            now = time_key(self.now) if self.now else ev.snap.newest_published
            scored = recency_rerank(full, ev.snap.published, now, self.half_life_days) + rest
        ranked: list[tuple[int, float | None, list[int]]] = [(d, s, []) for d, s in scored]
        if self.collapse and not ev.deadline.passed():
            fingerprint: Callable[[int], frozenset[str]] = partial(fingerprint_of, ev.snap)
            ranked = collapse_near_duplicates(ranked, fingerprint, ev.snap.codes["source"], depth=depth, fill=window)
        return Ranked(ranked, missing)


@dataclass(frozen=True)
class Facets:
    """(key, label, count) per keyed kind, most common first, at most
    ``limit``; each kind's counts apply every filter but its own (multi-select
    facets, as Elasticsearch's post_filter). Also, per kind, how many more
    values have a count."""

    kinds: frozenset[str]
    limit: int

    def collect(self, candidates: Candidates) -> tuple[dict[str, list[tuple[str, str, int]]], dict[str, int]]:
        snap, docs, masks = candidates.snap, candidates.pool, candidates.masks
        out: dict[str, list[tuple[str, str, int]]] = {}
        more: dict[str, int] = {}
        for kind, column in KEYED_COLUMNS.items():
            if kind not in self.kinds:
                continue
            others = combine([m for k, m in masks.items() if k != kind], docs.size)
            vocab = snap.key_codes[column]
            counts = np.bincount(snap.codes[column][docs[others]], minlength=len(vocab.keys))
            counts[0] = 0  # no value
            ordered = [c for c in np.argsort(-counts, kind="stable") if counts[c]]
            out[kind] = [(vocab.keys[c], snap.label(column, c), int(counts[c])) for c in ordered[: self.limit]]
            more[kind] = max(0, len(ordered) - self.limit)
        return out, more


@dataclass(frozen=True)
class DateHistogram:
    """Counts per day, week, month or year of every candidate that passes the
    filters (its bars add up to the total)."""

    interval: str

    def collect(self, candidates: Candidates) -> tuple[str, list[Bucket]]:
        return histogram(candidates.snap.published[candidates.pool[candidates.accepted]], self.interval)


# -- ranking --------------------------------------------------------------------


def relevance_ranking(
    ev: Evaluation, groups: list[Group], proximity: tuple[plan.Phrase, ...], depth: int
) -> tuple[list[tuple[int, float]], dict[int, str]]:
    """The ``depth`` best by relevance: every full match above every partial
    one; partial matches (each scored by the query without its missing word)
    ranked among themselves. Returns [(docnum, score)] and docnum -> missing word."""
    full = groups[0]
    assert full.query is not None
    docs, scores = top_scored(ev, full.query, proximity, full.docs, depth)
    scored = list(zip(docs.tolist(), scores.tolist()))
    missing: dict[int, str] = {}
    room = depth - len(scored)
    if room > 0 and len(groups) > 1:
        extra = []
        for word, relaxed, part in groups[1:]:
            assert relaxed is not None
            found, part_scores = top_scored(ev, relaxed, (), part, room)
            extra += [(score, d, word) for d, score in zip(found.tolist(), part_scores.tolist())]
        extra.sort(key=lambda item: (-round(item[0], SCORE_DECIMALS), -int(ev.snap.published[item[1]]), item[1]))
        for score, d, word in extra[:room]:
            scored.append((d, score))
            missing[d] = word
    return scored, missing


def by_date(snap: Snapshot, docs: np.ndarray, window: int, newest: bool = True) -> list[int]:
    """The first ``window`` of ``docs`` by publication time (ties: lower docnum)."""
    published = snap.published[docs]
    if window < docs.size:
        kth = np.partition(-published if newest else published, window - 1)[window - 1]
        keep = (-published if newest else published) <= kth
        docs, published = docs[keep], published[keep]
    order = np.lexsort((docs, -published if newest else published))[:window]
    return docs[order].tolist()
