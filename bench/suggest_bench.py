"""Autocomplete latency over HTTP: /api/suggest with prefixes a reader types.

    .venv/bin/python bench/suggest_bench.py [--index var/corpus] [--duration 10]

Prefixes are the first 1-6 letters of the benchmark queries' words (with the
words before them), as a search box sends them while one types; wrk (Debian's
package) loads ``berita serve`` on loopback at concurrency 1. Target: p50 <= 5 ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records  # noqa: E402
from queries import query_set  # noqa: E402
from search_bench import serving, wrk_load  # noqa: E402


def typed_prefixes(texts: list[str]) -> list[str]:
    out = []
    for text in texts:
        words = text.split()
        for i, word in enumerate(words):
            for n in range(1, min(6, len(word)) + 1):
                out.append(" ".join(words[:i] + [word[:n]]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--index", default=str(REPO / "var" / "corpus"))
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    prefixes = typed_prefixes([q.q for q in query_set(load_records(corpus_path(args.corpus)))])
    paths = ["/api/suggest?" + urllib.parse.urlencode({"q": p, "size": 8}) for p in prefixes]
    work = Path(tempfile.mkdtemp(prefix="berita-suggest-bench-"))
    with serving(Path(args.index), 1, 4, cache=0) as (port, _):
        result = wrk_load(port, paths, work, 1, args.duration)
    print(
        f"{len(prefixes):,} prefixes; /api/suggest over HTTP, concurrency 1: p50 {result['p50']:.2f} ms, "
        f"p95 {result['p95']:.2f} ms, p99 {result['p99']:.2f} ms, {result['rps']:.0f} req/s, "
        f"{result['errors']} errors (target p50 <= 5 ms)"
    )


if __name__ == "__main__":
    main()
