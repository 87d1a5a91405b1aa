"""Acronyms and their long forms, learned from the articles at index time.

News writes *Komisi Pemberantasan Korupsi (KPK)* once and *KPK* after, or
*BMKG (Badan Meteorologi, Klimatologi, dan Geofisika)*. :func:`candidates`
finds such pairs in one article (the long form's letters must spell the
acronym: Schwartz & Hearst's rule, so a title swallowed at the left edge,
*Ketua*, falls away). The indexer records each article's pairs in a small
SQLite file beside the index in the same step as its commit
(:class:`AcronymStore`, one article's rows replaced at a time, so a
one-article commit costs one small transaction); :meth:`AcronymStore.table`
keeps the pairs that are consistent: seen in ``MIN_ARTICLES`` articles, and
the acronym's dominant expansion (``MIN_SHARE`` of its articles).
``berita acronyms --rebuild`` makes the file again from the stored articles.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FILENAME = "acronyms.sqlite"
MIN_ARTICLES = 3  # articles that must write the pair
MIN_SHARE = 0.6  # of the articles defining the acronym, those with its dominant long form
MAX_WORDS_EXTRA = 5  # a long form has at most len(acronym) + this many words

ACRONYM = r"[A-Z][A-Za-z0-9&]{1,9}"
IN_PARENTHESES = re.compile(r"\((" + ACRONYM + r")\)")
SENTENCE_EDGE = re.compile(r"[()\n.;:!?]")
LONG_FORM_CHARS = 200  # looked at before an acronym in parentheses
SHORT_THEN_LONG = re.compile(r"(?<![\w-])(" + ACRONYM + r")\s*\(([^()\n]{3,150})\)")
WORD = re.compile(r"[\w'-]+")
# Words a long form may hold without giving the acronym a letter (Pekerjaan Umum dan Perumahan Rakyat).
CONNECTORS = frozenset("dan di ke dari untuk yang atau serta pada bagi dalam of and the in for on de".split())


@dataclass(frozen=True)
class Acronym:
    acronym: str  # as written most often, e.g. "KPK"
    long_form: str  # lower case, words separated by one space
    articles: int  # that write the pair
    share: float  # of the articles defining the acronym at all


def is_acronym(text: str) -> bool:
    """Mostly capitals (KPK, BMKG, PDIP, HAM), not a word in title case."""
    letters = [c for c in text if c.isalpha()]
    capitals = sum(c.isupper() for c in letters)
    return capitals >= 2 and capitals * 2 >= len(letters)


def normalise(long_form: str) -> str:
    return " ".join(w.lower() for w in WORD.findall(long_form))


def long_form_for(acronym: str, text: str, whole: bool = False) -> str | None:
    """The shortest end of ``text`` whose letters spell ``acronym`` in order,
    its first letter starting a word (or all of ``text`` with ``whole``);
    None if none does."""
    words = WORD.findall(text)
    if len(words) < 2:
        return None
    words = words[-(len(acronym) + MAX_WORDS_EXTRA) :] if not whole else words
    letters = [c.lower() for c in acronym if c.isalnum()]
    joined = " ".join(words)
    s = len(joined) - 1
    for i in range(len(letters) - 1, -1, -1):
        c = letters[i]
        while s >= 0 and (joined[s].lower() != c or (i == 0 and s > 0 and joined[s - 1].isalnum())):
            s -= 1
        if s < 0:
            return None
        s -= 1
    start = s + 1
    found = joined[start:]
    if len(found.split()) < 2 or found.split()[0][0].lower() != letters[0]:
        return None
    if any(w[0].lower() not in letters for w in found.split() if w.lower() not in CONNECTORS):
        return None  # a word the acronym takes no letter from: initials of a name (Imam Nahrawi (IMR)), not its letters
    if whole and start > 0:
        return None
    return normalise(found)


def candidates(text: str) -> set[tuple[str, str]]:
    """(acronym, long form) pairs one article defines."""
    found: set[tuple[str, str]] = set()
    for m in IN_PARENTHESES.finditer(text):
        acronym = m[1]
        if is_acronym(acronym):
            before = text[max(0, m.start() - LONG_FORM_CHARS) : m.start()]
            edges = list(SENTENCE_EDGE.finditer(before))
            long_form = long_form_for(acronym, before[edges[-1].end() :] if edges else before)
            if long_form:
                found.add((acronym, long_form))
    for m in SHORT_THEN_LONG.finditer(text):
        acronym = m[1]
        if is_acronym(acronym) and not is_acronym(m[2].replace(" ", "")):
            long_form = long_form_for(acronym, m[2], whole=True)
            if long_form:
                found.add((acronym, long_form))
    return found


class AcronymStore:
    """Each article's pairs, in ``acronyms.sqlite`` beside the index."""

    def __init__(self, index_dir: str | os.PathLike):
        self.path = Path(index_dir) / FILENAME

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute(
            "CREATE TABLE IF NOT EXISTS pairs (article TEXT NOT NULL, acronym TEXT NOT NULL, long_form TEXT NOT NULL,"
            " PRIMARY KEY (article, acronym, long_form)) WITHOUT ROWID"
        )
        return db

    def record(self, articles: Iterable[tuple[str, str]]) -> None:
        """Replace the pairs of each (article id, text) in one transaction."""
        db = self._connect()
        try:
            with db:
                for article_id, text in articles:
                    db.execute("DELETE FROM pairs WHERE article = ?", (article_id,))
                    db.executemany(
                        "INSERT OR IGNORE INTO pairs VALUES (?, ?, ?)",
                        [(article_id, a, long) for a, long in sorted(candidates(text))],
                    )
        finally:
            db.close()

    def forget(self, article_ids: Iterable[str]) -> None:
        db = self._connect()
        try:
            with db:
                db.executemany("DELETE FROM pairs WHERE article = ?", [(i,) for i in article_ids])
        finally:
            db.close()

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def table(self, min_articles: int = MIN_ARTICLES, min_share: float = MIN_SHARE) -> list[Acronym]:
        """The consistent pairs, most written first (empty without the file)."""
        return [a for a in self.candidates() if a.articles >= min_articles and a.share >= min_share]

    def candidates(self) -> list[Acronym]:
        """Every pair seen, with its counts: the dominant long form of each
        acronym (case aside) first."""
        if not self.path.exists():
            return []
        db = self._connect()
        try:
            rows = db.execute(
                "SELECT upper(acronym), long_form, count(DISTINCT article) FROM pairs"
                " GROUP BY upper(acronym), long_form"
            ).fetchall()
            totals = dict(
                db.execute("SELECT upper(acronym), count(DISTINCT article) FROM pairs GROUP BY upper(acronym)")
            )
            spelled = dict(
                db.execute(
                    "SELECT upper(acronym), acronym FROM pairs GROUP BY upper(acronym), acronym ORDER BY count(*) ASC"
                )
            )  # the last (most common) writing of each wins
        finally:
            db.close()
        out = [Acronym(spelled[key], long, n, n / totals[key]) for key, long, n in rows]
        return sorted(out, key=lambda a: (-a.articles, a.acronym, a.long_form))


def rebuild(index_dir: str | os.PathLike) -> int:
    """Make ``acronyms.sqlite`` again from the index's live articles; how many were read."""
    from .store import open_existing

    store = AcronymStore(index_dir)
    ix = open_existing(index_dir)
    try:
        with ix.searcher() as searcher:
            store.clear()
            batch: list[tuple[str, str]] = []
            count = 0
            for fields in searcher.all_stored_fields():
                batch.append((fields["id"], f"{fields.get('title', '')}\n{fields.get('body', '')}"))
                if len(batch) >= 1000:
                    store.record(batch)
                    count += len(batch)
                    batch = []
            store.record(batch)
            return count + len(batch)
    finally:
        ix.close()
