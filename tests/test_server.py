"""The real service: waitress on a free loopback port, spoken to over HTTP."""

import json
import time
import urllib.parse

import pytest
from backends import BACKENDS, cluster_urls, cluster_with  # noqa: F401 (cluster_urls: a fixture)
from conftest import record, write_jsonl
from server import get_json, running_server

from index.readers import read_paths
from index.writer import Indexer


@pytest.mark.parametrize("backend", BACKENDS)
def test_search_over_http_and_new_commits_become_visible(tmp_path, index_copy, backend, request):
    ixdir, options, write = index_copy, [], lambda items: Indexer(index_copy).ingest(items)
    if backend == "opensearch":
        from index.opensearch.writer import ClusterWriter

        target, options = cluster_with(request.getfixturevalue("cluster_urls"))
        ixdir, write = tmp_path / "keys", ClusterWriter(target).ingest
        ixdir.mkdir()
    with running_server(ixdir, 2, *options) as base:
        status, ctype, body = get_json(
            base
            + "/api/search?"
            + urllib.parse.urlencode({"q": "kenaikan iuran bpjs", "from": "2019-09-01", "to": "2019-09-10"})
        )
        assert status == 200 and ctype.startswith("application/json")
        assert body["total"] == 2 and "<mark>" in body["results"][0]["snippet"]

        status, ctype, body = get_json(base + "/api/search?size=999")
        assert status == 400 and ctype == "application/problem+json" and body["param"] == "size"

        generation = get_json(base + "/health")[2]["generation"]
        write(
            read_paths(
                [
                    write_jsonl(
                        tmp_path / "new.jsonl",
                        [
                            record(
                                id="baru-1",
                                title="Zebra Langka Lahir di Kebun Binatang",
                                body="Seekor zebra langka lahir.",
                            )
                        ],
                    )
                ]
            )
        )
        deadline = time.time() + 10
        found: list = []
        while time.time() < deadline and len(found) < 5:  # every worker process must see it
            _, _, body = get_json(base + "/api/search?q=zebra")
            if body["total"] == 1:
                found.append(body)
            time.sleep(0.2)
        assert len(found) == 5
        assert get_json(base + "/health")[2]["generation"] > generation
        _, _, article = get_json(base + "/api/articles/baru-1")
        assert article["title"].startswith("Zebra")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_archive_endpoints_over_http(sample_index, backend, request, tmp_path):
    """Export, feed, autocomplete, cursor paging and related stories on a real
    waitress server; odd values answer 4xx problems, never 500."""
    import csv
    import io
    import urllib.error
    import urllib.request

    import feedparser

    def fetch(path):
        try:
            with urllib.request.urlopen(base + path, timeout=10) as resp:
                return resp.status, resp.headers.get("content-type"), resp.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("content-type"), err.read().decode("utf-8")

    ixdir, options = sample_index, []
    if backend == "opensearch":
        _, options = cluster_with(request.getfixturevalue("cluster_urls"))
        ixdir = tmp_path
    with running_server(ixdir, 1, *options) as base:
        status, ctype, text = fetch("/api/search/export?q=bpjs&format=csv")
        assert status == 200 and ctype.startswith("text/csv") and len(list(csv.DictReader(io.StringIO(text)))) >= 3
        status, ctype, text = fetch("/feed.atom?q=bpjs")
        assert status == 200 and not feedparser.parse(text).bozo
        status, _, body = get_json(base + "/api/suggest?q=kes")
        assert status == 200 and "kesehatan" in body["suggestions"]
        status, _, body = get_json(base + "/api/search?size=10&collapse=false")
        status2, _, body2 = get_json(base + "/api/search?size=10&collapse=false&cursor=" + body["cursor"])
        assert status2 == 200 and not {h["id"] for h in body["results"]} & {h["id"] for h in body2["results"]}
        status, _, body = get_json(base + "/api/articles/berita-2019-0001/related?size=3")
        assert status == 200 and 1 <= len(body["results"]) <= 3, body
        related = [h["id"] for h in body["results"]] + [h["id"] for h in body["same_story"]]
        assert "berita-2019-0001" not in related and len(set(related)) == len(related)
        for path in (
            "/api/search/export?format=pdf",
            "/feed.atom?page=2",
            "/api/suggest?size=0",
            "/api/search?cursor=%FF%FE",
            "/api/articles/berita-2019-0001/related?within_days=x",
        ):
            status, ctype, _ = fetch(path)
            assert status == 400 and ctype == "application/problem+json", path


def test_serve_rate_limit_answers_429_with_retry_after(sample_index):
    import urllib.error
    import urllib.request

    # The start-up check spends one of the three; the bucket refills once a minute.
    with running_server(sample_index, 1, "--rate-limit", "1/m", "--burst", "3") as base:
        codes = []
        for _ in range(3):
            try:
                with urllib.request.urlopen(base + "/api/search?q=bpjs", timeout=10) as resp:
                    codes.append(resp.status)
            except urllib.error.HTTPError as err:
                codes.append(err.code)
                retry = err.headers.get("Retry-After")
        assert codes == [200, 200, 429] and retry is not None and 1 <= int(retry) <= 60


def test_cors_for_configured_origins_and_gzip_when_accepted(sample_index):
    """A portal's front end on another origin may call the API (preflight
    answered, even with read keys required); other origins get no CORS
    headers. JSON, CSV exports and pages are gzip when the client accepts it."""
    import gzip
    import urllib.request

    portal = "https://portal.example"

    def call(url, method="GET", **headers):
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    with running_server(sample_index, 1, "--cors-origin", portal, "--require-read-key") as base:
        status, headers, _ = call(
            base + "/api/search?q=bpjs",
            "OPTIONS",
            Origin=portal,
            **{"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"},
        )
        assert status in (200, 204) and headers["Access-Control-Allow-Origin"] == portal
        assert "GET" in headers["Access-Control-Allow-Methods"]
        assert "authorization" in headers["Access-Control-Allow-Headers"].lower()
        status, headers, _ = call(base + "/api/search?q=bpjs", Origin=portal)
        assert status == 401 and headers["Access-Control-Allow-Origin"] == portal  # the browser may read why
        assert "Origin" in headers["Vary"]
        status, headers, _ = call(base + "/api/search?q=bpjs", "OPTIONS", Origin="https://evil.example")
        assert "Access-Control-Allow-Origin" not in headers
    with running_server(sample_index, 1) as base:
        status, headers, _ = call(base + "/api/search?q=bpjs", Origin=portal)
        assert status == 200 and "Access-Control-Allow-Origin" not in headers  # off unless configured
        for path, kind in (
            ("/api/search?q=bpjs&size=20", "application/json"),
            ("/api/search/export?format=csv", "text/csv"),
            ("/cari?q=bpjs", "text/html"),
            ("/api/search?q=bpjs&page=abc", "application/problem+json"),
        ):
            status, plain_headers, plain = call(base + path)
            status2, headers, packed = call(base + path, **{"Accept-Encoding": "gzip"})
            assert status == status2 and headers["Content-Type"].startswith(kind), path
            assert "Accept-Encoding" in headers["Vary"] and "Content-Encoding" not in plain_headers
            if len(plain) >= 512:
                assert headers["Content-Encoding"] == "gzip" and len(packed) < len(plain), path
                unpacked = gzip.decompress(packed)
                if kind == "application/json":  # took_ms differs from answer to answer
                    assert json.loads(unpacked)["results"] == json.loads(plain)["results"]
                else:
                    assert unpacked.replace(b"0,01 detik", b"0,00 detik") == plain.replace(b"0,01 detik", b"0,00 detik")
        status, headers, packed = call(base + "/api/search?q=bpjs", **{"Accept-Encoding": "gzip;q=0, br"})
        assert "Content-Encoding" not in headers and json.loads(packed)["query"] == "bpjs"
