"""Publishing under read load: is every write searchable within a second, and
does memory stay flat?

    .venv/bin/python bench/soak_probe.py [--index var/corpus] [--minutes 10] [--readers 16]

On a copy of the index (the writes change it), ``berita serve --workers 2
--cache 0`` on 127.0.0.1; ``--readers`` clients ask plain bench queries back to
back while one publisher PUTs a new article every second and then searches
for its unique word until it is found. Every loop is bounded in time.

Printed: reads and their errors and p50/p95; the PUTs' acknowledgement times;
"visible", from sending the PUT to the first search that finds the article
(p50/p95/max); each worker's RSS and USS after the first minute and at the
end.
"""

from __future__ import annotations

import argparse
import http.client
import json
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
    args = parser.parse_args()
    paths = ["/api/search?" + urllib.parse.urlencode({"q": q.q}) for q in query_set(load_records(corpus_path()))]
    with tempfile.TemporaryDirectory() as work:
        index, key = writable_copy(Path(args.index), Path(work), "soak")
        with serving(index, 2, 4, 0) as (port, server):
            until = time.time() + 60 * args.minutes
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
            time.sleep(min(60, 30 * args.minutes))
            early = worker_memory(server)
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
    for i, ((rss0, uss0), (rss1, uss1)) in enumerate(zip(early, late)):
        print(
            f"worker {i + 1}: after the first minute RSS {rss0:.0f} MB, USS {uss0:.0f} MB; "
            f"at the end RSS {rss1:.0f} MB, USS {uss1:.0f} MB"
        )


if __name__ == "__main__":
    main()
