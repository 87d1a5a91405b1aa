"""What did-you-mean costs: per query, per worker, and to the other readers.

    .venv/bin/python bench/spelling_bench.py [--index var/corpus] [--queries 600]

In one run, over the shared corpus (result cache off, 127.0.0.1 only, every
loop bounded):

1. the correction index: build time (the segments' vocabularies read, then
   merged) and memory, at this corpus's vocabulary and at a vocabulary grown
   as a 10x larger archive's would be (Heaps' law, beta 0.55: x3.5 the words,
   the added ones made by perturbing real ones), with its lookup time there;
2. unique queries of 2-4 rare words (documents 2-30 each; most have no full
   match, so nearly every one is checked) plus the typo queries of
   bench/spelling-queries.tsv, each asked once on a fresh ``berita serve
   --workers 1 --cache 0``: server time (took_ms) p50/p95/p99, apart for the
   queries answered with a correction; SQLite FTS5 in-process on the same
   queries, the baseline;
3. the same queries on a second fresh server with spellcheck=false: per query,
   the time with correction over the time without;
4. interference: a client asks plain bench queries one after another, alone and
   then while another client sends typo queries back to back to the same
   worker; the difference of the plain queries' p50 and p95.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import math
import random
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records, percentiles  # noqa: E402
from queries import BenchQuery, query_set  # noqa: E402
from search_bench import build_fts, fts_query, serving  # noqa: E402

from search.features.spelling import SPELLING_FIELDS, CorrectionIndex, SegmentWords  # noqa: E402
from search.reader.manager import SearcherManager  # noqa: E402

HEAPS_BETA = 0.55  # vocabulary ~ articles ** beta (news text: 0.5-0.6)


def rare_queries(index: CorrectionIndex, count: int, seed: int = 23) -> list[str]:
    rng = random.Random(seed)
    rare = sorted(t for t, n in index.counts().items() if 2 <= n <= 30 and len(t) >= 4)
    return [" ".join(rng.sample(rare, rng.randint(2, 4))) for _ in range(count)]


def typo_queries(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [
            r["query"] for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if r["kind"] != "correct"
        ]


def grown_counts(counts: dict[str, int], factor: float, seed: int = 7) -> dict[str, int]:
    """``counts`` with ``factor`` times as many words: the added ones are real
    words with two letters changed, rare as new words are (1-3 documents)."""
    rng = random.Random(seed)
    words = list(counts)
    grown = dict(counts)
    letters = "abcdefghijklmnopqrstuvwxyz"
    while len(grown) < factor * len(counts):
        w = list(rng.choice(words))
        for _ in range(2):
            w[rng.randrange(len(w))] = rng.choice(letters)
        grown["".join(w)] = rng.choice((1, 1, 1, 2, 3))
    return grown


def index_figures(index_dir: Path) -> CorrectionIndex:
    def fresh_build() -> tuple[CorrectionIndex, float, float, float, int]:
        with manager.acquire() as snap:
            started = time.perf_counter()
            for fieldname in SPELLING_FIELDS:
                snap.segment_terms(fieldname)
            read = time.perf_counter() - started
            started = time.perf_counter()
            built = CorrectionIndex.of_snapshot(snap)
            made = time.perf_counter() - started
            started = time.perf_counter()
            CorrectionIndex.of_snapshot(snap)  # what a commit costs for the segments it keeps
            again = time.perf_counter() - started
            segments = len(snap.segment_ids)
        return built, read, made, again, segments

    manager = SearcherManager(index_dir, background=False)
    built, read, made, again, segments = fresh_build()
    manager.close()
    manager = SearcherManager(index_dir, background=False)
    tracemalloc.start()  # a second build, for its memory alone (tracemalloc slows allocation)
    kept = fresh_build()
    memory = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del kept
    manager.close()
    counts = built.counts()
    print(
        f"correction index at {len(counts):,} words ({segments} segments), built once per segment: vocabularies "
        f"read {read:.2f} s, letter masks and bands {made:.2f} s, {memory:.0f} MB (vocabularies and index); "
        f"a new snapshot over the same segments {1000 * again:.2f} ms"
    )
    factor = 10**HEAPS_BETA
    grown = grown_counts(counts, factor)
    tracemalloc.start()
    started = time.perf_counter()
    grown_words = SegmentWords(grown)
    grown_words.bands  # noqa: B018  # built now, as a warmer builds them
    big = CorrectionIndex([grown_words])
    took = time.perf_counter() - started
    memory = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    print(
        f"  grown as for 10x the articles ({len(grown):,} words, one segment): built {took:.2f} s, {memory:.0f} MB "
        f"beyond its counts; reading that vocabulary from segments would take about {read * factor:.1f} s once"
    )
    words = [w for w in rare_queries(built, 200) for w in w.split()][:400]
    for name, index in (("this corpus", built), ("grown", big)):
        started = time.perf_counter()
        for w in words:
            index.near(w, 2)
        print(f"  lookup ({name}): {1000 * (time.perf_counter() - started) / len(words):.2f} ms a word")
    return built


def ask_all(port: int, queries: list[str], **extra: str) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out = []
    for q in queries:
        started = time.perf_counter()
        conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": q, **extra}))
        body = json.loads(conn.getresponse().read())
        out.append({**body, "client_ms": (time.perf_counter() - started) * 1000})
    return out


def line(name: str, samples: list[float], base: dict[str, float] | None = None) -> str:
    p = percentiles(samples)
    text = f"  {name:<34} n={len(samples):>4}  p50 {p['p50']:6.2f}  p95 {p['p95']:6.2f}  p99 {p['p99']:6.2f} ms"
    if base:
        text += (
            f"  ({p['p50'] / base['p50']:.1f}x / {p['p95'] / base['p95']:.1f}x / {p['p99'] / base['p99']:.1f}x FTS5)"
        )
    return text


def interference(index_dir: Path, plain: list[BenchQuery], typos: list[str], rounds: int) -> None:
    paths = [
        "/api/search?" + urllib.parse.urlencode({k: v for k, v in vars(q).items() if v} | {"q": q.q}) for q in plain
    ]
    with serving(index_dir, 1, 4, 0) as (port, _):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def timed_pass() -> list[float]:
            samples = []
            for path in paths:
                started = time.perf_counter()
                conn.request("GET", path)
                conn.getresponse().read()
                samples.append((time.perf_counter() - started) * 1000)
            return samples

        timed_pass()  # warm: postings read once
        alone = [s for _ in range(rounds) for s in timed_pass()]
        stop = threading.Event()
        sent = [0]

        def typist() -> None:
            other = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for i in range(100_000):  # bounded; stopped when the timed passes end
                if stop.is_set():
                    break
                other.request("GET", "/api/search?" + urllib.parse.urlencode({"q": typos[i % len(typos)]}))
                other.getresponse().read()
                sent[0] += 1

        thread = threading.Thread(target=typist)
        thread.start()
        try:
            beside = [s for _ in range(rounds) for s in timed_pass()]
        finally:
            stop.set()
            thread.join(timeout=60)
    a, b = percentiles(alone), percentiles(beside)
    print(f"\ninterference on one worker ({len(paths)} plain queries x {rounds}, typo queries sent: {sent[0]:,})")
    print(f"  plain queries alone:            p50 {a['p50']:.2f} ms, p95 {a['p95']:.2f} ms")
    print(f"  beside a client sending typos:  p50 {b['p50']:.2f} ms, p95 {b['p95']:.2f} ms")
    print(f"  delay: p50 +{b['p50'] - a['p50']:.2f} ms, p95 +{b['p95'] - a['p95']:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=str(REPO / "var" / "corpus"))
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--queries", type=int, default=600, help="rare-word queries (the typo set comes on top)")
    parser.add_argument("--rounds", type=int, default=3, help="interference: passes over the plain queries")
    args = parser.parse_args()
    index_dir = Path(args.index)
    built = index_figures(index_dir)
    queries = rare_queries(built, args.queries) + typo_queries(REPO / "bench" / "spelling-queries.tsv")
    queries = list(dict.fromkeys(queries))

    records = load_records(corpus_path(args.corpus))
    with tempfile.TemporaryDirectory() as work:
        db = build_fts(records, Path(work) / "fts.db")
        fts = []
        for q in queries:
            started = time.perf_counter()
            fts_query(db, BenchQuery(q))
            fts.append((time.perf_counter() - started) * 1000)
    base = percentiles(fts)

    with serving(index_dir, 1, 4, 0) as (port, _):
        checked = ask_all(port, queries)
    with serving(index_dir, 1, 4, 0) as (port, _):
        typed = ask_all(port, queries, spellcheck="false")
    corrected = [i for i, r in enumerate(checked) if r.get("corrected_query") or r.get("suggestion")]
    print(f"\n{len(queries)} unique queries, each asked once on a fresh server (server time, took_ms):")
    print(line("SQLite FTS5 in-process", fts))
    print(line("Berita, all", [r["took_ms"] for r in checked], base))
    print(line("Berita, answered with a correction", [checked[i]["took_ms"] for i in corrected], base))
    print(line("Berita, the rest", [r["took_ms"] for i, r in enumerate(checked) if i not in set(corrected)], base))
    print(line("Berita, spellcheck=false", [r["took_ms"] for r in typed], base))
    print(line("client-side, all (HTTP, c=1)", [r["client_ms"] for r in checked]))
    ratios = sorted(checked[i]["took_ms"] / max(typed[i]["took_ms"], 0.01) for i in corrected)
    if ratios:
        mid = ratios[len(ratios) // 2]
        p95 = ratios[min(len(ratios) - 1, math.ceil(0.95 * len(ratios)) - 1)]
        print(f"  with correction / without, same query ({len(ratios)} corrected): median {mid:.2f}x, p95 {p95:.2f}x")

    plain = query_set(records)[:60]
    interference(index_dir, plain, typo_queries(REPO / "bench" / "spelling-queries.tsv"), args.rounds)


if __name__ == "__main__":
    main()
