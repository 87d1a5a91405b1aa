"""Did-you-mean: corrections chosen in context, corrected results when nothing
matches as typed, and no correction of a query whose words are found."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner
from conftest import api_search, client_over, index_records, record
from server import get_json, running_server

from search.cli import cli
from search.engine import SearchEngine
from search.features.spelling import corrections
from search.request import SearchRequest


def _records() -> list[dict]:
    """A small newsroom: fires and floods in forests and cities, one rare name,
    one article with a typo of its own."""
    out = []
    for i in range(12):
        out.append(record(id=f"fire-{i}", title=f"Kebakaran hutan di Riau meluas {i}", body="Asap kebakaran hutan."))
    for i in range(8):
        out.append(record(id=f"flood-{i}", title=f"Banjir merendam kota {i}", body="Warga kota mengungsi."))
    for i in range(45):  # an edit must be backed by 20x the articles (see EDIT_COST): 45 against 1
        out.append(record(id=f"quake-{i}", title=f"Gempa lombok susulan {i}", body="Gempa mengguncang lombok."))
    out.append(record(id="typo-1", title="Gempaa lombok", body="Gempaa kecil di lombok."))
    out.append(record(id="rare-1", title="Kesaksian Langkun di pengadilan", body="Langkun hadir di pengadilan kota."))
    out.append(record(id="joined-1", title="Hutan kota baru", body="Hutan kota dibuka."))
    return out


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    return index_records(tmp_path_factory.mktemp("spelling") / "ix", _records())


@pytest.fixture(scope="module")
def engine(newsroom):
    found = SearchEngine.open(newsroom, background=False)
    yield found
    found.close()


def test_a_typo_beside_a_good_word_is_searched_corrected(engine):
    result = engine.search(SearchRequest(q="kebakran hutan"))
    assert result.corrected_query == "kebakaran hutan" and result.query == "kebakran hutan"
    assert result.suggestion is None
    assert result.hits and all(h.id.startswith("fire-") for h in result.hits)
    assert result.total - result.partial_total == 12  # every fire story, ahead of those lacking a word
    assert result.relaxed_words == ["kebakaran"]  # the partial matches are the corrected query's


def test_spellcheck_false_searches_the_query_as_typed(engine):
    result = engine.search(SearchRequest(q="kebakran hutan", spellcheck=False))
    assert result.corrected_query is None and result.suggestion is None
    assert result.total == result.partial_total > 0  # only articles lacking "kebakran"


def test_few_full_matches_get_a_suggestion_and_keep_their_results(engine):
    result = engine.search(SearchRequest(q="gempaa lombok"))
    assert result.corrected_query is None and result.suggestion == "gempa lombok"
    assert [h.id for h in result.hits][:1] == ["typo-1"]


def test_found_words_are_never_corrected(engine):
    for q in ("langkun pengadilan", "kebakaran hutan", "banjir kota", "langkun"):
        result = engine.search(SearchRequest(q=q))
        assert result.corrected_query is None and result.suggestion is None, q
        assert result.total > 0


def test_two_typos_and_a_missing_space(engine):
    assert engine.search(SearchRequest(q="kebakran hutna")).corrected_query == "kebakaran hutan"
    assert engine.search(SearchRequest(q="banjirkota")).corrected_query == "banjir kota"


def test_a_word_nothing_resembles_is_left_as_typed(engine):
    result = engine.search(SearchRequest(q="zxqwvy"))
    assert result.total == 0 and result.corrected_query is None and result.suggestion is None


def test_corrections_are_looked_up_without_the_index_lock(engine):
    """The correction index is in memory: another thread holding the snapshot's
    I/O lock (a slow read) does not stop a lookup."""
    with engine.manager.acquire() as snap:
        index = corrections(snap)
        found: list = []
        with snap.io_lock:
            worker = threading.Thread(target=lambda: found.append(index.near("kebakran", 2)))
            worker.start()
            worker.join(timeout=10)
        assert found and found[0][0] == ("kebakaran", 1)


def test_the_api_export_and_feed_follow_one_rule(tmp_path):
    client = client_over(tmp_path / "ix", _records())
    body = api_search(client, q="kebakran hutan")
    assert body["corrected_query"] == "kebakaran hutan" and body["query"] == "kebakran hutan"
    assert body["results"] and body["suggestion"] is None
    typed = api_search(client, q="kebakran hutan", spellcheck="false")
    assert typed["corrected_query"] is None and typed["partial_matches"]["missing_words"] == ["kebakran"]
    export = client.simulate_get("/api/search/export", params={"q": "kebakran hutan", "format": "jsonl"})
    assert export.headers["x-corrected-query"] == "kebakaran hutan"
    rows = [json.loads(line) for line in export.text.splitlines()]
    listed = api_search(client, q="kebakran hutan", size=50)["results"]
    assert [r["id"] for r in rows] == [h["id"] for h in listed] and len(rows) == body["total"]
    feed = client.simulate_get("/feed.atom", params={"q": "kebakran hutan"})
    assert "kebakaran hutan" in feed.text and "fire-" in feed.text


def test_the_cli_says_what_it_searched(newsroom):
    out = CliRunner().invoke(cli, ["search", "kebakran", "hutan", "--index", str(newsroom)])
    assert out.exit_code == 0, out.output
    assert "Menampilkan hasil untuk: kebakaran hutan" in out.output and "Kebakaran hutan di Riau" in out.output
    typed = CliRunner().invoke(cli, ["search", "kebakran", "hutan", "--no-spellcheck", "--index", str(newsroom)])
    assert typed.exit_code == 0 and "Menampilkan hasil untuk" not in typed.output
    suggested = CliRunner().invoke(cli, ["search", "gempaa", "lombok", "--index", str(newsroom)])
    assert "Maksud Anda: gempa lombok" in suggested.output


def test_corrected_results_over_real_http(sample_index):
    with running_server(sample_index) as base:
        status, _, body = get_json(base + "/api/search?" + urllib.parse.urlencode({"q": "kebakran hutan"}))
        assert status == 200 and body["corrected_query"] == "kebakaran hutan"
        assert any("kebakaran" in h["title"].lower() for h in body["results"])
        status, _, typed = get_json(
            base + "/api/search?" + urllib.parse.urlencode({"q": "kebakran hutan", "spellcheck": "false"})
        )
        assert status == 200 and typed["corrected_query"] is None
        with urllib.request.urlopen(base + "/cari?" + urllib.parse.urlencode({"q": "kebakran hutan"})) as page:
            html = page.read().decode("utf-8")
        assert "Menampilkan hasil untuk" in html and "spellcheck=false" in html
