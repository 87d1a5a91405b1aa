"""Publishing under read load: is every write searchable within a second, and
does memory stay flat?

    .venv/bin/python bench/soak_probe.py [--index var/corpus] [--minutes 10] [--readers 16]
        [--postings-cache MB]

On a copy of the index (the writes change it), ``berita serve --workers 2
--cache 0 [--postings-cache MB]`` on 127.0.0.1; ``--readers`` clients ask plain bench queries back to
back while one publisher PUTs a new article every second and then searches
for its unique word until it is found. Every loop is bounded in time.

Printed: reads and their errors and p50/p95; the PUTs' acknowledgement times;
"visible", from sending the PUT to the first search that finds the article
(p50/p95/max); every 30 s each worker's RSS, the index's segment count and
the machine's 1-minute load average (the machine is shared: other work shows
there); the RSS range after the first minute (warm-up) per worker.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records, percentiles, writable_copy  # noqa: E402
from queries import query_set  # noqa: E402
from search_bench import serving, worker_memory  # noqa: E402

sys.path.insert(0, str(REPO))
from index.store import open_existing  # noqa: E402

SAMPLE_EVERY = 30.0
WARM_UP = 60.0


def segment_count(index_dir: Path) -> int:
    ix = open_existing(index_dir)
    try:
        return len(ix._segments())
    finally:
        ix.close()


def reader(port: int, paths: list[str], until: float, latencies: list[float], statuses: Counter) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(10_000_000):
        if time.time() > until:
            return
        started = time.perf_counter()
        try:
            conn.request("GET", paths[i % len(paths)])
            response = conn.getresponse()
            response.read()
            statuses[response.status] += 1
        except OSError as exc:
            statuses[type(exc).__name__] += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)


def publisher(port: int, key: str, until: float, acks: list[float], visible: list[float], statuses: Counter) -> None:
    for n in range(100_000):
        if time.time() > until:
            return
        tick = time.time()
        word = f"soakprobe{n}x"
        article = {
            "title": f"Uji terbit {word}",
            "body": f"Artikel uji {word} untuk mengukur kapan tulisan bisa dicari.",
            "published": "2019-10-01T10:00:00+07:00",
            "source": "Uji",
        }
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(
                "PUT",
                f"/api/articles/soak-{n}",
                body=json.dumps(article),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
            )
            response = conn.getresponse()
            response.read()
            statuses[response.status] += 1
            acks.append((time.perf_counter() - started) * 1000)
            for _ in range(200):  # at most 10 s
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": word, "spellcheck": "false"}))
                if json.loads(conn.getresponse().read()).get("total"):
                    visible.append((time.perf_counter() - started) * 1000)
                    break
                time.sleep(0.05)
            else:
                visible.append(float("inf"))
        except OSError as exc:
            statuses[type(exc).__name__] += 1
        time.sleep(max(0.0, tick + 1 - time.time()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=str(REPO / "var" / "corpus"))
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--postings-cache", type=int, metavar="MB", help="berita serve --postings-cache (its default)")
    args = parser.parse_args()
    options = ["--postings-cache", str(args.postings_cache)] if args.postings_cache else []
    paths = ["/api/search?" + urllib.parse.urlencode({"q": q.q}) for q in query_set(load_records(corpus_path()))]
    with tempfile.TemporaryDirectory() as work:
        index, key = writable_copy(Path(args.index), Path(work), "soak")
        with serving(index, 2, 4, 0, options) as (port, server):
            started = time.time()
            until = started + 60 * args.minutes
            latencies: list[float] = []
            reads: Counter[int] = Counter()
            writes: Counter[int] = Counter()
            acks: list[float] = []
            visible: list[float] = []
            threads = [
                threading.Thread(target=reader, args=(port, paths, until, latencies, reads))
                for _ in range(args.readers)
            ]
            threads.append(threading.Thread(target=publisher, args=(port, key, until, acks, visible, writes)))
            for t in threads:
                t.start()
            samples: list[tuple[float, list[float], int, float]] = []  # (second, RSS per worker, segments, load)
            for tick in range(1, 100_000):
                time.sleep(max(0.0, started + tick * SAMPLE_EVERY - time.time()))
                if time.time() > until + 1:
                    break
                rss = [r for r, _ in worker_memory(server)]
                samples.append((time.time() - started, rss, segment_count(index), os.getloadavg()[0]))
            for t in threads:
                t.join(timeout=120 + 60 * args.minutes)
            late = worker_memory(server)
    seconds = 60 * args.minutes
    r, a, v = percentiles(latencies), percentiles(acks), percentiles(visible)
    print(f"{args.minutes:g} min, {args.readers} readers + 1 PUT/s, 2 workers x 4 threads, result cache off")
    print(
        f"reads: {len(latencies):,} ({len(latencies) / seconds:.0f}/s) {dict(reads)}; "
        f"p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms"
    )
    print(
        f"PUTs: {len(acks)} {dict(writes)}; acknowledged p50 {a['p50']:.0f} ms, p95 {a['p95']:.0f} ms, "
        f"p99 {a['p99']:.0f} ms"
    )
    print(
        f"visible (PUT sent to first search finding it): p50 {v['p50']:.0f} ms, p95 {v['p95']:.0f} ms, "
        f"max {max(visible):.0f} ms; over 1 s: {sum(x > 1000 for x in visible)}"
    )
    print("second  " + "  ".join(f"worker {i + 1} RSS" for i in range(len(late))) + "  segments  load (1 min)")
    for second, rss, segments, load in samples:
        print(f"{second:6.0f}  " + "  ".join(f"{mb:10.0f} MB" for mb in rss) + f"  {segments:8d}  {load:5.2f}")
    for i, (rss_end, uss_end) in enumerate(late):
        warm = [rss[i] for second, rss, _, _ in samples if second >= WARM_UP and i < len(rss)]
        print(
            f"worker {i + 1}: RSS after the first minute {min(warm, default=0):.0f}-{max(warm, default=0):.0f} MB; "
            f"at the end RSS {rss_end:.0f} MB, USS {uss_end:.0f} MB"
        )
    loads = [load for *_, load in samples]
    print(f"load average (1 min) during the run: {min(loads):.2f}-{max(loads):.2f}, mean {sum(loads) / len(loads):.2f}")


if __name__ == "__main__":
    main()
