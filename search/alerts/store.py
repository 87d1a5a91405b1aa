"""Saved searches and their deliveries, in SQLite beside the index.

One file (``alerts.sqlite3`` in the index directory, as ``keys.json`` is)
holds the alerts, the outbox of deliveries, what each alert was told about,
and the matcher's watermark: the segments whose articles were matched and
the (id, content digest) of every article seen. A commit of the matcher
records the deliveries and advances the watermark in one transaction, so a
process killed at any point neither loses nor repeats a match. WAL mode lets
every worker read and write alerts while one matches and delivers.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ALERTS_FILE = "alerts.sqlite3"
BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    search TEXT NOT NULL,          -- JSON: q, from, to, category, source, author
    webhook_url TEXT NOT NULL,
    webhook_secret TEXT NOT NULL,
    updates INTEGER NOT NULL,      -- deliver a changed version of an alerted article
    digest_minutes INTEGER NOT NULL,
    feed_token TEXT NOT NULL,
    created REAL NOT NULL,
    changed REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_owner ON alerts (owner);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,           -- the idempotency id: stable across retries and restarts
    alert_id TEXT NOT NULL,
    created REAL NOT NULL,
    due REAL NOT NULL,             -- when it is sent next (a digest: when its window closes)
    status TEXT NOT NULL,          -- collecting, pending, delivered, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered REAL,
    articles TEXT NOT NULL         -- JSON list of the articles it carries
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, due);
CREATE INDEX IF NOT EXISTS deliveries_alert ON deliveries (alert_id, created);
CREATE TABLE IF NOT EXISTS alerted (
    alert_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    fingerprint TEXT NOT NULL,     -- JSON list: the title's words (near-duplicate test)
    source TEXT NOT NULL,
    published REAL NOT NULL,
    delivery_id TEXT NOT NULL,
    PRIMARY KEY (alert_id, article_id)
);
CREATE INDEX IF NOT EXISTS alerted_recent ON alerted (alert_id, published);
CREATE TABLE IF NOT EXISTS seen (article_id TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS matched_segments (segment_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class AlertNotFound(LookupError):
    """No alert with that id (or not one this key owns)."""


@dataclass(frozen=True)
class Alert:
    """A saved search and where to tell of its matches."""

    id: str
    owner: str
    name: str
    search: dict  # q, from, to (ISO text), category, source, author (lists)
    webhook_url: str
    webhook_secret: str
    updates: bool = False
    digest_minutes: int = 0
    feed_token: str = ""
    created: float = 0.0
    changed: float = 0.0


@dataclass
class Delivery:
    """One POST to a webhook (several articles when grouped or a digest)."""

    id: str
    alert_id: str
    created: float
    due: float
    status: str
    attempts: int = 0
    last_error: str | None = None
    delivered: float | None = None
    articles: list[dict] = field(default_factory=list)


def store_path(index_dir: str | os.PathLike) -> Path:
    return Path(index_dir) / ALERTS_FILE


def now_iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


class AlertStore:
    """The alerts file; one connection per thread (sqlite3's rule)."""

    def __init__(self, index_dir: str | os.PathLike):
        self.path = store_path(index_dir)
        self._local = threading.local()
        self._db().executescript(SCHEMA)  # idempotent; executescript commits on its own
        try:
            os.chmod(self.path, 0o600)  # it holds webhook secrets
        except OSError:
            pass

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # an acknowledged alert or delivery survives a power cut
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on an exception)."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- alerts ---------------------------------------------------------------------

    def add(
        self,
        owner: str,
        name: str,
        search: dict,
        webhook_url: str,
        webhook_secret: str,
        updates: bool = False,
        digest_minutes: int = 0,
    ) -> Alert:
        moment = time.time()
        alert = Alert(
            id=uuid.uuid4().hex[:16],
            owner=owner,
            name=name,
            search=search,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            updates=updates,
            digest_minutes=digest_minutes,
            feed_token=secrets.token_urlsafe(18),
            created=moment,
            changed=moment,
        )
        with self.transaction() as db:
            db.execute(
                "INSERT INTO alerts VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    alert.id,
                    owner,
                    name,
                    json.dumps(search, ensure_ascii=False),
                    webhook_url,
                    webhook_secret,
                    int(updates),
                    digest_minutes,
                    alert.feed_token,
                    moment,
                    moment,
                ),
            )
        return alert

    def add_many(self, owner: str, alerts: list[tuple[str, dict, str, str]]) -> int:
        """(name, search, webhook url, secret) of many alerts in one transaction
        (an import, a benchmark); how many were added."""
        moment = time.time()
        rows = [
            (
                uuid.uuid4().hex[:16],
                owner,
                name,
                json.dumps(search, ensure_ascii=False),
                url,
                secret,
                0,
                0,
                secrets.token_urlsafe(18),
                moment,
                moment,
            )
            for name, search, url, secret in alerts
        ]
        with self.transaction() as db:
            db.executemany("INSERT INTO alerts VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        return len(rows)

    def update(self, alert: Alert) -> Alert:
        """Store ``alert``'s fields (its id and owner say which)."""
        changed = max(time.time(), alert.changed + 1e-6)
        with self.transaction() as db:
            done = db.execute(
                "UPDATE alerts SET name=?, search=?, webhook_url=?, webhook_secret=?, updates=?, digest_minutes=?,"
                " changed=? WHERE id=? AND owner=?",
                (
                    alert.name,
                    json.dumps(alert.search, ensure_ascii=False),
                    alert.webhook_url,
                    alert.webhook_secret,
                    int(alert.updates),
                    alert.digest_minutes,
                    changed,
                    alert.id,
                    alert.owner,
                ),
            ).rowcount
        if not done:
            raise AlertNotFound(alert.id)
        return self.get(alert.id, alert.owner)

    def delete(self, alert_id: str, owner: str | None) -> None:
        """Remove an alert, its undelivered deliveries and what it was told of
        (``owner`` None: whoever owns it, for the CLI)."""
        with self.transaction() as db:
            found = db.execute(
                "DELETE FROM alerts WHERE id=? AND (? IS NULL OR owner=?)", (alert_id, owner, owner)
            ).rowcount
            if not found:
                raise AlertNotFound(alert_id)
            db.execute("DELETE FROM deliveries WHERE alert_id=? AND status IN ('collecting','pending')", (alert_id,))
            db.execute("DELETE FROM alerted WHERE alert_id=?", (alert_id,))

    def get(self, alert_id: str, owner: str | None) -> Alert:
        row = (
            self._db()
            .execute("SELECT * FROM alerts WHERE id=? AND (? IS NULL OR owner=?)", (alert_id, owner, owner))
            .fetchone()
        )
        if row is None:
            raise AlertNotFound(alert_id)
        return _alert(row)

    def alerts(self, owner: str | None) -> list[Alert]:
        rows = self._db().execute("SELECT * FROM alerts WHERE (? IS NULL OR owner=?) ORDER BY created", (owner, owner))
        return [_alert(r) for r in rows]

    def versions(self) -> dict[str, float]:
        """Each alert's id and when it last changed (what a matcher reloads)."""
        return {r[0]: r[1] for r in self._db().execute("SELECT id, changed FROM alerts")}

    def alerts_by_id(self, ids: Iterable[str]) -> list[Alert]:
        out: list[Alert] = []
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out += [_alert(r) for r in self._db().execute(f"SELECT * FROM alerts WHERE id IN ({marks})", chunk)]
        return out

    # -- deliveries -----------------------------------------------------------------

    def deliveries(self, alert_id: str, limit: int = 100) -> list[Delivery]:
        rows = self._db().execute(
            "SELECT * FROM deliveries WHERE alert_id=? ORDER BY created DESC, id LIMIT ?", (alert_id, limit)
        )
        return [_delivery(r) for r in rows]

    def due(self, moment: float, limit: int = 50) -> list[Delivery]:
        """Deliveries to send now: pending ones whose time has come, and digests whose window closed."""
        rows = self._db().execute(
            "SELECT * FROM deliveries WHERE status IN ('pending','collecting') AND due<=? ORDER BY due LIMIT ?",
            (moment, limit),
        )
        return [_delivery(r) for r in rows]

    def close_digest(self, delivery_id: str) -> Delivery | None:
        """A digest whose window ended, closed to new matches (they open the
        next one) and returned as it will be sent; None if already closed."""
        with self.transaction() as db:
            done = db.execute(
                "UPDATE deliveries SET status='pending' WHERE id=? AND status='collecting'", (delivery_id,)
            ).rowcount
            row = db.execute("SELECT * FROM deliveries WHERE id=?", (delivery_id,)).fetchone()
        return _delivery(row) if done and row is not None else None

    def next_due(self) -> float | None:
        row = self._db().execute("SELECT MIN(due) FROM deliveries WHERE status IN ('pending','collecting')").fetchone()
        return row[0]

    def mark_delivered(self, delivery_id: str, moment: float) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET status='delivered', delivered=?, attempts=attempts+1, last_error=NULL"
                " WHERE id=?",
                (moment, delivery_id),
            )

    def mark_failed_attempt(self, delivery_id: str, error: str, retry_at: float | None) -> None:
        """One more failed attempt: retried at ``retry_at``, or given up (None)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET status=?, attempts=attempts+1, last_error=?, due=COALESCE(?, due) WHERE id=?",
                ("failed" if retry_at is None else "pending", error[:500], retry_at, delivery_id),
            )

    # -- the matcher's state --------------------------------------------------------

    def state(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def matched_segments(self) -> set[str]:
        return {r[0] for r in self._db().execute("SELECT segment_id FROM matched_segments")}

    def seen_digests(self, article_ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(article_ids), 500):
            chunk = article_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(self._db().execute(f"SELECT article_id, digest FROM seen WHERE article_id IN ({marks})", chunk))
        return out


def _alert(row: sqlite3.Row) -> Alert:
    return Alert(
        id=row["id"],
        owner=row["owner"],
        name=row["name"],
        search=json.loads(row["search"]),
        webhook_url=row["webhook_url"],
        webhook_secret=row["webhook_secret"],
        updates=bool(row["updates"]),
        digest_minutes=row["digest_minutes"],
        feed_token=row["feed_token"],
        created=row["created"],
        changed=row["changed"],
    )


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        alert_id=row["alert_id"],
        created=row["created"],
        due=row["due"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        delivered=row["delivered"],
        articles=json.loads(row["articles"]),
    )
