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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records, writable_copy  # noqa: E402
from queries import BenchQuery, query_set  # noqa: E402

sys.path.insert(0, str(REPO))
from index.dates import WIB  # noqa: E402
from index.model import Article  # noqa: E402
from index.writer import Indexer  # noqa: E402
from search.engine import SearchEngine, SearchRequest  # noqa: E402


def private_mb(pid: int | str = "self") -> float:
    """Anonymous memory (heap, arrays, copies) of process ``pid``: what no
    other process can share. USS would count the index's mapped pages too,
    while one process is the only one mapping them, though the page cache
    holds them for all."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Anonymous line in /proc/{pid}/smaps_rollup")


@dataclass(frozen=True)
class OpenReopen:
    """What one process paid to open an index and to follow its commits."""

    open_ms: float
    private_after_queries_mb: float  # anonymous memory the open and the queries added
    commit_ms: list[float]  # each single-article commit (the writer's side)
    reopen_ms: list[float]  # the engine's reopen to each commit's generation
    private_end_mb: float


def open_and_reopen(
    index_dir: Path, queries: list[BenchQuery], commits: int, id_prefix: str, merge: bool = True
) -> OpenReopen:
    """Open ``index_dir`` in this process, ask ``queries``, then make ``commits``
    single-article commits (ids ``id_prefix``-i: the index is changed; ``merge``
    False commits as the service's writes do, adding a segment and merging
    nothing), each followed by the engine's reopen to the new generation, timed."""
    base = private_mb()
    started = time.perf_counter()
    engine = SearchEngine.open(index_dir, background=False)
    opened = (time.perf_counter() - started) * 1000
    for q in queries:
        engine.search(SearchRequest(q=q.q, size=10))
    after_queries = private_mb() - base
    committed, reopen = [], []
    for i in range(commits):
        article = Article(
            id=f"{id_prefix}-{i}",
            title=f"Uji buka ulang {i}",
            body="Artikel uji untuk mengukur buka ulang indeks.",
            published=datetime.now(WIB),
        )
        started = time.perf_counter()
        report = Indexer(index_dir, merge=merge).ingest([article])
        committed.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        assert engine.refresh_to(report.generation or 0, 60)
        reopen.append((time.perf_counter() - started) * 1000)
        engine.search(SearchRequest(q=f"uji buka ulang {i}"))
    end = private_mb() - base
    engine.close()
    return OpenReopen(opened, after_queries, committed, reopen, end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=REPO / "var" / "corpus")
    parser.add_argument("--commits", type=int, default=10)
    args = parser.parse_args()
    queries = query_set(load_records(corpus_path()))
    with tempfile.TemporaryDirectory() as work:
        index_dir, _ = writable_copy(args.index, Path(work), "bench")
        measured = open_and_reopen(index_dir, queries, args.commits, "open-bench")
    print(
        f"index {args.index}: open {measured.open_ms:.0f} ms; "
        f"private memory after {len(queries)} queries {measured.private_after_queries_mb:.0f} MB"
    )
    print(
        f"reopen after a one-article commit ({args.commits}x): median {statistics.median(measured.reopen_ms):.0f} ms, "
        f"max {max(measured.reopen_ms):.0f} ms; private memory at the end {measured.private_end_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
