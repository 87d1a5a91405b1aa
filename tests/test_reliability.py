"""One bad record, one wrong key or one full disk hurts nobody else (issue 28;
issue 29's write items): over a real server where a user meets it over HTTP,
through the CLI where they meet it there."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import record, write_jsonl
from server import call, get_json, running_server

from search.cli import cli
from search.keys import add_key

DEEP = '{"id": "deep", "title": ' + "[" * 100_000 + "]" * 100_000 + "}"  # past any recursion limit


def berita(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "search", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


# ---- item 1: a lone surrogate or deep nesting is that record's failure alone ----


def test_a_lone_surrogate_or_deep_nesting_fails_only_its_own_request(index_copy):
    """Before: the bad PUT was a 500 from the digest, and every write sharing
    its group commit failed with it (40 of 40 innocent PUTs)."""
    key = add_key(index_copy, "cms")
    surrogate = json.dumps(record(title="\ud800Judul")).encode("ascii")  # JSON's escape: a lone surrogate
    assert b"\\ud800" in surrogate
    with running_server(index_copy, 1, "--threads", "16") as base:

        def put(n: int):
            if n == 3:
                return call(base, "PUT", "/api/articles/bad-1", surrogate, key=key)
            if n == 7:
                return call(base, "PUT", "/api/articles/bad-2", DEEP.encode(), key=key)
            return call(base, "PUT", f"/api/articles/ok-{n}", record(title=f"Sahih {n}"), key=key)

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(put, range(16)))
        for n, (status, headers, body) in enumerate(answers):
            if n in (3, 7):
                assert status == 400 and headers["Content-Type"] == "application/problem+json", (n, status, body)
            else:
                assert status == 201, (n, status, body)
        assert "lone surrogate (U+D800)" in answers[3][2]["detail"] and "'title'" in answers[3][2]["detail"]
        assert "nested too deeply" in answers[7][2]["detail"]
        assert get_json(base + "/api/articles/ok-0")[0] == 200
        assert get_json(base + "/api/articles/bad-1")[0] == 404


def test_a_bad_record_in_a_bulk_post_fails_alone_in_both_forms(index_copy):
    key = add_key(index_copy, "cms")
    array = (
        b'[{"id": "s-1", "title": "Sahih Satu", "body": "Isi.", "published": "2019-09-05"},'
        b' {"id": "s-2", "title": "\\udc00Rusak", "body": "Isi.", "published": "2019-09-05"},'
        b' {"id": "s-3", "title": "Sahih Tiga", "body": "Isi.", "published": "2019-09-05"}]'
    )
    lines = b"\n".join(
        [
            json.dumps(record(id="n-1", title="Baris Satu")).encode(),
            b'{"id": "n-2", "title": "\\ud83dx", "body": "Isi.", "published": "2019-09-05"}',
            DEEP.encode(),
            json.dumps(record(id="n-4", title="Baris Empat")).encode(),
        ]
    )
    with running_server(index_copy) as base:
        status, _, body = call(base, "POST", "/api/articles", array, key=key)
        assert status == 200 and body["errors"] is True
        assert (body["added"], body["failed"]) == (2, 1)
        assert body["results"][1]["id"] == "s-2" and "lone surrogate" in body["results"][1]["error"]
        status, _, body = call(base, "POST", "/api/articles", lines, key=key, content_type="application/x-ndjson")
        assert status == 200 and body["errors"] is True and (body["added"], body["failed"]) == (2, 2)
        failed = {r["line"]: r["error"] for r in body["results"] if r["result"] == "failed"}
        assert "lone surrogate" in failed[2] and "nested too deeply" in failed[3]


def test_berita_index_skips_only_the_bad_lines(tmp_path):
    """Before: a traceback and 0 documents indexed (the whole batch, and every later file)."""
    path = tmp_path / "campur.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                json.dumps(record(id="a-1", title="Satu")).encode(),
                b'{"id": "a-2", "title": "\\ud800", "body": "Isi.", "published": "2019-09-05"}',
                DEEP.encode(),
                json.dumps(record(id="a-4", title="Empat")).encode()[:-1] + b', "x": "\x00"}',  # a raw NUL
                json.dumps(record(id="a-5", title="Lima")).encode().replace(b"Lima", b"Li\xffma"),
                json.dumps(record(id="a-6", title="Enam")).encode(),
            ]
        )
        + b"\n"
    )
    later = write_jsonl(tmp_path / "later.jsonl", [record(id="b-1", title="Berikutnya")])
    out = berita("index", str(path), str(later), "--index", str(tmp_path / "ix"))
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert "3 added" in out.stdout
    for line, said in ((2, "lone surrogate"), (3, "nested too deeply"), (4, "NUL byte"), (5, "not UTF-8")):
        assert f"{path}:{line}: " in out.stderr and said in out.stderr, (line, out.stderr)
    assert "4 records skipped" in out.stderr


def test_a_record_that_fails_while_it_is_indexed_is_left_out_of_its_group(index_copy, monkeypatch):
    """Whatever slipped past validation: the article whose indexing raises is
    that request's failure; the group's other requests are committed."""
    from concurrent.futures import Future

    import index.writer as writer_module
    from index.readers import article_from_record
    from search.http.writes import Committer

    real = writer_module.document_fields

    def fields(article):
        if article.id == "meledak":
            raise RuntimeError("boom")
        return real(article)

    monkeypatch.setattr(writer_module, "document_fields", fields)
    committer = Committer(index_copy)
    ops: list = [
        ("upsert", [article_from_record(record(id=i, title=f"Grup {i}"))], Future()) for i in ("g-1", "meledak", "g-3")
    ]
    committer._commit("upsert", ops)
    first, boom, third = (done.result(timeout=30) for _, _, done in ops)
    assert first.outcomes == {"g-1": "added"} and third.outcomes == {"g-3": "added"}
    assert boom.outcomes == {"meledak": "failed"} and "boom" in boom.errors["meledak"]

    # A failure that is no record's (here: every commit of a request holding
    # "rusak" raises) fails that request alone: the group is retried request by request.
    real_ingest = writer_module.Indexer.ingest

    def unlucky(self, items, **kwargs):
        items = list(items)
        if any(a.id == "rusak" for a in items):
            raise RuntimeError("bug")
        return real_ingest(self, items, **kwargs)

    monkeypatch.setattr(writer_module.Indexer, "ingest", unlucky)
    ops = [
        ("upsert", [article_from_record(record(id=i, title=f"Lagi {i}"))], Future()) for i in ("h-1", "rusak", "h-3")
    ]
    committer._commit("upsert", ops)
    assert ops[0][2].result(timeout=30).outcomes == {"h-1": "added"}
    assert ops[2][2].result(timeout=30).outcomes == {"h-3": "added"}
    with pytest.raises(RuntimeError):
        ops[1][2].result(timeout=30)


# ---- item 6: the same limits on every path ----


def test_the_record_size_limit_holds_on_every_path(index_copy, tmp_path):
    """Before: PUT took a 15 MB article and a JSON-array POST a 3 MB record,
    while JSON Lines refused > 2 MiB."""
    key = add_key(index_copy, "cms")
    big = record(id="besar", body="kata " * 500_000)  # 2.5 MB
    with running_server(index_copy) as base:
        status, headers, body = call(base, "PUT", "/api/articles/besar", big, key=key)
        assert status == 413 and headers["Content-Type"] == "application/problem+json"
        assert "2,097,152" in body["detail"]
        status, _, body = call(base, "POST", "/api/articles", [record(id="kecil"), big], key=key)
        assert status == 200 and body["added"] == 1 and body["failed"] == 1
        assert "at most 2,097,152" in body["results"][1]["error"]
        lines = (json.dumps(record(id="kecil-2")) + "\n" + json.dumps(big)).encode()
        status, _, body = call(base, "POST", "/api/articles", lines, key=key, content_type="application/x-ndjson")
        assert (body["added"], body["failed"]) == (1, 1) and "at most 2,097,152" in body["results"][1]["error"]
    write_jsonl(tmp_path / "besar.jsonl", [big])
    out = berita("index", str(tmp_path / "besar.jsonl"), "--index", str(tmp_path / "ix2"))
    assert out.returncode == 1 and "at most 2,097,152" in out.stderr


def test_invalid_utf8_in_a_json_lines_post_fails_its_line_and_is_never_stored_altered(index_copy):
    """Before: stored silently as 'Jud\ufffd\ufffdul'."""
    key = add_key(index_copy, "cms")
    good = json.dumps(record(id="u-1", title="Judul Baik")).encode()
    bad = json.dumps(record(id="u-2", title="Judul")).encode().replace(b"Judul", b"Jud\xff\xfeul")
    with running_server(index_copy) as base:
        status, _, body = call(
            base, "POST", "/api/articles", good + b"\n" + bad, key=key, content_type="application/x-ndjson"
        )
        assert status == 200 and body["added"] == 1 and body["failed"] == 1
        assert body["results"][1]["line"] == 2 and "not UTF-8: byte 0xff" in body["results"][1]["error"]
        assert get_json(base + "/api/articles/u-2")[0] == 404


def test_a_nul_byte_in_a_json_lines_file_costs_only_its_line(tmp_path):
    """Before: a raw NUL in the first 8 KiB dropped the whole file as "binary"."""
    from index.readers import Article, Problem, read_paths

    path = tmp_path / "nul.jsonl"
    path.write_bytes(
        json.dumps(record(id="n-1")).encode()
        + b"\n"
        + b'{"id": "n-2", "title": "A\x00B"}\n'
        + json.dumps(record(id="n-3")).encode()
        + b"\n"
    )
    items = list(read_paths([path]))
    assert [i.id for i in items if isinstance(i, Article)] == ["n-1", "n-3"]
    assert [(p.line, "NUL byte" in p.message) for p in items if isinstance(p, Problem)] == [(2, True)]


# ---- item 7: a full disk ----


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB tmpfs (root only; skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(directory: Path) -> Path:
    """Fill the disk up to the last byte."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for chunk in (b"\0" * 65536, b"\0"):
            try:
                while handle.write(chunk):
                    pass
            except OSError:
                pass
    return filler


def _files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_a_full_disk_says_so_cleans_up_and_keeps_the_last_commit(small_disk, tmp_path):
    """Before: berita index printed an OSError traceback (raised again by
    writer.cancel()) and left orphan files that kept the disk full; keys add
    a traceback."""
    ix = small_disk / "ix"
    first = write_jsonl(tmp_path / "first.jsonl", [record(id="awal", title="Artikel Awal")])
    assert berita("index", str(first), "--index", str(ix)).returncode == 0
    before = _files(ix)
    filler = _fill(small_disk)
    many = write_jsonl(
        tmp_path / "many.jsonl",
        [record(id=f"m-{n}", title=f"Berita {n}", body="isi panjang " * 400) for n in range(300)],
    )
    out = berita("index", str(many), "--index", str(ix))
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert "disk full" in out.stderr and "keeps its last commit" in out.stderr
    assert _files(ix) - before <= {"writer.pid"}, _files(ix) - before  # what the failed commit wrote is gone
    made = berita("keys", "add", "cms", "--index", str(ix))
    assert made.returncode == 1 and "Traceback" not in made.stderr and "disk full" in made.stderr, made.stderr
    assert not (ix / "keys.tmp").exists()
    filler.unlink()
    found = berita("search", "awal", "--index", str(ix), "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["total"] == 1  # the last commit is intact


def test_a_full_disk_over_http_is_a_507_and_never_a_false_busy(small_disk, tmp_path, sample_index):
    """Before: HTTP writes alternated 500 and a false 503 "another writer
    holds the index" (the failed cancel kept the lock)."""
    ix = small_disk / "ix"
    shutil.copytree(sample_index, ix)
    key = add_key(ix, "cms")
    with running_server(ix) as base:
        assert call(base, "PUT", "/api/articles/pertama", record(title="Pertama"), key=key)[0] == 201
        filler = _fill(small_disk)
        for n in range(3):
            status, headers, body = call(
                base, "PUT", f"/api/articles/penuh-{n}", record(title="Penuh", body="isi " * 100_000), key=key
            )
            assert status == 507 and headers["Content-Type"] == "application/problem+json", (status, body)
            assert "disk full" in body["detail"]
        filler.unlink()
        assert call(base, "PUT", "/api/articles/lega", record(title="Lega"), key=key)[0] == 201
        assert get_json(base + "/api/articles/pertama")[0] == 200


# ---- item 8: one rule for waiting on the writer lock ----


def test_the_indexer_waits_for_a_short_write_and_names_a_long_one(index_copy, tmp_path, monkeypatch):
    """Before: berita index gave up at once (exit 2) while an HTTP write held
    the lock for a moment; HTTP waited 3 s. Now both wait LOCK_WAIT."""
    from whoosh import index as whoosh_index

    import index.writer as writer_module

    path = write_jsonl(tmp_path / "a.jsonl", [record(id="tunggu", title="Menunggu Giliran")])
    ix = whoosh_index.open_dir(str(index_copy))
    holder = ix.writer()
    writer_module.record_writer(index_copy)
    threading.Timer(0.5, holder.cancel).start()  # as a group commit would, soon
    done = CliRunner().invoke(cli, ["index", str(path), "--index", str(index_copy)])
    assert done.exit_code == 0, done.output
    monkeypatch.setattr(writer_module, "LOCK_WAIT", 0.2)
    holder = ix.writer()
    writer_module.record_writer(index_copy)
    try:
        busy = CliRunner().invoke(cli, ["delete", "tunggu", "--index", str(index_copy)])
    finally:
        holder.cancel()
        ix.close()
    assert busy.exit_code == 2 and f"pid {os.getpid()}" in busy.output and "waited 0.2 s" in busy.output


# ---- item 4: keys, rate limits and failed authentication ----


def test_random_bearer_tokens_are_rate_limited_like_no_token(sample_index):
    """Before: the bucket was keyed on the unverified token: 100/100 passed at 5/s."""
    with running_server(sample_index, 1, "--rate-limit", "1/m", "--burst", "3") as base:
        codes = [
            call(base, "GET", "/api/search?q=bpjs", key=f"brt_random{n}")[0] for n in range(4)
        ]  # the start-up probe spent one
        assert codes[:2] == [200, 200] and codes[2:] == [429, 429]


def test_failed_authentication_is_limited_per_address(index_copy):
    """Before: 600 wrong keys at 7-9/s, no 429, each one costing a scrypt per key."""
    from search.http.writes import FAILED_KEYS_BURST

    add_key(index_copy, "cms")
    with running_server(index_copy) as base:
        codes: list[int] = []
        while 429 not in codes and len(codes) < 3 * FAILED_KEYS_BURST:  # a try comes back every 6 s
            codes.append(call(base, "DELETE", "/api/articles/x", key=f"brt_00000000.salah{len(codes)}")[0])
        assert codes[:FAILED_KEYS_BURST] == [401] * FAILED_KEYS_BURST and codes[-1] == 429
        status, headers, body = call(base, "DELETE", "/api/articles/x", key="brt_salah")
        assert status == 429 and int(headers["Retry-After"]) >= 1 and "wrong keys" in body["detail"]


def test_a_key_is_checked_with_one_scrypt_however_many_keys_exist(tmp_path, monkeypatch):
    """Before: one scrypt per configured key (65 ms with 1 key, 559 ms with 10)."""
    import hashlib

    from search import keys as keys_module

    (tmp_path / "ix").mkdir()
    made = [add_key(tmp_path / "ix", f"kunci-{n}") for n in range(10)]
    calls: list[int] = []
    real = hashlib.scrypt

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(keys_module.hashlib, "scrypt", counted)
    assert keys_module.key_owner(tmp_path / "ix", made[7]) == "kunci-7" and len(calls) == 1
    assert keys_module.key_owner(tmp_path / "ix", "brt_0000dead.salah") is None and len(calls) == 2
    assert keys_module.key_owner(tmp_path / "ix", made[7].split(".")[0] + ".salah") is None and len(calls) == 3
    assert keys_module.key_owner(tmp_path / "ix", "brt_salah") is None and len(calls) == 4


def test_keys_made_before_key_ids_keep_working_and_are_marked(tmp_path):
    import base64
    import secrets

    from search import keys as keys_module

    ix = tmp_path / "ix"
    ix.mkdir()
    old_secret = "brt_" + secrets.token_urlsafe(32)  # how keys were made before ids
    salt = secrets.token_bytes(16)
    (ix / "keys.json").write_text(
        json.dumps(
            {
                "lama": {
                    "salt": base64.b64encode(salt).decode(),
                    "hash": keys_module._hash(old_secret, salt),
                    "created": "2026-01-01T00:00:00+00:00",
                }
            }
        )
    )
    new_secret = add_key(ix, "baru")
    assert keys_module.key_owner(ix, old_secret) == "lama" and keys_module.key_owner(ix, new_secret) == "baru"
    listed = CliRunner().invoke(cli, ["keys", "list", "--index", str(ix)]).output.splitlines()
    assert listed[0].startswith("baru\t") and "old format" not in listed[0]
    assert listed[1].startswith("lama\t") and "old format" in listed[1]


# ---- item 9: the smaller ones ----


def test_write_path_odds_and_ends(index_copy):
    """An empty id is refused (not invented from the url); an id ending in
    /related is written, read and deleted as itself; one id twice in a POST is
    one article; a POST without a body is a 400."""
    key = add_key(index_copy, "cms")
    with running_server(index_copy) as base:
        status, _, body = call(base, "PUT", "/api/articles/", record(), key=key)
        assert status == 405  # /api/articles/ is /api/articles, which takes POST only
        status, _, body = call(base, "PUT", "/api/articles/%20", record(), key=key)
        assert status == 400 and "id is required" in body["detail"]
        status, _, body = call(base, "PUT", "/api/articles/kolom/related", record(title="Kolom Terkait"), key=key)
        assert status == 201 and body["id"] == "kolom/related"
        status, _, body = get_json(base + "/api/articles/kolom/related")
        assert status == 200 and body["title"] == "Kolom Terkait"
        assert get_json(base + "/api/articles/berita-2019-0001/related")[2]["results"] is not None  # still related
        assert call(base, "DELETE", "/api/articles/kolom/related", key=key)[0] == 204
        twice = [record(id="dua-kali", title="Pertama"), record(id="dua-kali", title="Kedua")]
        status, _, body = call(base, "POST", "/api/articles", twice, key=key)
        assert (body["added"], body["superseded"], body["errors"]) == (1, 1, False)
        assert body["results"][0]["result"] == "superseded" and body["results"][0]["superseded_by"] == 2
        assert get_json(base + "/api/articles/dua-kali")[2]["title"] == "Kedua"
        status, _, body = call(base, "POST", "/api/articles", b"", key=key, content_type="application/x-ndjson")
        assert status == 400 and "body is empty" in body["detail"]


def test_feed_links_use_the_configured_base_url_not_the_host_header(sample_index):
    import feedparser

    with running_server(sample_index, 1, "--base-url", "https://cari.portal.example/") as base:
        conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=60)
        conn.request("GET", "/feed.atom?q=bpjs", headers={"Host": "evil.example"})
        text = conn.getresponse().read().decode()
        conn.close()
    feed = feedparser.parse(text)
    links = [link["href"] for link in feed.feed.links] + [e.id for e in feed.entries]
    assert links and "evil.example" not in text
    assert all(link.startswith("https://cari.portal.example/") for link in links), links


def test_a_fifo_in_an_input_directory_is_skipped_not_waited_on(tmp_path):
    directory = tmp_path / "masuk"
    directory.mkdir()
    write_jsonl(directory / "a.jsonl", [record(id="fifo-a")])
    os.mkfifo(directory / "pipa.jsonl")
    assert stat.S_ISFIFO(os.stat(directory / "pipa.jsonl").st_mode)
    out = berita("index", str(directory), "--index", str(tmp_path / "ix"), timeout=60)
    assert out.returncode == 0 and "1 added" in out.stdout, out.stderr
    assert "pipa.jsonl: skipped: not a regular file" in out.stderr


def test_the_put_body_is_documented_as_the_record():
    from search.http.openapi import openapi_document

    doc = openapi_document()
    put = doc["paths"]["/api/articles/{id}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert put == {"$ref": "#/components/schemas/ArticleIn"}
    schema = doc["components"]["schemas"]["ArticleIn"]
    assert set(schema["required"]) == {"title", "body", "published"}
    assert {"refresh"} <= {p["name"] for p in doc["paths"]["/api/articles"]["post"]["parameters"]}


# ---- issue 29, item 13: what a write says ----


def test_writes_say_what_they_refuse_and_what_they_ignore(index_copy):
    key = add_key(index_copy, "cms")
    with running_server(index_copy) as base:
        status, headers, body = call(
            base, "PUT", "/api/articles/f-1", b"title=Judul", key=key, content_type="application/x-www-form-urlencoded"
        )
        assert status == 415 and headers["Content-Type"] == "application/problem+json"
        assert "application/json" in body["detail"]
        lines = json.dumps(record(id="t-1")).encode()
        status, _, body = call(base, "POST", "/api/articles", lines, key=key, content_type="text/plain")
        assert status == 415 and "application/x-ndjson" in body["detail"]
        no_date = {k: v for k, v in record().items() if k != "published"}
        status, _, body = call(base, "PUT", "/api/articles/tanpa-tanggal", no_date, key=key)
        assert status == 400 and "None" not in body["detail"] and "missing 'published'" in body["detail"]
        status, _, body = call(base, "PUT", "/api/articles/bertag", {**record(), "tags": ["a"], "foto": 1}, key=key)
        assert status == 201 and body["ignored_fields"] == ["foto", "tags"]
        status, _, body = call(base, "PUT", "/api/articles/kunci-aneh", {**record(), "\ud800": 1}, key=key)
        assert status == 201 and body["ignored_fields"] == ["\\ud800"]  # said back escaped, never a 500
        status, _, body = call(base, "POST", "/api/articles", [{**record(id="bt-2"), "tags": []}], key=key)
        assert body["errors"] is False and body["results"][0]["ignored_fields"] == ["tags"]


# ---- issue 29, item 4: read your write; refresh=wait_for ----


def test_a_write_is_read_back_at_once_and_wait_for_waits_for_every_worker(index_copy):
    """Before: a GET right after a 201 was a 404 (and 200 right after a DELETE)."""
    key = add_key(index_copy, "cms")
    with running_server(index_copy, 2) as base:
        conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=60)

        def on_conn(method: str, path: str, body: dict | None = None):
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()

        for n in range(3):  # the same connection, so the same worker
            assert on_conn("PUT", f"/api/articles/segera-{n}", record(title=f"Segera {n}"))[0] == 201
            assert on_conn("GET", f"/api/articles/segera-{n}")[0] == 200
            # a 204 closes the connection, so the next GET may reach the other worker: gone there too
            assert on_conn("DELETE", f"/api/articles/segera-{n}")[0] == 204
            assert on_conn("GET", f"/api/articles/segera-{n}")[0] == 404
        conn.close()
        for n in range(3):
            status, _, body = call(
                base, "PUT", f"/api/articles/semua-{n}?refresh=wait_for", record(title=f"Serentak {n}"), key=key
            )
            assert status == 201 and body["visible"] is True
            # every answer now, on new connections spread over both workers
            assert all(get_json(base + f"/api/articles/semua-{n}")[0] == 200 for _ in range(6))
        status, _, body = call(base, "POST", "/api/articles?refresh=wait_for", [record(id="massal")], key=key)
        assert body["visible"] is True and all(get_json(base + "/api/articles/massal")[0] == 200 for _ in range(6))
        assert call(base, "PUT", "/api/articles/x?refresh=now", record(), key=key)[0] == 400


# ---- item 10: "serving" means answering ----


def test_serve_says_it_serves_only_once_every_worker_answers(sample_index):
    """Before: "Berita serving" was printed once the port was bound, before
    the workers had opened the index and built their apps, so a first request
    waited on a loaded machine past a client's timeout. Asserted as an order,
    not a speed: each worker's searcher was opened before the line was said."""
    from datetime import datetime

    from server import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--index", str(sample_index), "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        said = datetime.now().astimezone()
        assert "serving" in line, line
        opened = {}
        for _ in range(12):  # no retry: a worker answers the moment it is said
            status, _, body = get_json(f"http://127.0.0.1:{port}/health")
            assert status == 200
            opened[body["pid"]] = datetime.fromisoformat(body["searcher_opened"])
        assert opened and all(moment <= said for moment in opened.values()), (said, opened)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
