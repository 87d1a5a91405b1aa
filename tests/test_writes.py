"""The write API over a real server: keys, upserts, bulk, deletes, durability."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

from click.testing import CliRunner
from conftest import record
from server import call, get_json, running_server

from search.cli import cli
from search.keys import add_key


def test_keys_are_made_listed_and_revoked_and_writes_need_one(index_copy):
    runner = CliRunner()
    with running_server(index_copy) as base:
        status, headers, body = call(base, "PUT", "/api/articles/w-1", record(id="x"))
        assert status == 401 and "no write key exists" in body["detail"]
        made = runner.invoke(cli, ["keys", "add", "redaksi", "--index", str(index_copy)])
        assert made.exit_code == 0
        key = made.stdout.strip().splitlines()[-1]
        assert key.startswith("brt_") and key not in (index_copy / "keys.json").read_text()
        listed = runner.invoke(cli, ["keys", "list", "--index", str(index_copy)])
        assert listed.output.startswith("redaksi\t")
        status, headers, body = call(base, "PUT", "/api/articles/w-1", record(id="x"), key="brt_wrong")
        assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
        assert headers["Content-Type"] == "application/problem+json"
        status, _, body = call(
            base, "PUT", "/api/articles/w-1", record(id="ignored", title="Zebrakuda Terbit"), key=key
        )
        assert status == 201 and body["id"] == "w-1" and body["result"] == "added"  # the path id wins
        status, _, body = call(base, "PUT", "/api/articles/w-1", record(id="w-1", title="Zebrakuda Terbit"), key=key)
        assert status == 200 and body["result"] == "unchanged"
        assert runner.invoke(cli, ["keys", "revoke", "redaksi", "--index", str(index_copy)]).exit_code == 0
        status, _, _ = call(base, "DELETE", "/api/articles/w-1", key=key)
        assert status == 401


def test_publish_update_bulk_and_delete_become_searchable(index_copy):
    key = add_key(index_copy, "cms")
    with running_server(index_copy, 2) as base:
        started = time.monotonic()
        status, _, _ = call(base, "PUT", "/api/articles/pub-1", record(title="Zebrakuda Lahir di Ragunan"), key=key)
        assert status == 201
        seen = 0
        while seen < 4:  # four answers hold it, from either of the two workers (how soon: bench/publish_bench.py)
            assert time.monotonic() - started < 15, "a published article never became searchable"
            seen += get_json(base + "/api/search?q=zebrakuda")[2]["total"] == 1
            time.sleep(0.05)
        status, _, body = call(base, "PUT", "/api/articles/pub-1", record(title="Zebrakuda Kedua Lahir"), key=key)
        assert status == 200 and body["result"] == "updated"
        lines = "\n".join(
            [
                json.dumps(record(id="b-1", title="Satu")),
                "{broken",
                json.dumps(record(id="b-2", title="Dua", published="0001-01-01")),
                json.dumps(record(id="b-3", title="Tiga")),
            ]
        ).encode("utf-8")
        status, _, body = call(base, "POST", "/api/articles", lines, key=key, content_type="application/x-ndjson")
        assert status == 200 and body["added"] == 2 and body["failed"] == 2
        failed = {r["line"]: r["error"] for r in body["results"] if r["result"] == "failed"}
        assert set(failed) == {2, 3} and "1900" in failed[3]
        status, _, body = call(base, "POST", "/api/articles", [record(id="b-1", title="Satu")], key=key)
        assert status == 200 and body["unchanged"] == 1
        numbered = [{**record(title="Angka"), "id": 42}, record(id="b-4", title="Empat")]
        status, _, body = call(base, "POST", "/api/articles", numbered, key=key)  # an id that is no text
        assert status == 200 and body["added"] == 1 and body["failed"] == 1
        assert body["results"][0]["id"] is None and "'id'" in body["results"][0]["error"]
        assert call(base, "DELETE", "/api/articles/b-3", key=key)[0] == 204
        assert call(base, "DELETE", "/api/articles/b-3", key=key)[0] == 404
        assert call(base, "PUT", "/api/articles/bad", ["not", "an", "object"], key=key)[0] == 400


def test_a_killed_server_loses_no_acknowledged_write(index_copy):
    """Publishes stream in from 4 threads; the server is killed with SIGKILL
    mid-stream; every article that got a 2xx is in the index afterwards."""
    key = add_key(index_copy, "cms")
    acknowledged: list[str] = []
    with running_server(index_copy) as base:
        pid = get_json(base + "/health")[2]["pid"]
        stop = threading.Event()

        def publish(worker: int) -> None:
            for n in range(200):
                if stop.is_set():
                    return
                article_id = f"k-{worker}-{n}"
                try:
                    status, _, _ = call(base, "PUT", f"/api/articles/{article_id}", record(title=f"Kilat {n}"), key=key)
                except (OSError, http.client.HTTPException):  # killed mid-answer: never acknowledged
                    return
                if status in (200, 201):
                    acknowledged.append(article_id)

        threads = [threading.Thread(target=publish, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert len(acknowledged) >= 20
    out = subprocess.run(
        [sys.executable, "-m", "search", "search", "--index", str(index_copy), "--all", "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    present = {json.loads(line)["id"] for line in out.stdout.splitlines()}
    assert set(acknowledged) <= present


def test_a_write_while_another_process_holds_the_index_is_a_503(index_copy):
    from whoosh import index as whoosh_index

    key = add_key(index_copy, "cms")
    with running_server(index_copy) as base:
        ix = whoosh_index.open_dir(str(index_copy))
        writer = ix.writer()  # as a long `berita index` run would
        try:
            started = time.monotonic()
            status, headers, body = call(base, "PUT", "/api/articles/late", record(), key=key)
            assert status == 503 and headers["Retry-After"] and "another writer" in body["detail"]
            assert time.monotonic() - started < 10  # a bounded wait, never a hang
        finally:
            writer.cancel()
            ix.close()
        assert call(base, "PUT", "/api/articles/late", record(), key=key)[0] == 201


def test_require_read_key_closes_reads_but_health(index_copy):
    key = add_key(index_copy, "pembaca")
    with running_server(index_copy, 1, "--require-read-key") as base:
        assert call(base, "GET", "/api/search?q=bpjs")[0] == 401
        status, _, body = call(base, "GET", "/api/search?q=bpjs", key=key)
        assert status == 200 and body["total"] > 0
        assert call(base, "GET", "/health")[0] == 200


def test_concurrent_publishes_share_commits(index_copy):
    """16 publishers at once on one worker: far fewer than 16 commits (group commit)."""
    from concurrent.futures import ThreadPoolExecutor

    key = add_key(index_copy, "cms")
    with running_server(index_copy, 1, "--threads", "16") as base:
        assert (
            call(base, "PUT", "/api/articles/g-warm", record(title="Grup awal"), key=key)[0] == 201
        )  # key verified once
        deadline = time.monotonic() + 5
        while get_json(base + "/api/search?q=grup")[2]["total"] < 1:  # the warm-up commit is seen
            assert time.monotonic() < deadline
            time.sleep(0.05)
        before = get_json(base + "/health")[2]["generation"]
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(
                pool.map(
                    lambda n: call(base, "PUT", f"/api/articles/g-{n}", record(title=f"Grup {n}"), key=key)[0],
                    range(16),
                )
            )
        assert statuses == [201] * 16
        deadline = time.monotonic() + 5
        while get_json(base + "/api/search?q=grup")[2]["total"] < 17:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        commits = get_json(base + "/health")[2]["generation"] - before
        assert 1 <= commits <= 8, commits
