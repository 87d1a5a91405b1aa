"""Failover on a real 3-node OpenSearch cluster (issue 26): one node killed with kill -9 during
a load of searches and publishes, then started again. Loopback only; every loop is bounded.

    .venv/bin/python bench/opensearch_failover.py [--rounds 2] [--victim alternate|manager|other]
        [--kill-at 15] [--down 20] [--seconds 60] [--readers 2] [--preload 3000] [--json FILE]

Starts its own cluster with tests/opensearch/cluster.sh (3 nodes, 512 MB heaps) in a temporary
directory, creates an index of 3 shards with 1 replica each and preloads it with articles (the
shared corpus when present, else the bundled sample). Then, for --seconds at least:
- --readers threads search back to back (a word or two from a title, top 10 with a total) with
  opensearch-py knowing every node (retry_on_timeout, max_retries=3, a 10 s timeout); a search
  that lost a shard copy mid-request (failed shards, or a 500 from the fetch phase) is asked
  again, twice at most;
- one writer publishes batches of 5 new articles through _bulk with refresh=wait_for and records
  the ids the cluster acknowledged (an item is acknowledged when its own status is 200/201);
- --rounds times, --kill-at seconds after the previous round was green, one node gets SIGKILL
  (alternately the elected cluster manager and another node); --down seconds later `cluster.sh
  restart` starts it again with its data, and the times until it rejoined and until the cluster
  is green again are measured.
At the end every acknowledged id is looked up (mget on the index, after a refresh): an
acknowledged write that is not there is lost.

Reports: reads, failed reads after the client's retries (and reads with failed shards), read
latency p50/p95/max before, during and after the outage; writes acknowledged, refused (not
acknowledged: a publisher sees the failure), acknowledged but lost; the time from the kill until
the cluster noticed; from the restart until the node rejoined and until green.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException, TransportError
from opensearchpy.helpers import BulkIndexError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import opensearch_cluster  # noqa: E402
from common import CORPUS, load_records, percentiles  # noqa: E402

INDEX = "failover"
BATCH = 5
CLIENT_TIMEOUT_S = 10
MAX_RETRIES = 3
SHARD_RETRIES = 2
GREEN_WAIT_S = 300  # bound on waiting for green after the node returns
HARD_CAP_S = 600  # bound on the whole load phase, whatever the options


def make_client(urls: list[str]) -> OpenSearch:
    """The client as a service would hold it: every node, retries on timeouts and on 502-504."""
    return OpenSearch(hosts=urls, timeout=CLIENT_TIMEOUT_S, max_retries=MAX_RETRIES, retry_on_timeout=True)


def source_articles() -> list[dict]:
    """Article texts to index: the shared corpus if present, else the bundled sample."""
    if CORPUS.exists():
        records = load_records(CORPUS)
    else:
        from index.model import Article
        from index.readers import read_paths, sample_path

        records = [
            {"title": a.title, "body": a.body, "published": a.published.isoformat()}
            for a in read_paths([sample_path()])
            if isinstance(a, Article)
        ]
    return [{"title": r["title"], "body": r["body"][:3000], "published": r["published"]} for r in records]


@dataclass
class Read:
    at: float
    ms: float
    ok: bool
    partial: bool = False  # failed shards even after SHARD_RETRIES more tries
    first_try: str = ""  # what went wrong with the first answer: partial, shard failure, error
    error: str = ""


@dataclass
class Log:
    """What the load threads saw; appended under the GIL, read after they stopped."""

    reads: list[Read] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    refused: list[tuple[float, str, str]] = field(default_factory=list)  # at, id, why
    write_ms: list[tuple[float, float]] = field(default_factory=list)  # at, ms of a batch


def reader(urls: list[str], words: list[str], stop: threading.Event, log: Log, seed: int) -> None:
    """Searches back to back. The client retries what it can (another node, on connection errors,
    timeouts and 502-504); a search that lost a shard copy in the middle of the request comes back
    with failed shards or, when the fetch phase lost it, as a 500 search_phase_execution_exception
    (OpenSearch retries the query phase on another copy, not the fetch phase). Such a search is
    asked again, at most SHARD_RETRIES times, as a service should before showing an error or
    incomplete results; both the first answers and the final ones are counted."""
    client = make_client(urls)
    rng = random.Random(seed)
    body = {"size": 10, "track_total_hits": True}
    while not stop.is_set():
        query = {"match": {"body": " ".join(rng.sample(words, rng.choice((1, 2))))}}
        started = time.monotonic()
        first_try = ""
        for attempt in range(SHARD_RETRIES + 1):
            try:
                answer = client.search(index=INDEX, body=body | {"query": query})
            except TransportError as error:  # raised after the client's own retries
                kind = "shard failure" if error.error == "search_phase_execution_exception" else "error"
                first_try = first_try or kind
                if kind == "shard failure" and attempt < SHARD_RETRIES:
                    continue
                ms = (time.monotonic() - started) * 1000
                log.reads.append(Read(started, ms, False, first_try=first_try, error=repr(error)[:200]))
                break
            except OpenSearchException as error:  # connection errors after the client's retries
                ms = (time.monotonic() - started) * 1000
                log.reads.append(Read(started, ms, False, first_try=first_try or "error", error=repr(error)[:200]))
                break
            partial = answer["_shards"].get("failed", 0) > 0
            if partial:
                first_try = first_try or "partial"
                if attempt < SHARD_RETRIES:
                    continue
            ms = (time.monotonic() - started) * 1000
            log.reads.append(Read(started, ms, True, partial=partial, first_try=first_try))
            break


def writer(urls: list[str], articles: list[dict], stop: threading.Event, log: Log) -> None:
    """Publishes BATCH new articles at a time; an item counts as acknowledged only on its own
    200/201 in a _bulk answered after refresh=wait_for (searchable when acknowledged)."""
    client = make_client(urls)
    serial = 0
    while not stop.is_set():
        batch = []
        for _ in range(BATCH):
            serial += 1
            article = articles[serial % len(articles)]
            batch.append((f"w-{serial}", article))
        body: list[dict] = []
        for article_id, article in batch:
            body += [{"index": {"_index": INDEX, "_id": article_id}}, article]
        started = time.monotonic()
        try:
            answer = client.bulk(body=body, refresh="wait_for")
        except (OpenSearchException, BulkIndexError) as error:
            for article_id, _ in batch:
                log.refused.append((started, article_id, repr(error)[:200]))
            continue
        log.write_ms.append((started, (time.monotonic() - started) * 1000))
        for (article_id, _), item in zip(batch, answer["items"]):
            outcome = item["index"]
            if outcome.get("status") in (200, 201) and "error" not in outcome:
                log.acknowledged.append(article_id)
            else:
                log.refused.append((started, article_id, json.dumps(outcome.get("error"))[:200]))


def node_of_manager(client: OpenSearch) -> int:
    """The 1-based number of the node that is the elected cluster manager."""
    name = client.cat.cluster_manager(format="json")[0]["node"]
    return int(name.removeprefix("node-"))


def wait_until(predicate, limit_s: float, step_s: float = 0.25) -> float | None:
    """Seconds until ``predicate()`` held, polling, or None after ``limit_s``."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        try:
            if predicate():
                return time.monotonic() - started
        except OpenSearchException:
            pass
        time.sleep(step_s)
    return None


def lost_writes(client: OpenSearch, ids: list[str]) -> list[str]:
    """The acknowledged ids that the index does not hold."""
    client.indices.refresh(index=INDEX)
    missing = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found = client.mget(index=INDEX, body={"ids": chunk}, _source=False)
        missing += [doc["_id"] for doc in found["docs"] if not doc.get("found")]
    return missing


def summary(samples: list[Read]) -> dict:
    oks = [r.ms for r in samples if r.ok]
    shape: dict[str, float] = {"count": len(samples), "failed": sum(not r.ok for r in samples)}
    if any(r.first_try for r in samples):
        shape |= {"first_answer_" + kind.replace(" ", "_"): sum(r.first_try == kind for r in samples) for kind in KINDS}
        shape["partial_after_retries"] = sum(r.partial for r in samples)
    if len(oks) >= 2:
        p = percentiles(oks)
        shape |= {"p50_ms": round(p["p50"], 1), "p95_ms": round(p["p95"], 1), "max_ms": round(max(oks), 1)}
    return shape


KINDS = ("partial", "shard failure", "error")


def run(args: argparse.Namespace, directory: Path) -> dict:
    print(f"starting 3 nodes in {directory} ...", file=sys.stderr)
    started = time.monotonic()
    cluster = opensearch_cluster.start(directory, nodes=3)
    start_s = time.monotonic() - started
    client = make_client(cluster.urls)
    client.indices.create(
        index=INDEX,
        body={
            "settings": {"number_of_shards": 3, "number_of_replicas": 1},
            "mappings": {
                "properties": {"title": {"type": "text"}, "body": {"type": "text"}, "published": {"type": "date"}}
            },
        },
    )
    client.cluster.health(index=INDEX, wait_for_status="green")
    articles = source_articles()
    rng = random.Random(26)
    for start in range(0, args.preload, 500):
        body: list[dict] = []
        for n in range(start, min(start + 500, args.preload)):
            body += [{"index": {"_index": INDEX, "_id": f"p-{n}"}}, articles[n % len(articles)]]
        client.bulk(body=body, refresh="wait_for")
    words = sorted({w.lower() for a in rng.sample(articles, min(400, len(articles))) for w in a["title"].split()})
    words = [w for w in words if w.isalpha() and len(w) > 3]
    print(
        f"cluster green in {start_s:.1f}s; index {INDEX} (3 shards x 2 copies), {args.preload} articles",
        file=sys.stderr,
    )

    log = Log()
    stop = threading.Event()
    threads = [
        threading.Thread(target=reader, args=(cluster.urls, words, stop, log, seed), daemon=True)
        for seed in range(args.readers)
    ]
    threads.append(threading.Thread(target=writer, args=(cluster.urls, articles, stop, log), daemon=True))
    load_started = time.monotonic()
    for thread in threads:
        thread.start()
    rounds: list[Round] = []
    try:
        for number in range(1, args.rounds + 1):
            time.sleep(args.kill_at)
            rounds.append(fail_one_node(cluster, client, victim_kind(args.victim, number), args.down))
            if rounds[-1].green_at is None:
                break
        settled = (rounds[-1].green_at or 0) + 10 if rounds else 0  # some load on the green cluster
        end = min(max(load_started + args.seconds, settled), load_started + HARD_CAP_S)
        time.sleep(max(0.0, end - time.monotonic()))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=CLIENT_TIMEOUT_S * (MAX_RETRIES + 2))
    load_s = time.monotonic() - load_started
    missing = lost_writes(make_client(cluster.urls), sorted(log.acknowledged))

    def phase(read: Read) -> str:
        for r in rounds:
            if read.at <= r.killed_at <= read.at + read.ms / 1000:
                return "in flight at a kill"
            if r.killed_at <= read.at < r.restarted_at:
                return "node down"
            if r.restarted_at <= read.at < (r.green_at or float("inf")):
                return "node returning, until green"
        return "all nodes up, green"

    phases: dict[str, list[Read]] = {}
    for read in log.reads:
        phases.setdefault(phase(read), []).append(read)
    return {
        "opensearch_nodes": 3,
        "cluster_start_s": round(start_s, 1),
        "load_s": round(load_s, 1),
        "readers": args.readers,
        "reads": summary(log.reads),
        "reads_by_phase": {name: summary(reads) for name, reads in sorted(phases.items())},
        "read_errors": sorted({r.error for r in log.reads if not r.ok})[:5],
        "writes_acknowledged": len(log.acknowledged),
        "writes_refused": len(log.refused),
        "refusals": sorted({why for _, _, why in log.refused})[:5],
        "acknowledged_lost": len(missing),
        "lost_ids": missing[:20],
        "write_batch_ms": summary([Read(at, ms, True) for at, ms in log.write_ms]),
        "kills": [r.report() for r in rounds],
    }


@dataclass
class Round:
    """One node killed and started again; times are time.monotonic()."""

    victim: str
    killed_at: float
    noticed_s: float | None
    restarted_at: float
    rejoined_s: float
    green_at: float | None

    def report(self) -> dict:
        return {
            "victim": self.victim,
            "down_s": round(self.restarted_at - self.killed_at, 1),
            "kill_noticed_s": None if self.noticed_s is None else round(self.noticed_s, 1),
            "rejoined_after_restart_s": round(self.rejoined_s, 1),
            "green_after_restart_s": None if self.green_at is None else round(self.green_at - self.restarted_at, 1),
        }


def victim_kind(option: str, number: int) -> str:
    if option == "alternate":
        return "manager" if number % 2 else "other"
    return option


def fail_one_node(cluster: opensearch_cluster.Cluster, client: OpenSearch, kind: str, down_s: float) -> Round:
    """kill -9 one node (the elected cluster manager, or another), start it again after
    ``down_s`` seconds with cluster.sh restart, and wait (bounded) for green."""
    manager = node_of_manager(client)
    victim = manager if kind == "manager" else next(n for n in (1, 2, 3) if n != manager)
    observer = make_client([url for n, url in enumerate(cluster.urls, 1) if n != victim])
    killed_at = time.monotonic()
    os.kill(cluster.pid(victim), signal.SIGKILL)
    print(f"killed node-{victim} ({kind}) with SIGKILL", file=sys.stderr)
    noticed_s = wait_until(lambda: observer.cluster.health(request_timeout=5)["number_of_nodes"] == 2, 60)
    time.sleep(max(0.0, down_s - (time.monotonic() - killed_at)))
    restarted_at = time.monotonic()
    cluster.restart(victim)
    rejoined_s = time.monotonic() - restarted_at
    waited = wait_until(lambda: observer.cluster.health(request_timeout=5)["status"] == "green", GREEN_WAIT_S)
    green_at = None if waited is None else time.monotonic()
    done = Round(f"node-{victim} ({kind})", killed_at, noticed_s, restarted_at, rejoined_s, green_at)
    print(f"node-{victim} back: {done.report()}", file=sys.stderr)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--victim", choices=("manager", "other", "alternate"), default="alternate")
    parser.add_argument("--rounds", type=int, default=2, help="nodes killed one after another")
    parser.add_argument("--seconds", type=float, default=60, help="load at least this long")
    parser.add_argument("--kill-at", type=float, default=15, help="seconds into the load")
    parser.add_argument("--down", type=float, default=20, help="seconds the node stays dead")
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--preload", type=int, default=3000)
    parser.add_argument("--dir", type=Path, help="cluster directory (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    why = opensearch_cluster.missing_tool()
    if why:
        sys.exit(f"cannot run OpenSearch here: {why}")
    with tempfile.TemporaryDirectory(prefix="berita-failover-") as scratch:
        directory = args.dir or Path(scratch)
        try:
            report = run(args, directory)
        finally:
            if (directory / "cluster" / "nodes").exists():
                opensearch_cluster.stop(directory)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    failed = report["reads"]["failed"] + report["reads"].get("partial_after_retries", 0) + report["acknowledged_lost"]
    sys.exit(1 if failed or any(k["green_after_restart_s"] is None for k in report["kills"]) else 0)


if __name__ == "__main__":
    main()
