"""Editors' alerts: what matching costs per article, and what it adds to a write's acknowledgement.

    flock /tmp/berita-bench.lock .venv/bin/python bench/alerts_bench.py [--alerts 10000,100000]

The corpus less ``--held`` articles (seeded) is indexed once into ``--base``
(reused when present). Saved searches are generated from corpus title words
with a fixed seed, from words found in 3 to 300 titles (names, places, cases):
one word (the longer of two), two words of one title, a quoted pair, a word
without another, two words ORed (20/40/25/5/10%); a fifth with a category, source or date filter.
For each alert count, on a fresh copy of the base index:

1. in-process: loading the alerts (each compiled, its required terms
   indexed); held-out articles committed one by one (one commit each) and in
   batches of 100, each commit matched by the :class:`Matcher` as the service
   does: seconds per article p50/p95 (the pass includes finding the new
   articles, the prefilter, the engine's confirmation, the highlights and
   the SQLite transaction), candidate and matching alerts per article. The
   baseline, in the same run: every alert confirmed by the engine on the
   article, without the prefilter.
2. over HTTP (``berita serve --workers 2``, loopback, deliveries to a local
   receiver): the time to acknowledge a PUT of one article and a bulk POST of
   100, with the alerts against the same server on a copy without an alert
   store (the baseline).

With ``--backend opensearch`` (step 1 only) the same is measured over a
cluster: a 1-node cluster started by tests/opensearch/cluster.sh (or the
nodes ``--opensearch-url`` names), the base indexed once into
``--opensearch-index`` (reused when it holds it; the held-out articles are
deleted from it first), each held-out article published through the
cluster's writer (acknowledged once searchable) and matched by the same
:class:`Matcher` (the window of stamps, the prefilter, one ``_msearch`` of
the candidates); the baseline is every alert's search sent for one article
in the same ``_msearch`` form.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import corpus_path, index_exists, load_records, peak_rss_mb  # noqa: E402
from receiver import Receiver  # noqa: E402
from search_bench import serving  # noqa: E402

from index.readers import article_from_record  # noqa: E402
from index.writer import Indexer  # noqa: E402
from search.alerts.match import Matcher, search_request  # noqa: E402
from search.alerts.store import AlertStore  # noqa: E402
from search.engine import SearchEngine  # noqa: E402
from search.keys import add_key  # noqa: E402

SEED = 30
SINGLES = 100
BATCHES, BATCH = 5, 100
HTTP_SINGLES = 100
HTTP_BATCHES = 5
SECRET = "rahasia-bench"


def saved_searches(records: list[dict], count: int, seed: int = SEED) -> list[dict]:
    """``count`` saved searches from title words (see the module docstring)."""
    rng = random.Random(seed)
    words = [re.findall(r"[a-z]{4,}", r["title"].lower()) for r in records]
    frequency = Counter(w for title in words for w in set(title))
    # Words that name something (a minister, a place, a case): in 3 to 300 of the 25,421 titles.
    titles = [t for t in ([w for w in title if 3 <= frequency[w] <= 300] for title in words) if len(t) >= 2]
    categories = sorted({r["category"] for r in records if r.get("category")})
    sources = sorted({r["source"] for r in records if r.get("source")})
    out = []
    for _ in range(count):
        title = rng.choice(titles)
        a, b = rng.sample(title, 2)
        kind = rng.random()
        if kind < 0.2:
            q = max((a, b), key=len)
        elif kind < 0.6:
            q = f"{a} {b}"
        elif kind < 0.85:
            i = rng.randrange(len(title) - 1)
            q = f'"{title[i]} {title[i + 1]}"'
        elif kind < 0.9:
            q = f"{a} -{b}"
        else:
            q = f"{a} OR {b}"
        search: dict = {"q": q}
        extra = rng.random()
        if extra < 0.08:
            search["category"] = [rng.choice(categories)]
        elif extra < 0.14:
            search["source"] = [rng.choice(sources)]
        elif extra < 0.2:
            search["from"] = f"2019-{rng.randint(1, 12):02d}-01"
        out.append(search)
    return out


def pct(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def commit(index_dir: Path, records: list[dict]) -> None:
    Indexer(index_dir).ingest(article_from_record(r) for r in records)


def matching(matcher: Matcher, publish: Callable[[list[dict]], None], held: list[dict]) -> dict:
    """The matcher's cost on either backend: ``SINGLES`` articles published
    one at a time (p50/p95 seconds a pass, candidates and matches an article),
    then ``BATCHES`` of ``BATCH`` (p50/p95 seconds an article)."""
    figures: dict = {}
    singles, candidates, matched = [], [], []
    for record in held[:SINGLES]:
        publish([record])
        run = matcher.run()
        assert run.articles == 1, run
        singles.append(run.seconds)
        candidates.append(run.candidates)
        matched.append(run.matches)
    figures["single"] = pct(singles)
    figures["candidates"] = statistics.mean(candidates)
    figures["matches"] = statistics.mean(matched)
    per_article = []
    rest = held[SINGLES:]
    for b in range(BATCHES):
        publish(rest[b * BATCH : (b + 1) * BATCH])
        run = matcher.run()
        per_article.append(run.seconds / max(1, run.articles))
    figures["batch"] = pct(per_article)
    return figures


def in_process(base: Path, work: Path, held: list[dict], searches: list[dict]) -> dict:
    ixdir = work / "ix"
    shutil.copytree(base, ixdir)
    engine = SearchEngine.open(ixdir, background=False)
    store = AlertStore(ixdir)
    matcher = Matcher(engine, store)
    matcher.run()  # the watermark
    store.add_many("bench", [(f"s{i}", s, "http://127.0.0.1:9/hook", SECRET) for i, s in enumerate(searches)])
    started = time.perf_counter()
    matcher.index.refresh(store, engine.compiler)
    load_s = time.perf_counter() - started
    figures: dict = {"alerts": len(searches), "load_s": load_s, "rss_mb": peak_rss_mb()}

    def publish(records: list[dict]) -> None:
        commit(ixdir, records)
        engine.manager.maybe_refresh()

    figures.update(matching(matcher, publish, held))

    # Baseline: every alert asked of one article by the engine (no prefilter).
    brute = []
    with engine.manager.acquire() as snap:
        ids = {r["id"] for r in held[:3]}
        docnums = [d for d in range(snap.doc_count_all) if snap.live[d] and snap.article_id(d) in ids]
        requests = [search_request(s) for s in searches]
        import numpy as np

        for d in docnums:
            began = time.perf_counter()
            docs = np.array([d], dtype=np.int64)
            for request in requests:
                engine.listed_among(snap, request, docs)
            brute.append(time.perf_counter() - began)
    figures["brute"] = statistics.mean(brute)
    engine.close()
    store.close()
    return figures


def in_cluster(urls: list[str], name: str, kept: list[dict], held: list[dict], searches: list[dict]) -> dict:
    """Step 1 over the cluster (see the module docstring)."""
    from index.opensearch.target import ClusterTarget
    from index.opensearch.writer import ClusterWriter
    from search.backends.opensearch.engine import OpenSearchEngine

    target = ClusterTarget(tuple(urls), name)
    writer = ClusterWriter(target)
    engine = OpenSearchEngine(target, poll=False)
    held_ids = [r["id"] for r in held[: SINGLES + BATCHES * BATCH]]
    name, _ = writer.resolve()  # made if absent
    if int(writer.client.count(index=name)["count"]) < len(kept):
        started = time.perf_counter()
        writer.ingest(article_from_record(r) for r in kept)
        print(f"cluster base index: {len(kept):,} articles in {time.perf_counter() - started:.0f} s", flush=True)
    writer.delete(held_ids)  # news again

    def publish(records: list[dict]) -> None:
        committed = engine.writer().upsert([article_from_record(r) for r in records])
        assert committed.generation is not None and engine.refresh_to(committed.generation, 120)

    with tempfile.TemporaryDirectory(prefix="berita-alerts-cluster-") as work:
        store = AlertStore(work)
        matcher = Matcher(engine, store)
        matcher.run()  # the watermark
        store.add_many("bench", [(f"s{i}", s, "http://127.0.0.1:9/hook", SECRET) for i, s in enumerate(searches)])
        started = time.perf_counter()
        matcher.index.refresh(store, engine.query_compiler())
        figures: dict = {"alerts": len(searches), "load_s": time.perf_counter() - started}
        figures.update(matching(matcher, publish, held))
        # Baseline: every alert's search sent for one article (no prefilter).
        with matcher.watch.look() as look:
            article = look.fresh(lambda ids: {})[-1]  # the newest one published
            asked = {alert_id: (request, [article]) for alert_id, request in matcher.index.requests.items()}
            began = time.perf_counter()
            look.listed(asked)
            figures["brute"] = time.perf_counter() - began
        figures["rss_mb"] = peak_rss_mb()
        store.close()
    engine.close()
    return figures


def call(port: int, method: str, path: str, body: bytes, key: str, content_type: str) -> float:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method=method,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {key}"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as resp:
        resp.read()
    return time.perf_counter() - started


def acknowledgements(ixdir: Path, key: str, held: list[dict], receiver: Receiver | None) -> dict:
    """PUT and bulk POST acknowledgement times on a served copy."""
    with serving(ixdir, workers=2, threads=4, cache=1024) as (port, _):
        if receiver is not None:  # wait until the matcher has loaded its alerts and matched a first article
            warm = {**held[0], "id": "warm-up", "title": "Pemanasan " + held[0]["title"]}
            call(port, "PUT", "/api/articles/warm-up", json.dumps(warm).encode(), key, "application/json")
            deadline = time.time() + 900
            while not any(a["id"] == "warm-up" for r in receiver.snapshot() for a in r.body["articles"]):
                if time.time() > deadline:
                    sys.exit("the matcher did not deliver the warm-up article within 15 minutes")
                time.sleep(0.2)
        puts = []
        for record in held[1 : 1 + HTTP_SINGLES]:
            body = json.dumps(record).encode()
            puts.append(call(port, "PUT", f"/api/articles/{record['id']}", body, key, "application/json"))
            time.sleep(0.05)  # one editor's pace, and time for the matcher between writes
        bulks = []
        rest = held[1 + HTTP_SINGLES :]
        for b in range(HTTP_BATCHES):
            batch = rest[b * BATCH : (b + 1) * BATCH]
            body = "\n".join(json.dumps(r) for r in batch).encode()
            bulks.append(call(port, "POST", "/api/articles", body, key, "application/x-ndjson"))
            time.sleep(0.5)
    return {"put": pct(puts), "bulk": pct(bulks)}


def show(count: int, f: dict, label: str = "") -> None:
    single, batch = f["single"], f["batch"]
    print(
        f"{label}{count:>7,} alerts: load {f['load_s']:.1f} s; "
        f"per article one by one p50 {single[0] * 1000:.1f} ms p95 {single[1] * 1000:.1f} ms; "
        f"in batches of {BATCH} p50 {batch[0] * 1000:.2f} ms p95 {batch[1] * 1000:.2f} ms; "
        f"candidates/article {f['candidates']:.0f}, matches/article {f['matches']:.1f}; "
        f"baseline (every alert asked) {f['brute'] * 1000:.0f} ms/article; "
        f"peak RSS {f['rss_mb']:.0f} MB; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )


def cluster_main(args: argparse.Namespace, records: list[dict], held: list[dict], kept: list[dict]) -> None:
    """Step 1 over the cluster: a 1-node cluster started here unless --opensearch-url names one."""
    import opensearch_cluster

    with tempfile.TemporaryDirectory(prefix="berita-alerts-os-") as scratch:
        urls = args.opensearch_url
        started = not urls
        if started:
            urls = opensearch_cluster.start(Path(scratch) / "cluster", nodes=1).urls
        try:
            for count in [int(c) for c in args.alerts.split(",")]:
                searches = saved_searches(records, count)
                show(count, in_cluster(urls, args.opensearch_index, kept, held[1:], searches), "cluster ")
        finally:
            if started:
                opensearch_cluster.stop(Path(scratch) / "cluster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--base", default="var/alerts-base", help="the base index (built when absent)")
    parser.add_argument("--alerts", default="10000,100000")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--backend", choices=("whoosh", "opensearch"), default="whoosh")
    parser.add_argument("--opensearch-url", action="append", default=[], help="a running cluster's node")
    parser.add_argument("--opensearch-index", default="alerts-bench")
    args = parser.parse_args()
    records = load_records(corpus_path(args.corpus))
    rng = random.Random(SEED)
    rng.shuffle(records)
    held_count = 1 + max(SINGLES + BATCHES * BATCH, HTTP_SINGLES + HTTP_BATCHES * BATCH)
    held, kept = records[:held_count], records[held_count:]
    if args.backend == "opensearch":
        cluster_main(args, records, held, kept)
        return
    base = Path(args.base)
    if not index_exists(base):
        started = time.perf_counter()
        Indexer(base, procs=2).ingest(article_from_record(r) for r in kept)
        print(f"base index: {len(kept):,} articles in {time.perf_counter() - started:.0f} s", flush=True)
    counts = [int(c) for c in args.alerts.split(",")]
    print(f"held-out articles: {len(held)}; singles {SINGLES}, batches {BATCHES} x {BATCH}", flush=True)
    for count in counts:
        searches = saved_searches(records, count)
        with tempfile.TemporaryDirectory(prefix="berita-alerts-bench-") as work:
            show(count, in_process(base, Path(work), held[1:], searches))
    if args.no_http:
        return
    for count in [0, *counts]:
        with tempfile.TemporaryDirectory(prefix="berita-alerts-http-") as work:
            ixdir = Path(work) / "ix"
            shutil.copytree(base, ixdir)
            key = add_key(ixdir, "bench")
            receiver = None
            if count:
                receiver = Receiver(SECRET)
                engine = SearchEngine.open(ixdir, background=False)
                store = AlertStore(ixdir)
                Matcher(engine, store).run()
                engine.close()
                searches = [{"q": ""}, *saved_searches(records, count - 1)]
                store.add_many("bench", [(f"s{i}", s, receiver.url, SECRET) for i, s in enumerate(searches)])
                store.close()
            try:
                f = acknowledgements(ixdir, key, held, receiver)
            finally:
                if receiver is not None:
                    receiver.stop()
        label = f"{count:,} alerts" if count else "no alerts (baseline)"
        print(
            f"HTTP, {label}: PUT ack p50 {f['put'][0] * 1000:.1f} ms p95 {f['put'][1] * 1000:.1f} ms; "
            f"bulk POST of {BATCH} ack p50 {f['bulk'][0] * 1000:.0f} ms p95 {f['bulk'][1] * 1000:.0f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
