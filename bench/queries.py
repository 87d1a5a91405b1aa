"""The benchmark query set: fixed, deterministic, 1-4 words.

104 handwritten reader/editor queries (queries-handwritten.txt) plus queries
made from corpus titles the way a reader remembers a story (2-3 of its
content words), drawn with a fixed seed. A third get a date range, a third
are sorted newest, a third are plain relevance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from index.analysis import TALA_STOPWORDS, TOKEN_PATTERN

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BenchQuery:
    q: str
    date_from: str | None = None
    date_to: str | None = None
    sort: str | None = None


def handwritten() -> list[str]:
    lines = (HERE / "queries-handwritten.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def from_titles(records: list[dict], count: int, seed: int = 2019) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        title = rng.choice(records)["title"]
        words = [m.group(0).lower() for m in TOKEN_PATTERN.finditer(title)]
        words = [w for w in words if w.isalpha() and len(w) > 3 and w not in TALA_STOPWORDS]
        if len(words) < 2:
            continue
        k = min(len(words), rng.choice((2, 2, 3)))
        picked = sorted(rng.sample(range(len(words)), k))
        out.append(" ".join(words[i] for i in picked))
    return out


def query_set(records: list[dict], derived: int = 110, seed: int = 2019) -> list[BenchQuery]:
    texts = handwritten() + from_titles(records, derived, seed)
    rng = random.Random(seed + 1)
    out = []
    for i, text in enumerate(texts):
        if i % 3 == 0:
            start = date(2019, 9, 1) + timedelta(days=rng.randrange(0, 18))
            end = start + timedelta(days=rng.randrange(2, 10))
            out.append(BenchQuery(text, start.isoformat(), end.isoformat()))
        elif i % 3 == 1:
            out.append(BenchQuery(text, sort="newest"))
        else:
            out.append(BenchQuery(text))
    return out


def speed_set() -> list[BenchQuery]:
    """bench/speed-queries.tsv: 60 reader and editor queries written by a
    helper before any measurement with them (a set this project never tuned on)."""
    lines = (HERE / "speed-queries.tsv").read_text(encoding="utf-8").splitlines()
    rows = [ln.split("\t") for ln in lines if ln.strip() and not ln.startswith("#")][1:]
    return [BenchQuery(q, date_from or None, date_to or None, sort or None) for q, date_from, date_to, sort in rows]
