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
At the end every acknowledged id is searched for (an ids query, after a refresh): an
acknowledged write that is not found is lost.

--through service (the default) runs it all through Berita: `berita index --backend opensearch`
preloads the index (3 shards, 1 replica, Berita's analysis) and `berita serve --backend
opensearch --workers 2` with every node's URL answers the load: GET /api/search (asked once: any
answer but a 200 is a failed read; the service's own cluster client does the retrying) and POST
/api/articles?refresh=wait_for (a record is acknowledged when the answer says added, updated or
unchanged). --through client sends plain documents straight through opensearch-py.

Reports: reads, failed reads after the client's retries (and reads with failed shards), read
latency p50/p95/max before, during and after the outage; writes acknowledged, refused (not
acknowledged: a publisher sees the failure), acknowledged but lost; the time from the kill until
the cluster noticed; from the restart until the node rejoined and until green.
"""

from __future__ import annotations

import argparse
import http.client as http_client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException, TransportError

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
    return [
        {"title": r["title"], "body": r["body"][:3000], "published": r["published"], "category": r.get("category")}
        for r in records
    ]


def record(article_id: str, article: dict) -> dict:
    """A Berita JSON Lines record of ``article`` under a new id (the corpus's texts are reused)."""
    return {"id": article_id, "url": f"https://example.test/{article_id}", **article}


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


def reader(search: Callable[[str], Read], words: list[str], stop: threading.Event, log: Log, seed: int) -> None:
    """Searches back to back (a word or two from a title) until ``stop``."""
    rng = random.Random(seed)
    while not stop.is_set():
        log.reads.append(search(" ".join(rng.sample(words, rng.choice((1, 2))))))


def client_search(client: OpenSearch) -> Callable[[str], Read]:
    """A search straight through opensearch-py. The client retries what it can (another node, on
    connection errors, timeouts and 502-504); a search that lost a shard copy in the middle of
    the request comes back with failed shards or, when the fetch phase lost it, as a 500
    search_phase_execution_exception (OpenSearch retries the query phase on another copy, not
    the fetch phase). Such a search is asked again, at most SHARD_RETRIES times, as a service
    should before showing an error or incomplete results; first and final answers are counted."""
    body = {"size": 10, "track_total_hits": True}

    def search(words: str) -> Read:
        query = {"match": {"body": words}}
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
                return Read(started, elapsed_ms(started), False, first_try=first_try, error=repr(error)[:200])
            except OpenSearchException as error:  # connection errors after the client's retries
                return Read(
                    started, elapsed_ms(started), False, first_try=first_try or "error", error=repr(error)[:200]
                )
            partial = answer["_shards"].get("failed", 0) > 0
            if partial:
                first_try = first_try or "partial"
                if attempt < SHARD_RETRIES:
                    continue
            return Read(started, elapsed_ms(started), True, partial=partial, first_try=first_try)
        raise AssertionError("unreachable")

    return search


def service_search(base: str) -> Callable[[str], Read]:
    """A search through Berita's HTTP API (GET /api/search), asked once: anything but a 200 is a
    failed read (the service's own cluster client does the retrying)."""

    def search(words: str) -> Read:
        started = time.monotonic()
        status, text = http(base, "GET", "/api/search?" + urllib.parse.urlencode({"q": words, "size": 10}))
        if status != 200:
            return Read(started, elapsed_ms(started), False, first_try="error", error=f"{status} {text[:200]}")
        return Read(started, elapsed_ms(started), True)

    return search


def elapsed_ms(started: float) -> float:
    return (time.monotonic() - started) * 1000


def http(base: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    """One request to the service on loopback (a 30 s timeout); (status, text), status 0 when no answer."""
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (OSError, http_client.HTTPException) as error:
        return 0, repr(error)


def writer(publish: Callable[[list[dict]], tuple[list[str], dict[str, str]]], articles, stop, log: Log) -> None:
    """Publishes BATCH new articles at a time until ``stop``; records what was acknowledged."""
    serial = 0
    while not stop.is_set():
        batch = []
        for _ in range(BATCH):
            serial += 1
            batch.append(record(f"w-{serial}", articles[serial % len(articles)]))
        started = time.monotonic()
        acknowledged, refused = publish(batch)
        log.write_ms.append((started, elapsed_ms(started)))
        log.acknowledged += acknowledged
        log.refused += [(started, article_id, why) for article_id, why in refused.items()]


def client_publish(client: OpenSearch) -> Callable[[list[dict]], tuple[list[str], dict[str, str]]]:
    """_bulk with refresh=wait_for: an item is acknowledged on its own 200/201 (then searchable)."""

    def publish(batch: list[dict]) -> tuple[list[str], dict[str, str]]:
        body: list[dict] = []
        for article in batch:
            body += [{"index": {"_index": INDEX, "_id": article["id"]}}, article]
        try:
            answer = client.bulk(body=body, refresh="wait_for")
        except OpenSearchException as error:
            return [], {article["id"]: repr(error)[:200] for article in batch}
        acknowledged, refused = [], {}
        for article, item in zip(batch, answer["items"]):
            outcome = item["index"]
            if outcome.get("status") in (200, 201) and "error" not in outcome:
                acknowledged.append(article["id"])
            else:
                refused[article["id"]] = json.dumps(outcome.get("error"))[:200]
        return acknowledged, refused

    return publish


def service_publish(base: str, key: str) -> Callable[[list[dict]], tuple[list[str], dict[str, str]]]:
    """POST /api/articles?refresh=wait_for (Berita's bulk publish): a record is acknowledged when
    the 200 answer gives it added, updated or unchanged."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def publish(batch: list[dict]) -> tuple[list[str], dict[str, str]]:
        body = json.dumps(batch).encode()
        status, text = http(base, "POST", "/api/articles?refresh=wait_for", body, headers)
        if status != 200:
            return [], {article["id"]: f"{status} {text[:200]}" for article in batch}
        acknowledged, refused = [], {}
        for result in json.loads(text)["results"]:
            if result["result"] in ("added", "updated", "unchanged"):
                acknowledged.append(result["id"])
            else:
                refused[result["id"]] = f"{result['result']}: {result.get('error', '')}"[:200]
        return acknowledged, refused

    return publish


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
    """The acknowledged ids that a search (an ids query, after a refresh) does not find."""
    client.indices.refresh(index=INDEX)
    missing = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        body = {"query": {"ids": {"values": chunk}}, "size": len(chunk), "_source": False}
        found = {hit["_id"] for hit in client.search(index=INDEX, body=body)["hits"]["hits"]}
        missing += [i for i in chunk if i not in found]
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
    articles = source_articles()
    preload = [record(f"p-{n}", articles[n % len(articles)]) for n in range(args.preload)]
    rng = random.Random(26)
    words = sorted({w.lower() for a in rng.sample(articles, min(400, len(articles))) for w in a["title"].split()})
    words = [w for w in words if w.isalpha() and len(w) > 3]
    with ExitStack() as stack:
        if args.through == "service":
            base, key = stack.enter_context(berita_service(cluster.urls, preload, directory, args.workers))
            search, publish = service_search(base), service_publish(base, key)
        else:
            plain_index(client, preload)
            search, publish = client_search(client), client_publish(make_client(cluster.urls))
        print(f"green in {start_s:.1f}s; {INDEX}: 3 shards x 2 copies, {args.preload} articles", file=sys.stderr)
        return load_and_kill(args, cluster, client, search, publish, articles, words) | {
            "through": args.through,
            "cluster_start_s": round(start_s, 1),
        }


def plain_index(client: OpenSearch, preload: list[dict]) -> None:
    """The index as plain documents (standard analyser), preloaded."""
    text = {"type": "text"}
    mappings = {"properties": {"title": text, "body": text, "published": {"type": "date"}}}
    settings = {"number_of_shards": 3, "number_of_replicas": 1}
    client.indices.create(index=INDEX, body={"settings": settings, "mappings": mappings})
    client.cluster.health(index=INDEX, wait_for_status="green")
    for start in range(0, len(preload), 500):
        body: list[dict] = []
        for article in preload[start : start + 500]:
            body += [{"index": {"_index": INDEX, "_id": article["id"]}}, article]
        client.bulk(body=body, refresh="wait_for")


@contextmanager
def berita_service(urls: list[str], preload: list[dict], directory: Path, workers: int) -> Iterator[tuple[str, str]]:
    """`berita index` the preload into the cluster (3 shards, 1 replica, Berita's analysis), then
    `berita serve --backend opensearch` with every node's URL on a free loopback port; yields its
    base URL and a write key, and stops it (bounded) at the end."""
    keys = directory / "berita"
    keys.mkdir(exist_ok=True)
    cluster_options = ["--backend", "opensearch", "--opensearch-index", INDEX]
    for url in urls:
        cluster_options += ["--opensearch-url", url]
    key = berita("keys", "add", "probe", "--index", str(keys)).strip()
    if not key:
        raise RuntimeError("berita keys add printed no key")
    records = directory / "preload.jsonl"
    records.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in preload), encoding="utf-8")
    berita("index", str(records), *cluster_options, "--opensearch-shards", "3", "--opensearch-replicas", "1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (directory / "serve.log").open("w")
    server = subprocess.Popen(
        [*BERITA, "serve", "--index", str(keys), "--port", str(port), "--workers", str(workers), *cluster_options],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if wait_until(lambda: http(base, "GET", "/health")[0] == 200, 60) is None:
            raise RuntimeError(f"berita serve did not answer /health within 60 s; see {directory / 'serve.log'}")
        yield base, key
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


BERITA = [str(Path(sys.executable).with_name("berita"))]  # the console script beside this Python


def berita(*args: str) -> str:
    """Run a berita command (bounded); its stdout. Fails loudly with its stderr."""
    done = subprocess.run([*BERITA, *args], capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"berita {' '.join(args[:2])} exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def load_and_kill(
    args: argparse.Namespace,
    cluster: opensearch_cluster.Cluster,
    client: OpenSearch,
    search: Callable[[str], Read],
    publish: Callable[[list[dict]], tuple[list[str], dict[str, str]]],
    articles: list[dict],
    words: list[str],
) -> dict:
    log = Log()
    stop = threading.Event()
    threads = [
        threading.Thread(target=reader, args=(search, words, stop, log, seed), daemon=True)
        for seed in range(args.readers)
    ]
    threads.append(threading.Thread(target=writer, args=(publish, articles, stop, log), daemon=True))
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
    parser.add_argument(
        "--through",
        choices=("service", "client"),
        default="service",
        help="service: Berita's HTTP API over its OpenSearch backend; client: plain documents through opensearch-py",
    )
    parser.add_argument("--workers", type=int, default=2, help="berita serve --workers, with --through service")
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
