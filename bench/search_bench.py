"""Search latency and throughput: engine in-process, over HTTP, and SQLite FTS5.

    .venv/bin/python bench/search_bench.py [--index DIR] [--workers 2] [--requests-per-client 100]

On the shared corpus with a fixed query set (bench/queries.py: 214 queries of
1-4 words; a third date-ranged, a third sorted newest) it measures, in one run:
1. Berita's engine in-process: p50/p95/p99;
2. ``berita serve`` over HTTP at concurrency 1, 4 and 16: p50/p95/p99, req/s, errors;
3. the same queries answered in-process by SQLite FTS5 (unicode61, bm25 with the
   title weighted 2:1, a highlighted snippet and a total count, as Berita returns);
and prints Berita's figures as ratios of FTS5's. Only 127.0.0.1 is ever loaded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus_path, load_records, percentiles  # noqa: E402
from queries import BenchQuery, query_set  # noqa: E402

from index.analysis import TOKEN_PATTERN  # noqa: E402
from index.dates import WIB, parse_published  # noqa: E402


# -- SQLite FTS5 baseline --------------------------------------------------------

def build_fts(records: list[dict], path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), check_same_thread=False)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, published UNINDEXED, "
               "tokenize='unicode61 remove_diacritics 2')")
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
    match = " ".join('"%s"' % m.group(0).replace('"', "") for m in TOKEN_PATTERN.finditer(q.q))
    where, args = "docs MATCH ?", [match]
    lo, hi = bound(q.date_from, False), bound(q.date_to, True)
    if lo is not None:
        where += " AND published BETWEEN ? AND ?"
        args += [lo, hi]
    order = "published DESC" if q.sort == "newest" else "bm25(docs, 2.0, 1.0)"
    rows = db.execute(f"SELECT rowid, title, snippet(docs, 1, '<mark>', '</mark>', '…', 32) FROM docs "
                      f"WHERE {where} ORDER BY {order} LIMIT 10", args).fetchall()
    db.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()
    return len(rows)


# -- HTTP load ------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_for(q: BenchQuery) -> str:
    params = {"q": q.q}
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--index", help="An index of the corpus (built in a temp dir if absent).")
    parser.add_argument("--workers", type=int, default=2, help="berita serve processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per serve process")
    parser.add_argument("--requests-per-client", type=int, default=100)
    args = parser.parse_args()
    corpus = corpus_path(args.corpus)
    records = load_records(corpus)
    queries = query_set(records)
    work = Path(tempfile.mkdtemp(prefix="berita-search-bench-"))

    index_dir = Path(args.index) if args.index else work / "index"
    from index.store import IndexMissing, open_existing

    try:
        open_existing(index_dir).close()
    except IndexMissing:
        print(f"building the index in {index_dir} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "search", "index", str(corpus), "--index", str(index_dir)],
                       check=True, stdout=subprocess.DEVNULL)

    from search.engine import SearchEngine, SearchRequest
    from search.params import parse_date_bound

    engine = SearchEngine.open(index_dir)
    requests = [SearchRequest(q=q.q, date_from=parse_date_bound("from", q.date_from),
                              date_to=parse_date_bound("to", q.date_to, end=True), sort=q.sort) for q in queries]
    for r in requests[:20]:  # warm caches (stems, doc lengths) as a running service has them
        engine.search(r)
    engine_ms, empty = [], 0
    for r in requests:
        started = time.perf_counter()
        result = engine.search(r)
        engine_ms.append((time.perf_counter() - started) * 1000)
        empty += not result.hits
    engine_stats = percentiles(engine_ms)

    db = build_fts(records, work / "fts.db")
    for q in queries[:20]:
        fts_query(db, q)
    fts_ms = []
    for q in queries:
        started = time.perf_counter()
        fts_query(db, q)
        fts_ms.append((time.perf_counter() - started) * 1000)
    fts_stats = percentiles(fts_ms)

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "search", "serve", "--index", str(index_dir), "--host",
                               "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
                               "--threads", str(args.threads)], stderr=subprocess.DEVNULL)
    urls = [url_for(q) for q in queries]
    try:
        deadline = time.time() + 60
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/health")
                break
            except OSError:
                if time.time() > deadline:
                    sys.exit("server did not start")
                time.sleep(0.2)
        http_load(port, urls, 2, 20)  # warm every worker
        loads = {c: http_load(port, urls, c, args.requests_per_client if c > 1 else len(urls)) for c in (1, 4, 16)}
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"{len(queries)} queries ({sum(1 for q in queries if q.date_from)} date-ranged, "
          f"{sum(1 for q in queries if q.sort == 'newest')} newest-sorted); {empty} returned no hit")
    print(f"{'configuration':<38}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}{'errors':>8}")
    print(f"{'SQLite FTS5, in-process (baseline)':<38}{fts_stats['p50']:>8.2f}{fts_stats['p95']:>8.2f}{fts_stats['p99']:>8.2f}")
    print(f"{'berita engine, in-process':<38}{engine_stats['p50']:>8.2f}{engine_stats['p95']:>8.2f}{engine_stats['p99']:>8.2f}")
    for c, r in loads.items():
        label = f"berita HTTP, concurrency {c} ({args.workers} procs)"
        print(f"{label:<38}{r['p50']:>8.2f}{r['p95']:>8.2f}{r['p99']:>8.2f}{r['rps']:>8.1f}{r['errors']:>8}")
    one = loads[1]
    print(f"ratios to FTS5: engine p50 {engine_stats['p50'] / fts_stats['p50']:.1f}x, p95 "
          f"{engine_stats['p95'] / fts_stats['p95']:.1f}x; HTTP(c=1) p50 {one['p50'] / fts_stats['p50']:.1f}x, "
          f"p95 {one['p95'] / fts_stats['p95']:.1f}x (targets <= 5x); errors at c=16: {loads[16]['errors']}")
    print(json.dumps({"fts5": fts_stats, "engine": engine_stats, "http": loads}), file=sys.stderr)


if __name__ == "__main__":
    main()
