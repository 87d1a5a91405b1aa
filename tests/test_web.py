"""The search page through falcon.testing: formats, size, escaping, errors."""

from datetime import datetime, timedelta

import pytest
from backends import BACKENDS, cli_backend, cluster_urls, opensearch_client  # noqa: F401 (cluster_urls: a fixture)
from falcon import testing

from index.dates import WIB
from search.http.app import create_app
from search.http.pages import date_id, number_id, relative_id


@pytest.fixture(scope="module", params=BACKENDS)
def client(request, sample_index, tmp_path_factory):
    """The app over the sample, on each backend."""
    if request.param == "opensearch":
        return opensearch_client(request.getfixturevalue("cluster_urls"), tmp_path_factory.mktemp("opensearch-keys"))
    return testing.TestClient(create_app(sample_index))


@pytest.fixture(params=BACKENDS)
def over(request):
    """``client_over`` (an app over a new index of some records) on each backend."""
    from conftest import client_over

    if request.param == "whoosh":
        return client_over
    urls = request.getfixturevalue("cluster_urls")
    return lambda directory, records: opensearch_client(urls, directory, records)


def test_indonesian_formats():
    assert number_id(1234) == "1.234"
    assert number_id(0.0234, 2) == "0,02"
    assert date_id(datetime(2023, 7, 1, 12, 0, tzinfo=WIB)) == "Sabtu, 1 Juli 2023 12.00 WIB"
    assert date_id(datetime(2019, 9, 20, tzinfo=WIB), has_time=False) == "Jumat, 20 September 2019"
    now = datetime(2023, 7, 1, 12, 0, tzinfo=WIB)
    assert relative_id(now - timedelta(hours=2), now) == "2 jam lalu"
    assert relative_id(now - timedelta(days=30), now) is None


def test_page_with_assets_stays_under_100_kb(client):
    page = client.simulate_get("/cari", params={"q": "iuran bpjs"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    css = client.simulate_get("/static/berita.css")
    js = client.simulate_get("/static/berita.js")
    assert css.status_code == js.status_code == 200
    assert len(page.content) + len(css.content) + len(js.content) < 100_000
    assert "http://" not in page.text.replace("http://127", "") and "https://cdn" not in page.text


def test_results_count_facets_and_links_reflect_the_url(client):
    page = client.simulate_get("/cari", query_string="q=iuran&category=ekonomi").text
    assert "hasil (" in page and "detik)" in page
    anchor = page.split('data-facet="category:ekonomi"')[0].rsplit("<a ", 1)[1]
    assert 'aria-current="true"' in anchor  # the chosen category is marked as chosen
    assert 'name="category" value="ekonomi"' in page  # kept when the form is resubmitted


def test_query_text_is_escaped(client):
    page = client.simulate_get("/cari", params={"q": '<script>alert("x")</script>'}).text
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_invalid_parameters_render_a_400_page_in_indonesian(client):
    r = client.simulate_get("/cari", params={"q": "bpjs", "from": "bukan-tanggal"})
    assert r.status_code == 400 and "Tanggal “Dari” tidak dikenali" in r.text
    assert "must be" not in r.text  # the API's English detail stays in the API


def test_a_page_past_the_end_says_so_and_links_to_the_last(client):
    total = client.simulate_get("/api/search", params={"q": "bpjs", "size": 1}).json
    r = client.simulate_get("/cari", params={"q": "bpjs", "page": 50})
    assert r.status_code == 200 and "melewati hasil terakhir" in r.text
    pages = -(-total["total"] // 10)
    assert f"page={pages}" in r.text.split('id="halaman-terakhir"')[1].split(">")[0]
    api = client.simulate_get("/api/search", params={"q": "bpjs", "page": 50}).json
    assert api["results"] == [] and api["total"] == total["total"] and api["pages"] == pages


def test_unknown_and_foreign_parameters_are_named_not_ignored(client):
    r = client.simulate_get("/api/search", params={"order-by": "oldest", "page-size": "5", "from-date": "2019-10-01"})
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert r.json["param"] in ("order-by", "page-size", "from-date") and "Berita calls it" in r.json["detail"]
    r = client.simulate_get("/api/search", params={"q": "bpjs", "colour": "red"})
    assert r.status_code == 400 and r.json["param"] == "colour" and "known parameters" in r.json["detail"]
    assert client.simulate_get("/cari", params={"q": "bpjs", "utm_source": "x"}).status_code == 200


def test_docs_page_is_an_api_reference_made_from_the_openapi_document(client):
    from search.http.openapi import openapi_document

    r = client.simulate_get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    doc = openapi_document()
    for path in doc["paths"]:
        assert path in r.text
    for param in doc["paths"]["/api/search"]["get"]["parameters"]:
        assert f"<code>{param['name']}</code>" in r.text
    assert "<script" not in r.text and 'href="http' not in r.text and 'src="http' not in r.text  # nothing fetched


def test_the_page_shows_the_author_and_the_api_a_plain_snippet(client):
    body = client.simulate_get("/api/search", params={"q": "bpjs"}).json
    hit = next(h for h in body["results"] if h["author"])
    assert hit["author"] in client.simulate_get("/cari", params={"q": "bpjs"}).text
    assert "<mark>" in hit["snippet"] and "<mark>" not in hit["snippet_text"] and "&" not in hit["snippet_text"]
    assert hit["snippet_text"].replace("…", "").split()[0] in hit["snippet"]


def test_categories_named_differently_by_outlets_are_one_facet_that_filters_exactly(tmp_path, over):
    from conftest import record

    records = [
        record(id="a", category="nasional", title="Gempa A"),
        record(id="b", category="News / Nasional", title="Gempa B"),
        record(id="c", category="Nasional", title="Gempa C"),
        record(id="d", category="Olahraga", title="Gempa D"),
    ]
    client = over(tmp_path / "ix", records)
    page = client.simulate_get("/cari", params={"q": "gempa"}).text
    entry = page.split('data-facet="category:')[1].split("</a>")[0]
    assert entry.startswith("nasional,news/nasional") and '>Nasional <span class="count">3</span>' in entry
    href = page.split('data-facet="category:nasional,news/nasional"')[0].rsplit('href="', 1)[1].split('"')[0]
    chosen = client.simulate_get(
        href.replace("&amp;", "&").split("?")[0], query_string=href.replace("&amp;", "&").split("?")[1]
    )
    assert "3 hasil" in chosen.text and 'aria-current="true"' in chosen.text
    api = client.simulate_get("/api/search", params={"q": "gempa", "category": "news/nasional"}).json
    assert [r["id"] for r in api["results"]] == ["b"]  # the filter itself stays exact


def test_article_page_shows_the_article_its_related_stories_and_a_404_in_indonesian(tmp_path, over):
    from conftest import record

    body = "Gempa magnitudo 6,5 mengguncang Ambon pagi ini.\n\nWarga mengungsi ke lapangan terbuka."
    records = [
        record(
            id="k/1", url=None, source="Kompas.com", title="Gempa Magnitudo 6,5 Guncang Ambon", body=body, author="Rina"
        ),
        record(id="t1", source="Tempo.co", title="Gempa Magnitudo 6,5 Guncang Ambon Pagi Ini", body=body),
        record(id="d1", source="Detik", title="Korban Gempa Ambon Butuh Tenda", body="Korban gempa Ambon mengungsi."),
        record(id="x1", source="Detik", title="Harga Cabai Naik", body="Harga cabai naik di pasar."),
    ]
    client = over(tmp_path / "ix", records)
    api = client.simulate_get("/api/articles/k%2F1/related", params={"size": 5}).json
    assert [h["id"] for h in api["same_story"]] == ["t1"]
    assert [h["id"] for h in api["results"]] == ["d1"]  # itself and unrelated x1 are not listed
    assert "gempa" in api["query"] and api["total"] == 1
    page = client.simulate_get("/artikel/k%2F1")
    assert page.status_code == 200 and "<h1>Gempa Magnitudo 6,5 Guncang Ambon</h1>" in page.text
    assert page.text.count("<p>") >= 2 and "Rina" in page.text and "Kamis, 5 September 2019 07.30 WIB" in page.text
    assert 'href="/artikel/t1"' in page.text and 'href="/artikel/d1"' in page.text
    assert "Berita yang sama dari media lain" in page.text and "Baca di sumber aslinya" not in page.text
    results = client.simulate_get("/cari", params={"q": "cabai"}).text
    assert 'href="https://example.test/1"' in results  # results link to the original URL when there is one
    assert 'href="/artikel/k%2F1"' in client.simulate_get("/cari", params={"q": "ambon"}).text
    missing = client.simulate_get("/artikel/tidak-ada")
    assert missing.status_code == 404 and "Berita tidak ditemukan" in missing.text
    assert client.simulate_get("/api/articles/tidak-ada/related").status_code == 404
    assert client.simulate_get("/api/articles/k%2F1/related", params={"within_days": "-1"}).status_code == 400


def test_atom_feed_of_a_saved_search_is_valid_and_newest_first(client):
    import feedparser

    r = client.simulate_get("/feed.atom", params={"q": "bpjs"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.text)
    assert not feed.bozo and feed.version == "atom10" and feed.feed.title == "Berita: “bpjs”"
    api = client.simulate_get("/api/search", params={"q": "bpjs", "sort": "newest", "size": 50}).json
    assert [e.link for e in feed.entries] == [h["url"] or "" for h in api["results"]]
    published = [e.published_parsed for e in feed.entries]
    assert published == sorted(published, reverse=True) and all(
        e.summary and "<mark>" not in e.summary for e in feed.entries
    )
    filtered = feedparser.parse(client.simulate_get("/feed.atom", params={"q": "bpjs", "to": "2019-12-31"}).text)
    assert 0 < len(filtered.entries) < len(feed.entries)
    assert client.simulate_get("/feed.atom", params={"q": "bpjs", "sort": "oldest"}).status_code == 400
    assert client.simulate_get("/feed.atom", params={"q": "bpjs", "half_life": "3"}).status_code == 400
    page = client.simulate_get("/cari", params={"q": "bpjs", "category": "ekonomi"}).text
    assert 'id="langganan" href="/feed.atom?q=bpjs&amp;category=ekonomi"' in page


def test_export_streams_the_whole_result_set_as_csv_or_json_lines(client, sample_index):
    import csv
    import io
    import json

    from click.testing import CliRunner

    from search.cli import cli

    total = client.simulate_get("/api/search", params={"q": "bpjs", "collapse": "false"}).json["total"]
    r = client.simulate_get("/api/search/export", params={"q": "bpjs", "bom": "true"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="berita-bpjs-') and r.text.startswith(
        "\ufeff"
    )
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == total and set(rows[0]) == {
        "id",
        "published",
        "source",
        "category",
        "author",
        "title",
        "url",
        "score",
        "missing_word",
    }
    assert any("," in row["title"] for row in rows)  # quoted, RFC 4180, and read back whole
    every = client.simulate_get("/api/search/export", params={"format": "jsonl", "sort": "oldest"})
    lines = [json.loads(line) for line in every.text.splitlines()]
    assert len(lines) == client.simulate_get("/api/search").json["total"]
    assert [x["published"] for x in lines] == sorted(x["published"] for x in lines)
    assert client.simulate_get("/api/search/export", params={"format": "xml"}).status_code == 400
    assert client.simulate_get("/api/search/export", params={"page": "2"}).status_code == 400
    assert client.simulate_get("/api/search/export", params={"cursor": "x"}).status_code == 400  # not silently ignored
    out = CliRunner().invoke(
        cli, ["search", "bpjs", "--all", "--format", "jsonl", "--index", str(sample_index), *cli_backend(client)]
    )
    assert out.exit_code == 0 and len(out.output.strip().splitlines()) == total


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize(
    "params,message",
    [
        ({"from": "2019-09-10", "to": "2019-09-01"}, "Tanggal “Dari” jatuh setelah tanggal “Sampai”"),
        ({"page": "abc"}, "Nomor halaman harus berupa angka bulat"),
        ({"page": "0"}, "Nomor halaman harus berupa angka bulat"),
        ({"page": "-1"}, "Nomor halaman harus berupa angka bulat"),
        ({"category": "tidak-ada"}, "Kategori itu tidak ada di indeks"),
    ],
)
def test_the_page_says_what_is_wrong_with_each_parameter(client, params, message):
    r = client.simulate_get("/cari", params={"q": "bpjs", **params})
    assert r.status_code == 400 and message in r.text and "1.000 hasil pertama" not in r.text


def test_reader_urls_answer_errors_as_indonesian_pages_and_the_api_as_problem_json(sample_index):
    from search.http.limits import RateLimiter

    client = testing.TestClient(create_app(sample_index, rate_limit=RateLimiter(0.001, 5)))
    assert client.simulate_get("/cari/", params={"q": "bpjs"}, headers=BROWSER).status_code == 200
    for path in ("/artikel", "/search", "/beranda"):
        r = client.simulate_get(path, params={"q": "bpjs"}, headers=BROWSER)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
        assert "Halaman tidak ditemukan" in r.text and 'lang="id"' in r.text and 'name="q" type="search"' in r.text
    assert 'href="/cari?q=bpjs"' in client.simulate_get("/search", params={"q": "bpjs"}, headers=BROWSER).text
    limited = client.simulate_get("/cari", params={"q": "bpjs"}, headers=BROWSER)
    assert limited.status_code == 429 and "Terlalu banyak permintaan" in limited.text
    assert f"Coba lagi dalam {limited.headers['retry-after']} detik" in limited.text
    # The API, a client that asks for JSON, and one that states no preference get problem+json.
    plain = testing.TestClient(create_app(sample_index))
    for path, headers in (
        ("/api/nothing", BROWSER),
        ("/search", {"Accept": "application/json"}),
        ("/search", {}),
        ("/artikel", {"Accept": "application/json, text/html;q=0.5"}),
    ):
        r = plain.simulate_get(path, headers=headers)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", (path, headers)
    assert plain.simulate_get("/favicon.ico").headers["content-type"] == "image/x-icon"
    assert plain.simulate_get("/favicon.ico").content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    robots = plain.simulate_get("/robots.txt")
    assert robots.status_code == 200 and "Disallow: /api/" in robots.text and "User-agent: *" in robots.text


def test_facets_show_whole_paths_where_a_last_part_alone_would_mislead_and_grow_on_request(tmp_path, over):
    from conftest import record

    records = [
        record(id="a", category="Properti / Berita", title="Rumah A"),
        record(id="b", category="Otomotif / Berita", title="Rumah B"),
        record(id="c", category="Nasional", title="Rumah C"),
        record(id="d", category="News / Nasional", title="Rumah D"),
    ] + [record(id=f"x{i}", category=f"Rubrik {i:02d}", title=f"Rumah X{i}") for i in range(24)]
    client = over(tmp_path / "ix", records)
    page = client.simulate_get("/cari", params={"q": "rumah"}).text
    entries = [e.split("</a>")[0] for e in page.split('data-facet="category:')[1:]]
    labels = [e.split('">', 1)[1].split(" <span")[0] if '">' in e else "" for e in entries]
    assert "Properti / Berita" in labels and "Otomotif / Berita" in labels and "Berita" not in labels
    assert "Nasional" in labels and "News / Nasional" not in labels
    more = page.split('id="lainnya-category" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "facet_size=" in more and "Lainnya (" in page
    grown = client.simulate_get("/cari", query_string=more.split("?", 1)[1]).text
    assert grown.count('data-facet="category:') == 27 and 'id="lainnya-category"' not in grown  # 28, two merged


def test_the_feed_title_names_the_filters(client):
    import feedparser

    feed = feedparser.parse(
        client.simulate_get(
            "/feed.atom", params={"q": "bpjs", "category": "ekonomi", "from": "2019-09-01", "to": "2019-09-30"}
        ).text
    )
    assert feed.feed.title == "Berita: “bpjs” · kategori ekonomi · 1 September 2019 – 30 September 2019"


@pytest.mark.corpus
def test_the_pager_names_the_last_page_and_the_window(corpus_index):
    client = testing.TestClient(create_app(corpus_index))
    api = client.simulate_get("/api/search", params={"q": "jakarta"}).json
    page = client.simulate_get("/cari", params={"q": "jakarta", "collapse": "false", "page": "3"}).text
    assert f"Halaman 3 dari {api['pages']:,}".replace(",", ".") in page
    assert 'id="halaman-akhir" href="/cari?q=jakarta&amp;collapse=false&amp;page=100"' in page
    assert "Hanya 1.000 hasil pertama" in page
    beyond = client.simulate_get("/cari", params={"q": "banjir jakarta", "page": "99999"})
    assert beyond.status_code == 200 and "melewati hasil terakhir" in beyond.text


def test_a_form_sent_without_javascript_is_redirected_to_its_clean_address(client):
    r = client.simulate_get("/cari", query_string="q=bpjs&rentang=&from=&to=&sort=&category=ekonomi")
    assert r.status_code == 303 and r.headers["location"].endswith("/cari?q=bpjs&category=ekonomi")
    assert client.simulate_get("/cari", query_string="q=").headers["location"].endswith("/cari")
    assert client.simulate_get("/cari", query_string="q=bpjs&category=ekonomi").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept-Encoding": "gzip;q=abc"},
        {"Accept-Encoding": "gzip; q=0"},
        {"Accept": "text/html;q=x, */*;;"},
        {"Accept": ";;;"},
        {"Accept": "text/html;level"},
    ],
)
def test_odd_accept_headers_never_reach_a_500(client, headers):
    for path in ("/search", "/cari", "/api/search", "/api/nothing"):
        r = client.simulate_get(path, query_string="q=bpjs", headers=headers)
        assert r.status_code in (200, 404), (path, r.status_code)
        assert "Content-Encoding" not in r.headers or r.headers["Content-Encoding"] == "gzip"
