"""The HTTP API through falcon.testing, over the bundled sample."""

import json

import pytest
from backends import BACKENDS, cli_backend, cluster_urls, opensearch_client  # noqa: F401 (cluster_urls: a fixture)
from conftest import OPENAPI, REGENERATE_OPENAPI, committed_openapi
from falcon import testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from search.http.app import create_app
from search.http.models import SearchParams
from search.http.openapi import openapi_document


@pytest.fixture(scope="module", params=BACKENDS)
def client(request, sample_index, tmp_path_factory):
    """The app over the sample, on each backend."""
    if request.param == "opensearch":
        urls = request.getfixturevalue("cluster_urls")
        return opensearch_client(urls, tmp_path_factory.mktemp("opensearch-keys"))
    return testing.TestClient(create_app(sample_index))


@pytest.fixture(params=BACKENDS)
def over(request):
    """``client_over`` (an app over a new index of some records) on each backend."""
    from conftest import client_over

    if request.param == "whoosh":
        return client_over
    urls = request.getfixturevalue("cluster_urls")

    return lambda directory, records: opensearch_client(urls, directory, records)


def get(client, path, **params):
    return client.simulate_get(path, params=params or None)


def ids(response):
    return [r["id"] for r in response.json["results"]]


def check_envelope(body, name="SearchResponse"):
    """``body`` is what the committed docs/openapi.json says schema ``name`` is."""
    schema = committed_openapi()
    defs = schema["components"]["schemas"]
    resolved = json.loads(json.dumps(defs).replace("#/components/schemas/", "#/$defs/"))
    Draft202012Validator({**resolved[name], "$defs": resolved}).validate(body)


def test_search_ranks_highlights_and_filters_by_date(client):
    r = get(client, "/api/search", q="kenaikan iuran bpjs", **{"from": "2019-09-01", "to": "2019-09-10"})
    assert r.status_code == 200
    check_envelope(r.json)
    assert set(ids(r)) == {"berita-2019-0001", "berita-2019-0002"}
    top = r.json["results"][0]
    assert "<mark>" in top["title_html"] and "<mark>" in top["snippet"]
    assert top["published"].endswith("+07:00")
    assert r.json["sort"] == "relevance" and r.json["total"] == 2 and r.json["pages"] == 1
    everything = get(client, "/api/search", q="iuran bpjs")
    assert "berita-2023-0016" in ids(everything)  # 2023 is outside the range above


def test_bare_dates_cover_whole_days_in_jakarta(client):
    # berita-2019-0011 is 2019-09-11 19:05 WIB (12:05 UTC).
    assert "berita-2019-0011" in ids(
        get(client, "/api/search", q="habibie", **{"from": "2019-09-11", "to": "2019-09-11"})
    )
    assert ids(get(client, "/api/search", q="habibie", to="2019-09-10")) == []
    assert ids(get(client, "/api/search", q="habibie", **{"from": "2019-09-11T19:06:00+07:00"})) == []


def test_category_source_author_filters_or_within_and_across(client):
    r = get(client, "/api/search", category=["Olahraga"], size="50")
    assert r.json["total"] == 2  # "Olahraga / Sepak Bola" is inside the Olahraga section
    r = client.simulate_get("/api/search", query_string="category=Daerah&category=Megapolitan&size=50")
    cats = {x["category"] for x in r.json["results"]}
    assert cats == {"Daerah", "Megapolitan"}
    r = client.simulate_get("/api/search", query_string="category=Daerah&author=Rahmat%20Hidayat&size=50")
    assert r.json["total"] >= 3 and {x["author"] for x in r.json["results"]} == {"Rahmat Hidayat"}
    r = client.simulate_get("/api/search", query_string="source=Berita&category=Teknologi")
    assert ids(r) == ["berita-2023-0020"]


def test_sorts(client):
    newest = get(client, "/api/search", size="50")
    assert newest.json["sort"] == "newest"
    dates = [x["published"] for x in newest.json["results"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 25
    oldest = get(client, "/api/search", sort="oldest", size="50")
    assert [x["published"] for x in oldest.json["results"]] == sorted(dates)
    rel = get(client, "/api/search", q="timnas", sort="newest")
    assert [x["id"] for x in rel.json["results"]] == ["berita-2023-0017", "berita-2019-0008"]
    assert all(x["score"] is None for x in rel.json["results"])


def test_paging(client):
    first = get(client, "/api/search", size="10", page="1")
    third = get(client, "/api/search", size="10", page="3")
    assert first.json["pages"] == 3 and len(ids(third)) == 5
    assert not set(ids(first)) & set(ids(third))


def test_phrase_exclusion_or_and_scopes(client):
    assert ids(get(client, "/api/search", q='"ibu kota"')) == ["berita-2019-0003"]
    assert "berita-2019-0008" not in ids(get(client, "/api/search", q="timnas -mcmenemy"))
    assert set(ids(get(client, "/api/search", q="habibie OR karhutla"))) >= {"berita-2019-0011", "berita-2019-0006"}
    assert ids(get(client, "/api/search", q="author:yoseph")) == [ids(get(client, "/api/search", q="jayawijaya"))[0]]
    assert set(ids(get(client, "/api/search", q="title:bpjs"))) == {
        "berita-2019-0001",
        "berita-2019-0002",
        "berita-2023-0016",
    }


def test_exact_matches_rank_above_stem_only_matches(tmp_path, over):
    """Two articles alike but for the word's form: the one with the query's own
    form ranks first, and the other form is still found (by its stem)."""
    from conftest import record

    records = [
        record(
            id="stem-only",
            title="Rencana Memindahkan Kantor Kementerian",
            body="Pemerintah berencana memindahkan kantor.",
        ),
        record(
            id="exact", title="Rencana Pemindahan Kantor Kementerian", body="Pemerintah merencanakan pemindahan kantor."
        ),
    ]
    found = ids(get(over(tmp_path / "ix", records), "/api/search", q="pemindahan", collapse="false"))
    assert found == ["exact", "stem-only"]


def test_a_quoted_phrase_ranks_by_its_words_not_by_how_often_it_is_quoted(tmp_path, over):
    """A quoted phrase must stand in the article, and scores its words (as
    Berita's BM25F does, on both backends): the short piece about a hoax,
    which writes *kabar bohong* once and its words throughout, ranks above
    the longer one that quotes the phrase three times about something else
    (Lucene's own phrase score counts the phrase's occurrences)."""
    from conftest import record

    filler = " ".join(["Pemerintah daerah membahas anggaran jalan dan jembatan tahun depan."] * 4)
    records = [
        record(
            id="quoted",
            title="Rapat Anggaran Daerah",
            body=f"{filler} Ia menyebut kabar bohong soal anggaran, kabar bohong soal jalan, "
            "kabar bohong soal jembatan.",
        ),
        record(
            id="about",
            title="Polisi Buru Penyebar Hoaks",
            body="Kabar bohong beredar. Kabar itu bohong. Kabar lain bohong juga. Kabar dari grup itu bohong. "
            "Polisi menyebut kabar palsu.",
        ),
        record(id="apart", title="Kabar Terbaru", body="Ia tidak bohong soal kabar itu."),
    ]
    found = ids(get(over(tmp_path / "ix", records), "/api/search", q='"kabar bohong"', collapse="false"))
    assert found == ["about", "quoted"]  # 'apart' holds both words, never together


def test_date_words_filter_where_the_rest_is_found_lacking_one_word(tmp_path, over):
    """*kabinet pelantikan kemarin*: no article of that day holds both other
    words, but one holds *kabinet*; search lists it lacking a word, so the
    date words are the date filter (not content words), on both backends."""
    from conftest import record

    records = [
        record(
            id="that-day",
            title="Kabinet Baru Diumumkan",
            body="Presiden mengumumkan kabinet.",
            published="2019-10-23T09:00:00+07:00",
        ),
        record(id="newest", title="Cuaca Cerah", body="Cuaca cerah hari ini.", published="2019-10-24T09:00:00+07:00"),
        record(
            id="earlier",
            title="Pelantikan Kabinet",
            body="Pelantikan kabinet berlangsung kemarin di istana.",
            published="2019-10-01T09:00:00+07:00",
        ),
    ]
    answer = get(over(tmp_path / "ix", records), "/api/search", q="kabinet pelantikan kemarin", collapse="false")
    assert ids(answer) == ["that-day"]
    assert answer.json["understood"] == {
        "from": "2019-10-23",
        "to": "2019-10-23",
        "text": "kemarin",
        "query": "kabinet pelantikan",
    }


def test_article_health_openapi(client):
    r = get(client, "/api/articles/berita-2019-0001")
    assert r.status_code == 200 and r.json["title"].startswith("Pemerintah Putuskan")
    r = get(client, "/api/articles/nope")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    health = get(client, "/health").json
    assert health["documents"] == 25 and health["generation"] >= 1 and health["last_commit"]
    assert health["warnings"] == [] and health["stem_rules"]
    spec = get(client, "/openapi.json").json
    validate_spec(spec)
    params = [p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]]
    assert params == list(SearchParams.names())  # each documented once, in the model's order
    assert {"q", "from", "to", "category", "source", "author", "sort", "page", "size", "now"} <= set(params)


def test_the_served_openapi_document_is_the_committed_one(client):
    """docs/openapi.json is the API as it ships: a change to an operation or an
    answer's shape must be made on purpose, by regenerating it."""
    import difflib

    served = get(client, "/openapi.json").json
    committed = committed_openapi()
    if served != committed:
        diff = difflib.unified_diff(
            json.dumps(committed, indent=2, ensure_ascii=False).splitlines(),
            json.dumps(served, indent=2, ensure_ascii=False).splitlines(),
            f"{OPENAPI} (committed)",
            "/openapi.json (served)",
            lineterm="",
        )
        pytest.fail(
            "the served OpenAPI document differs from the committed one; if the change is meant, "
            f"regenerate it with `{REGENERATE_OPENAPI}` and commit it:\n" + "\n".join(list(diff)[:80])
        )


@pytest.mark.parametrize(
    "params,param",
    [
        ({"from": "2019-13-01"}, "from"),
        ({"to": "kemarin"}, "to"),
        ({"from": "2019-09-10", "to": "2019-09-01"}, "from"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"size": "-1"}, "size"),
        ({"size": "51"}, "size"),
        ({"q": "x" * 501}, "q"),
        ({"sort": "popular"}, "sort"),
        ({"half_life": "-1", "sort": "recent"}, "half_life"),
    ],
)
def test_errors_are_problem_json_400s(client, params, param):
    r = get(client, "/api/search", **params)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json
    assert set(body) >= {"type", "title", "status", "detail"} and body["status"] == 400 and body["param"] == param


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=200))
def test_any_query_string_gives_a_valid_envelope(client, q):
    r = client.simulate_get("/api/search", params={"q": q})
    assert r.status_code < 500
    if r.status_code == 200:
        check_envelope(r.json)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_raw_query_string_never_500s(client, raw):
    # A query string cannot begin with its own "?" separator (falcon's test client refuses it).
    r = client.simulate_get("/api/search", query_string=raw.lstrip("?"))
    assert r.status_code < 500


def test_script_urls_never_become_links_and_pages_carry_security_headers(tmp_path):
    """A URL that slipped into an older index as javascript: is not linked;
    ids with a slash link to their article; HEAD mirrors GET."""
    from conftest import record
    from whoosh import index as whoosh_index

    from index.readers import article_from_record
    from index.writer import Indexer, document_fields

    ixdir = tmp_path / "ix"
    Indexer(ixdir).ingest([article_from_record(record(id="ok", title="Zebra Lari"))])
    ix = whoosh_index.open_dir(str(ixdir))
    with ix.writer() as writer:  # written around the reader's checks, as an old index could hold it
        fields = document_fields(article_from_record(record(id="a/b", title="Zebra Terbang")))
        writer.add_document(**{**fields, "url": "JaVaScRiPt:alert(document.domain)"})
    ix.close()
    client = testing.TestClient(create_app(ixdir))
    page = client.simulate_get("/cari", params={"q": "zebra"})
    assert page.status_code == 200 and "javascript:" not in page.text.lower()
    assert 'href="/artikel/a%2Fb"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"]
    assert client.simulate_get("/api/articles/a%2Fb").json["id"] == "a/b"
    api = client.simulate_get("/api/search", params={"q": "zebra"})
    assert api.headers["x-content-type-options"] == "nosniff"
    head = client.simulate_head("/api/search", params={"q": "zebra"})
    assert head.status_code == 200 and head.headers["content-type"].startswith("application/json")


def test_partial_matches_follow_full_ones_and_say_which_word_they_lack(tmp_path, over):
    """Three words, two articles with all of them, two lacking one: the full
    matches come first, the others after, each naming the missing word; a
    quoted phrase stays required."""
    from conftest import record

    records = [
        record(id="full-1", title="Harga Cabai Rawit Naik", body="Harga cabai rawit naik di pasar."),
        record(id="full-2", title="Cabai Rawit Mahal", body="Harga cabai rawit melonjak."),
        record(id="no-rawit", title="Harga Cabai Merah Turun", body="Harga cabai merah turun."),
        record(id="no-harga", title="Menanam Cabai Rawit", body="Cara menanam cabai rawit di pot."),
        record(id="other", title="Harga Bawang", body="Bawang putih."),
    ]
    client = over(tmp_path / "ix", records)
    body = client.simulate_get("/api/search", params={"q": "harga cabai rawit", "collapse": "false"}).json
    ids = [r["id"] for r in body["results"]]
    assert sorted(ids[:2]) == ["full-1", "full-2"] and sorted(ids[2:]) == ["no-harga", "no-rawit"]
    missing = {r["id"]: r["missing_word"] for r in body["results"]}
    assert missing["full-1"] is None and missing["no-rawit"] == "rawit" and missing["no-harga"] == "harga"
    assert body["total"] == 4 and body["partial_matches"] == {"total": 2, "missing_words": ["harga", "rawit"]}
    check_envelope(body)
    strict = client.simulate_get("/api/search", params={"q": '"cabai rawit" harga'}).json
    assert (
        sorted(r["id"] for r in strict["results"]) == ["full-1", "full-2"] and strict["partial_matches"]["total"] == 0
    )
    page = client.simulate_get("/cari", params={"q": "harga cabai rawit"})
    assert "Menampilkan juga hasil tanpa kata" in page.text and "Tidak memuat" in page.text


def test_a_phrase_that_matches_few_articles_offers_its_words_loose(tmp_path, over):
    """Strict phrases stay strict; under a page of results the answer (and the
    page, as a link) offers the same query without the quotes, which finds the
    articles holding the words apart."""
    from conftest import record

    records = [
        record(id="phrase", title="Hari Batik Nasional", body="Peringatan hari batik nasional di Solo."),
        record(id="apart", title="Batik di Hari Kemerdekaan", body="Batik tampil pada hari nasional."),
        record(id="other", title="Harga Bawang", body="Bawang putih naik."),
    ]
    client = over(tmp_path / "ix", records)
    strict = client.simulate_get("/api/search", params={"q": '"hari batik nasional" -bawang'}).json
    assert [r["id"] for r in strict["results"]] == ["phrase"]
    assert strict["unquoted_query"] == "hari batik nasional -bawang"
    check_envelope(strict)
    loose = client.simulate_get("/api/search", params={"q": strict["unquoted_query"]}).json
    assert sorted(r["id"] for r in loose["results"]) == ["apart", "phrase"] and loose["unquoted_query"] is None
    page = client.simulate_get("/cari", params={"q": '"hari batik nasional"'})
    assert 'id="tanpa-kutip" href="/cari?q=hari+batik+nasional"' in page.text, page.text
    assert "Hanya 1 berita memuat frasa persis" in page.text
    none = client.simulate_get("/cari", params={"q": '"nasional batik"'})
    assert "Tidak ada berita yang memuat frasa persis" in none.text and "q=nasional+batik" in none.text


def test_facets_show_the_outlets_labels_not_keys(client):
    facets = client.simulate_get("/api/search", params={"facets": "true"}).json["facets"]
    labels = {f["key"]: f["label"] for f in facets["category"]}
    assert labels["ekonomi"] == "Ekonomi" and labels["nasional"] == "Nasional", labels
    total = client.simulate_get("/api/search").json["total"]
    assert sum(f["count"] for f in facets["category"]) == total  # every article has one category
    for f in facets["source"]:  # each count is the number of articles the filter keeps
        assert client.simulate_get("/api/search", params={"source": f["key"]}).json["total"] == f["count"], f


def test_sources_match_forgivingly_and_unknown_ones_are_named(tmp_path, over):
    from conftest import record

    records = [
        record(id="k", source="Kompas.com", title="Gempa Ambon"),
        record(id="t", source="Tempo.co", title="Gempa Ambon"),
        record(id="d", source="detikSport", title="Gempa Ambon"),
    ]
    client = over(tmp_path / "ix", records)
    for name in ("kompas", "Kompas.com", "KOMPAS", "kompas.com "):
        body = client.simulate_get("/api/search", params={"q": "gempa", "source": name, "collapse": "false"}).json
        assert [r["id"] for r in body["results"]] == ["k"], name
    both = client.simulate_get(
        "/api/search", params={"q": "gempa", "source": ["tempo", "detik sport"], "collapse": "false"}
    )
    assert sorted(r["id"] for r in both.json["results"]) == ["d", "t"]
    unknown = client.simulate_get("/api/search", params={"q": "gempa", "source": "republika"})
    assert unknown.status_code == 400 and "kompas.com" in unknown.json["detail"] and unknown.json["param"] == "source"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0001-01-01"},
        {"to": "9999-12-31T23:59:59-12:00"},
        {"from": "9999-12-31", "q": "banjir"},
        {"now": "0001-01-01T00:00:00+07:00", "sort": "recent", "q": "banjir"},
        {"q": "(" * 486 + "banjir"},
        {"q": "banjir" + ")" * 480},
    ],
)
def test_extreme_but_valid_input_never_reaches_a_500(client, params):
    """Year 1 and year 9999 overflowed the UTC conversion; 486 parentheses recursed."""
    api = client.simulate_get("/api/search", params=params)
    page = client.simulate_get("/cari", params=params)
    assert api.status_code == 200 and api.headers["content-type"].startswith("application/json"), api.text
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_get_answers_carry_an_etag_that_revalidates_to_304(client):
    first = client.simulate_get("/api/search", params={"q": "bpjs"})
    etag = first.headers["etag"]
    assert first.status_code == 200 and first.headers["cache-control"] == "no-cache" and etag.startswith('W/"')
    again = client.simulate_get("/api/search", params={"q": "bpjs"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.text == ""
    other = client.simulate_get("/api/search", params={"q": "banjir"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    page = client.simulate_get("/cari", params={"q": "bpjs"})
    assert page.headers["etag"] and page.headers["cache-control"] == "no-cache"
    assert client.simulate_get("/health").headers["cache-control"] == "no-store"
    assert client.simulate_get("/api/search", params={"size": 999}).headers["cache-control"] == "no-store"


def test_date_histogram_adds_up_to_the_total_and_honours_the_filters(client):
    body = client.simulate_get("/api/search", params={"facets": "category,date", "interval": "month"}).json
    buckets = body["facets"]["date"]
    assert body["date_interval"] == "month" and "source" not in body["facets"] and body["facets"]["category"]
    assert sum(b["count"] for b in buckets) == body["total"]
    assert all(b["from"].endswith("-01") for b in buckets)
    assert [b["from"] for b in buckets] == sorted(b["from"] for b in buckets)
    busiest = max(buckets, key=lambda b: b["count"])
    narrowed = client.simulate_get("/api/search", params={"from": busiest["from"], "to": busiest["to"]}).json
    assert narrowed["total"] == busiest["count"]  # a bar's from/to is the filter that gives its count
    filtered = client.simulate_get(
        "/api/search", params={"facets": "date", "category": "ekonomi", "interval": "day"}
    ).json
    assert (
        sum(b["count"] for b in filtered["facets"]["date"]) == filtered["total"] and filtered["date_interval"] == "day"
    )
    auto = client.simulate_get("/api/search", params={"facets": "date"}).json
    assert len(auto["facets"]["date"]) <= 60 and auto["date_interval"] in ("day", "week", "month", "year")
    check_envelope(body)
    bad = client.simulate_get("/api/search", params={"facets": "date,colour"})
    assert bad.status_code == 400 and bad.json["param"] == "facets"
    assert client.simulate_get("/api/search", params={"facets": "date", "interval": "fortnight"}).status_code == 400
    assert set(client.simulate_get("/api/search", params={"facets": "true"}).json["facets"]) == {
        "category",
        "source",
        "author",
    }


def test_related_answers_follow_the_openapi_document(client):
    body = client.simulate_get("/api/articles/berita-2019-0001/related").json
    check_envelope(body, "RelatedResponse")
    assert "/api/articles/{id}/related" in openapi_document()["paths"] and body["results"]


def test_a_typo_is_searched_corrected_in_the_api_and_the_cli(client, sample_index):
    from click.testing import CliRunner

    from search.cli import cli

    typo = client.simulate_get("/api/search", params={"q": "kesehatn"}).json
    fine = client.simulate_get("/api/search", params={"q": "kesehatan"}).json
    assert fine["suggestion"] is None and fine["corrected_query"] is None and fine["total"] > 0
    assert typo["corrected_query"] == "kesehatan" and typo["query"] == "kesehatn"
    assert [h["id"] for h in typo["results"]] == [h["id"] for h in fine["results"]]
    typed = client.simulate_get("/api/search", params={"q": "kesehatn", "spellcheck": "false"}).json
    assert typed["total"] == 0 and typed["corrected_query"] is None
    out = CliRunner().invoke(cli, ["search", "kesehatn", "--index", str(sample_index), *cli_backend(client)])
    assert out.exit_code == 0 and "Menampilkan hasil untuk: kesehatan" in out.output


def test_suggest_completes_the_last_word_from_headlines(client):
    first = client.simulate_get("/api/suggest", params={"q": "Kes"}).json
    assert first["suggestions"] and all(s.startswith("kes") for s in first["suggestions"])
    assert "kesehatan" in first["suggestions"]
    pair = client.simulate_get("/api/suggest", params={"q": "iuran b"}).json["suggestions"]
    assert pair[0] == "iuran bpjs"  # ranked by headlines holding both words
    assert client.simulate_get("/api/suggest", params={"q": ""}).json["suggestions"] == []
    assert client.simulate_get("/api/suggest", params={"q": "zzzq"}).json["suggestions"] == []
    assert client.simulate_get("/api/suggest", params={"q": "kes", "size": 99}).status_code == 400
    assert client.simulate_get("/api/suggest", params={"q": "kes", "x": 1}).status_code == 400


def test_cursor_paging_lists_every_result_once_and_expires_with_its_index(tmp_path, index_copy):
    import time

    from conftest import record, write_jsonl

    from index.readers import read_paths
    from index.writer import Indexer

    client = testing.TestClient(create_app(index_copy))
    params = {"size": 7, "collapse": "false"}
    body = client.simulate_get("/api/search", params=params).json
    seen, cursor = [h["id"] for h in body["results"]], body["cursor"]
    while cursor:
        body = client.simulate_get("/api/search", params={**params, "cursor": cursor}).json
        seen += [h["id"] for h in body["results"]]
        cursor = body["cursor"]
    export = client.simulate_get("/api/search/export", params={"format": "jsonl"}).text.splitlines()
    assert seen == [json.loads(line)["id"] for line in export] and len(seen) == body["total"]
    first = client.simulate_get("/api/search", params=params).json
    assert (
        client.simulate_get("/api/search", params={**params, "cursor": first["cursor"], "page": 2}).status_code == 400
    )
    other = client.simulate_get("/api/search", params={**params, "q": "bpjs", "cursor": first["cursor"]})
    assert other.status_code == 400 and "another search" in other.json["detail"]
    assert client.simulate_get("/api/search", params={"cursor": "!!"}).status_code == 400
    folded = client.simulate_get("/api/search", params={"size": 7, "collapse": "true"})
    assert folded.json["cursor"] is None  # a folded ranking has no cursor
    Indexer(index_copy).ingest(
        read_paths([write_jsonl(tmp_path / "n.jsonl", [record(id="baru", title="Zebrakuda Langka Lahir")])])
    )
    deadline = time.monotonic() + 10
    while client.simulate_get("/api/search", params={"q": "zebrakuda"}).json["total"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    gone = client.simulate_get("/api/search", params={**params, "cursor": first["cursor"]})
    assert gone.status_code == 410 and gone.headers["content-type"] == "application/problem+json"
    assert "search again" in gone.json["detail"]


@pytest.mark.corpus
def test_a_cursor_reaches_past_the_page_window(corpus_index):
    client = testing.TestClient(create_app(corpus_index))
    assert client.simulate_get("/api/search", params={"page": 101, "size": 10}).status_code == 400
    params = {"size": 50, "collapse": "false", "sort": "oldest"}
    body = client.simulate_get("/api/search", params=params).json
    reached = len(body["results"])
    while reached < 1100:
        body = client.simulate_get("/api/search", params={**params, "cursor": body["cursor"]}).json
        reached += len(body["results"])
    assert reached == 1100 and body["cursor"] and body["total"] > 1100


def test_overlong_query_strings_are_414_and_rates_are_limited_per_client(client, sample_index):
    from search.http.config import parse_rate
    from search.http.limits import RateLimiter

    long_q = client.simulate_get("/api/search", query_string="q=" + "a" * 5000)
    assert long_q.status_code == 414 and long_q.headers["content-type"] == "application/problem+json"
    now = [0.0]
    limited = testing.TestClient(
        create_app(
            sample_index, rate_limit=RateLimiter(parse_rate("2/s"), 3, frozenset({"10.0.0.1"}), clock=lambda: now[0])
        )
    )
    codes = [limited.simulate_get("/api/search", params={"q": "bpjs"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = limited.simulate_get("/api/search")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"] == "application/problem+json"
    now[0] += 1.0  # two tokens back a second later
    assert [limited.simulate_get("/health").status_code for _ in range(3)] == [200, 200, 429]
    # Another address has its own bucket; X-Forwarded-For counts only from a trusted proxy.
    assert limited.simulate_get("/health", remote_addr="192.0.2.7").status_code == 200
    spoofed = [
        limited.simulate_get("/health", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(2)
    ]
    assert spoofed == [429, 429]
    proxied = [
        limited.simulate_get(
            "/health", remote_addr="10.0.0.1", headers={"X-Forwarded-For": f"198.51.100.{i}"}
        ).status_code
        for i in range(3)
    ]
    assert proxied == [200, 200, 200]
    with pytest.raises(ValueError):
        parse_rate("fast")


def test_a_request_counts_against_its_key_only_once_the_key_is_verified(index_copy):
    """A made-up Bearer token is limited like no token (issue 28, item 4); a
    verified key has a bucket of its own."""
    from search.http.limits import RateLimiter
    from search.keys import add_key

    key = add_key(index_copy, "cms")
    limited = testing.TestClient(create_app(index_copy, rate_limit=RateLimiter(1.0, 2, clock=lambda: 0.0)))
    verified = limited.simulate_delete("/api/articles/tidak-ada", headers={"Authorization": f"Bearer {key}"})
    assert verified.status_code == 404  # the key is verified (this request still counted against the address)
    made_up = [
        limited.simulate_get("/health", headers={"Authorization": f"Bearer brt_random{i}"}).status_code
        for i in range(2)
    ]
    assert made_up == [200, 429]  # the address's bucket, whatever the token
    assert limited.simulate_get("/health").status_code == 429
    keyed = [limited.simulate_get("/health", headers={"Authorization": f"Bearer {key}"}).status_code for _ in range(3)]
    assert keyed == [200, 200, 429]  # the key's own


def test_each_operation_documents_exactly_the_parameters_its_model_takes(client):
    """The parameters are defined once (search.http.models): what /openapi.json
    lists is what the service accepts, and anything else is a 400 naming it."""
    from search.http.models import ExportParams, FilterParams, Params, RelatedParams, SearchParams, SuggestParams

    spec = get(client, "/openapi.json").json["paths"]
    operations: dict[str, type[Params]] = {
        "/api/search": SearchParams,
        "/api/search/export": ExportParams,
        "/feed.atom": FilterParams,
        "/api/suggest": SuggestParams,
        "/api/articles/{id}/related": RelatedParams,
    }
    for path, model in operations.items():
        documented = [p["name"] for p in spec[path]["get"]["parameters"] if p["in"] == "query"]
        assert documented == list(model.names()), path
        url = path.replace("{id}", "berita-2019-0001")
        for name in documented:  # each documented parameter is taken (a valid value of its own)
            example = {
                "from": "2019-09-01",
                "to": "2019-09-30",
                "now": "2019-09-30",
                "sort": "newest",
                "format": "jsonl",
                "collapse": "false",
                "bom": "true",
                "facets": "date",
                "interval": "day",
                "half_life": "2",
                "within_days": "30",
                "source": "berita",
                "spellcheck": "false",
                "dates": "false",
                "category": "ekonomi",
                "author": "andi pratama",
            }.get(name, "1" if name in ("page", "size", "limit", "facet_size") else "x")
            if name == "cursor":
                continue
            assert client.simulate_get(url, params={name: example}).status_code == 200, (path, name)
        refused = client.simulate_get(url, params={"colour": "red"})
        assert refused.status_code == 400 and refused.json["param"] == "colour"


def test_a_single_valued_parameter_given_twice_is_refused_not_guessed(client):
    r = client.simulate_get("/api/search", query_string="q=banjir&size=5&size=50")
    assert r.status_code == 400 and r.json["param"] == "size" and "once" in r.json["detail"]
    both = client.simulate_get(
        "/api/search", query_string="category=ekonomi&category=olahraga&facets=category&facets=date"
    )
    assert both.status_code == 200 and set(both.json["facets"]) == {"category", "date"}


def test_an_answer_that_strays_from_its_documented_shape_fails_loudly():
    """Answers are validated against the same models /openapi.json is made of."""
    from pydantic import ValidationError

    from search.engine import SearchResult
    from search.http.models import SearchResponse

    good = SearchResult(query="x", total=0, page=1, size=10, sort="newest", took_ms=1.0, hits=[])
    assert json.loads(SearchResponse.of(good).json_bytes())["sort"] == "newest"
    with pytest.raises(ValidationError):
        SearchResponse.of(SearchResult(**{**good.__dict__, "sort": "popularity"}))


def test_compounds_match_written_together_or_apart(tmp_path, over):
    """Indonesian writes many compounds both ways (bulu tangkis / bulutangkis):
    a query of the two words finds the joined form as a full match, scored
    like the words standing together, and marks it in the snippet; a word
    alone is still only a partial match. A quoted phrase stays as written."""
    from conftest import record

    filler = "Atlet muda berlatih setiap pagi di gedung olahraga kota."
    records = [
        record(id="split", title="Turnamen Bulu Tangkis Dibuka", body=f"Turnamen bulu tangkis dibuka. {filler}"),
        record(id="joined", title="Turnamen Bulutangkis Dibuka", body=f"Turnamen bulutangkis dibuka. {filler}"),
        record(id="feather", title="Bulu Ayam untuk Kerajinan", body=f"Bulu ayam dijual murah. {filler}"),
    ]
    client = over(tmp_path / "ix", records)
    body = client.simulate_get("/api/search", params={"q": "bulu tangkis", "collapse": "false"}).json
    hits = {r["id"]: r for r in body["results"]}
    assert [r["id"] for r in body["results"]][:2] in (["split", "joined"], ["joined", "split"])
    assert hits["joined"]["missing_word"] is None and hits["feather"]["missing_word"] == "tangkis"
    assert abs(hits["joined"]["score"] - hits["split"]["score"]) < 0.25 * hits["split"]["score"]
    assert "<mark>Bulutangkis</mark>" in hits["joined"]["title_html"]
    quoted = client.simulate_get("/api/search", params={"q": '"bulu tangkis"'}).json
    assert [r["id"] for r in quoted["results"]] == ["split"]
    # And the other way: one word finds it written apart, where two or more
    # articles write it so; a chance pair (one article) is not read as it.
    records.append(record(id="split-2", title="Final Bulu Tangkis", body=f"Final bulu tangkis ramai. {filler}"))
    records.append(record(id="chance", title="Kali Mantan Juara", body=f"Dua kali mantan juara hadir. {filler}"))
    records.append(record(id="place", title="Kalimantan Barat", body=f"Hujan di Kalimantan. {filler}"))
    client = over(tmp_path / "ix2", records)
    one = client.simulate_get("/api/search", params={"q": "bulutangkis", "collapse": "false"}).json
    found = {r["id"]: r for r in one["results"]}
    assert sorted(found) == ["joined", "split", "split-2"]
    assert "<mark>Bulu</mark> <mark>Tangkis</mark>" in found["split"]["title_html"]
    place = client.simulate_get("/api/search", params={"q": "kalimantan"}).json
    assert [r["id"] for r in place["results"]] == ["place"]


def test_compounds_written_apart_are_not_read_past_the_budget(tmp_path):
    """Reading a compound written apart takes positions, the first time; past
    the request's budget it counts as absent (flagged timed_out) and the plan
    is not kept, so the next request with time to spare finds it."""
    from conftest import index_records, record

    from search.engine import SearchEngine, SearchRequest

    records = [
        record(id="joined", title="Turnamen Bulutangkis", body="Turnamen bulutangkis dibuka."),
        record(id="split-1", title="Final Bulu Tangkis", body="Final bulu tangkis ramai."),
        record(id="split-2", title="Juara Bulu Tangkis", body="Juara bulu tangkis pulang."),
    ]
    index_records(tmp_path / "ix", records)
    engine = SearchEngine.open(tmp_path / "ix", background=False, budget_seconds=0.0)
    try:
        result = engine.search(SearchRequest(q="bulutangkis", collapse=False))
        assert [h.id for h in result.hits] == ["joined"] and result.timed_out
        engine.budget_seconds = None  # the same snapshot, time to spare
        result = engine.search(SearchRequest(q="bulutangkis", collapse=False))
        assert sorted(h.id for h in result.hits) == ["joined", "split-1", "split-2"] and not result.timed_out
    finally:
        engine.close()


def _many(n: int, word: str = "banjir") -> list[dict]:
    from conftest import record

    return [
        record(
            id=f"{word}-{i:03d}",
            title=f"{word.title()} di Kampung {i}",
            body=f"Warga kampung {i} mengungsi karena {word}.",
            published=f"2019-09-{1 + i % 28:02d}T{i % 24:02d}:00:00+07:00",
            category=("Nasional", "Daerah", "Ekonomi")[i % 3],
        )
        for i in range(n)
    ]


def test_the_export_lists_the_same_rows_as_paging_partial_matches_included(tmp_path, over):
    """Export is the whole result set: every row paging shows (partial matches
    too, with the word they lack), in the same order, over HTTP and the CLI."""
    import csv
    import io

    from click.testing import CliRunner
    from conftest import record

    from search.cli import cli

    records = [
        record(id=f"full-{i}", title=f"Harga Cabai Rawit Naik {i}", body=f"Harga cabai rawit naik {i} kali.")
        for i in range(7)
    ] + [
        record(id=f"part-{i}", title=f"Harga Cabai Merah {i}", body=f"Harga cabai merah turun {i} kali.")
        for i in range(6)
    ]
    client = over(tmp_path / "ix", records)
    for sort in ("relevance", "recent", "newest"):
        q = {"q": "harga cabai rawit", "sort": sort}
        paged, page = [], 1
        while True:
            body = client.simulate_get("/api/search", params={**q, "size": 5, "page": page}).json
            paged += [(r["id"], r["missing_word"] or "") for r in body["results"]]
            if page >= body["pages"]:
                break
            page += 1
        assert len(paged) == body["total"]
        if sort != "newest":  # date order lists the full matches only, as paging does
            assert body["partial_matches"]["total"] == 6
        rows = list(csv.DictReader(io.StringIO(client.simulate_get("/api/search/export", params=q).text)))
        assert [(r["id"], r["missing_word"]) for r in rows] == paged, sort
    out = CliRunner().invoke(
        cli,
        ["search", "harga", "cabai", "rawit", "--all", "--index", str(tmp_path / "ix"), *cli_backend(client)],
        catch_exceptions=False,
    )
    relevance = client.simulate_get("/api/search/export", params={"q": "harga cabai rawit"}).text
    assert out.exit_code == 0 and len(out.output.splitlines()) == 14, out.output[-500:]  # a header and 13 rows
    assert list(csv.DictReader(io.StringIO(out.output))) == list(csv.DictReader(io.StringIO(relevance)))


def test_a_page_past_the_last_is_an_empty_200_with_the_real_page_count(tmp_path, over):
    """One rule: past the last page, 200, no results, the real pages; only a
    page inside a set larger than the page window is refused, pointing to the
    cursor; cursor pages say which page they are."""

    client = over(tmp_path / "ix", _many(120))
    for params in ({"size": "50", "page": "21"}, {"page": "99999"}, {"size": "50", "page": "4"}):
        r = client.simulate_get("/api/search", params={"q": "banjir", **params})
        assert r.status_code == 200, (params, r.text)
        assert r.json["results"] == [] and r.json["total"] == 120
        assert r.json["pages"] == -(-120 // int(params.get("size", 10))) and r.json["page"] == int(params["page"])
    last = client.simulate_get("/api/search", params={"q": "banjir", "size": "50", "page": "3"}).json
    assert len(last["results"]) == 20 and last["max_page"] == 3
    cursor = client.simulate_get("/api/search", params={"q": "banjir", "size": "50"}).json["cursor"]
    second = client.simulate_get("/api/search", params={"q": "banjir", "size": "50", "cursor": cursor}).json
    assert second["page"] == 2 and second["pages"] == 3 and len(second["results"]) == 50


@pytest.mark.corpus
def test_pages_count_the_whole_set_and_max_page_says_how_far_page_numbers_reach(corpus_index):
    client = testing.TestClient(create_app(corpus_index))
    body = client.simulate_get("/api/search", params={"q": "jakarta", "size": "10"}).json
    assert body["total"] > 1000 and body["pages"] == -(-body["total"] // 10) and body["max_page"] == 100
    inside = client.simulate_get("/api/search", params={"q": "jakarta", "page": "101"})
    assert inside.status_code == 400 and inside.json["param"] == "page" and "cursor" in inside.json["detail"]
    past = client.simulate_get("/api/search", params={"q": "jakarta", "page": str(body["pages"] + 1)})
    assert past.status_code == 200 and past.json["results"] == []


def test_size_0_counts_and_facets_only_and_unknown_filter_values_are_named(tmp_path, over):
    """size=0 (Elasticsearch's, the Guardian's) answers the counts and facets;
    an unknown category or author is a 400 as an unknown source is; from=20
    and format=csv say where to go instead."""

    client = over(tmp_path / "ix", _many(30))
    counts = client.simulate_get("/api/search", params={"q": "banjir", "size": "0", "facets": "true"})
    assert counts.status_code == 200 and counts.json["results"] == [] and counts.json["total"] == 30
    assert sum(f["count"] for f in counts.json["facets"]["category"]) == 30 and counts.json["cursor"] is None
    for param, value in (("category", "olahraga"), ("author", "tidak ada"), ("source", "republika")):
        r = client.simulate_get("/api/search", params={"q": "banjir", param: value})
        assert (
            r.status_code == 400
            and r.json["param"] == param
            and repr(value.replace(" ", "-"))[1:-1] in r.json["detail"].replace(" ", "-")
        ), (param, r.json)
    assert "nasional" in client.simulate_get("/api/search", params={"category": "olahraga"}).json["detail"]
    offset = client.simulate_get("/api/search", params={"q": "banjir", "from": "20"})
    assert offset.status_code == 400 and "page and size" in offset.json["detail"]
    csv_here = client.simulate_get("/api/search", params={"q": "banjir", "format": "csv"})
    assert csv_here.status_code == 400 and "/api/search/export?format=csv" in csv_here.json["detail"]


def test_facet_labels_use_the_most_common_spelling_and_the_list_can_grow(tmp_path, over):
    from conftest import record

    spellings = ["SELEBRITI"] * 2 + ["Selebriti"] * 3 + ["bola"] + ["Bola / Liga Inggris"] * 2
    records = [record(id=f"s{i}", title=f"Artis {i}", category=c) for i, c in enumerate(spellings)]
    records += [record(id=f"c{i}", title=f"Artis lain {i}", category=f"Rubrik {i}") for i in range(25)]
    client = over(tmp_path / "ix", records)
    body = client.simulate_get("/api/search", params={"q": "artis", "facets": "category", "size": "0"}).json
    labels = {f["key"]: f["label"] for f in body["facets"]["category"]}
    assert labels["selebriti"] == "Selebriti" and labels["bola"] == "Bola"
    assert labels["bola/liga-inggris"] == "Bola / Liga Inggris"
    listed = len(body["facets"]["category"])
    assert listed == 20 and body["facets"]["more"]["category"] == 28 - listed
    grown = client.simulate_get("/api/search", params={"q": "artis", "facets": "category", "facet_size": "100"}).json
    assert len(grown["facets"]["category"]) == 28 and "more" not in grown["facets"]
