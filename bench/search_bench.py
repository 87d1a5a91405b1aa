"""Search latency and throughput against SQLite FTS5 measured in the same run.

    .venv/bin/python bench/search_bench.py [--index DIR] [--workers 2] [--duration 20] [--scale 250000]

On the shared corpus with a fixed query set (bench/queries.py: 214 queries of
1-4 words; a third date-ranged, a third sorted newest) it measures, in one run:

1. SQLite FTS5 in-process (unicode61, bm25 with the title weighted 2:1, top 10
   with a highlighted snippet and a total count, as Berita returns): the baseline;
2. Berita's engine in-process, result cache off;
3. ``berita serve --workers 2 --cache 0`` over HTTP, loaded by wrk (Debian's
   package, a separate process written in C) at concurrency 1, then 16;
4. the same server with its result cache on, under a Zipf-distributed mix of the
   same queries (wrk, concurrency 16);
5. each worker's RSS after the runs and the postings cache against its bound
   (from /health);
6. with --scale N: the corpus replicated to N articles (bench/replicate.py), its
   indexing time, and the engine's p50 there against the p50 at 25k.

Berita's figures are printed as ratios of FTS5's. Only 127.0.0.1 is loaded;
every load is bounded in time. Don't run it while something else loads the machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus_path, index_exists, load_records, percentiles  # noqa: E402
from queries import BenchQuery, query_set, speed_set  # noqa: E402

from index.analysis import TOKEN_PATTERN  # noqa: E402
from index.dates import WIB, parse_published  # noqa: E402

# -- SQLite FTS5 baseline --------------------------------------------------------


def build_fts(records: Iterable[dict], path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), check_same_thread=False)
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, published UNINDEXED, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    rows = ((r["title"], r["body"], int(parse_published(r["published"])[0].timestamp())) for r in records)
    db.executemany("INSERT INTO docs(title, body, published) VALUES (?, ?, ?)", rows)
    db.commit()
    return db


def bound(text: str | None, end: bool) -> int | None:
    if not text:
        return None
    day = datetime.fromisoformat(text).date()
    return int(datetime.combine(day, dtime.max if end else dtime.min, WIB).timestamp())


def fts_query(db: sqlite3.Connection, q: BenchQuery) -> int:
    match = " ".join('"{}"'.format(m.group(0).replace('"', "")) for m in TOKEN_PATTERN.finditer(q.q))
    where = "docs MATCH ?"
    args: list[object] = [match]
    lo, hi = bound(q.date_from, False), bound(q.date_to, True)
    if lo is not None:
        where += " AND published BETWEEN ? AND ?"
        args += [lo, hi]
    order = "published DESC" if q.sort == "newest" else "bm25(docs, 2.0, 1.0)"
    rows = db.execute(
        f"SELECT rowid, title, snippet(docs, 1, '<mark>', '</mark>', '…', 32) FROM docs "
        f"WHERE {where} ORDER BY {order} LIMIT 10",
        args,
    ).fetchall()
    db.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()
    return len(rows)


# -- HTTP load ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_for(q: BenchQuery) -> str:
    params: dict[str, str | None] = {"q": q.q}
    if q.date_from:
        params.update({"from": q.date_from, "to": q.date_to})
    if q.sort:
        params["sort"] = q.sort
    return "/api/search?" + urllib.parse.urlencode(params)


def client_loop(args) -> tuple[list[float], int]:
    port, urls, offset, count = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    for i in range(count):
        path = urls[(offset + i) % len(urls)]
        started = time.perf_counter()
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
    conn.close()
    return latencies, errors


def http_load(port: int, urls: list[str], concurrency: int, per_client: int) -> dict:
    jobs = [(port, urls, i * (len(urls) // concurrency), per_client) for i in range(concurrency)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(concurrency) as pool:
        parts = pool.map(client_loop, jobs)
    wall = time.perf_counter() - started
    latencies = [x for lat, _ in parts for x in lat]
    errors = sum(e for _, e in parts)
    return {**percentiles(latencies), "rps": len(latencies) / wall, "errors": errors, "requests": len(latencies)}


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BERITA_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("p95-us %d\\n", latency:percentile(95)))
end
"""


def wrk_load(port: int, paths: list[str], work: Path, connections: int, seconds: int) -> dict:
    """wrk at ``connections`` for ``seconds`` over the paths in turn."""
    listing = work / f"paths-{len(paths)}-{connections}.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    script = work / "paths.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "BERITA_PATHS": str(listing)},
        timeout=seconds + 60,
        check=True,
    ).stdout
    latency = {m[0]: _ms(m[1], m[2]) for m in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = re.search(r"(\d+) requests in", out)
    p95 = re.search(r"^p95-us (\d+)", out, re.M)
    return {
        "p50": latency.get("50"),
        "p95": int(p95[1]) / 1000 if p95 else None,
        "p99": latency.get("99"),
        "rps": float(rps[1]) if (rps := re.search(r"Requests/sec:\s+([\d.]+)", out)) else None,
        "errors": errors + (int(non2xx[1]) if non2xx else 0),
        "requests": int(requests[1]) if requests else 0,
    }


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def zipf_paths(paths: list[str], count: int, exponent: float = 1.1, seed: int = 5) -> list[str]:
    """A request mix where the k-th most popular query is asked ~1/k^s as often."""
    rng = random.Random(seed)
    weights = [1 / (k**exponent) for k in range(1, len(paths) + 1)]
    order = list(paths)
    rng.shuffle(order)
    return rng.choices(order, weights=weights, k=count)


@contextmanager
def serving(
    index_dir: Path, workers: int, threads: int, cache: int, options: Sequence[str] = (), start_timeout: float = 60
):
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "search",
            "serve",
            "--index",
            str(index_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--cache",
            str(cache),
            *options,
        ],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + start_timeout
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/health")
                break
            except OSError:
                if time.time() > deadline:
                    sys.exit("server did not start")
                time.sleep(0.2)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=10)


def worker_memory(server: subprocess.Popen) -> list[tuple[float, float]]:
    import psutil

    return [
        (child.memory_info().rss / 1e6, child.memory_full_info().uss / 1e6)
        for child in psutil.Process(server.pid).children()
    ]


def health(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/health")
    return json.loads(conn.getresponse().read())


def engine_latencies(index_dir: Path, queries: list[BenchQuery]) -> tuple[dict, dict, int]:
    """(first pass, second pass, queries without a hit): the first pass reads
    every term's postings from disk into the postings cache; the second is
    what a running service answers (its result cache stays off)."""
    from search.engine import SearchEngine, SearchRequest
    from search.request import parse_date_bound

    engine = SearchEngine.open(index_dir, background=False)
    requests = [
        SearchRequest(
            q=q.q, date_from=parse_date_bound(q.date_from), date_to=parse_date_bound(q.date_to, end=True), sort=q.sort
        )
        for q in queries
    ]
    passes, empty = [], 0
    for _ in range(2):
        samples = []
        for r in requests:
            started = time.perf_counter()
            result = engine.search(r)
            samples.append((time.perf_counter() - started) * 1000)
            empty += not result.hits
        passes.append(percentiles(samples))
    engine.close()
    return passes[0], passes[1], empty // 2


def cold_http(index_dir: Path, paths: list[str], workers: int, threads: int) -> dict:
    """Each query asked once, on a server just started, each on a new
    connection: what a reader meets when nothing is warm but the worker's
    start-up (the result cache off)."""
    with serving(index_dir, workers, threads, cache=0) as (port, _):
        return cold_pass(port, paths)


def cold_pass(port: int, paths: list[str]) -> dict:
    """Each path asked once, each on a new connection (the 200s timed)."""
    samples = []
    for path in paths:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status == 200:
            samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def ensure_index(
    index_dir: Path, corpus: Path, procs: int | None = None, budget_s: float | None = None
) -> float | None:
    """Build the index if absent (``berita index``, with ``--procs`` when
    given); the seconds it took, or None if it existed. Past ``budget_s``
    seconds the build is interrupted as Ctrl-C would (the index keeps its last
    commit: fewer articles than the corpus)."""
    if index_exists(index_dir):
        return None
    print(f"building the index in {index_dir} ...", file=sys.stderr)
    started = time.perf_counter()
    command = [sys.executable, "-m", "search", "index", str(corpus), "--index", str(index_dir)]
    berita = subprocess.Popen(
        command + (["--procs", str(procs)] if procs else []),
        stdout=subprocess.DEVNULL,
        start_new_session=True,
        # A job started with & (nohup) inherits SIGINT ignored, and Python
        # then never raises KeyboardInterrupt: the budget's stop needs it back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        returncode = berita.wait(timeout=budget_s)
    except subprocess.TimeoutExpired:
        os.killpg(berita.pid, signal.SIGINT)
        berita.wait(timeout=600)
        print(f"stopped after {budget_s:.0f} s: the index keeps its last commit", file=sys.stderr)
    else:
        if returncode:
            raise subprocess.CalledProcessError(returncode, command)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--index", help="An index of the corpus (built in a temp dir if absent).")
    parser.add_argument("--workers", type=int, default=2, help="berita serve processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per serve process")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each wrk run")
    parser.add_argument("--scale", type=int, default=0, help="also measure on the corpus replicated to N articles")
    parser.add_argument(
        "--queries",
        choices=("bench", "speed"),
        default="bench",
        help="bench: the 214 of bench/queries.py; speed: the 60 of bench/speed-queries.tsv, never tuned on",
    )
    parser.add_argument(
        "--also-index", help="another index of the same corpus whose engine times are printed beside (e.g. unmapped)"
    )
    args = parser.parse_args()
    corpus = corpus_path(args.corpus)
    records = load_records(corpus)
    queries = query_set(records) if args.queries == "bench" else speed_set()
    work = Path(tempfile.mkdtemp(prefix="berita-search-bench-"))
    index_dir = Path(args.index) if args.index else work / "index"
    ensure_index(index_dir, corpus)

    engine_cold, engine_stats, empty = engine_latencies(index_dir, queries)
    also = engine_latencies(Path(args.also_index), queries) if args.also_index else None
    db = build_fts(records, work / "fts.db")
    db.close()
    db = sqlite3.connect(str(work / "fts.db"), check_same_thread=False)  # a fresh connection: its first pass is cold
    fts_first = []
    for q in queries:  # the same warm pass as the engine's
        started = time.perf_counter()
        fts_query(db, q)
        fts_first.append((time.perf_counter() - started) * 1000)
    fts_cold = percentiles(fts_first)
    fts_ms = []
    for q in queries:
        started = time.perf_counter()
        fts_query(db, q)
        fts_ms.append((time.perf_counter() - started) * 1000)
    fts_stats = percentiles(fts_ms)

    paths = [url_for(q) for q in queries]
    http_cold = cold_http(index_dir, paths, args.workers, args.threads)
    with serving(index_dir, args.workers, args.threads, cache=0) as (port, server):
        http_load(port, paths, 2, 20)  # warm every worker
        one = wrk_load(port, paths, work, 1, args.duration)
        sixteen = wrk_load(port, paths, work, 16, args.duration)
        rss_off = worker_memory(server)
    with serving(index_dir, args.workers, args.threads, cache=1024) as (port, server):
        mix = zipf_paths(paths, 20_000)
        http_load(port, paths, 2, 20)
        zipf = wrk_load(port, mix, work, 16, args.duration)
        rss_on = worker_memory(server)
        caches = health(port)["caches"]

    print(
        f"{len(queries)} queries ({sum(1 for q in queries if q.date_from)} date-ranged, "
        f"{sum(1 for q in queries if q.sort == 'newest')} newest-sorted); {empty} returned no hit"
    )
    print(f"{'configuration':<52}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}{'errors':>8}")
    print(
        f"{'SQLite FTS5, in-process (baseline)':<52}{fts_stats['p50']:>8.2f}{fts_stats['p95']:>8.2f}"
        f"{fts_stats['p99']:>8.2f}"
    )
    print(
        f"{'SQLite FTS5, in-process, first pass (cold)':<52}{fts_cold['p50']:>8.2f}{fts_cold['p95']:>8.2f}"
        f"{fts_cold['p99']:>8.2f}"
    )
    print(
        f"{'berita engine, in-process, first pass (cold)':<52}{engine_cold['p50']:>8.2f}{engine_cold['p95']:>8.2f}"
        f"{engine_cold['p99']:>8.2f}"
    )
    if also is not None:
        for label, r in (("first pass (cold)", also[0]), ("result cache off", also[1])):
            print(f"{'  --also-index, ' + label:<52}{r['p50']:>8.2f}{r['p95']:>8.2f}{r['p99']:>8.2f}")
    print(
        f"{'berita engine, in-process, result cache off':<52}{engine_stats['p50']:>8.2f}{engine_stats['p95']:>8.2f}"
        f"{engine_stats['p99']:>8.2f}"
    )
    print(
        f"{'berita HTTP, each query once on a new server (cold)':<52}{http_cold['p50']:>8.2f}"
        f"{http_cold['p95']:>8.2f}{http_cold['p99']:>8.2f}"
    )
    for label, r in (
        (f"berita HTTP, wrk c=1, {args.workers} workers, cache off", one),
        (f"berita HTTP, wrk c=16, {args.workers} workers, cache off", sixteen),
        (f"berita HTTP, wrk c=16, {args.workers} workers, Zipf mix, cache on", zipf),
    ):
        print(f"{label:<52}{r['p50']:>8.2f}{r['p95']:>8.2f}{r['p99']:>8.2f}{r['rps']:>8.1f}{r['errors']:>8}")
    print(
        f"ratios to FTS5: engine p50 {engine_stats['p50'] / fts_stats['p50']:.2f}x, p95 "
        f"{engine_stats['p95'] / fts_stats['p95']:.2f}x (targets 1.5x, 2x); HTTP c=1 p50 "
        f"{one['p50'] / fts_stats['p50']:.2f}x, p95 {one['p95'] / fts_stats['p95']:.2f}x (target 3x)"
    )
    print(
        f"cold: HTTP p50 {http_cold['p50'] / fts_stats['p50']:.2f}x, p95 {http_cold['p95'] / fts_stats['p95']:.2f}x "
        f"FTS5 in-process (target 2x); engine first pass p50 {engine_cold['p50'] / fts_stats['p50']:.2f}x, "
        f"p95 {engine_cold['p95'] / fts_stats['p95']:.2f}x; HTTP c=1 warm p50 {one['p50'] / fts_stats['p50']:.2f}x "
        f"(target 1.5x)"
    )
    print(
        f"c=16, cache off: {sixteen['rps']:.0f} req/s (target 1,000), {sixteen['errors']} errors, "
        f"p99 {sixteen['p99']:.0f} ms (target 100); {sixteen['requests']:,} requests"
    )

    def memory(values):
        return ", ".join(f"{rss:.0f} ({uss:.0f})" for rss, uss in values)

    print(
        f"worker RSS (USS: memory of its own) after the runs, MB: cache off {memory(rss_off)}; cache on "
        f"{memory(rss_on)}; postings cache {caches['postings_bytes'] / 1e6:.1f} MB of "
        f"{caches['postings_max_bytes'] / 1e6:.0f} MB bound, results {caches['results']} of {caches['results_max']}"
    )

    if args.scale:
        from replicate import replicated

        seconds = ensure_index(work / "scale-index", replicated(args.scale))
        _, scaled, _ = engine_latencies(work / "scale-index", queries)
        print(
            f"{args.scale:,} articles: indexed in {seconds:.0f} s ({args.scale / seconds:.0f} docs/s); engine p50 "
            f"{scaled['p50']:.2f} ms, p95 {scaled['p95']:.2f} ms = {scaled['p50'] / engine_stats['p50']:.2f}x "
            f"the p50 at {len(records):,} (target 3x)"
        )
    print(
        json.dumps(
            {
                "fts5": fts_stats,
                "fts5_cold": fts_cold,
                "engine": engine_stats,
                "engine_cold": engine_cold,
                "http_cold": http_cold,
                "http1": one,
                "wrk16": sixteen,
                "zipf": zipf,
            }
        ),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
