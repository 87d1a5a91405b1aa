"""Issue 24's one-machine targets at scale (1,000,000 articles), each against a baseline of the same run.

    .venv/bin/python bench/scale_bench.py [--articles 1000000] [--procs 2] [--commits 3] [--workdir var/scale]

1. the corpus replicated to ``--articles`` (bench/replicate.py, 3% of each copy's body
   words given new suffixes, written once to var/bench/corpus-N.jsonl.gz);
2. the build, WITHOUT the bench lock (it takes minutes to an hour; the load average is
   sampled through it and printed, so a build on a shared machine says so): SQLite FTS5 on
   the same rows (bench/search_bench.py's table), then ``berita index --procs P``; both
   timed, both sizes on disk. Saved to WORKDIR/build-N.json: a later run measures the
   same index without building it again (``--rebuild`` builds anew);
3. under the bench lock (/tmp/berita-bench.lock, taken here, held for the measurements only):
   a. FTS5 at N in-process (top 10 with snippets and a count): bench/speed-queries.tsv once
      on a fresh connection (cold), then once more (warm);
   b. Berita at 25k (the shared corpus, WORKDIR/index-25k, built if absent):
      ``berita serve --workers 2 --cache 0`` just started, each query once on a new
      connection (cold HTTP), as search_bench.py's cold line;
   c. Berita at N the same way, then a pass of the queries from 4 connections, and each
      worker's private memory: anonymous memory (/proc/PID/smaps_rollup, open_bench.py's
      measure) and USS (psutil);
   d. Berita at N in this process (open_bench.py's measure): the open, the queries, then
      ``--commits`` single-article commits each followed by the engine's reopen. This
      changes the index (a few test articles, ids ``scale-bench-<time>-i``), so it runs last.
4. every figure with its target and ratio, and the load average at each phase.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import sqlite3
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, dir_size_mb, iter_records, percentiles  # noqa: E402
from open_bench import open_and_reopen, private_mb  # noqa: E402
from queries import BenchQuery, speed_set  # noqa: E402
from replicate import replicated  # noqa: E402
from search_bench import build_fts, cold_pass, ensure_index, fts_query, http_load, serving, url_for  # noqa: E402

BENCH_LOCK = Path("/tmp/berita-bench.lock")
LOAD_SAMPLE_S = 15.0
WORKERS = 2
THREADS = 4
START_TIMEOUT_S = 600.0  # a worker may take this long to open a large index

# Issue 24's targets at 1M articles.
BUILD_MAX_S = 15 * 60
SIZE_MAX_RATIO = 1.5  # Berita's index over FTS5's database
PRIVATE_MAX_MB = 1024.0  # per worker, after a pass of queries
REOPEN_MAX_MS = 100.0
COLD_MAX_RATIO_FTS = 2.0  # cold HTTP p50 over FTS5's in-process p50
COLD_MAX_RATIO_25K = 3.0  # cold HTTP p50 at N over the same at 25k
INDEXING_MIN_RATIO_FTS = 0.25  # Berita's docs/s over FTS5's


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f}"


def phase(title: str) -> None:
    print(f"\n== {title} ({load_average()}, {time.strftime('%H:%M:%S UTC', time.gmtime())})", flush=True)


@contextmanager
def load_sampled() -> Iterator[list[float]]:
    """The 1-minute load average every LOAD_SAMPLE_S seconds while the block runs."""
    samples = [os.getloadavg()[0]]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(LOAD_SAMPLE_S):
            samples.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield samples
    finally:
        stop.set()
        sampler.join()
        samples.append(os.getloadavg()[0])


def load_summary(samples: list[float]) -> dict[str, float]:
    return {"min": min(samples), "mean": statistics.fmean(samples), "max": max(samples)}


@dataclass
class Build:
    """What building both indexes of the replicated corpus took (saved beside them)."""

    target: int  # articles asked for
    articles: int  # articles in both indexes (fewer than target when the budget stopped the build)
    procs: int
    budget_s: float | None
    berita_s: float
    berita_mb: float
    berita_load: dict[str, float]
    fts_s: float
    fts_mb: float
    fts_load: dict[str, float]
    finished: str


def indexed_articles(index_dir: Path) -> int:
    from index.store import open_existing

    ix = open_existing(index_dir)
    try:
        return ix.doc_count()
    finally:
        ix.close()


def build(
    corpus: Path,
    target: int,
    fts_db: Path,
    index_dir: Path,
    procs: int,
    budget_s: float | None,
    adopted_s: float | None,
) -> Build:
    """Berita's index first (stopped past ``budget_s``: it keeps its last commit,
    the corpus's first articles, as the indexer commits them in order), then
    FTS5 of the same first articles. ``adopted_s``: the index is one that an
    earlier, stopped run left (built in that many seconds, its load not sampled)."""
    if adopted_s is not None:
        phase(f"adopting {index_dir}, built in {adopted_s:,.0f} s by a stopped run (its load average not sampled)")
        berita_s, berita_load = adopted_s, list[float]()
    else:
        phase(f"building Berita's index of {target:,} articles with berita index --procs {procs} (no bench lock)")
        with load_sampled() as berita_load:
            built_s = ensure_index(index_dir, corpus, procs=procs, budget_s=budget_s)
        assert built_s is not None, f"{index_dir} was there already"
        berita_s = built_s
    articles = indexed_articles(index_dir)
    print(
        f"Berita: {articles:,} articles in {berita_s:.0f} s ({articles / berita_s:,.0f} docs/s)"
        + ("" if articles == target else f", stopped before the end (budget {budget_s or adopted_s:.0f} s)"),
        flush=True,
    )
    phase(f"building SQLite FTS5 of the same {articles:,} articles (no bench lock)")
    with load_sampled() as fts_load:
        started = time.perf_counter()
        build_fts(islice(iter_records(corpus), articles), fts_db).close()
        fts_s = time.perf_counter() - started
    print(f"FTS5 built in {fts_s:.0f} s ({articles / fts_s:,.0f} docs/s)", flush=True)
    return Build(
        target,
        articles,
        procs,
        budget_s,
        berita_s,
        dir_size_mb(index_dir),
        load_summary(berita_load) if berita_load else {},
        fts_s,
        fts_db.stat().st_size / 1e6,
        load_summary(fts_load),
        time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    )


@contextmanager
def bench_lock() -> Iterator[None]:
    """The machine's shared benchmark lock (as ``flock /tmp/berita-bench.lock``)."""
    started = time.perf_counter()
    with BENCH_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        print(f"bench lock taken after {time.perf_counter() - started:.0f} s of waiting", flush=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fts_passes(fts_db: Path, queries: list[BenchQuery]) -> tuple[dict, dict]:
    """(first pass on a fresh connection, second pass) of FTS5's in-process latency."""
    db = sqlite3.connect(str(fts_db), check_same_thread=False)
    passes = []
    for _ in range(2):
        samples = []
        for q in queries:
            started = time.perf_counter()
            fts_query(db, q)
            samples.append((time.perf_counter() - started) * 1000)
        passes.append(percentiles(samples))
    db.close()
    return passes[0], passes[1]


def wait_for_workers(server, workers: int, timeout: float) -> list:
    """The server's worker processes once ``workers`` of them listen (serving()
    returns when the first answers; a cold pass should meet every worker ready)."""
    import psutil

    deadline = time.monotonic() + timeout
    while True:
        listening = [
            child
            for child in psutil.Process(server.pid).children()
            if any(c.status == psutil.CONN_LISTEN for c in child.net_connections("tcp"))
        ]
        if len(listening) >= workers or time.monotonic() > deadline:
            return listening
        time.sleep(0.2)


@dataclass
class Served:
    cold: dict
    warm: dict
    anonymous_mb: list[float]  # per worker
    uss_mb: list[float]
    rss_mb: list[float]


def served(index_dir: Path, paths: list[str], memory: bool) -> Served:
    """``berita serve --workers 2 --cache 0`` just started: every query once on a
    new connection (cold), then a pass from 4 connections, then each worker's memory."""
    with serving(index_dir, WORKERS, THREADS, cache=0, start_timeout=START_TIMEOUT_S) as (port, server):
        workers = wait_for_workers(server, WORKERS, START_TIMEOUT_S)
        cold = cold_pass(port, paths)
        warm = http_load(port, paths, 4, len(paths)) if memory else {}
        anonymous = [private_mb(w.pid) for w in workers] if memory else []
        uss = [w.memory_full_info().uss / 2**20 for w in workers] if memory else []
        rss = [w.memory_info().rss / 2**20 for w in workers] if memory else []
    return Served(cold, warm, anonymous, uss, rss)


def verdict(value: float, limit: float, at_most: bool = True) -> str:
    return "met" if (value <= limit if at_most else value >= limit) else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--procs", type=int, default=2, help="berita index --procs")
    parser.add_argument("--commits", type=int, default=3, help="single-article commits, each followed by a reopen")
    parser.add_argument("--workdir", type=Path, default=REPO / "var" / "scale")
    parser.add_argument("--rebuild", action="store_true", help="build both indexes again even if saved")
    parser.add_argument(
        "--build-budget",
        type=float,
        help="seconds after which Berita's build is stopped; everything is then measured at the articles it committed",
    )
    parser.add_argument(
        "--adopt-built-in",
        type=float,
        metavar="SECONDS",
        help="measure the index a stopped run left in WORKDIR (its build took SECONDS to its last commit)",
    )
    args = parser.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    queries = speed_set()
    paths = [url_for(q) for q in queries]
    print(
        f"scale bench: {args.articles:,} articles, {len(queries)} queries (bench/speed-queries.tsv), "
        f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM"
    )

    phase("replicated corpus")
    corpus = replicated(args.articles)
    print(f"{corpus} ({corpus.stat().st_size / 1e6:,.0f} MB gzipped)")

    index_dir = work / f"index-{args.articles}"
    fts_db, saved = work / f"fts-{args.articles}.db", work / f"build-{args.articles}.json"
    if saved.exists() and not args.rebuild:
        built = Build(**json.loads(saved.read_text()))
        print(f"reusing the build of {built.finished} ({saved})")
    else:
        if args.adopt_built_in is None:
            shutil.rmtree(index_dir, ignore_errors=True)
        fts_db.unlink(missing_ok=True)
        built = build(corpus, args.articles, fts_db, index_dir, args.procs, args.build_budget, args.adopt_built_in)
        saved.write_text(json.dumps(asdict(built), indent=2) + "\n")
    n = built.articles  # what both indexes hold: the measurements' scale

    small_index = work / "index-25k"
    phase("Berita's index of the shared corpus (25k), built if absent, no bench lock")
    small_built = ensure_index(small_index, corpus_path(), procs=args.procs)
    print(f"{small_index}: " + (f"built in {small_built:.0f} s" if small_built else "there already"))

    with bench_lock():
        phase(f"SQLite FTS5 at {n:,}, in-process: first pass on a fresh connection, then warm")
        fts_cold, fts_warm = fts_passes(fts_db, queries)
        print(
            f"first pass p50 {fts_cold['p50']:.2f} ms p95 {fts_cold['p95']:.2f}; warm p50 {fts_warm['p50']:.2f} ms "
            f"p95 {fts_warm['p95']:.2f}",
            flush=True,
        )
        phase("Berita at 25k: serve --workers 2 --cache 0, each query once on a new server (cold HTTP)")
        small = served(small_index, paths, memory=False)
        print(f"cold p50 {small.cold['p50']:.2f} ms p95 {small.cold['p95']:.2f}", flush=True)
        phase(f"Berita at {n:,}: serve --workers 2 --cache 0, cold HTTP, a pass from 4 connections, worker memory")
        big = served(index_dir, paths, memory=True)
        print(
            f"cold p50 {big.cold['p50']:.2f} ms p95 {big.cold['p95']:.2f}; then {big.warm['requests']} requests "
            f"from 4 connections p50 {big.warm['p50']:.2f} ms, {big.warm['errors']} errors; workers' anonymous "
            f"{', '.join(f'{m:.0f}' for m in big.anonymous_mb)} MB, USS {', '.join(f'{m:.0f}' for m in big.uss_mb)}"
            f" MB, RSS {', '.join(f'{m:.0f}' for m in big.rss_mb)} MB",
            flush=True,
        )
        phase(f"Berita at {n:,} in this process: open, the queries, {args.commits} single-article commits + reopen")
        reopened = open_and_reopen(index_dir, queries, args.commits, f"scale-bench-{int(time.time())}", merge=False)
        print(
            f"open {reopened.open_ms:.0f} ms; commits {', '.join(f'{c:.0f}' for c in reopened.commit_ms)} ms; "
            f"reopens {', '.join(f'{r:.0f}' for r in reopened.reopen_ms)} ms; private memory after the queries "
            f"{reopened.private_after_queries_mb:.0f} MB, at the end {reopened.private_end_mb:.0f} MB",
            flush=True,
        )
        phase("done measuring (bench lock released)")

    fts_rate, berita_rate = n / built.fts_s, n / built.berita_s
    reopen_median = statistics.median(reopened.reopen_ms)
    worst_anonymous, worst_uss = max(big.anonymous_mb), max(big.uss_mb)
    rows = [
        (
            f"build, berita index --procs {built.procs}",
            f"{built.berita_s:,.0f} s",
            f"<= {BUILD_MAX_S:,} s",
            f"{built.berita_s / BUILD_MAX_S:.2f}x the limit",
            verdict(built.berita_s, BUILD_MAX_S),
        ),
        (
            "indexing rate vs FTS5's",
            f"{berita_rate:,.0f} docs/s",
            f">= {INDEXING_MIN_RATIO_FTS}x",
            f"{berita_rate / fts_rate:.3f}x ({fts_rate:,.0f} docs/s)",
            verdict(berita_rate / fts_rate, INDEXING_MIN_RATIO_FTS, at_most=False),
        ),
        (
            "index size vs FTS5's",
            f"{built.berita_mb:,.0f} MB",
            f"<= {SIZE_MAX_RATIO}x",
            f"{built.berita_mb / built.fts_mb:.2f}x ({built.fts_mb:,.0f} MB)",
            verdict(built.berita_mb / built.fts_mb, SIZE_MAX_RATIO),
        ),
        (
            "private (anonymous) memory, worst worker",
            f"{worst_anonymous:,.0f} MB",
            f"<= {PRIVATE_MAX_MB:,.0f} MB",
            f"{worst_anonymous / PRIVATE_MAX_MB:.2f}x the limit",
            verdict(worst_anonymous, PRIVATE_MAX_MB),
        ),
        (
            "USS, worst worker",
            f"{worst_uss:,.0f} MB",
            f"<= {PRIVATE_MAX_MB:,.0f} MB",
            f"{worst_uss / PRIVATE_MAX_MB:.2f}x the limit",
            verdict(worst_uss, PRIVATE_MAX_MB),
        ),
        (
            f"reopen after a one-article commit (median of {args.commits})",
            f"{reopen_median:,.0f} ms",
            f"<= {REOPEN_MAX_MS:.0f} ms",
            f"{reopen_median / REOPEN_MAX_MS:.2f}x the limit",
            verdict(reopen_median, REOPEN_MAX_MS),
        ),
        (
            "cold HTTP p50 vs FTS5 in-process (warm)",
            f"{big.cold['p50']:.2f} ms",
            f"<= {COLD_MAX_RATIO_FTS}x",
            f"{big.cold['p50'] / fts_warm['p50']:.2f}x ({fts_warm['p50']:.2f} ms)",
            verdict(big.cold["p50"] / fts_warm["p50"], COLD_MAX_RATIO_FTS),
        ),
        (
            "cold HTTP p50 vs FTS5's first pass",
            f"{big.cold['p50']:.2f} ms",
            "(beside)",
            f"{big.cold['p50'] / fts_cold['p50']:.2f}x ({fts_cold['p50']:.2f} ms)",
            "",
        ),
        (
            "cold HTTP p50 vs Berita's at 25k",
            f"{big.cold['p50']:.2f} ms",
            f"<= {COLD_MAX_RATIO_25K}x",
            f"{big.cold['p50'] / small.cold['p50']:.2f}x ({small.cold['p50']:.2f} ms)",
            verdict(big.cold["p50"] / small.cold["p50"], COLD_MAX_RATIO_25K),
        ),
        (
            "cold HTTP p95 vs FTS5 in-process (warm)",
            f"{big.cold['p95']:.2f} ms",
            f"<= {COLD_MAX_RATIO_FTS}x",
            f"{big.cold['p95'] / fts_warm['p95']:.2f}x ({fts_warm['p95']:.2f} ms)",
            verdict(big.cold["p95"] / fts_warm["p95"], COLD_MAX_RATIO_FTS),
        ),
    ]
    phase(f"{n:,} articles against issue 24's targets (set for 1,000,000)")
    if n < built.target:
        print(
            f"the build was stopped at its budget: {n:,} of {built.target:,} articles in {built.berita_s:,.0f} s; "
            f"at that rate {built.target:,} would take {built.berita_s * built.target / n:,.0f} s (a floor: "
            f"merges grow with the index)"
        )
    print(
        f"build load average (1 min) min/mean/max: FTS5 {'/'.join(f'{v:.1f}' for v in built.fts_load.values())}, "
        f"Berita {'/'.join(f'{v:.1f}' for v in built.berita_load.values()) or 'not sampled'} (built {built.finished})"
    )
    print(f"{'figure':<52}{'value':>12}  {'target':<12}{'ratio':<32}verdict")
    for figure, value, target, ratio, met in rows:
        print(f"{figure:<52}{value:>12}  {target:<12}{ratio:<32}{met}")
    result = {
        "build": asdict(built),
        "fts_cold": fts_cold,
        "fts_warm": fts_warm,
        "cold_25k": small.cold,
        "served": asdict(big),
        "reopen": asdict(reopened),
    }
    (work / f"result-{args.articles}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
