"""Does one costly client, or a thousand slow ones, hurt anyone else?

    .venv/bin/python bench/overload_probe.py [--index var/corpus] [--workers 2] [--slow 1000]

Against ``berita serve --workers 2 --cache 0`` on 127.0.0.1 (every loop bounded
in count and time), a "reader" client asks plain queries one after another
and records each one's latency and status, first alone, then beside:

1. a typo client: back to back, queries of eight misspelt words;
2. eight heavy clients at once: whole-corpus CSV exports, 32-word ORs with a
   facet by day, eight-typo queries; each honours Retry-After when refused;
3. ``--slow`` slow sockets: each opens a connection, starts a request and
   sends one more byte every 5 seconds, never finishing it.

Printed: the reader's p50 / p95 and failures in each phase, and what the
others got (statuses).
"""

from __future__ import annotations

import argparse
import http.client
import random
import socket
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records, percentiles  # noqa: E402
from queries import query_set  # noqa: E402
from search_bench import serving  # noqa: E402

TYPOS = "pemerintha presidn kebakran indonesa jakrta menteir polsii ekonommi"


def path_of(q: str, **more: str) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q, **more})


class Reader:
    """Plain queries one after another on fresh connections, for ``seconds``."""

    def __init__(self, port: int, paths: list[str]):
        self.port, self.paths = port, paths

    def run(self, seconds: float) -> tuple[list[float], Counter]:
        latencies: list[float] = []
        statuses: Counter[int | str] = Counter()
        end = time.time() + seconds
        for i in range(100_000):
            if time.time() > end:
                break
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", self.paths[i % len(self.paths)])
                response = conn.getresponse()
                response.read()
                statuses[response.status] += 1
                conn.close()
            except OSError as exc:
                statuses[type(exc).__name__] += 1
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies, statuses


def looping(port: int, paths: list[str], stop: threading.Event, statuses: Counter) -> None:
    """Ask ``paths`` in turn until stopped, waiting out a Retry-After."""
    for i in range(100_000):
        if stop.is_set():
            return
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", paths[i % len(paths)])
            response = conn.getresponse()
            while response.read(65536):
                pass
            statuses[response.status] += 1
            conn.close()
            if response.status == 503:
                stop.wait(float(response.getheader("Retry-After") or 1))
        except OSError as exc:
            statuses[type(exc).__name__] += 1


def beside(port: int, reader: Reader, seconds: float, clients: list[list[str]]) -> tuple[list[float], Counter, Counter]:
    stop = threading.Event()
    others: Counter[int] = Counter()
    threads = [threading.Thread(target=looping, args=(port, paths, stop, others)) for paths in clients]
    for t in threads:
        t.start()
    time.sleep(1)  # the heavy ones are under way
    try:
        latencies, statuses = reader.run(seconds)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    return latencies, statuses, others


def slow_sockets(port: int, count: int, reader: Reader, seconds: float) -> tuple[list[float], Counter, int]:
    opened: list[socket.socket] = []
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /api/search?q=banjir HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            opened.append(s)
        except OSError:
            break
    stop = threading.Event()

    def dribble() -> None:
        for _ in range(1000):  # one byte each every 5 s, until stopped
            if stop.wait(5):
                return
            for s in opened:
                try:
                    s.send(b"a")
                except OSError:
                    pass

    thread = threading.Thread(target=dribble)
    thread.start()
    try:
        latencies, statuses = reader.run(seconds)
    finally:
        stop.set()
        thread.join(timeout=10)
        alive = 0
        for s in opened:
            try:
                s.send(b"a")
                alive += 1
            except OSError:
                pass
            s.close()
    return latencies, statuses, alive


def report(name: str, latencies: list[float], statuses: Counter, base: dict | None = None) -> dict:
    p = percentiles(latencies)
    delta = f"  (p50 {p['p50'] - base['p50']:+.1f} ms, p95 {p['p95'] - base['p95']:+.1f} ms)" if base else ""
    print(f"{name:<40} n={len(latencies):>5}  p50 {p['p50']:7.1f} ms  p95 {p['p95']:7.1f} ms  {dict(statuses)}{delta}")
    return p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=str(REPO / "var" / "corpus"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20, help="each phase's reader time")
    parser.add_argument("--slow", type=int, default=1000, help="slow sockets")
    args = parser.parse_args()
    records = load_records(corpus_path())
    plain = [path_of(q.q) for q in query_set(records)[:80]]
    words = sorted({w.lower() for r in records[:400] for w in r["title"].split() if w.isalpha() and len(w) > 3})
    rng = random.Random(28)
    big_or = [path_of(" OR ".join(rng.sample(words, 32)), facets="date", interval="day") for _ in range(20)]
    export = ["/api/search/export?format=csv"]
    typos = [path_of(TYPOS)]
    with serving(Path(args.index), args.workers, 4, 0) as (port, _):
        reader = Reader(port, plain)
        reader.run(5)  # warm
        print(f"reader: {len(plain)} plain queries in turn, fresh connection each; {args.workers} workers x 4 threads")
        base = report("alone", *reader.run(args.seconds))
        lat, st, others = beside(port, reader, args.seconds, [typos])
        report("beside a typo client", lat, st, base)
        print(f"{'':<40} typo client got {dict(others)}")
        heavy = [export, export, export, big_or, big_or, big_or, typos, typos]
        lat, st, others = beside(port, reader, args.seconds, heavy)
        report("beside 8 heavy clients", lat, st, base)
        print(f"{'':<40} heavy clients got {dict(others)}")
        lat, st, alive = slow_sockets(port, args.slow, reader, args.seconds)
        report(f"beside {args.slow} slow sockets", lat, st, base)
        print(f"{'':<40} slow sockets still open at the end: {alive}")


if __name__ == "__main__":
    main()
