"""How right the did-you-mean is, on a query set written by other hands.

    .venv/bin/python bench/spelling_eval.py [--index var/corpus] [--queries bench/spelling-queries.tsv]
    flock /tmp/berita-bench.lock .venv/bin/python bench/spelling_eval.py --backend opensearch --opensearch-url $URL

bench/spelling-queries.tsv (written from the corpus by a helper before any
correction was run for it) holds typo queries with the query meant, and
correct queries of rare and common words that must not change. Three
correctors answer each query, in one run:

- Berita as shipped: the corrected query the results are for, else the
  "Apakah maksud Anda" suggestion;
- the corrector Berita shipped before the correction index (reproduced here):
  asked only when the query had fewer than 5 results, partial matches included;
- Whoosh's own ``Searcher.correct_query`` over the exact-form field (prefix=1:
  with prefix=0 Whoosh walks the whole term list per word, seconds a query).

With ``--backend opensearch``, Berita as shipped answers on the Whoosh index
and on a cluster holding the same corpus (filled once, as bench/quality.py
fills it), side by side.

Precision: of the typo queries a corrector changed, the share changed to the
query meant. Recall: of all typo queries, the share changed to it. False
corrections: the share of correct queries changed at all. Ids with an odd
number were looked at while the corrector was built; the even ones were not:
both halves are printed.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, cluster_holding, corpus_path, load_records  # noqa: E402

from index.analysis import TALA_STOPWORDS, fold  # noqa: E402
from search.backend import Engine  # noqa: E402
from search.engine import SearchEngine  # noqa: E402
from search.features.spelling import SUGGEST_BELOW, plain_words  # noqa: E402
from search.request import SearchRequest  # noqa: E402


def normal(text: str | None) -> str | None:
    return " ".join(fold(text).split()) if text else None


def berita(engine: Engine, q: str) -> str | None:
    result = engine.search(SearchRequest(q=q))
    return result.corrected_query or result.suggestion


def previous(engine: SearchEngine, q: str) -> str | None:
    """The corrector before this one: a query word in fewer than 3 documents is
    replaced by the most frequent word within edit distance 1 (else 2) of the
    same first letter that is 5 times more frequent; asked below 5 results."""
    if engine.search(SearchRequest(q=q, spellcheck=False)).total >= SUGGEST_BELOW:
        return None
    corrected, changed = q, False
    with engine.manager.acquire() as snap:
        reader = snap.searcher.reader()
        for word in plain_words(q)[:8]:
            folded = fold(word)
            if not folded.isalpha() or len(folded) < 4 or folded in TALA_STOPWORDS:
                continue
            seen = reader.doc_frequency("body_exact", folded) + reader.doc_frequency("title_exact", folded)
            if seen >= 3:
                continue
            for distance in (1, 2):
                scored = [
                    (reader.doc_frequency("body_exact", t), t)
                    for t in reader.terms_within("body_exact", folded, distance, prefix=1)
                    if t != folded and t.isalpha()
                ]
                scored = [s for s in scored if s[0] >= max(1, 5 * seen)]
                if scored:
                    corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", max(scored)[1], corrected, count=1)
                    changed = True
                    break
    return corrected if changed else None


def whoosh(engine: SearchEngine, q: str) -> str | None:
    from whoosh.qparser import QueryParser

    with engine.manager.acquire() as snap:
        text = fold(q)
        parsed = QueryParser("body_exact", snap.searcher.schema).parse(text)
        corrected = snap.searcher.correct_query(parsed, text, prefix=1).string
    return corrected if normal(corrected) != normal(q) else None


SYSTEMS = {"Berita": berita, "previous corrector": previous, "Whoosh correct_query": whoosh}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=str(REPO / "var" / "corpus"))
    parser.add_argument("--queries", default=str(REPO / "bench" / "spelling-queries.tsv"))
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset")
    parser.add_argument("--errors", type=int, default=0, help="print this many wrong answers (odd ids only)")
    parser.add_argument(
        "--backend",
        choices=("whoosh", "opensearch"),
        default="whoosh",
        help="opensearch: Berita on the Whoosh index beside Berita on a cluster (--systems is ignored)",
    )
    parser.add_argument("--opensearch-url", action="append", default=[], help="a cluster node (repeatable)")
    parser.add_argument("--opensearch-index", default="quality", help="the cluster index (filled with the corpus once)")
    parser.add_argument("--corpus", help="what the cluster is filled with (the corpus the --index holds)")
    args = parser.parse_args()
    with open(args.queries, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    engine = SearchEngine.open(args.index, background=False)
    systems: list[tuple[str, Callable[[str], str | None]]]
    cluster = None
    if args.backend == "opensearch":
        from search.backends.opensearch.engine import OpenSearchEngine

        target = cluster_holding(args.opensearch_url, args.opensearch_index, load_records(corpus_path(args.corpus)))
        cluster = OpenSearchEngine(target, budget_seconds=None, poll=False)
        systems = [("Berita, Whoosh index", partial(berita, engine)), ("Berita, OpenSearch", partial(berita, cluster))]
    else:
        systems = [(name, partial(SYSTEMS[name], engine)) for name in args.systems.split(",")]
    print(f"{len(rows)} queries ({sum(r['kind'] == 'correct' for r in rows)} correct), index {args.index}")
    for name, answer in systems:
        started = time.perf_counter()
        # (half, kind) -> [asked, changed, right]
        tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        wrong = []
        for row in rows:
            got = normal(answer(row["query"]))
            half = "odd" if int(row["id"][1:]) % 2 else "even"
            for key in ((half, row["kind"]), ("all", row["kind"]), (half, "*"), ("all", "*")):
                counts = tally[key]
                counts[0] += 1
                counts[1] += got is not None
                counts[2] += got is not None and got == normal(row["intended"])
            if half == "odd" and (got or None) != (None if row["kind"] == "correct" else normal(row["intended"])):
                wrong.append((row["id"], row["kind"], row["query"], got, row["intended"]))
        took = time.perf_counter() - started
        print(f"\n{name} ({took:.0f} s, {1000 * took / len(rows):.1f} ms a query)")
        print(f"  {'set':<6} {'precision':>9} {'recall':>7} {'false corr.':>11} {'typos':>6} {'correct':>8}")
        for half in ("odd", "even", "all"):
            typos = [tally[(half, k)] for k in {r["kind"] for r in rows} if k != "correct"]
            asked, changed, right = (sum(c[i] for c in typos) for i in range(3))
            fine = tally[(half, "correct")]
            print(
                f"  {half:<6} {right / max(changed, 1):>9.3f} {right / max(asked, 1):>7.3f} "
                f"{fine[1] / max(fine[0], 1):>11.3f} {asked:>6} {fine[0]:>8}"
            )
        kinds = sorted({r["kind"] for r in rows} - {"correct"})
        print(
            "  recall by kind (all): "
            + ", ".join(f"{k} {tally[('all', k)][2] / tally[('all', k)][0]:.2f}" for k in kinds)
        )
        for item in wrong[: args.errors]:
            print("   ", *item, sep=" | ")
    engine.close()
    if cluster is not None:
        cluster.close()


if __name__ == "__main__":
    main()
