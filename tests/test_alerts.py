"""Editors' alerts: the store, matching (alert matches exactly what search
lists), news-aware delivery records, signed webhook deliveries under faults,
and the API and CLI over a real server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from backends import BACKENDS, cluster_urls, cluster_with  # noqa: F401 (cluster_urls: a fixture)
from conftest import record, write_jsonl
from receiver import Receiver
from server import call, running_server

from index.readers import read_paths, sample_path
from index.writer import Indexer
from search.alerts.deliver import Deliverer, signature
from search.alerts.match import Matcher, search_request
from search.alerts.store import AlertNotFound, AlertStore
from search.engine import SearchEngine
from search.keys import add_key

WAIT = 120  # seconds any wait for a delivery is bounded by (a loaded machine)
SAMPLE = sample_path() / "articles.jsonl"


def wait_until(check, timeout: float = WAIT, step: float = 0.1):
    """``check()``'s first truthy value, or its last value once ``timeout`` passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def sample_records() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def ingest(directory: Path, records: list[dict]) -> None:
    Indexer(directory).ingest(read_paths([write_jsonl(directory.parent / "batch.jsonl", records)]))


def assert_each_alert_delivered_what_search_lists(engine, store: AlertStore, alerts: list, new: set[str]) -> list[int]:
    """Assert each alert was told of exactly the ``new`` articles its search
    lists; how many each lists."""
    sizes = []
    for alert in alerts:
        listed = {row["id"] for row in engine.export(search_request(alert.search))} & new
        assert delivered_ids(store, alert.id) == listed, alert.search
        sizes.append(len(listed))
    return sizes


def delivered_ids(store: AlertStore, alert_id: str) -> set[str]:
    """Every article the alert was told of: delivered, or grouped under one."""
    out = set()
    for delivery in store.deliveries(alert_id, limit=10_000):
        for article in delivery.articles:
            out.add(article["id"])
            out.update(a["id"] for a in article["also_reported"])
    return out


# -- the store ---------------------------------------------------------------------


def test_store_keeps_alerts_per_owner_across_reopening(tmp_path):
    store = AlertStore(tmp_path)
    mine = store.add("redaksi", "Banjir", {"q": "banjir"}, "http://127.0.0.1:9/h", "rahasia-1")
    store.add("lain", "Gempa", {"q": "gempa"}, "http://127.0.0.1:9/h", "rahasia-2")
    changed = store.update(replace(mine, name="Banjir bandang", search={"q": "banjir bandang"}))
    store.close()

    again = AlertStore(tmp_path)
    assert [a.name for a in again.alerts("redaksi")] == ["Banjir bandang"]
    assert again.get(mine.id, "redaksi").search == {"q": "banjir bandang"}
    assert changed.changed > mine.changed
    with pytest.raises(AlertNotFound):
        again.get(mine.id, "lain")  # another key does not see it
    with pytest.raises(AlertNotFound):
        again.delete(mine.id, "lain")
    again.delete(mine.id, "redaksi")
    assert [a.name for a in again.alerts(None)] == ["Gempa"]


# -- matching ------------------------------------------------------------------------

SAMPLE_ALERTS: list[dict] = [
    {"q": "banjir"},
    {"q": "presiden"},
    {"q": "indonesia -teknologi"},
    {"q": '"sea games"'},
    {"q": "kpk OR bpjs"},
    {"q": "harga (bbm OR cabai)"},
    {"q": ""},
    {"q": "", "from": "2023-01-01"},
    {"q": "indonesia", "to": "2021-12-31"},
]


def test_sample_alerts_tell_of_what_search_lists_once(tmp_path):
    """On the bundled sample: each alert is told of exactly the new articles
    a search of its query and filters lists; nothing twice, nothing after an
    index rebuild of the same articles."""
    records = sample_records()
    half = len(records) // 2
    ixdir = tmp_path / "ix"
    ingest(ixdir, records[:half])
    engine = SearchEngine.open(ixdir, background=False)
    store = AlertStore(ixdir)
    matcher = Matcher(engine, store)
    assert matcher.run().articles == 0  # the watermark is set: the archive is not news
    some = records[half]
    searches: list[dict] = [
        *SAMPLE_ALERTS,
        {"q": "", "category": [some["category"]]},
        {"q": "", "source": [some["source"]]},
    ]
    alerts = [store.add("k", f"a{i}", s, "http://127.0.0.1:9/", "rahasia-1") for i, s in enumerate(searches)]

    ingest(ixdir, records[half:])
    engine.manager.maybe_refresh()
    run = matcher.run()
    assert run.articles == len(records) - half
    new = {r["id"] for r in records[half:]}
    sizes = assert_each_alert_delivered_what_search_lists(engine, store, alerts, new)
    assert sum(0 < n < len(new) for n in sizes) >= 6  # most alerts list some of the new articles, not all
    assert matcher.run().articles == 0
    engine.close()

    # The index rebuilt from scratch (the alert store kept): nothing is new.
    for path in ixdir.iterdir():
        if not path.name.startswith("alerts."):
            path.unlink() if path.is_file() else shutil.rmtree(path)
    ingest(ixdir, records)
    rebuilt = SearchEngine.open(ixdir, background=False)
    before = {a.id: delivered_ids(store, a.id) for a in alerts}
    assert Matcher(rebuilt, AlertStore(ixdir)).run().deliveries == 0
    assert {a.id: delivered_ids(store, a.id) for a in alerts} == before
    rebuilt.close()


def test_news_aware_grouping_updates_and_digests(tmp_path):
    ixdir = tmp_path / "ix"
    ingest(ixdir, sample_records())
    engine = SearchEngine.open(ixdir, background=False)
    store = AlertStore(ixdir)
    matcher = Matcher(engine, store)
    matcher.run()
    plain = store.add("k", "plain", {"q": "longsor garut"}, "http://127.0.0.1:9/", "rahasia-1")
    updates = store.add("k", "updates", {"q": "longsor garut"}, "http://127.0.0.1:9/", "rahasia-1", updates=True)
    digest = store.add("k", "digest", {"q": "longsor"}, "http://127.0.0.1:9/", "rahasia-1", digest_minutes=30)

    def publish(*articles):
        ingest(ixdir, list(articles))
        engine.manager.maybe_refresh()
        return matcher.run()

    first = record(id="n-1", title="Longsor Terjang Tiga Desa di Garut", body="Longsor di Garut.", source="Kompas")
    publish(first)
    # Another outlet's copy of the story: grouped under the first, not delivered again.
    publish(record(id="n-2", title="Longsor Terjang Tiga Desa di Garut", body="Longsor di Garut!", source="Detik"))
    # The first article corrected: delivered again only to the alert that asks for updates.
    publish({**first, "body": "Longsor di Garut menimbun rumah."})
    # A different story.
    publish(record(id="n-3", title="Korban Longsor Garut Dievakuasi", body="Tim SAR di Garut.", source="Kompas"))

    logs = {a.name: store.deliveries(a.id) for a in (plain, updates, digest)}
    oldest_first = list(reversed(logs["plain"]))
    assert [[x["id"] for x in d.articles] for d in oldest_first] == [["n-1"], ["n-3"]]
    assert [a["id"] for a in oldest_first[0].articles[0]["also_reported"]] == ["n-2"]
    updated = [(x["id"], x["update"]) for d in reversed(logs["updates"]) for x in d.articles]
    assert updated == [("n-1", False), ("n-1", True), ("n-3", False)]
    assert len(logs["digest"]) == 1 and logs["digest"][0].status == "collecting"
    assert [x["id"] for x in logs["digest"][0].articles] == ["n-1", "n-3"]
    assert logs["digest"][0].due == pytest.approx(logs["digest"][0].created + 30 * 60)
    engine.close()


# -- delivery --------------------------------------------------------------------------


def pending_deliveries(tmp_path, hook_url: str, count: int) -> tuple[AlertStore, list[str]]:
    """A store with ``count`` deliveries to ``hook_url`` waiting to be sent."""
    ixdir = tmp_path / "ix"
    ingest(ixdir, sample_records())
    engine = SearchEngine.open(ixdir, background=False)
    store = AlertStore(ixdir)
    matcher = Matcher(engine, store)
    matcher.run()
    alert = store.add("k", "semua", {"q": ""}, hook_url, "rahasia-webhook")
    for i in range(count):
        ingest(ixdir, [record(id=f"d-{i}", title=f"Berita nomor {i} hari ini", url=f"https://example.test/{i}")])
        engine.manager.maybe_refresh()
        matcher.run()
    engine.close()
    ids = [d.id for d in store.deliveries(alert.id)]
    assert len(ids) == count
    return store, ids


def test_a_delivery_is_signed_json_with_its_idempotency_id(tmp_path):
    receiver = Receiver("rahasia-webhook")
    try:
        store, ids = pending_deliveries(tmp_path, receiver.url, 1)
        assert Deliverer(store).send_due() == 1
        (got,) = receiver.snapshot()
        assert got.signed and got.delivery_id == ids[0] == got.body["delivery_id"]
        assert got.body["alert"]["name"] == "semua"
        (article,) = got.body["articles"]
        assert {"id", "title", "url", "published", "source", "highlight"} <= set(article)
        assert article["id"] == "d-0" and article["url"] == "https://example.test/0"
        assert store.deliveries(store.alerts(None)[0].id)[0].status == "delivered"
        assert signature("other", b"{}") != signature("rahasia-webhook", b"{}")
    finally:
        receiver.stop()


def test_a_digest_is_sent_when_its_window_ends_and_later_matches_open_the_next(tmp_path):
    now = [1_000_000.0]
    receiver = Receiver("rahasia-webhook")
    ixdir = tmp_path / "ix"
    ingest(ixdir, sample_records())
    engine = SearchEngine.open(ixdir, background=False)
    store = AlertStore(ixdir)
    matcher = Matcher(engine, store, clock=lambda: now[0])
    matcher.run()
    alert = store.add("k", "ringkasan", {"q": "gempa"}, receiver.url, "rahasia-webhook", digest_minutes=10)
    deliverer = Deliverer(store, clock=lambda: now[0])
    try:
        for i in range(3):
            ingest(ixdir, [record(id=f"g-{i}", title=f"Gempa Guncang Kota Nomor {i}", body="Gempa terasa kuat.")])
            engine.manager.maybe_refresh()
            matcher.run()
            if i == 1:
                assert deliverer.send_due() == 0  # the window is still open
                now[0] += 10 * 60
                assert deliverer.send_due() == 1
        (sent,) = receiver.snapshot()
        assert sent.body["digest"] and [a["id"] for a in sent.body["articles"]] == ["g-0", "g-1"]
        newest, oldest = store.deliveries(alert.id)
        assert (oldest.status, newest.status) == ("delivered", "collecting")
        assert [a["id"] for a in newest.articles] == ["g-2"]
    finally:
        engine.close()
        receiver.stop()


def test_receiver_down_then_up_gets_each_delivery_once(tmp_path):
    receiver = Receiver("rahasia-webhook")
    receiver.stop()  # down: connections refused
    store, ids = pending_deliveries(tmp_path, receiver.url, 5)
    deliverer = Deliverer(store, retry_cap=0.5)
    deliverer.start()
    try:
        alert_id = store.alerts(None)[0].id
        retried = wait_until(lambda: all(d.attempts >= 2 for d in store.deliveries(alert_id)))
        assert retried, "every delivery was tried again while the receiver was down"
        assert all(d.status == "pending" and d.last_error for d in store.deliveries(alert_id))
        receiver.start()
        done = wait_until(
            lambda: all(d.status == "delivered" for d in AlertStore(tmp_path / "ix").deliveries(alert_id))
        )
        assert done
        got = receiver.snapshot()
        assert sorted(r.delivery_id for r in got) == sorted(ids)  # each once, none lost
        assert all(r.signed for r in got)
    finally:
        deliverer.stop()
        receiver.stop()


# -- over HTTP and the CLI ---------------------------------------------------------------


def berita(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True, timeout=WAIT)


@pytest.mark.parametrize("backend", BACKENDS)
def test_alerts_api_delivers_once_from_two_workers(index_copy, tmp_path, backend, request):
    """Over HTTP on either backend (over the cluster the store lives in the
    serving directory, beside the keys): an alert is told once of each
    matching article, whoever wrote it, never of another; another outlet's
    copy joins the earlier delivery; the alert's feed lists the story."""
    serving, options, reach = index_copy, [], ["--index", str(index_copy)]
    if backend == "opensearch":
        _, options = cluster_with(request.getfixturevalue("cluster_urls"))
        serving, reach = tmp_path / "keys", options
        serving.mkdir()
    editor, other = add_key(serving, "redaksi"), add_key(serving, "lain")
    receiver = Receiver("rahasia-webhook")
    try:
        with running_server(serving, 2, "--alert-retry-cap", "1", *options) as base:
            body = {"name": "Longsor", "q": "longsor", "webhook": {"url": receiver.url, "secret": "rahasia-webhook"}}
            status, headers, made = call(base, "POST", "/api/alerts", body, key=editor)
            assert status == 201, made
            alert_id = made["id"]
            assert headers["Location"] == f"/api/alerts/{alert_id}"
            assert "secret" not in made["webhook"]
            assert call(base, "GET", "/api/alerts", key=other)[2] == {"alerts": []}
            assert call(base, "GET", f"/api/alerts/{alert_id}", key=other)[0] == 404
            assert call(base, "POST", "/api/alerts", body)[0] == 401
            bad = {**body, "webhook": {"url": "file:///etc/passwd", "secret": "rahasia-webhook"}}
            status, headers, problem = call(base, "POST", "/api/alerts", bad, key=editor)
            assert status == 400 and headers["Content-Type"].startswith("application/problem+json"), problem
            status, _, problem = call(base, "POST", "/api/alerts", {**body, "source": ["no-such-outlet"]}, key=editor)
            assert status == 400 and "no-such-outlet" in problem["detail"]
            status, _, changed = call(base, "PATCH", f"/api/alerts/{alert_id}", {"name": "Longsor Jabar"}, key=editor)
            assert status == 200 and changed["name"] == "Longsor Jabar" and changed["q"] == "longsor"

            article = record(title="Longsor Tutup Jalan Garut", body="Longsor menutup jalan di Garut.", source="X")
            assert call(base, "PUT", "/api/articles/alert-1", article, key=editor)[0] == 201
            copy = {**article, "id": "alert-4", "body": "Longsor menutup jalan di Garut!", "source": "Z"}
            assert call(base, "PUT", "/api/articles/alert-4", copy, key=editor)[0] == 201
            # berita index in another process: its articles are matched as well
            write_jsonl(tmp_path / "more.jsonl", [record(id="alert-2", title="Longsor Lagi di Cianjur", source="Y")])
            indexed = berita("index", str(tmp_path / "more.jsonl"), *reach)
            assert indexed.returncode == 0, indexed.stderr
            unrelated = record(id="alert-3", title="Harga Beras Turun", body="Harga beras turun.")
            assert call(base, "PUT", "/api/articles/alert-3", unrelated, key=editor)[0] == 201

            def told():
                got = receiver.snapshot()
                return got if {a["id"] for r in got for a in r.body["articles"]} >= {"alert-1", "alert-2"} else None

            got = wait_until(told)
            assert got, receiver.snapshot()
            time.sleep(1.5)  # let a second worker's duplicate arrive, were there one
            got = receiver.snapshot()
            told_of = sorted(a["id"] for r in got for a in r.body["articles"])
            assert told_of == ["alert-1", "alert-2"]  # each once, from one worker; the unrelated one never
            assert all(r.signed and r.body["alert"]["id"] == alert_id for r in got)

            def delivered_log():
                log = call(base, "GET", f"/api/alerts/{alert_id}/deliveries", key=editor)[2]["deliveries"]
                return log if all(d["status"] == "delivered" for d in log) else None

            log = wait_until(delivered_log)
            assert log and sorted(d["id"] for d in log) == sorted(r.delivery_id for r in got)
            # Another outlet's copy of alert-1 was not delivered: it joined alert-1's delivery.
            (first,) = [a for d in log for a in d["articles"] if a["id"] == "alert-1"]
            assert [a["id"] for a in first["also_reported"]] == ["alert-4"]

            feed = changed["feed"]
            with urllib.request.urlopen(feed, timeout=WAIT) as resp:
                assert b"Longsor Tutup Jalan Garut" in resp.read()
            with pytest.raises(urllib.error.HTTPError) as wrong:
                urllib.request.urlopen(feed.rsplit("token=", 1)[0] + "token=salah", timeout=WAIT)
            assert wrong.value.code == 404

            assert call(base, "DELETE", f"/api/alerts/{alert_id}", key=editor)[0] == 204
            assert call(base, "GET", "/api/alerts", key=editor)[2] == {"alerts": []}
    finally:
        receiver.stop()


def test_alerts_cli_adds_lists_changes_and_deletes(index_copy):
    made = berita(
        "alerts",
        "add",
        "Gempa",
        "gempa",
        "--webhook",
        "http://127.0.0.1:9/h",
        "--secret",
        "rahasia-1",
        "--index",
        str(index_copy),
    )
    assert made.returncode == 0, made.stderr
    alert_id = made.stdout.strip()
    listed = berita("alerts", "list", "--index", str(index_copy))
    assert listed.stdout.split("\t")[:4] == [alert_id, "cli", "Gempa", "gempa"]
    changed = berita("alerts", "change", alert_id, "--query", "gempa -lombok", "--index", str(index_copy))
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)["q"] == "gempa -lombok"
    bad = berita("alerts", "add", "X", "--webhook", "ftp://x", "--secret", "rahasia-1", "--index", str(index_copy))
    assert bad.returncode != 0 and "--webhook: must be an http:// or https:// address" in bad.stderr
    assert berita("alerts", "delete", alert_id, "--index", str(index_copy)).returncode == 0
    gone = berita("alerts", "show", alert_id, "--index", str(index_copy))
    assert gone.returncode != 0 and alert_id in gone.stderr


@pytest.mark.slow
def test_kill_9_mid_delivery_loses_nothing_and_repeats_only_with_the_same_id(index_copy):
    """Deliveries to a receiver that answers slowly; the service killed -9
    while one is in flight; after a restart every acknowledged article is
    delivered, and an article arrives twice only under one delivery id."""
    editor = add_key(index_copy, "redaksi")
    receiver = Receiver("rahasia-webhook", delay=60.0)  # the first delivery is in flight when the kill comes
    published = [f"k-{i}" for i in range(4)]
    try:
        with running_server(index_copy, 1, "--alert-retry-cap", "1") as base:
            hook = {"url": receiver.url, "secret": "rahasia-webhook"}
            assert call(base, "POST", "/api/alerts", {"name": "semua", "webhook": hook}, key=editor)[0] == 201
            for article_id in published:
                art = record(id=article_id, title=f"Peristiwa {article_id}", body=f"Kabar {article_id}.")
                assert call(base, "PUT", f"/api/articles/{article_id}", art, key=editor)[0] == 201
            assert wait_until(lambda: receiver.started)  # a delivery is in flight
            pid = call(base, "GET", "/health")[2]["pid"]
            os.kill(pid, signal.SIGKILL)
        receiver.delay = 0.0
        with running_server(index_copy, 1, "--alert-retry-cap", "1"):

            def all_told():
                return {a["id"] for r in receiver.snapshot() for a in r.body["articles"]} >= set(published)

            assert wait_until(all_told), receiver.snapshot()
        carriers: dict[str, set[str]] = {}
        for got in receiver.snapshot():
            assert got.signed
            for article in got.body["articles"]:
                carriers.setdefault(article["id"], set()).add(got.delivery_id)
        assert sorted(carriers) == published
        assert all(len(ids) == 1 for ids in carriers.values()), carriers
        sent = [r.delivery_id for r in receiver.snapshot()]
        assert len(sent) > len(set(sent))  # the one in flight was sent again after the restart, with its id
    finally:
        receiver.stop()


# -- the property on the corpus ------------------------------------------------------------

CORPUS_BASE, CORPUS_NEW = 1500, 300


def corpus_sample(corpus_path: Path) -> list[dict]:
    """``CORPUS_BASE`` corpus articles then ``CORPUS_NEW`` more, seeded."""
    import gzip
    import random

    with gzip.open(corpus_path, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return random.Random(30).sample(records, CORPUS_BASE + CORPUS_NEW)


@pytest.fixture(scope="module")
def corpus_publish(tmp_path_factory, corpus_path):
    """An index of corpus articles, then a commit of more: (engine, the new
    articles' docnums, their records)."""
    chosen = corpus_sample(corpus_path)
    ixdir = tmp_path_factory.mktemp("alerts-corpus") / "ix"
    ingest(ixdir, chosen[:CORPUS_BASE])
    engine = SearchEngine.open(ixdir, background=False)
    new = chosen[CORPUS_BASE:]
    ingest(ixdir, new)
    engine.manager.maybe_refresh()
    with engine.manager.acquire() as snap:
        ids = {r["id"] for r in new}
        docnums = [d for d in range(snap.doc_count_all) if snap.live[d] and snap.article_id(d) in ids]
    yield engine, docnums, new
    engine.close()


def saved_search_examples(new: list[dict]):
    """A hypothesis strategy of saved searches over the words of ``new``
    articles' titles: words, phrases, exclusions, OR, groups, and filters
    (dates, category, source), with dates in order."""
    import re
    from datetime import date

    from hypothesis import strategies as st

    titles = [re.findall(r"[A-Za-z]{4,}", r["title"].lower()) for r in new]
    titles = [t for t in titles if len(t) >= 3]
    words = sorted({w for t in titles for w in t})
    categories = sorted({r["category"] for r in new if r.get("category")})
    sources = sorted({r["source"] for r in new if r.get("source")})
    word = st.sampled_from(words)

    @st.composite
    def phrase(draw):
        title = draw(st.sampled_from(titles))
        i = draw(st.integers(0, len(title) - 2))
        return f'"{title[i]} {title[i + 1]}"'

    term = st.one_of(word, word, phrase())
    query = st.one_of(
        term,
        st.builds(lambda a, b: f"{a} {b}", term, term),
        st.builds(lambda a, b: f"{a} -{b}", term, term),
        st.builds(lambda a, b: f"{a} OR {b}", term, term),
        st.builds(lambda a, b, c: f"({a} OR {b}) {c}", term, term, term),
        st.just(""),
    )
    day = st.dates(min_value=date(2019, 1, 1), max_value=date(2019, 12, 31))
    search = st.fixed_dictionaries(
        {"q": query},
        optional={
            "from": day.map(str),
            "to": day.map(str),
            "category": st.lists(st.sampled_from(categories), min_size=1, max_size=2),
            "source": st.lists(st.sampled_from(sources), min_size=1, max_size=1),
        },
    )

    def ordered(saved: dict) -> dict:
        if saved.get("from") and saved.get("to") and saved["from"] > saved["to"]:
            return {**saved, "from": saved["to"], "to": saved["from"]}
        return saved

    return search.map(ordered)


@pytest.mark.corpus
def test_an_alert_matches_exactly_what_search_lists(corpus_publish):
    """Property: over random corpus queries (words, phrases, exclusions, OR,
    groups) and filters (dates, category, source), the articles an alert
    matches among those a commit made visible are those a search of its
    query and filters lists among them."""
    from hypothesis import HealthCheck, example, given, settings

    from search.alerts.match import AlertIndex, matches
    from search.alerts.store import Alert

    engine, docnums, new = corpus_publish
    new_ids = {r["id"] for r in new}
    seen = {"matched": 0, "some": 0}

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(saved_search_examples(new))
    @example({"q": "acara april"})  # a date word search reads as the filter (the alert must too)
    @example({"q": "banjir jakarta kemarin"})
    def check(saved: dict):
        index = AlertIndex()
        index.add(Alert("a", "k", "a", saved, "http://127.0.0.1:9/", "rahasia-1"), engine.compiler)
        with engine.manager.acquire() as snap:
            found = matches(engine, index, snap, docnums).get("a", [])
            matched = {snap.article_id(d) for d in found}
        listed = {row["id"] for row in engine.export(search_request(saved))} & new_ids
        assert matched == listed, saved
        seen["matched"] += 1
        seen["some"] += bool(listed)

    check()
    assert seen["some"] >= seen["matched"] // 8  # the queries are not all empty-handed


def test_an_acronym_alert_is_told_of_an_article_writing_only_the_long_form(tmp_path):
    """Search finds *Komisi Pemberantasan Korupsi* for ``kpk`` once the corpus
    has taught the pair; the alert, told of what search lists, must be woken
    by such an article too (its prefilter reads the learned acronyms)."""
    define = "Penyidik Komisi Pemberantasan Korupsi (KPK) memeriksa saksi."
    ixdir = tmp_path / "ix"
    ingest(ixdir, [record(id=f"def-{i}", title=f"Pemeriksaan Saksi {i}", body=define) for i in range(3)])
    engine = SearchEngine.open(ixdir, background=False)
    store = AlertStore(ixdir)
    matcher = Matcher(engine, store)
    assert matcher.run().articles == 0
    alert = store.add("k", "kpk", {"q": "kpk"}, "http://127.0.0.1:9/", "rahasia-1")
    ingest(ixdir, [record(id="long", title="Komisi Pemberantasan Korupsi Menahan Bupati", body="Bupati ditahan.")])
    engine.manager.maybe_refresh()
    assert {row["id"] for row in engine.export(search_request(alert.search))} >= {"long"}  # what search lists...
    matcher.run()
    assert delivered_ids(store, alert.id) == {"long"}  # ...the alert is told of
    engine.close()
