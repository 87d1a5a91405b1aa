"""Publishing over HTTP: how soon an article is found, and what many single
publishes do to the index.

    .venv/bin/python bench/publish_bench.py [--articles 200] [--singles 10000]

Copies the bundled sample into a temporary index, makes a write key and starts
``berita serve --workers 2`` on loopback. Then:
1. publishes ``--articles`` articles one by one (PUT), each timed from the
   request to the moment a search on each worker finds it: p50/p95/max;
2. publishes ``--singles`` more one by one and prints the segment count and
   the p50 of a fixed query, next to a fresh index of the same articles.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_bench import serving  # noqa: E402

from index.readers import read_paths, sample_path  # noqa: E402
from index.stats import index_stats  # noqa: E402
from index.writer import Indexer  # noqa: E402
from search.keys import add_key  # noqa: E402

WORDS = ["merdeka", "samudra", "cendana", "rembulan", "angkasa", "pelangi", "gemilang", "nusantara"]


def put(port: int, key: str, article: dict) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/articles/{article['id']}",
        method="PUT",
        data=json.dumps(article).encode("utf-8"),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status


def found(port: int, word: str) -> bool:
    url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode({"q": word})
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())["total"] > 0


def article(n: int, word: str) -> dict:
    return {
        "id": f"pub-{n}",
        "title": f"Kabar {word} nomor {n}",
        "body": f"Isi kabar {word} yang ke-{n}.",
        "published": "2023-07-02T10:00:00+07:00",
        "source": "Berita",
        "category": "Nasional",
    }


def query_p50(port: int, runs: int = 200) -> float:
    url = f"http://127.0.0.1:{port}/api/search?q=kabar+nomor&size=10"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        urllib.request.urlopen(url, timeout=10).read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--singles", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="berita-publish-bench-"))
    index_dir = work / "ix"
    Indexer(index_dir).ingest(read_paths([sample_path()]))
    key = add_key(index_dir, "bench")
    with serving(index_dir, 2, 4, cache=0) as (port, _):
        delays = []
        for n in range(args.articles):
            word = f"{WORDS[n % len(WORDS)]}{n}"
            started = time.perf_counter()
            assert put(port, key, article(n, word)) == 201
            hits = 0
            while hits < 4:  # the kernel spreads requests over both workers: several in a row must find it
                hits = hits + 1 if found(port, word) else 0
            delays.append((time.perf_counter() - started) * 1000)
        delays.sort()
        print(
            f"{args.articles} articles published one by one (PUT, 2 workers): publish-to-visible p50 "
            f"{statistics.median(delays):.0f} ms, p95 {delays[int(0.95 * len(delays)) - 1]:.0f} ms, "
            f"max {delays[-1]:.0f} ms (target: within 1 s)"
        )
        started = time.perf_counter()
        for n in range(args.articles, args.articles + args.singles):
            put(port, key, article(n, WORDS[n % len(WORDS)]))
        seconds = time.perf_counter() - started
        after = index_stats(index_dir)
        busy_p50 = query_p50(port)
    print(
        f"{args.singles:,} more single publishes in {seconds:.0f} s ({args.singles / seconds:.0f}/s): "
        f"{after['segments']} segments, {after['documents']:,} documents; query p50 {busy_p50:.2f} ms"
    )
    fresh = work / "fresh"
    subprocess.run(
        [sys.executable, "-m", "search", "index", str(sample_path()), "--index", str(fresh)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with open(work / "all.jsonl", "w", encoding="utf-8") as fh:
        for n in range(args.articles + args.singles):
            fh.write(
                json.dumps(article(n, f"{WORDS[n % len(WORDS)]}{n}" if n < args.articles else WORDS[n % len(WORDS)]))
                + "\n"
            )
    subprocess.run(
        [sys.executable, "-m", "search", "index", str(work / "all.jsonl"), "--index", str(fresh)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with serving(fresh, 2, 4, cache=0) as (port, _):
        fresh_p50 = query_p50(port)
    print(
        f"a fresh index of the same articles: {index_stats(fresh)['segments']} segments; query p50 {fresh_p50:.2f} ms"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
