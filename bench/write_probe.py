"""The write path and its keys under bad input and bad clients (issue 28,
items 1, 4 and 6): bounded probes, a few seconds each, on loopback only.

    .venv/bin/python bench/write_probe.py [--workers 2] [--rounds 3]

Copies the bundled sample into a temporary index, makes a write key and starts
``berita serve --workers N`` on 127.0.0.1 (for 4., with ``--rate-limit 5/s
--burst 5``). Then:
1. innocent writes beside bad ones: per round, 40 PUTs at once, of which one
   has a lone surrogate in its title and one is nested past any recursion
   limit; counts innocent PUTs that failed (the target: 0), and the bad ones'
   status codes;
2. a bulk POST (JSON array and JSON Lines) with bad records among good ones:
   what was stored, per-record failures, and `errors`;
3. wrong keys: 20 DELETEs with wrong keys from one address: how many were
   checked (401) before the address was refused (429; 10 per worker), and the
   time of a check (one scrypt);
4. random Bearer tokens: 30 reads, each with a new made-up token, against the
   5/s limit (the target: limited like no token; buckets are per worker).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from index.readers import read_paths, sample_path  # noqa: E402
from index.writer import Indexer  # noqa: E402
from search.keys import add_key  # noqa: E402

DEEP = '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}"


def record(article_id: str, title: str) -> dict:
    return {"id": article_id, "title": title, "body": "Isi berita.", "published": "2019-09-05T07:30:00+07:00"}


def request(base: str, method: str, path: str, body: bytes | None = None, key: str | None = None, ctype=None):
    req = urllib.request.Request(base + path, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", ctype or "application/json")
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            text = resp.read()
            return resp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        text = err.read()
        return err.code, json.loads(text) if text else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="berita-write-probe-"))
    index_dir = work / "ix"
    Indexer(index_dir).ingest(read_paths([sample_path()]))
    key = add_key(index_dir, "probe")
    try:
        with serving(index_dir, args.workers) as base:
            probe(base, key, args.rounds)
        with serving(index_dir, args.workers, "--rate-limit", "5/s", "--burst", "5") as base:
            passed = sum(request(base, "GET", "/health", key=f"brt_random{n}")[0] == 200 for n in range(30))
            print(f"4. 30 reads with made-up Bearer tokens at 5/s (burst 5): {passed} passed, {30 - passed} got 429")
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def serving(index_dir: Path, workers: int, *options: str):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "search", "serve", "--index", str(index_dir), "--port", str(port)]
    command += ["--workers", str(workers), "--threads", "16", *options]
    server = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        assert server.stderr is not None
        server.stderr.readline()  # "Berita serving …": every worker has built its app
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def probe(base: str, key: str, rounds: int) -> None:
    innocent_failed = innocent = 0
    bad_codes: list[int] = []
    for r in range(rounds):

        def put(n: int, r: int = r) -> tuple[bool, int]:
            if n == 13:
                body = json.dumps(record(f"r{r}-bad", "\ud800Judul")).encode("ascii")
            elif n == 27:
                body = DEEP.encode()
            else:
                body = json.dumps(record(f"r{r}-ok-{n}", f"Sahih {n}")).encode()
            return n in (13, 27), request(base, "PUT", f"/api/articles/r{r}-{n}", body, key)[0]

        with ThreadPoolExecutor(max_workers=40) as pool:
            for bad, status in pool.map(put, range(40)):
                if bad:
                    bad_codes.append(status)
                else:
                    innocent += 1
                    innocent_failed += status not in (200, 201)
    print(
        f"1. {innocent} innocent PUTs beside {len(bad_codes)} bad ones ({rounds} rounds of 40 at once): "
        f"{innocent_failed} failed; the bad ones answered {sorted(set(bad_codes))}"
    )
    array = [record("b-1", "Satu"), record("b-2", "\ud800"), record("b-3", "Tiga")]
    status, body = request(base, "POST", "/api/articles", json.dumps(array).encode("ascii"), key)
    lines = b"\n".join([json.dumps(record("l-1", "Satu")).encode(), b"Jud\xff\xfe", DEEP.encode()])
    status2, body2 = request(base, "POST", "/api/articles", lines, key, "application/x-ndjson")
    print(
        f"2. bulk JSON array: {status}, added {body['added']}, failed {body['failed']}, errors {body['errors']}; "
        f"JSON Lines: {status2}, added {body2['added']}, failed {body2['failed']} "
        f"({'; '.join(r['error'][:40] for r in body2['results'] if r['result'] == 'failed')})"
    )
    codes, took = [], []
    for n in range(20):
        started = time.perf_counter()
        codes.append(request(base, "DELETE", "/api/articles/x", key=f"brt_00000000.wrong{n}")[0])
        took.append(time.perf_counter() - started)
    checked = [t for c, t in zip(codes, took) if c == 401]
    print(
        f"3. 20 wrong keys from one address: {codes.count(401)} checked (401, median "
        f"{sorted(checked)[len(checked) // 2] * 1000:.0f} ms each), {codes.count(429)} refused (429)"
    )


if __name__ == "__main__":
    main()
