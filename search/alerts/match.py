"""Matching newly visible articles against every saved search (a percolator).

On each pass the :class:`Matcher` takes a look at the index (a
:class:`~.look.Look`: a Whoosh snapshot, or the cluster) and finds the
articles added or changed since its watermark, so articles written by
``berita index`` in another process are matched as surely as those
published over HTTP. Candidate alerts come from an index of each alert's
required terms (Elasticsearch's percolator extracts them the same way): an
article is asked only of the alerts one of whose terms it holds, plus the
few alerts no term is required by. Each candidate is then confirmed by the
backend's own search (:meth:`Look.listed`), so an alert matches an article
exactly when a search of its query and filters, sorted by date, lists it.

The deliveries and the new watermark are written in one transaction
(:mod:`search.alerts.store`), news-aware and the same on both backends:
another outlet's near-duplicate of an article already delivered for the
alert joins that delivery ("juga diberitakan"), a changed article is
delivered again only for alerts that ask for updates, and a digest alert
collects its matches for N minutes.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import assert_never

from index.dates import WIB

from ..backend import Engine
from ..engine import SearchEngine
from ..query import plan
from ..query.compile import QueryCompiler
from ..query.dates import read_dates
from ..rank.rerank import near_duplicate
from ..reader.snapshot import Snapshot
from ..request import SearchRequest, parse_date_bound
from .look import EXACT_TEXT, STEMMED_TEXT, Fresh, Look, Watch, watch_for
from .snapshots import SnapshotLook
from .store import Alert, AlertStore

log = logging.getLogger("berita.alerts")
NEAR_DUPLICATE_DAYS = 3  # an earlier delivery within this many days may take another outlet's copy
TEXT_FIELDS = frozenset({*STEMMED_TEXT, *EXACT_TEXT})


def search_request(search: dict) -> SearchRequest:
    """The search an alert stands for: its query and filters, by date, as typed."""
    return SearchRequest(
        q=search.get("q") or "",
        date_from=parse_date_bound(search.get("from")),
        date_to=parse_date_bound(search.get("to"), end=True),
        categories=tuple(search.get("category") or ()),
        sources=tuple(search.get("source") or ()),
        authors=tuple(search.get("author") or ()),
        sort="newest",
        spellcheck=False,
    )


def check_search(engine: Engine, search: dict) -> None:
    """Refuse a saved search as search would refuse it (InvalidRequest: a
    query too long, a source the index does not hold)."""
    engine.search(replace(search_request(search), size=0))


# -- query extraction --------------------------------------------------------------


Clauses = tuple[frozenset[str], ...]


def required_terms(node: plan.Node | None) -> Clauses | None:
    """What every article matching ``node`` holds (in some text field, as its
    analysis writes the words): one word of each clause. None when nothing
    is required (a query of filters or exclusions only, a keyword)."""
    match node:
        case None | plan.Keyword() | plan.Everything():
            return None
        case plan.Adjacent():  # written apart, or a learned long form: its words stand in the field
            return tuple(frozenset({w}) for w in node.held_words) if node.field in TEXT_FIELDS else None
        case plan.Term():
            return (frozenset({node.text}),) if node.field in TEXT_FIELDS else None
        case plan.Token():
            stems = tuple(t for t in node.terms if not t.field.endswith("_exact")) or node.terms
            return _either([required_terms(t) for t in stems])
        case plan.Phrase():
            return tuple(frozenset({w}) for w in node.words) if node.field in TEXT_FIELDS else None
        case plan.All():
            clauses = tuple(c for child in node.children for c in (required_terms(child) or ()))
            return clauses or None
        case plan.Any():
            return _either([required_terms(c) for c in node.children])
        case plan.Excluding():
            return required_terms(node.include)
        case _:
            assert_never(node)


def _either(options: list[Clauses | None]) -> Clauses | None:
    """What one of several alternatives requires: a word of the union of each
    one's cheapest clause (more would be sound but costs more to check)."""
    if not options or any(o is None for o in options):
        return None
    return (frozenset().union(*(min(o, key=_cost) for o in options if o)),)


def _cost(terms: frozenset[str]) -> tuple[int, int]:
    """Fewer words, then longer ones: a guess at the fewest articles woken."""
    return len(terms), -sum(len(t) for t in terms)


@dataclass
class AlertIndex:
    """Every alert in memory with its search and required terms; reloaded
    from the store alert by alert as they change."""

    alerts: dict[str, Alert] = field(default_factory=dict)
    requests: dict[str, SearchRequest] = field(default_factory=dict)
    by_term: dict[str, set[str]] = field(default_factory=dict)
    always: set[str] = field(default_factory=set)  # alerts no term is required by
    clauses: dict[str, Clauses | None] = field(default_factory=dict)  # every one must meet the article's words
    indexed: dict[str, frozenset[str]] = field(default_factory=dict)  # the clause by_term holds the alert under
    compiled_with: QueryCompiler | None = None  # the compiler (with its learned acronyms) they were read with

    def refresh(self, store: AlertStore, compiler: QueryCompiler) -> None:
        """Reload the alerts that changed; all of them when ``compiler`` is not
        the one they were compiled with (the learned acronyms changed)."""
        if compiler is not self.compiled_with:
            for alert_id in list(self.alerts):
                self._remove(alert_id)
            self.compiled_with = compiler
        versions = store.versions()
        gone = [i for i, a in self.alerts.items() if versions.get(i) != a.changed]
        for alert_id in gone:
            self._remove(alert_id)
        for alert in store.alerts_by_id([i for i in versions if i not in self.alerts]):
            self.add(alert, compiler)

    def add(self, alert: Alert, compiler: QueryCompiler) -> None:
        request = search_request(alert.search)
        words = request.q
        if request.dates and not (request.date_from or request.date_to):
            # Search may read date words (*acara april*) as the date filter and
            # search the rest: only the rest is required (the engine's
            # confirmation decides, per snapshot, as search does).
            reading = read_dates(words, datetime.now(WIB))
            words = reading.remaining if reading is not None else words
        compiled = compiler.compile(words) if words.strip() else None
        # A query of stopwords only matches nothing (search lists nothing): no word wakes it.
        clauses = (
            (frozenset(),) if compiled and compiled.is_empty else required_terms(compiled.query if compiled else None)
        )
        self.alerts[alert.id], self.requests[alert.id], self.clauses[alert.id] = alert, request, clauses
        if clauses is None:
            self.always.add(alert.id)
            return
        indexed = self.indexed[alert.id] = min(clauses, key=_cost)
        for t in indexed:
            self.by_term.setdefault(t, set()).add(alert.id)

    def _remove(self, alert_id: str) -> None:
        self.alerts.pop(alert_id, None)
        self.requests.pop(alert_id, None)
        self.clauses.pop(alert_id, None)
        self.always.discard(alert_id)
        for t in self.indexed.pop(alert_id, ()):
            holders = self.by_term.get(t)
            if holders is not None:
                holders.discard(alert_id)
                if not holders:
                    del self.by_term[t]

    def candidates(self, words: set[str]) -> set[str]:
        """The alerts an article holding ``words`` may match: woken by a word
        of their indexed clause, with a word of every other clause."""
        woken: set[str] = set()
        by_term = self.by_term
        for w in words:
            holders = by_term.get(w)
            if holders:
                woken |= holders
        clauses = self.clauses
        found = set(self.always)
        for alert_id in woken:
            if all(not words.isdisjoint(c) for c in clauses[alert_id] or ()):
                found.add(alert_id)
        return found


@dataclass
class MatchRun:
    """What one pass matched: figures for the bench and the log."""

    articles: int = 0
    candidates: int = 0  # (alert, article) pairs the prefilter let through
    matches: int = 0  # (alert, article) pairs the engine confirmed
    deliveries: int = 0  # new deliveries recorded
    seconds: float = 0.0


def confirmed(
    look: Look, index: AlertIndex, articles: list[Fresh], outcome: MatchRun | None = None
) -> dict[str, list[Fresh]]:
    """Which of ``articles`` each alert lists: candidates by the articles'
    words, each confirmed by the backend on its candidate articles alone."""
    asked: dict[str, list[Fresh]] = {}
    for article in articles:
        for alert_id in index.candidates(look.words(article)):
            asked.setdefault(alert_id, []).append(article)
    found = look.listed({alert_id: (index.requests[alert_id], docs) for alert_id, docs in asked.items()})
    if outcome is not None:
        outcome.candidates += sum(len(d) for d in asked.values())
        outcome.matches += sum(len(d) for d in found.values())
    return found


def matches(
    engine: SearchEngine, index: AlertIndex, snap: Snapshot, docnums: list[int], outcome: MatchRun | None = None
) -> dict[str, list[int]]:
    """Which of ``docnums`` (live articles of ``snap``) each alert lists, as
    docnums (:func:`confirmed` on the Whoosh backend)."""
    articles = [Fresh(d, snap.article_id(d), "", False) for d in docnums]
    found = confirmed(SnapshotLook(engine, snap), index, articles, outcome)
    return {alert_id: sorted(a.ref for a in docs) for alert_id, docs in found.items()}


class Matcher:
    """Matches what each look at the index finds new and records deliveries."""

    def __init__(self, engine: Engine, store: AlertStore, clock=time.time, watch: Watch | None = None):
        self.engine = engine
        self.store = store
        self.index = AlertIndex()
        self.clock = clock
        self.watch = watch if watch is not None else watch_for(engine)

    def initialise(self, look: Look | None = None) -> bool:
        """Set the watermark to ``look`` (a new one when None) if there is
        none yet (alerts tell of what is published from now on, not of the
        archive); True if set."""
        if self.store.state("initialised"):
            return False
        if look is None:
            with self.watch.look() as new:
                return self.initialise(new)
        fresh = look.fresh(lambda ids: {})
        with self.store.transaction() as db:
            if db.execute("SELECT value FROM state WHERE key='initialised'").fetchone():
                return False
            look.advance(db, fresh)
            db.execute("INSERT INTO state VALUES ('initialised', ?)", (str(look.generation),))
        return True

    def run(self) -> MatchRun:
        """Match whatever the index now shows beyond the watermark."""
        with self.watch.look() as look:
            return self.run_on(look)

    def run_on(self, look: Look) -> MatchRun:
        started = time.perf_counter()
        if self.initialise(look) or look.current(self.store):
            return MatchRun()
        fresh = look.fresh(self.store.seen_digests)
        if look.idle(fresh):
            return MatchRun()
        self.index.refresh(self.store, look.compiler)
        outcome = MatchRun(articles=len(fresh))
        found = confirmed(look, self.index, fresh, outcome)
        with self.store.transaction() as db:
            if not look.unmoved(db):
                return MatchRun()  # another matcher advanced the watermark meanwhile: its records stand
            for alert_id, articles in found.items():
                outcome.deliveries += self._record(db, look, self.index.alerts[alert_id], articles)
            look.advance(db, fresh)
        outcome.seconds = time.perf_counter() - started
        if fresh:
            log.info(
                "alerts: %d articles, %d candidate alerts, %d matches, %d deliveries in %.3f s",
                outcome.articles,
                outcome.candidates,
                outcome.matches,
                outcome.deliveries,
                outcome.seconds,
            )
        return outcome

    def _record(self, db, look: Look, alert: Alert, articles: list[Fresh]) -> int:
        """Record one alert's matches (see the module docstring); the number of
        new deliveries made (0 or 1)."""
        now = self.clock()
        collecting = (
            db.execute(
                "SELECT id, articles FROM deliveries WHERE alert_id=? AND status='collecting'", (alert.id,)
            ).fetchone()
            if alert.digest_minutes
            else None
        )
        delivery_id = collecting[0] if collecting else uuid.uuid4().hex
        entries: list[dict] = json.loads(collecting[1]) if collecting else []
        added = 0
        for article in articles:
            fields = look.fields(article)
            published = fields["published"].timestamp()
            source = fields["source"] or ""
            fingerprint = look.fingerprint(fields["title"])
            earlier = db.execute(
                "SELECT digest FROM alerted WHERE alert_id=? AND article_id=?", (alert.id, article.id)
            ).fetchone()
            if earlier is not None:
                if earlier[0] == article.digest or not alert.updates:
                    db.execute(
                        "UPDATE alerted SET digest=? WHERE alert_id=? AND article_id=?",
                        (article.digest, alert.id, article.id),
                    )
                    continue
            else:
                twin = self._near_duplicate(db, alert, fingerprint, source, published)
                if twin is not None:
                    twin_delivery, twin_article = twin
                    also = {"id": fields["id"], "title": fields["title"], "url": fields["url"], "source": source}
                    if twin_delivery == delivery_id:
                        _also_reported(entries, twin_article, also)
                    else:
                        self._also_reported_in(db, twin_delivery, twin_article, also)
                    self._alerted(db, alert, article, fingerprint, source, published, twin_delivery)
                    continue
            entries.append(self._entry(look, alert, article, fields))
            added += 1
            self._alerted(db, alert, article, fingerprint, source, published, delivery_id)
        if collecting:
            db.execute(
                "UPDATE deliveries SET articles=? WHERE id=?", (json.dumps(entries, ensure_ascii=False), delivery_id)
            )
            return 0
        if not entries:
            return 0
        due, status = (now + alert.digest_minutes * 60, "collecting") if alert.digest_minutes else (now, "pending")
        db.execute(
            "INSERT INTO deliveries (id, alert_id, created, due, status, articles) VALUES (?,?,?,?,?,?)",
            (delivery_id, alert.id, now, due, status, json.dumps(entries, ensure_ascii=False)),
        )
        return 1

    @staticmethod
    def _alerted(db, alert: Alert, article: Fresh, fingerprint, source: str, published: float, delivery_id: str):
        db.execute(
            "INSERT OR REPLACE INTO alerted VALUES (?,?,?,?,?,?,?)",
            (alert.id, article.id, article.digest, json.dumps(sorted(fingerprint)), source, published, delivery_id),
        )

    @staticmethod
    def _entry(look: Look, alert: Alert, article: Fresh, fields: dict) -> dict:
        title_html, snippet = look.highlighted(alert.search.get("q") or "", article)
        return {
            "id": article.id,
            "title": fields["title"],
            "url": fields["url"],
            "published": fields["published"].isoformat(),
            "source": fields["source"],
            "category": fields["category"],
            "highlight": {"title": title_html, "snippet": snippet},
            "update": article.update,
            "digest": article.digest,
            "also_reported": [],
        }

    @staticmethod
    def _near_duplicate(
        db, alert: Alert, fingerprint: frozenset[str], source: str, published: float
    ) -> tuple[str, str] | None:
        """(delivery, article) of an earlier article of the alert that this one
        is another outlet's copy of (the folding's test), if any."""
        window = NEAR_DUPLICATE_DAYS * 86400
        rows = db.execute(
            "SELECT fingerprint, source, delivery_id, article_id FROM alerted"
            " WHERE alert_id=? AND published BETWEEN ? AND ?",
            (alert.id, published - window, published + window),
        )
        for fp_json, other_source, delivery_id, article_id in rows:
            if other_source != source and near_duplicate(fingerprint, frozenset(json.loads(fp_json))):
                return delivery_id, article_id
        return None

    @staticmethod
    def _also_reported_in(db, delivery_id: str, article_id: str, also: dict) -> None:
        """Note another outlet's copy under an earlier delivery's article (sent
        with it if still to be sent; kept in the log either way)."""
        row = db.execute("SELECT articles FROM deliveries WHERE id=?", (delivery_id,)).fetchone()
        if row is None:
            return
        entries = json.loads(row[0])
        _also_reported(entries, article_id, also)
        db.execute(
            "UPDATE deliveries SET articles=? WHERE id=?", (json.dumps(entries, ensure_ascii=False), delivery_id)
        )


def _also_reported(entries: list[dict], article_id: str, also: dict) -> None:
    for entry in entries:
        if entry["id"] == article_id or any(a["id"] == article_id for a in entry["also_reported"]):
            entry["also_reported"].append(also)
            return
