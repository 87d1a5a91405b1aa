"""Search over the whole shared corpus (skipped where ../shared is absent)."""

from datetime import datetime

import pytest
from conftest import api_search
from falcon import testing

from search.http.app import create_app

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(corpus_index):
    return testing.TestClient(create_app(corpus_index))


def test_done_when_query_returns_ranked_highlighted_dated_results(client):
    body = api_search(client, q="kenaikan iuran bpjs", **{"from": "2019-09-01", "to": "2019-09-10"})
    assert body["total"] > 5 and len(body["results"]) == 10
    for hit in body["results"]:
        assert "2019-09-01" <= hit["published"][:10] <= "2019-09-10"
    for top in body["results"][:3]:  # the best hits are about the need, and say where it matched
        title = top["title"].lower()
        assert "iuran" in title and "bpjs" in title, top["title"]
        assert "<mark>iuran</mark>" in top["title_html"].lower() and "<mark>bpjs" in top["title_html"].lower()
    scores = [h["score"] for h in body["results"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("q", ["jokowi", "gempa", "timnas indonesia", ""])
def test_date_filters_return_only_articles_in_range(client, q):
    body = api_search(client, q=q, size="50", **{"from": "2019-09-05", "to": "2019-09-07"})
    assert body["results"]
    lo = datetime.fromisoformat("2019-09-05T00:00:00+07:00")
    hi = datetime.fromisoformat("2019-09-07T23:59:59.999999+07:00")
    for hit in body["results"]:
        assert lo <= datetime.fromisoformat(hit["published"]) <= hi


@pytest.mark.parametrize("sort,reverse", [("newest", True), ("oldest", False)])
def test_newest_and_oldest_are_monotonic_across_pages(client, sort, reverse):
    dates = []
    for page in (1, 2, 3):
        body = api_search(client, q="presiden", sort=sort, size="50", page=str(page))
        dates += [datetime.fromisoformat(h["published"]) for h in body["results"]]
    assert len(dates) == 150
    assert dates == sorted(dates, reverse=reverse)


def test_seed_page_is_found_and_its_sidebars_are_not_searchable(client):
    body = api_search(client, q="tentara rusia kazakhstan")
    assert body["results"][0]["title"] == "Kazakhstan Minta Warga Tidak Tergiur jadi Tentara Rusia"
    seed_id = body["results"][0]["id"]
    for q in ("Prabowo", "Raffi", "Bahlil", "Populer", "Selengkapnya"):
        assert seed_id not in [h["id"] for h in api_search(client, q=q, size="50", **{"from": "2023-01-01"})["results"]]
