"""Pools articles for judging the evaluation queries (bench/eval-queries.tsv).

    .venv/bin/python bench/pool.py [--depth 10] [--out var/eval-pool.jsonl] [--queries SET]

For each query, the union of the top ``depth`` of several different systems:
SQLite FTS5 with the words ORed and ANDed, BM25F without and with Snowball
stemming, and Berita as shipped (the systems of bench/quality.py). Date-ranged
queries are filtered by every system. The pool holds article text for the
judges, so it is written under var/ (never committed); the grades go to
bench/eval-judgments.tsv as (qid, article id, grade). The first round (945
articles) pooled Berita as it was before BM25F; `quality.py --unjudged` lists
what later configurations bring into a top 10 unjudged.

``--queries typed`` pools issue 31's typed queries (bench/understanding/typed-queries.tsv:
the date is in the words, read from each row's ``now``): FTS5 searches the words as
typed; the BM25F baselines go through the engine, so they read the dates as Berita as
shipped does; Berita with dates, acronyms and old spellings off is pooled too.
``--queries sixth`` (bench/sixth-queries.tsv) is pooled the same way: its date words
are in the text, read from the index's newest article, and three rows carry a from/to
that every system applies.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, judging_line, load_records  # noqa: E402
from quality import (  # noqa: E402
    POOLED_NAMES,
    QUERY_SETS,
    UNDERSTANDING_OFF,
    build_systems,
    eval_needs,
    typed_needs,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--workdir", default=str(REPO / "var" / "quality"))
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--out", default=str(REPO / "var" / "eval-pool.jsonl"))
    parser.add_argument("--queries", choices=(*QUERY_SETS, "typed"), default="eval", help="which query set to pool")
    args = parser.parse_args()
    records = load_records(corpus_path(args.corpus))
    by_id = {r["id"]: r for r in records}
    systems, _ = build_systems(Path(args.workdir), records)
    typed = args.queries == "typed"
    understanding = args.queries in ("typed", "sixth")  # sets written for issue 31 pool its mechanisms off too
    pooled_systems = [s for s in systems if s.name in POOLED_NAMES or (understanding and s.name == UNDERSTANDING_OFF)]
    with open(args.out, "w", encoding="utf-8") as out:
        for need in typed_needs() if typed else eval_needs(args.queries):
            pooled: dict[str, list[str]] = {}
            for system in pooled_systems:
                for d in system.rank(need, args.depth):
                    pooled.setdefault(d, []).append(system.name)
            for d, found_by in pooled.items():
                out.write(judging_line(need.qid, need.q, by_id[d], need=need.need, found_by=found_by))
            print(f"{need.qid}\t{len(pooled)}\t{need.q}", file=sys.stderr)


if __name__ == "__main__":
    main()
