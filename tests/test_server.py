"""The real service: waitress on a free loopback port, spoken to over HTTP."""

import time
import urllib.parse

from conftest import record, write_jsonl
from server import get_json, running_server

from index.readers import read_paths, sample_path
from index.writer import Indexer


def test_search_over_http_and_new_commits_become_visible(tmp_path):
    ixdir = tmp_path / "ix"
    Indexer(ixdir).ingest(read_paths([sample_path()]))
    with running_server(ixdir, workers=2) as base:
        status, ctype, body = get_json(base + "/api/search?" + urllib.parse.urlencode(
            {"q": "kenaikan iuran bpjs", "from": "2019-09-01", "to": "2019-09-10"}))
        assert status == 200 and ctype.startswith("application/json")
        assert body["total"] == 2 and "<mark>" in body["results"][0]["snippet"]

        status, ctype, body = get_json(base + "/api/search?size=999")
        assert status == 400 and ctype == "application/problem+json" and body["param"] == "size"

        generation = get_json(base + "/health")[2]["generation"]
        Indexer(ixdir).ingest(read_paths([write_jsonl(tmp_path / "new.jsonl", [
            record(id="baru-1", title="Zebra Langka Lahir di Kebun Binatang", body="Seekor zebra langka lahir.")])]))
        deadline = time.time() + 10
        found = []
        while time.time() < deadline and len(found) < 5:  # every worker process must see it
            _, _, body = get_json(base + "/api/search?q=zebra")
            if body["total"] == 1:
                found.append(body)
            time.sleep(0.2)
        assert len(found) == 5
        assert get_json(base + "/health")[2]["generation"] > generation
        _, _, article = get_json(base + "/api/articles/baru-1")
        assert article["title"].startswith("Zebra")
