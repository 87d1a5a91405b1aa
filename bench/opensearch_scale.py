"""Scale (issue 26): the corpus replicated to --articles (bench/replicate.py) indexed into a real
3-node OpenSearch cluster through Berita's backend, beside the Whoosh backend on the same
articles. Loopback only; every step bounded.

    flock /tmp/berita-bench.lock .venv/bin/python bench/opensearch_scale.py [--articles 250000]
        [--heap 512m] [--passes 2] [--json FILE]

1. the replicated corpus, written once to var/bench/corpus-N.jsonl.gz (reused after);
2. OpenSearch: cluster.sh starts 3 nodes (--heap each); `berita index --backend opensearch
   --opensearch-shards 3 --opensearch-replicas 1` times the indexing (docs/s, wall clock, the
   articles made searchable at the end); `_cat/indices` gives the index size (primaries and with
   the replicas);
3. `berita serve --backend opensearch --workers 2 --cache 0` with every node's URL: bench/speed-queries.tsv
   (60 reader and editor queries, some with dates and sorts) over HTTP at concurrency 1, one
   warm-up pass, then --passes timed passes: p50/p95/p99 of the whole request;
4. Whoosh: `berita index` into var/bench/whoosh-N (reused when there), its size on disk, and
   `berita serve --workers 2` over it with the same queries and passes.
Figures are printed as each step ends (so a long run that is stopped still leaves them) and
written to --json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import opensearch_cluster  # noqa: E402
from common import REPO, dir_size_mb, percentiles  # noqa: E402
from queries import BenchQuery, speed_set  # noqa: E402
from replicate import replicated  # noqa: E402

BERITA = str(Path(sys.executable).with_name("berita"))  # the console script beside this Python
INDEX = "scale"
INDEX_TIMEOUT_S = 4 * 3600
REQUEST_TIMEOUT_S = 60


def berita(*args: str, timeout: float = INDEX_TIMEOUT_S) -> float:
    """Run a berita command; the seconds it took. Fails loudly with the end of its stderr."""
    started = time.monotonic()
    done = subprocess.run([BERITA, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"berita {' '.join(args[:2])} exited {done.returncode}: {done.stderr[-2000:]}")
    return time.monotonic() - started


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_S) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError as error:
        return 0, repr(error).encode()


@contextmanager
def serving(options: list[str], log: Path) -> Iterator[str]:
    """`berita serve --workers 2 OPTIONS` on a free loopback port until the block ends (bounded stop)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log.open("w") as out:
        server = subprocess.Popen(
            [BERITA, "serve", "--port", str(port), "--workers", "2", "--cache", "0", *options],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while get(base + "/health")[0] != 200:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"berita serve did not answer /health; see {log}")
                time.sleep(0.5)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def latencies(base: str, queries: list[BenchQuery], passes: int) -> dict:
    """One warm-up pass, then ``passes`` timed ones, one request at a time."""
    paths = []
    for query in queries:
        params = {"q": query.q, "size": 10}
        params |= {k: v for k, v in (("from", query.date_from), ("to", query.date_to), ("sort", query.sort)) if v}
        paths.append("/api/search?" + urllib.parse.urlencode(params))
    for path in paths:
        get(base + path)
    samples, errors = [], 0
    for _ in range(passes):
        for path in paths:
            started = time.perf_counter()
            status, _ = get(base + path)
            samples.append((time.perf_counter() - started) * 1000)
            errors += status != 200
    p = percentiles(samples)
    return {"requests": len(samples), "errors": errors} | {k: round(p[k], 1) for k in ("p50", "p95", "p99")}


def show(report: dict, json_path: Path | None) -> None:
    print(json.dumps(report, indent=2, ensure_ascii=False), flush=True)
    if json_path:
        json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=250_000)
    parser.add_argument("--heap", default="512m", help="each OpenSearch node's heap")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--skip-whoosh", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    why = opensearch_cluster.missing_tool()
    if why:
        sys.exit(f"cannot run OpenSearch here: {why}")
    queries = speed_set()
    report: dict = {"articles": args.articles, "queries": len(queries), "passes": args.passes}
    path = replicated(args.articles)
    report["corpus"] = str(path.relative_to(REPO))
    show(report, args.json)

    with tempfile.TemporaryDirectory(prefix="berita-scale-") as scratch:
        directory = Path(scratch)
        os.environ["BERITA_OPENSEARCH_HEAP"] = args.heap
        started = time.monotonic()
        cluster = opensearch_cluster.start(directory / "cluster", nodes=3)
        try:
            cluster_options = ["--backend", "opensearch", "--opensearch-index", INDEX]
            for url in cluster.urls:
                cluster_options += ["--opensearch-url", url]
            shape = ["--opensearch-shards", "3", "--opensearch-replicas", "1"]
            seconds = berita("index", str(path), *cluster_options, *shape)
            sizes = cat_indices(cluster.urls[0])
            report["opensearch"] = {
                "nodes": 3,
                "heap": args.heap,
                "cluster_start_s": round(time.monotonic() - started - seconds, 1),
                "index_s": round(seconds),
                "docs_per_s": round(args.articles / seconds),
                **sizes,
            }
            show(report, args.json)
            keys = directory / "keys"
            keys.mkdir()
            with serving(["--index", str(keys), *cluster_options], directory / "serve-opensearch.log") as base:
                report["opensearch"]["http"] = latencies(base, queries, args.passes)
            report["opensearch"] |= cat_indices(cluster.urls[0])  # after the searches: segments merged by then
            show(report, args.json)
        finally:
            opensearch_cluster.stop(directory / "cluster")

        if not args.skip_whoosh:
            whoosh = REPO / "var" / "bench" / f"whoosh-{args.articles}"
            took = None if whoosh.exists() else berita("index", str(path), "--index", str(whoosh))
            report["whoosh"] = {
                "index_s": None if took is None else round(took),
                "docs_per_s": None if took is None else round(args.articles / took),
                "size_mb": round(dir_size_mb(whoosh)),
            }
            show(report, args.json)
            with serving(["--index", str(whoosh)], directory / "serve-whoosh.log") as base:
                report["whoosh"]["http"] = latencies(base, queries, args.passes)
            show(report, args.json)


def cat_indices(url: str) -> dict:
    """The backing index's document count and sizes (primaries; with the replicas), in MB."""
    status, body = get(url + "/_cat/indices?format=json&bytes=b")
    rows = [row for row in json.loads(body) if row["index"].startswith(INDEX)] if status == 200 else []
    if not rows:
        return {"size": f"no {INDEX} index in _cat/indices ({status})"}
    row = rows[0]
    return {
        "index": row["index"],
        "docs": int(row["docs.count"]),
        "primaries_mb": round(int(row["pri.store.size"]) / 1e6),
        "with_replicas_mb": round(int(row["store.size"]) / 1e6),
    }


if __name__ == "__main__":
    main()
