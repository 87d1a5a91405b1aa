"""What one process pays to open an index and to reopen it after a commit.

    .venv/bin/python bench/open_bench.py [--index var/corpus] [--commits 10]

On a copy of the index (commits change it), in a fresh process: the engine's
open time (searcher, snapshot, warmers) and its private memory (anonymous memory, from /proc)
after the bench queries; then ``--commits`` single-article commits, each
followed by the engine's reopen to the new generation (timed, median and
max), and the USS at the end. Private memory is what one more worker costs:
the index itself should be read through the page cache, shared.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records, writable_copy  # noqa: E402
from queries import query_set  # noqa: E402

sys.path.insert(0, str(REPO))
from index.dates import WIB  # noqa: E402
from index.model import Article  # noqa: E402
from index.writer import Indexer  # noqa: E402
from search.engine import SearchEngine, SearchRequest  # noqa: E402


def private_mb() -> float:
    """Anonymous memory (heap, arrays, copies): what no other process can
    share. USS would count the index's mapped pages too, while one process
    is the only one mapping them, though the page cache holds them for all."""
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no Anonymous line in /proc/self/smaps_rollup")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=REPO / "var" / "corpus")
    parser.add_argument("--commits", type=int, default=10)
    args = parser.parse_args()
    queries = query_set(load_records(corpus_path()))
    with tempfile.TemporaryDirectory() as work:
        index_dir, _ = writable_copy(args.index, Path(work), "bench")
        base = private_mb()
        started = time.perf_counter()
        engine = SearchEngine.open(index_dir, background=False)
        opened = time.perf_counter() - started
        for q in queries:
            engine.search(SearchRequest(q=q.q, size=10))
        after_queries = private_mb() - base
        reopen = []
        for i in range(args.commits):
            article = Article(
                id=f"open-bench-{i}",
                title=f"Uji buka ulang {i}",
                body="Artikel uji untuk mengukur buka ulang indeks.",
                published=datetime.now(WIB),
            )
            report = Indexer(index_dir).ingest([article])
            started = time.perf_counter()
            assert engine.refresh_to(report.generation or 0, 60)
            reopen.append((time.perf_counter() - started) * 1000)
            engine.search(SearchRequest(q=f"uji buka ulang {i}"))
        end = private_mb() - base
        engine.close()
    print(
        f"index {args.index}: open {opened * 1000:.0f} ms; "
        f"private memory after {len(queries)} queries {after_queries:.0f} MB"
    )
    print(
        f"reopen after a one-article commit ({args.commits}x): median {statistics.median(reopen):.0f} ms, "
        f"max {max(reopen):.0f} ms; private memory at the end {end:.0f} MB"
    )


if __name__ == "__main__":
    main()
