"""Pools articles for judging the evaluation queries (bench/eval-queries.tsv).

    .venv/bin/python bench/pool.py [--depth 10] [--out var/eval-pool.jsonl]

For each query, the union of the top ``depth`` of several different systems:
SQLite FTS5 with the words ORed and ANDed (bm25, title 2:1), plain BM25 without
and with Snowball stemming (Berita's engine with exact twins and proximity
off), and Berita as shipped (every configuration named in ``--systems``).
Date-ranged queries are filtered by every system. The pool holds article text
for the judges, so it is written under var/ (never committed); the grades go
to bench/eval-judgments.tsv as (qid, article id, grade).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records  # noqa: E402
from quality import ensure_index, words_of  # noqa: E402

from index.dates import parse_published  # noqa: E402
from search.engine import SearchEngine  # noqa: E402
from search.manager import SearcherManager  # noqa: E402
from search.params import parse_date_bound  # noqa: E402
from search.query import DEFAULT_WEIGHTS  # noqa: E402
from search.request import SearchRequest  # noqa: E402

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class EvalQuery:
    qid: str
    kind: str
    query: str
    date_from: str
    date_to: str
    need: str


def eval_queries(path: Path = HERE / "eval-queries.tsv") -> list[EvalQuery]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    rows = list(csv.reader(lines[1:], delimiter="\t", quoting=csv.QUOTE_NONE))
    return [EvalQuery(*row) for row in rows]


class Fts:
    """SQLite FTS5 over the same records, words ANDed or ORed."""

    def __init__(self, records: list[dict]):
        import sqlite3

        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, published UNINDEXED, title, body, "
                        "tokenize='unicode61 remove_diacritics 2')")
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", (
            (r["id"], parse_published(r["published"])[0].timestamp(), r["title"], r["body"]) for r in records))

    def ranked_ids(self, q: EvalQuery, limit: int, op: str) -> list[str]:
        words = ['"%s"' % w.replace('"', "") for w in words_of(q.query)]
        if not words:
            return []
        where, args = "docs MATCH ?", [f" {op} ".join(words)]
        if q.date_from:
            where += " AND published BETWEEN ? AND ?"
            args += [parse_date_bound("from", q.date_from).timestamp(),
                     parse_date_bound("to", q.date_to, end=True).timestamp()]
        rows = self.db.execute(f"SELECT id FROM docs WHERE {where} ORDER BY bm25(docs, 0, 0, 2.0, 1.0) LIMIT ?",
                               [*args, limit])
        return [row[0] for row in rows]


def engine_ids(engine: SearchEngine, q: EvalQuery, limit: int) -> list[str]:
    request = SearchRequest(q=q.query, date_from=parse_date_bound("from", q.date_from or None),
                            date_to=parse_date_bound("to", q.date_to or None, end=True),
                            size=min(limit, 50), collapse=False, sort="relevance")
    return [h.id for h in engine.search(request).hits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--workdir", default=str(REPO / "var" / "quality"))
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--out", default=str(REPO / "var" / "eval-pool.jsonl"))
    args = parser.parse_args()
    records = load_records(corpus_path(args.corpus))
    by_id = {r["id"]: r for r in records}
    workdir = Path(args.workdir)
    plain = replace(DEFAULT_WEIGHTS, exact_twins=False, proximity=False)
    engines = {
        "bm25-unstemmed": SearchEngine(SearcherManager(ensure_index(workdir, "none", records)), weights=plain,
                                       stemming="none"),
        "bm25-snowball": SearchEngine(SearcherManager(ensure_index(workdir, "snowball", records)), weights=plain,
                                      stemming="snowball"),
        "berita-shipped": SearchEngine(SearcherManager(ensure_index(workdir, "protected", records))),
    }
    fts = Fts(records)
    with open(args.out, "w", encoding="utf-8") as out:
        for q in eval_queries():
            systems = {"fts5-or": fts.ranked_ids(q, args.depth, "OR"), "fts5-and": fts.ranked_ids(q, args.depth, "AND")}
            systems.update({name: engine_ids(e, q, args.depth) for name, e in engines.items()})
            pooled: dict[str, list[str]] = {}
            for name, ids in systems.items():
                for d in ids:
                    pooled.setdefault(d, []).append(name)
            for d, found_by in pooled.items():
                r = by_id[d]
                out.write(json.dumps({"qid": q.qid, "query": q.query, "need": q.need, "id": d, "found_by": found_by,
                                      "published": r["published"], "source": r["source"], "title": r["title"],
                                      "body": r["body"][:1500]}, ensure_ascii=False) + "\n")
            print(f"{q.qid}\t{len(pooled)}\t{q.query}", file=sys.stderr)


if __name__ == "__main__":
    main()
