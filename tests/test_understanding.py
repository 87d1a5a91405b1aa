"""Queries read the way Indonesians write them (issue 31): date words in q as
the date filter, through the engine, the API and the page."""

from __future__ import annotations

import pytest
from backends import BACKENDS, cluster_urls, opensearch_client  # noqa: F401 (cluster_urls: a fixture)
from conftest import client_over, index_records, record, write_jsonl

NOW = "2019-10-16T09:00:00+07:00"  # a Wednesday


@pytest.fixture(scope="module", params=BACKENDS)
def client(request, tmp_path_factory):
    records = [
        record(
            id="banjir-15",
            title="Banjir Rendam Kemang",
            body="Banjir setinggi lutut.",
            published="2019-10-15T08:00:00+07:00",
        ),
        record(id="banjir-10", title="Banjir di Bekasi", body="Banjir kiriman.", published="2019-10-10T08:00:00+07:00"),
        record(
            id="banjir-sep", title="Banjir Bandang Garut", body="Banjir bandang.", published="2019-09-20T08:00:00+07:00"
        ),
        record(
            id="gempa-09",
            title="Gempa Guncang Ambon",
            body="Gempa magnitudo 6,5.",
            published="2019-10-09T10:00:00+07:00",
        ),
        record(
            id="piala-1",
            title="Piala Dunia 2018 Dikenang",
            body="Kenangan Piala Dunia 2018 di Rusia.",
            published="2019-10-01T10:00:00+07:00",
        ),
        record(
            id="piala-2",
            title="Piala Dunia 2018 dan Prancis",
            body="Prancis juara Piala Dunia 2018.",
            published="2019-10-02T10:00:00+07:00",
        ),
        record(
            id="piala-3",
            title="Tiket Piala Dunia 2022",
            body="Piala Dunia 2022 di Qatar.",
            published="2019-10-03T10:00:00+07:00",
        ),
        record(
            id="piala-2018",
            title="Jadwal Piala Dunia di Rusia",
            body="Piala Dunia dimulai pekan depan.",
            published="2018-06-07T10:00:00+07:00",
        ),
    ]
    directory = tmp_path_factory.mktemp("understanding") / "ix"
    if request.param == "opensearch":
        return opensearch_client(request.getfixturevalue("cluster_urls"), directory, records)
    return client_over(directory, records)


def search(client, **params) -> dict:
    r = client.simulate_get("/api/search", params={"now": NOW, "collapse": "false", **params})
    assert r.status_code == 200, r.text
    return r.json


def ids(body: dict) -> set[str]:
    return {h["id"] for h in body["results"]}


def test_date_words_become_the_filter_and_are_not_searched(client):
    body = search(client, q="banjir kemarin")
    assert body["understood"] == {"from": "2019-10-15", "to": "2019-10-15", "text": "kemarin", "query": "banjir"}
    assert ids(body) == {"banjir-15"} and body["query"] == "banjir kemarin"
    week = search(client, q="gempa minggu lalu")
    assert ids(week) == {"gempa-09"} and week["understood"]["from"] == "2019-10-07"


def test_dates_false_searches_every_word(client):
    body = search(client, q="banjir kemarin", dates="false")
    assert body.get("understood") is None
    assert body["partial_matches"]["missing_words"] == ["kemarin"]  # "kemarin" is a word again
    assert {"banjir-15", "banjir-10", "banjir-sep"} <= ids(body)


def test_explicit_dates_and_quotes_win(client):
    assert search(client, q="banjir kemarin", **{"from": "2019-09-01"}).get("understood") is None
    assert search(client, q='"banjir kemarin"').get("understood") is None


def test_a_date_that_is_part_of_a_name_stays_a_word(client):
    """Titles write "Piala Dunia 2018": the year is content, not a filter,
    though an article of 2018 holds *piala dunia*."""
    body = search(client, q="piala dunia 2018")
    assert body.get("understood") is None
    assert {"piala-1", "piala-2"} <= ids(body)


def test_a_calendar_date_alone_is_a_word_a_relative_one_a_filter(client):
    assert search(client, q="2019").get("understood") is None
    body = search(client, q="kemarin")
    assert body["understood"]["query"] == "" and ids(body) == {"banjir-15"}


def test_the_page_shows_the_date_as_a_removable_chip(client):
    page = client.simulate_get("/cari", params={"q": "banjir kemarin", "now": NOW})
    assert page.status_code == 200
    assert 'id="tanggal-dibaca"' in page.text and "15 Oktober 2019" in page.text
    assert "dates=false" in page.text
    plain = client.simulate_get("/cari", params={"q": "banjir kemarin", "now": NOW, "dates": "false"})
    assert 'id="tanggal-dibaca"' not in plain.text


def test_export_lists_what_search_lists(client):
    r = client.simulate_get("/api/search/export", params={"q": "banjir kemarin", "now": NOW, "format": "jsonl"})
    assert r.status_code == 200
    assert [line for line in r.text.splitlines() if line] and all(
        '"banjir-15"' in line for line in r.text.splitlines() if line
    )


def test_old_and_modern_spellings_find_each_other_and_are_both_highlighted(tmp_path):
    from search.query.old_spelling import modern_forms, old_forms

    assert modern_forms("soekarno") == {"sukarno"} and "soekarno" in old_forms("sukarno")
    assert old_forms("masjid") == set()  # an old-looking modern word is never made older
    assert "raya" not in modern_forms("raja") and "radja" not in modern_forms("raja")
    records = [
        record(id="old", title="Pidato Soekarno di Bandung", body="Soekarno berpidato."),
        record(id="new", title="Museum Sukarno Dibuka", body="Sukarno dikenang."),
        record(id="masjid", title="Masjid Raya Dibuka", body="Masjid baru."),
    ]
    client = client_over(tmp_path / "ix", records)
    for q in ("soekarno", "sukarno"):
        body = client.simulate_get("/api/search", params={"q": q}).json
        assert ids(body) == {"old", "new"}, q
        assert {h["id"]: "<mark>" in h["title_html"] for h in body["results"]} == {"old": True, "new": True}
    quoted = client.simulate_get("/api/search", params={"q": '"sukarno"'}).json
    assert ids(quoted) == {"new"}


def test_acronym_pairs_are_read_where_the_letters_spell_them():
    from index.acronyms import candidates

    assert candidates("Ketua Komisi Pemberantasan Korupsi (KPK) Agus Rahardjo") == {
        ("KPK", "komisi pemberantasan korupsi")
    }
    assert candidates("BMKG (Badan Meteorologi, Klimatologi, dan Geofisika) mencatat") == {
        ("BMKG", "badan meteorologi klimatologi dan geofisika")
    }
    assert candidates("operasi tangkap tangan (OTT) di Medan") == {("OTT", "operasi tangkap tangan")}
    assert candidates("terbang dari Surabaya (SUB) ke Jakarta") == set()  # one word is no long form
    assert candidates("PT Pertamina (Persero) menaikkan") == set()


def test_learned_acronyms_find_their_long_forms_and_back(tmp_path):
    """Three articles define KPK; an article writing only the long form and
    one writing only the acronym find each other, both highlighted; the table
    follows deletes; off for a quoted phrase."""
    from index.acronyms import AcronymStore
    from index.writer import delete_articles

    define = "Penyidik Komisi Pemberantasan Korupsi (KPK) memeriksa saksi."
    records = [record(id=f"def-{i}", title=f"Pemeriksaan Saksi {i}", body=define) for i in range(3)]
    records += [
        record(id="long", title="Komisi Pemberantasan Korupsi Menahan Bupati", body="Bupati ditahan."),
        record(id="short", title="KPK Menahan Wali Kota", body="Wali kota ditahan."),
        record(id="apart", title="Komisi Pemberantasan Pajak", body="Korupsi di tempat lain."),
    ]
    directory = tmp_path / "ix"
    client = client_over(directory, records)
    table = AcronymStore(directory).table()
    assert [(a.acronym, a.long_form, a.articles) for a in table] == [("KPK", "komisi pemberantasan korupsi", 3)]
    body = client.simulate_get("/api/search", params={"q": "kpk menahan"}).json
    found = {h["id"]: h["title_html"] for h in body["results"]}
    assert set(found) >= {"long", "short"}
    assert "<mark>Komisi</mark> <mark>Pemberantasan</mark> <mark>Korupsi</mark>" in found["long"]
    back = client.simulate_get("/api/search", params={"q": "komisi pemberantasan korupsi menahan"}).json
    full = {h["id"] for h in back["results"] if h.get("missing_word") is None}
    assert full == {"long", "short"}  # ("apart" lacks menahan)
    quoted = client.simulate_get("/api/search", params={"q": '"kpk"'}).json
    assert "long" not in {h["id"] for h in quoted["results"]}
    delete_articles(directory, ["def-0", "def-1"])
    assert AcronymStore(directory).table() == []


def test_stats_lists_the_learned_acronyms_and_rebuild_makes_them_again(tmp_path):
    import json

    from click.testing import CliRunner

    from index.acronyms import FILENAME
    from index.cli import cli

    define = "Badan Nasional Penanggulangan Bencana (BNPB) mencatat banjir."
    directory = tmp_path / "ix"
    client_over(directory, [record(id=f"a-{i}", title=f"Banjir {i}", body=define) for i in range(3)])
    (directory / FILENAME).unlink()  # lost: the index still holds the articles
    listed = CliRunner().invoke(cli, ["stats", "--index", str(directory), "--acronyms", "--rebuild", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["acronym"], r["long_form"], r["articles"]) for r in rows] == [
        ("BNPB", "badan nasional penanggulangan bencana", 3)
    ]


def test_an_acronym_learned_by_a_later_commit_reaches_the_running_engine(tmp_path):
    """The engine reads the acronym table again only when its file changed: a
    commit without acronyms keeps it, the commit that makes a pair consistent
    (its third article) brings it to the next snapshot."""
    from index.readers import read_paths
    from index.writer import Indexer
    from search.engine import SearchEngine, SearchRequest

    define = "Penyidik Komisi Pemberantasan Korupsi (KPK) memeriksa saksi."
    directory = tmp_path / "ix"
    index_records(
        directory,
        [record(id=f"def-{i}", title=f"Pemeriksaan Saksi {i}", body=define) for i in range(2)]
        + [record(id="long", title="Komisi Pemberantasan Korupsi Menahan Bupati", body="Bupati ditahan.")],
    )
    engine = SearchEngine.open(directory, background=False)
    try:

        def finds_long_form() -> bool:
            hits = engine.search(SearchRequest(q="kpk menahan")).hits
            return "long" in {h.id for h in hits if h.missing_word is None}

        assert not finds_long_form()  # two articles: not yet consistent
        for extra in (record(id="plain", title="Harga Cabai Naik", body="Harga cabai naik."), None):
            if extra is None:
                extra = record(id="def-2", title="Pemeriksaan Saksi 2", body=define)
            report = Indexer(directory).ingest(read_paths([write_jsonl(tmp_path / f"{extra['id']}.jsonl", [extra])]))
            assert engine.manager.refresh_to(report.generation or 0, 30)
        assert finds_long_form()
    finally:
        engine.close()


def test_the_typed_spelling_ranks_above_its_old_or_modern_form(tmp_path):
    """An old or modern spelling is the same word but not the form typed: it is
    found, and ranks below the same article written in the typed form."""
    from search.engine import SearchEngine, SearchRequest

    records = [
        record(id="old", title="Pidato Soekarno di Bandung", body="Soekarno berpidato di depan massa."),
        record(id="new", title="Pidato Sukarno di Bandung", body="Sukarno berpidato di depan massa."),
    ]
    engine = SearchEngine.open(index_records(tmp_path / "ix", records), background=False)
    try:
        for typed, mine, other in (("soekarno", "old", "new"), ("sukarno", "new", "old")):
            scores = {h.id: h.score or 0.0 for h in engine.search(SearchRequest(q=typed)).hits}
            assert set(scores) == {"old", "new"}, typed
            assert scores[mine] > scores[other], (typed, scores)
    finally:
        engine.close()


def test_a_long_form_typed_in_full_does_not_count_its_acronym_again(tmp_path):
    """A name and its initials learned as a pair (three articles define them):
    the query for the name finds an article writing only the initials, and an
    article writing both the name and the initials scores as one writing the
    name beside another word of the same length, not above it."""
    from search.engine import SearchEngine, SearchRequest

    define = "Tokoh Papua Benny Wenda (BW) berbicara di London."
    records = [record(id=f"def-{i}", title=f"Wawancara Tokoh {i}", body=define) for i in range(3)]
    records += [
        record(id="both", title="Benny Wenda di Sidang", body="Benny Wenda hadir. BW bicara lama."),
        record(id="name", title="Benny Wenda di Sidang", body="Benny Wenda hadir. XY bicara lama."),
        record(id="initials", title="Sidang Tokoh", body="BW hadir di sidang."),
    ]
    engine = SearchEngine.open(index_records(tmp_path / "ix", records), background=False)
    try:
        hits = {h.id: h.score for h in engine.search(SearchRequest(q="benny wenda", size=10)).hits}
        assert "initials" in hits  # the acronym alone still stands for the name
        assert hits["both"] == pytest.approx(hits["name"])
    finally:
        engine.close()


def test_an_acronym_the_articles_use_for_something_else_is_not_joined(tmp_path):
    """A name's initials defined in three articles (*Firli Bahuri (FB)*) while
    most articles writing FB mean Facebook and most writing the name never use
    the initials: the table records the pair, the engine does not join it
    (its sides rarely go together); a pair the articles do use together is kept."""
    from index.acronyms import AcronymStore
    from search.engine import SearchEngine, SearchRequest

    define = "Ketua KPK Firli Bahuri (FB) menjawab kritik."
    records = [record(id=f"def-{i}", title=f"Ketua KPK Menjawab {i}", body=define) for i in range(3)]
    records += [
        record(id=f"name-{i}", title=f"Firli Bahuri Dilantik {i}", body="Firli Bahuri hadir.") for i in range(40)
    ]
    records += [record(id=f"fb-{i}", title=f"Akun FB Diretas {i}", body="Unggahan di FB viral.") for i in range(30)]
    define_kpk = "Penyidik Komisi Pemberantasan Korupsi (KPK) memeriksa saksi."
    records += [record(id=f"kpk-{i}", title=f"Saksi Diperiksa {i}", body=define_kpk) for i in range(3)]
    records += [record(id="kpk-long", title="Komisi Pemberantasan Korupsi Menahan Bupati", body="Bupati ditahan.")]
    directory = index_records(tmp_path / "ix", records)
    assert {a.acronym for a in AcronymStore(directory).table()} == {"FB", "KPK"}
    engine = SearchEngine.open(directory, background=False)
    try:

        def found(q: str) -> set[str]:
            return {h.id.split("-")[0] for h in engine.search(SearchRequest(q=q, size=50)).hits}

        assert found("fb") == {"def", "fb"}  # not every article naming Firli Bahuri
        assert found("firli bahuri") == {"def", "name"}  # not the Facebook articles
        assert "kpk" in found("komisi pemberantasan korupsi") and "kpk" in found("kpk")
        assert "kpk-long" in {h.id for h in engine.search(SearchRequest(q="kpk", size=50)).hits}
    finally:
        engine.close()


def test_an_acronym_typed_ranks_the_articles_writing_it_above_those_writing_the_long_form(tmp_path):
    """The long form written out is the acronym's word but not the form typed:
    it counts as the word's stem, without the typed form's exact score (as an
    old spelling or a spelling variant), so for the same text the article
    writing the acronym ranks first, and back for the long form typed."""
    from search.engine import SearchEngine, SearchRequest

    define = "Penyidik Komisi Pemberantasan Korupsi (KPK) memeriksa saksi."
    records = [record(id=f"def-{i}", title=f"Pemeriksaan Saksi {i}", body=define) for i in range(3)]
    records += [
        record(id="short", title="Bupati Ditahan", body="Penyidik KPK satu dua menahan bupati."),
        record(id="long", title="Bupati Ditahan", body="Penyidik Komisi Pemberantasan Korupsi menahan bupati."),
    ]
    records += [record(id=f"other-{i}", title=f"Harga Cabai Naik {i}", body="Harga cabai naik.") for i in range(30)]
    engine = SearchEngine.open(index_records(tmp_path / "ix", records), background=False)
    try:
        for q, first, second in (("kpk", "short", "long"), ("komisi pemberantasan korupsi", "long", "short")):
            scores = {h.id: h.score or 0.0 for h in engine.search(SearchRequest(q=q)).hits}
            assert scores[first] > scores[second], (q, scores)
    finally:
        engine.close()
