"""Helpers shared by the benchmarks (not part of the package or the tests)."""

from __future__ import annotations

import gzip
import json
import resource
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "click-id.jsonl.gz"


def corpus_path(argv_path: str | None = None) -> Path:
    path = Path(argv_path) if argv_path else CORPUS
    if not path.exists():
        sys.exit(f"corpus not found at {path}: the benchmarks need ../shared/corpus/click-id.jsonl.gz")
    return path


def iter_records(path: Path) -> Iterator[dict]:
    """The records of a gzipped JSON Lines corpus one at a time (a replicated
    corpus of a million does not need to sit in memory)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def load_records(path: Path) -> list[dict]:
    return list(iter_records(path))


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98], "mean": statistics.fmean(ordered)}


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6


def index_exists(index_dir: Path) -> bool:
    """Whether an index with at least one commit is there (benchmarks reuse it)."""
    from index.store import IndexMissing, open_existing

    try:
        open_existing(index_dir).close()
        return True
    except IndexMissing:
        return False


def judging_line(qid: str, query: str, record: dict, **more: object) -> str:
    """One article to judge for a query, as a JSON Lines row (the pool's and the
    unjudged lists' shape): what a judge reads, the body cut at 1,500 characters."""
    row = {
        "qid": qid,
        "query": query,
        **more,
        "id": record["id"],
        "published": record["published"],
        "source": record["source"],
        "title": record["title"],
        "body": record["body"][:1500],
    }
    return json.dumps(row, ensure_ascii=False) + "\n"


def writable_copy(index_dir: Path, work: Path, key_name: str) -> tuple[Path, str]:
    """A copy of an index under ``work`` (benchmarks that write change it) and
    a write key made for it."""
    import shutil
    import subprocess

    copy = Path(work) / "ix"
    shutil.copytree(index_dir, copy)
    key = subprocess.run(
        [sys.executable, "-m", "search", "keys", "add", key_name, "--index", str(copy)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return copy, key


def cluster_holding(urls: list[str], index: str, records: list[dict]):
    """The cluster index (an alias) ``index`` holding the corpus: filled
    once, reused while it holds as many articles (a ``ClusterTarget`` with a
    long timeout: a bench asks heavy things)."""
    from index.opensearch.target import ClusterTarget
    from index.opensearch.writer import ClusterWriter
    from index.readers import article_from_record

    if not urls:
        sys.exit("--backend opensearch needs --opensearch-url")
    target = ClusterTarget(tuple(urls), index, timeout=60)
    writer = ClusterWriter(target)
    writer.ensure()
    held = writer.client.count(index=target.index)["count"]
    if held != len({r["id"] for r in records}):
        print(f"indexing {len(records):,} articles into {target.index} (it holds {held:,}) ...", file=sys.stderr)
        writer.ingest(article_from_record(r) for r in records)
    return target
