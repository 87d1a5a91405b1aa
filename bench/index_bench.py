"""Indexing throughput: Berita's indexer vs stock Whoosh, same run, same documents.

    .venv/bin/python bench/index_bench.py [--corpus PATH] [--procs 2]

Stock Whoosh: default StandardAnalyzer, one SegmentWriter, the same fields
(id, url, title, body, published, category, author, source). Berita: the
Indonesian analysis chain with stemmed + exact twin fields, upsert checks,
batched commits and multi-process segment writing. Each runs in its own
child process so peak RSS is its own. The ratio of docs/s is the figure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus_path, dir_size_mb, load_records, peak_rss_mb  # noqa: E402


def run_stock(corpus: Path, target: Path) -> dict:
    from datetime import datetime

    from whoosh import index
    from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

    records = load_records(corpus)
    schema = Schema(
        id=ID(stored=True, unique=True),
        url=STORED(),
        title=TEXT(stored=True),
        body=TEXT(stored=True),
        published=DATETIME(stored=True, sortable=True),
        category=ID(stored=True),
        author=TEXT(stored=True),
        source=ID(stored=True),
    )
    target.mkdir(parents=True)
    ix = index.create_in(str(target), schema)
    started = time.perf_counter()
    writer = ix.writer()
    for r in records:
        published = (
            datetime.fromisoformat(r["published"][:19])
            if "T" in r["published"]
            else datetime.fromisoformat(r["published"])
        )
        writer.add_document(
            id=r["id"],
            url=r["url"],
            title=r["title"],
            body=r["body"],
            published=published,
            category=r["category"],
            author=r["author"] or "",
            source=r["source"],
        )
    writer.commit()
    return {"seconds": time.perf_counter() - started, "docs": len(records)}


def run_berita(corpus: Path, target: Path, procs: int) -> dict:
    from index.readers import read_paths
    from index.writer import Indexer

    items = list(read_paths([corpus]))  # parsed up front, as stock's records are
    started = time.perf_counter()
    report = Indexer(target, procs=procs).ingest(items)
    return {"seconds": time.perf_counter() - started, "docs": report.seen, "commits": report.commits}


def child(kind: str, corpus: Path, target: Path, procs: int) -> None:
    result = run_stock(corpus, target) if kind == "stock" else run_berita(corpus, target, procs)
    result["peak_rss_mb"] = peak_rss_mb()
    result["index_mb"] = dir_size_mb(target)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--child", choices=("stock", "berita"), help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    corpus = corpus_path(args.corpus)
    if args.child:
        child(args.child, corpus, Path(args.target), args.procs)
        return
    text_mb = sum(len(r["title"].encode()) + len(r["body"].encode()) for r in load_records(corpus)) / 1e6
    work = Path(tempfile.mkdtemp(prefix="berita-bench-"))
    results = {}
    try:
        for kind in ("stock", "berita"):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    kind,
                    "--target",
                    str(work / kind),
                    "--procs",
                    str(args.procs),
                    "--corpus",
                    str(corpus),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"corpus: {corpus.name}, {results['stock']['docs']:,} articles, {text_mb:.1f} MB of title+body text")
    print(f"{'indexer':<34}{'wall s':>8}{'docs/s':>9}{'MB/s':>7}{'index MB':>10}{'peak RSS MB':>13}")
    for kind, label in (("stock", "stock Whoosh (StandardAnalyzer)"), ("berita", f"berita (procs={args.procs})")):
        r = results[kind]
        print(
            f"{label:<34}{r['seconds']:>8.1f}{r['docs'] / r['seconds']:>9.0f}{text_mb / r['seconds']:>7.2f}"
            f"{r['index_mb']:>10.1f}{r['peak_rss_mb']:>13.0f}"
        )
    ratio = (results["berita"]["docs"] / results["berita"]["seconds"]) / (
        results["stock"]["docs"] / results["stock"]["seconds"]
    )
    print(f"ratio berita/stock docs/s: {ratio:.2f}x (target >= 1.5x)")


if __name__ == "__main__":
    main()
