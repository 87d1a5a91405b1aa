"""What a segment costs reads, and what merging costs writes: the figures
behind the merge policy (index/merging.py).

    .venv/bin/python bench/merge_bench.py [--index var/corpus]

On a copy of the index, in one process: the bench queries' p50 and p95 (one
thread, result cache off, each pass after a warm pass) with the index as
built, then after 10, 30 and 100 one-article commits made without merging;
for each stage the median time of those commits and of the engine's reopen
to the new generation. Then what tiered merges take, tier by tier (with
factor 10 and a 1,000-article cap, the first policy tried; the shipped one is
factor 4, see ``--policies``): 10 one-article segments into one, 10
ten-article segments into one, 10 hundred-article segments into one, each
timed, and the p50 once merged. Last, one commit of one article that merges as Whoosh's default
(MERGE_SMALL) would, for comparison.

With ``--policies``, instead: ``--writes`` one-article writes on a fresh copy
per policy, each as the service makes it (the commit, the engine's reopen,
then the merges the policy finds due, each with its reopen), for Whoosh's
merge at every commit and for tiered merging apart with factors 10 and 4:
per write the acknowledged part (commit and reopen) and the whole work
(with merges), p50 and mean, and the segment count on average and at most.
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
from common import REPO, corpus_path, load_records, percentiles, writable_copy  # noqa: E402
from queries import query_set  # noqa: E402

sys.path.insert(0, str(REPO))
from index.dates import WIB  # noqa: E402
from index.merging import MAX_MERGED_DOCS, merge_small_segments  # noqa: E402
from index.model import Article  # noqa: E402
from index.store import open_existing  # noqa: E402
from index.writer import Indexer  # noqa: E402
from search.engine import SearchEngine, SearchRequest  # noqa: E402
from search.request import parse_date_bound  # noqa: E402


def segment_sizes(index_dir: Path) -> list[int]:
    ix = open_existing(index_dir)
    try:
        return sorted((s.doc_count_all() for s in ix._segments()), reverse=True)
    finally:
        ix.close()


def article(n: int) -> Article:
    return Article(
        id=f"merge-bench-{n}",
        title=f"Uji gabung segmen {n}",
        body=f"Artikel uji nomor {n} untuk mengukur biaya segmen kecil dan penggabungannya.",
        published=datetime(2019, 10, 1, 10, tzinfo=WIB),
    )


def compare_policies(index: Path, writes: int) -> None:
    policies: list[tuple[str, int | None]] = [("merge at every commit (Whoosh)", None), ("tiered, factor 10", 10)]
    policies.append(("tiered, factor 4", 4))
    for label, factor in policies:
        with tempfile.TemporaryDirectory() as work:
            index_dir, _ = writable_copy(index, Path(work), "bench")
            engine = SearchEngine.open(index_dir, background=False)
            acked: list[float] = []
            whole: list[float] = []
            counts: list[int] = []
            for n in range(writes):
                started = time.perf_counter()
                report = Indexer(index_dir, merge=factor is None).ingest([article(n)])
                assert engine.refresh_to(report.generation or 0, 60)
                acked.append((time.perf_counter() - started) * 1000)
                while factor is not None:
                    generation = merge_small_segments(index_dir, factor, MAX_MERGED_DOCS)
                    if generation is None:
                        break
                    assert engine.refresh_to(generation, 60)
                whole.append((time.perf_counter() - started) * 1000)
                counts.append(len(segment_sizes(index_dir)))
            engine.close()
        print(
            f"{label}: acknowledged part p50 {statistics.median(acked):.0f} ms, mean {statistics.fmean(acked):.0f} ms, "
            f"max {max(acked):.0f} ms; with merges p50 {statistics.median(whole):.0f} ms, "
            f"mean {statistics.fmean(whole):.0f} ms, max {max(whole):.0f} ms; "
            f"segments mean {statistics.fmean(counts):.1f}, max {max(counts)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=REPO / "var" / "corpus")
    parser.add_argument("--policies", action="store_true", help="compare merge policies per write instead")
    parser.add_argument("--writes", type=int, default=150)
    args = parser.parse_args()
    if args.policies:
        compare_policies(args.index, args.writes)
        return
    requests = [
        SearchRequest(
            q=q.q, date_from=parse_date_bound(q.date_from), date_to=parse_date_bound(q.date_to, end=True), sort=q.sort
        )
        for q in query_set(load_records(corpus_path()))
    ]
    with tempfile.TemporaryDirectory() as work:
        index_dir, _ = writable_copy(args.index, Path(work), "bench")
        engine = SearchEngine.open(index_dir, background=False)
        written = 0

        def reads(label: str) -> None:
            for r in requests:  # warm: the new segments' postings
                engine.search(r)
            took = []
            for r in requests:
                started = time.perf_counter()
                engine.search(r)
                took.append((time.perf_counter() - started) * 1000)
            p = percentiles(took)
            sizes = segment_sizes(index_dir)
            print(f"{label}: {len(sizes)} segments; reads p50 {p['p50']:.1f} ms, p95 {p['p95']:.1f} ms")

        def commit(count: int, merge: bool = False) -> tuple[float, float]:
            nonlocal written
            batch = [article(written + i) for i in range(count)]
            written += count
            started = time.perf_counter()
            report = Indexer(index_dir, merge=merge).ingest(batch)
            committed = time.perf_counter()
            assert engine.refresh_to(report.generation or 0, 60)
            return (committed - started) * 1000, (time.perf_counter() - committed) * 1000

        def merge(label: str) -> None:
            started = time.perf_counter()
            generation = merge_small_segments(index_dir, 10, 1000)
            took = (time.perf_counter() - started) * 1000
            assert generation is not None, "no merge was due"
            assert engine.refresh_to(generation, 60)
            print(f"merge {label}: {took:.0f} ms")

        reads("as built")
        for stage in (10, 30, 100):
            times = [commit(1) for _ in range(stage - (written if written < 100 else 0))]
            print(
                f"  commits of one article without merging: median {statistics.median(t for t, _ in times):.0f} ms "
                f"(max {max(t for t, _ in times):.0f}); reopen median {statistics.median(r for _, r in times):.0f} ms"
            )
            reads(f"+{stage} one-article segments")
        for tier in range(10):
            merge(f"of 10 one-article segments ({tier + 1}/10)")
        reads("after the tier-0 merges")
        merge("of 10 ten-article segments")
        reads("after the tier-1 merge")
        for _ in range(9):
            commit(100)
        merge("of 10 hundred-article segments (1,000 articles)")
        reads("after the tier-2 merge")
        for _ in range(5):
            commit(1)
        took, _ = commit(1, merge=True)
        print(f"one commit of one article merging as Whoosh's MERGE_SMALL: {took:.0f} ms")
        reads("after it")
        engine.close()


if __name__ == "__main__":
    main()
