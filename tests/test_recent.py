"""sort=recent: relevance blended with freshness (and collapsing near-duplicates)."""

import pytest
from conftest import api_search, client_over, index_records, record
from falcon import testing

from search.engine import SearchEngine, SearchRequest
from search.http.app import create_app

FILLER = "Warga kota berbincang tentang cuaca dan harga kebutuhan pokok di pasar pagi ini."


@pytest.fixture(scope="module")
def ixdir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recent")
    records = [
        # Equally relevant: the same words, different days.
        record(
            id="same-old", title="Festival Layang Layang Digelar", body=FILLER, published="2023-05-01T10:00:00+07:00"
        ),
        record(
            id="same-new", title="Festival Layang Layang Digelar", body=FILLER, published="2023-06-28T10:00:00+07:00"
        ),
        record(
            id="same-mid", title="Festival Layang Layang Digelar", body=FILLER, published="2023-06-10T10:00:00+07:00"
        ),
        # Far more relevant but old, against a fresh passing mention.
        record(
            id="deep-old",
            title="Vaksin Malaria Pertama Disetujui, Vaksin Malaria Siap Edar",
            body="Vaksin malaria itu diuji tiga tahun. " * 6,
            published="2023-04-01T10:00:00+07:00",
        ),
        record(
            id="passing-new",
            title="Rapat Kesehatan Daerah",
            body=FILLER + " Peserta rapat juga menyinggung vaksin dan program lain, termasuk malaria.",
            published="2023-06-30T10:00:00+07:00",
        ),
        record(id="newest", title="Pasar Pagi Ramai", body=FILLER, published="2023-07-01T10:00:00+07:00"),
        # More relevant in June, a passing mention on 30 June: which wins depends on "now".
        record(
            id="kite-june",
            title="Agenda Lomba Perahu",
            body="Ada lomba perahu naga di sungai.",
            published="2023-06-01T10:00:00+07:00",
        ),
        record(
            id="kite-late",
            title="Agenda Akhir Pekan",
            body=FILLER + " Ada juga lomba perahu naga.",
            published="2023-06-30T10:00:00+07:00",
        ),
    ]
    index_records(tmp / "ix", records)
    return tmp / "ix"


@pytest.fixture(scope="module")
def client(ixdir):
    return testing.TestClient(create_app(ixdir))


def ids(client, **params):
    return [x["id"] for x in api_search(client, **params)["results"]]


def test_among_equally_relevant_articles_the_newer_ranks_first(client):
    assert ids(client, q="festival layang", sort="recent", collapse="false") == ["same-new", "same-mid", "same-old"]


def test_an_old_article_that_is_far_more_relevant_still_wins(client):
    assert ids(client, q="vaksin malaria", sort="relevance")[0] == "deep-old"
    assert ids(client, q="vaksin malaria", sort="recent")[0] == "deep-old"


def test_recent_scores_follow_the_documented_decay(client):
    def scores(**params):
        r = api_search(client, q="vaksin malaria", collapse="false", **params)
        return {x["id"]: (x["score"], x["published"]) for x in r["results"]}

    relevance = scores(sort="relevance")
    recent = scores(sort="recent", half_life="2", now="2023-07-01T10:00:00+07:00")
    from datetime import datetime

    now = datetime.fromisoformat("2023-07-01T10:00:00+07:00")
    for doc, (score, published) in recent.items():
        age = (now - datetime.fromisoformat(published)).total_seconds() / 86400
        expected = relevance[doc][0] * (0.5 + 0.5 * 2 ** (-age / 2))
        assert score == pytest.approx(expected, rel=1e-3)


def test_now_moves_the_reference_point(client):
    """Measured from the newest article (1 July) the fresh passing mention leads; measured
    from 1 June the June article is fresh too and its relevance wins. Ignoring now fails."""
    q = {"q": "perahu naga", "collapse": "false"}
    assert ids(client, **q, sort="relevance")[:2] == ["kite-june", "kite-late"]
    assert ids(client, **q, sort="recent")[:2] == ["kite-late", "kite-june"]
    assert ids(client, **q, sort="recent", now="2023-06-01")[:2] == ["kite-june", "kite-late"]


def test_near_duplicates_from_other_outlets_collapse(tmp_path):
    records = [
        record(
            id="k1",
            source="Kompas.com",
            title="Gempa Magnitudo 5 Guncang Maluku Utara Pagi Ini",
            body="Gempa mengguncang Maluku Utara.",
            published="2019-09-10T08:00:00+07:00",
        ),
        record(
            id="t1",
            source="Tempo.co",
            title="Gempa Magnitudo 5 Guncang Maluku Utara",
            body="Gempa mengguncang wilayah Maluku Utara pagi.",
            published="2019-09-10T08:05:00+07:00",
        ),
        record(
            id="k2",
            source="Kompas.com",
            title="Warga Maluku Utara Mengungsi Setelah Gempa",
            body="Warga mengungsi setelah gempa.",
            published="2019-09-10T09:00:00+07:00",
        ),
    ]
    client = client_over(tmp_path / "ix", records)
    # Two distinct stories fill a page of two: the other outlet's copy is folded, with what a client shows of it.
    body = api_search(client, q="gempa maluku utara", size=2, collapse="true")
    got = {x["id"]: x["duplicates"] for x in body["results"]}
    assert len(got) == 2 and "k2" in got
    folded = [d for dups in got.values() for d in dups]
    assert len(folded) == 1 and folded[0]["id"] in ("k1", "t1")
    copy = next(r for r in records if r["id"] == folded[0]["id"])
    assert (folded[0]["title"], folded[0]["source"], folded[0]["url"]) == (copy["title"], copy["source"], copy["url"])
    # A page of ten that the distinct stories cannot fill keeps every copy (no recall lost).
    roomy = api_search(client, q="gempa maluku utara", size=10, collapse="true")
    assert sorted(x["id"] for x in roomy["results"]) == ["k1", "k2", "t1"]
    assert all(not x["duplicates"] for x in roomy["results"])
    # The API folds only when asked: by default every matching article is its own result.
    plain = api_search(client, q="gempa maluku utara", size=2)
    assert len(plain["results"]) == 2 and all(not x["duplicates"] for x in plain["results"])
    assert plain["total"] == 3


@pytest.mark.parametrize("sort", ["relevance", "recent"])
def test_the_evaluation_ranking_is_the_api_ranking(client, ixdir, sort):
    """bench/quality.py ranks with the library's search: the API lists the same."""
    engine = SearchEngine.open(ixdir)
    try:
        for q in ("festival layang", "vaksin malaria", "pasar pagi"):
            listed = [h.id for h in engine.search(SearchRequest(q=q, sort=sort, size=10)).hits]
            assert listed and listed == ids(client, q=q, sort=sort, collapse="false")
    finally:
        engine.close()


def test_the_search_page_folds_copies_and_links_each_one(tmp_path):
    """Readers see a story once, with the other outlets' copies linked under it;
    the API lists every article unless asked to fold."""
    places = ["Bali", "Lombok", "Palu", "Ambon", "Manado", "Padang", "Bengkulu", "Kupang", "Sorong", "Jayapura"]
    records = [
        record(id=f"g{i}", source="Kompas.com", title=f"Gempa Guncang {p}", body=f"Gempa guncang {p}.", url=None)
        for i, p in enumerate(places)
    ]
    records += [
        record(id="mk", source="Kompas.com", title="Gempa Guncang Maluku Utara Pagi Ini", body="Gempa guncang."),
        record(
            id="mt",
            source="Tempo.co",
            title="Gempa Guncang Maluku Utara",
            body="Gempa guncang.",
            url="https://t.test/m",
        ),
    ]
    client = client_over(tmp_path / "ix", records)
    page = client.simulate_get("/cari", params={"q": "gempa guncang"})
    assert page.status_code == 200
    folded = page.text.split("Juga diberitakan:")
    assert len(folded) == 2, "exactly one hit has a folded copy"
    copy_link = folded[1].split("</p>")[0]
    assert ('href="https://t.test/m"' in copy_link and ">Tempo.co<" in copy_link) or (
        'href="https://example.test/1"' in copy_link and ">Kompas.com<" in copy_link
    )
    unfolded = client.simulate_get("/cari", params={"q": "gempa guncang", "collapse": "false"})
    assert "Juga diberitakan" not in unfolded.text
    assert api_search(client, q="gempa guncang", size=12)["total"] == 12
    assert all(not x["duplicates"] for x in api_search(client, q="gempa guncang", size=12)["results"])
