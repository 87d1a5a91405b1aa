"""Editors' alerts over a real OpenSearch cluster (tests/opensearch/cluster.sh):
an alert matches exactly what search lists, once; news-aware records as on
Whoosh; an index of the layout before ``ingested`` is refused until rebuilt.
The API and the server over the cluster are in tests/test_alerts.py."""

from __future__ import annotations

import pytest
from backends import cluster_urls, fresh_target  # noqa: F401 (cluster_urls: a fixture)
from conftest import record
from test_alerts import (
    CORPUS_BASE,
    SAMPLE_ALERTS,
    assert_each_alert_delivered_what_search_lists,
    corpus_sample,
    delivered_ids,
    sample_records,
    saved_search_examples,
)

from index.readers import article_from_record
from search.alerts.match import Matcher, search_request
from search.alerts.store import AlertStore

pytestmark = pytest.mark.opensearch


def cluster_engine(urls: list[str]):
    """An engine over a new, empty cluster index (no refresher thread: each
    publish reads the generation its write made, as the HTTP writes do)."""
    from search.backends.opensearch.engine import OpenSearchEngine

    return OpenSearchEngine(fresh_target(urls, "alerts"), poll=False)


def publish(engine, records: list[dict]) -> None:
    """Write ``records`` through the cluster's article writer (acknowledged once searchable)."""
    committed = engine.writer().upsert([article_from_record(r) for r in records])
    assert not committed.errors, committed.errors
    assert engine.refresh_to(committed.generation, 30)


def test_cluster_alerts_tell_of_what_search_lists_once(tmp_path, cluster_urls):  # noqa: F811
    """On the bundled sample over the cluster: each alert is told of exactly
    the new articles a search of its query and filters lists; nothing twice
    (the look's window reads the last minute again); nothing after the
    index is rebuilt behind its alias."""
    from index.opensearch.writer import ClusterWriter

    records = sample_records()
    half = len(records) // 2
    engine = cluster_engine(cluster_urls)
    publish(engine, records[:half])
    store = AlertStore(tmp_path)
    matcher = Matcher(engine, store)
    assert matcher.run().articles == 0  # the watermark is set: the archive is not news
    some = records[half]
    searches: list[dict] = [
        *SAMPLE_ALERTS,
        {"q": "", "category": [some["category"]]},
        {"q": "", "source": [some["source"]]},
        {"q": "acara april"},  # date words: read as search reads them
    ]
    alerts = [store.add("k", f"a{i}", s, "http://127.0.0.1:9/", "rahasia-1") for i, s in enumerate(searches)]

    publish(engine, records[half:])
    run = matcher.run()
    assert run.articles == len(records) - half
    new = {r["id"] for r in records[half:]}
    sizes = assert_each_alert_delivered_what_search_lists(engine, store, alerts, new)
    assert sum(0 < n < len(new) for n in sizes) >= 6  # most alerts list some of the new articles, not all
    assert matcher.run().articles == 0  # read again within the margin: already seen

    before = {a.id: delivered_ids(store, a.id) for a in alerts}
    ClusterWriter(engine.target, engine.client).rebuild()  # every document written again, its stamp kept
    engine.refresh_to(engine.generation + 1, 5)
    assert Matcher(engine, AlertStore(tmp_path)).run().deliveries == 0
    assert {a.id: delivered_ids(store, a.id) for a in alerts} == before
    engine.close()


@pytest.mark.corpus
def test_a_cluster_alert_matches_exactly_what_search_lists(cluster_urls, corpus_path):  # noqa: F811
    """Property, as tests/test_alerts.py has it for Whoosh: over random corpus
    queries and filters, the articles an alert matches among those a write
    made visible are those a search of its query and filters lists among
    them (the look's window read with a margin wide enough to hold them)."""
    from hypothesis import HealthCheck, example, given, settings

    from search.alerts.match import AlertIndex, confirmed
    from search.alerts.store import Alert
    from search.backends.opensearch.alerts import ClusterWatch

    chosen = corpus_sample(corpus_path)
    new = chosen[CORPUS_BASE:]
    new_ids = {r["id"] for r in new}
    engine = cluster_engine(cluster_urls)
    publish(engine, chosen[:CORPUS_BASE])
    publish(engine, new)
    with ClusterWatch(engine, margin=3600).look() as look:
        fresh = [a for a in look.fresh(lambda ids: {}) if a.id in new_ids]
    assert {a.id for a in fresh} == new_ids
    seen = {"matched": 0, "some": 0}

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(saved_search_examples(new))
    @example({"q": "acara april"})
    @example({"q": "banjir jakarta kemarin"})
    def check(saved: dict):
        index = AlertIndex()
        index.add(Alert("a", "k", "a", saved, "http://127.0.0.1:9/", "rahasia-1"), look.compiler)
        matched = {a.id for a in confirmed(look, index, fresh).get("a", [])}
        listed = {row["id"] for row in engine.export(search_request(saved))} & new_ids
        assert matched == listed, saved
        seen["matched"] += 1
        seen["some"] += bool(listed)

    check()
    assert seen["some"] >= seen["matched"] // 8  # the queries are not all empty-handed
    engine.close()


def test_cluster_news_aware_grouping_updates_and_digests(tmp_path, cluster_urls):  # noqa: F811
    engine = cluster_engine(cluster_urls)
    publish(engine, sample_records())
    store = AlertStore(tmp_path)
    matcher = Matcher(engine, store)
    matcher.run()
    plain = store.add("k", "plain", {"q": "longsor garut"}, "http://127.0.0.1:9/", "rahasia-1")
    updates = store.add("k", "updates", {"q": "longsor garut"}, "http://127.0.0.1:9/", "rahasia-1", updates=True)
    digest = store.add("k", "digest", {"q": "longsor"}, "http://127.0.0.1:9/", "rahasia-1", digest_minutes=30)

    first = record(id="n-1", title="Longsor Terjang Tiga Desa di Garut", body="Longsor di Garut.", source="Kompas")
    compiled = None
    for article in (
        first,
        # Another outlet's copy of the story: grouped under the first, not delivered again.
        record(id="n-2", title="Longsor Terjang Tiga Desa di Garut", body="Longsor di Garut!", source="Detik"),
        # The first article corrected: delivered again only to the alert that asks for updates.
        {**first, "body": "Longsor di Garut menimbun rumah."},
        # A different story.
        record(id="n-3", title="Korban Longsor Garut Dievakuasi", body="Tim SAR di Garut.", source="Kompas"),
    ):
        publish(engine, [article])
        matcher.run()
        # Each write is a new generation; the alerts are compiled again only when the learned acronyms change.
        compiled = compiled if article is not first else matcher.index.compiled_with
        assert matcher.index.compiled_with is compiled

    logs = {a.name: store.deliveries(a.id) for a in (plain, updates, digest)}
    oldest_first = list(reversed(logs["plain"]))
    assert [[x["id"] for x in d.articles] for d in oldest_first] == [["n-1"], ["n-3"]]
    assert [a["id"] for a in oldest_first[0].articles[0]["also_reported"]] == ["n-2"]
    assert "<mark>" in oldest_first[0].articles[0]["highlight"]["title"]
    updated = [(x["id"], x["update"]) for d in reversed(logs["updates"]) for x in d.articles]
    assert updated == [("n-1", False), ("n-1", True), ("n-3", False)]
    assert len(logs["digest"]) == 1 and logs["digest"][0].status == "collecting"
    assert [x["id"] for x in logs["digest"][0].articles] == ["n-1", "n-3"]
    engine.close()


def test_an_article_visible_after_the_look_that_passed_its_stamp_is_matched_by_the_next(tmp_path, cluster_urls):  # noqa: F811
    """A stamp precedes visibility (the bulk request, the refresh): an article
    stamped before a look but not yet visible to it is still news to the
    next look, thanks to the margin (without one it is missed for good)."""
    import time

    from search.backends.opensearch.alerts import MARGIN_SECONDS, ClusterWatch

    engine = cluster_engine(cluster_urls)
    publish(engine, sample_records())
    moment = [time.time()]
    stores, matchers = [], []
    for margin in (MARGIN_SECONDS, 0.0):
        directory = tmp_path / f"margin-{margin:g}"
        directory.mkdir()
        store = AlertStore(directory)
        matcher = Matcher(engine, store, watch=ClusterWatch(engine, margin=margin, clock=lambda: moment[0]))
        matcher.run()
        store.add("k", "gempa", {"q": "gempa"}, "http://127.0.0.1:9/", "rahasia-1")
        stores.append(store)
        matchers.append(matcher)
    # Each matcher looks at a moment 20 s on, before the article is visible...
    moment[0] += 20
    assert [m.run().articles for m in matchers] == [0, 0]
    publish(engine, [record(id="late", title="Gempa Guncang Pulau Terpencil", body="Gempa terasa.")])
    moment[0] += 1  # ...and its stamp (the real time of the write) is before that look's moment
    assert [m.run().articles for m in matchers] == [1, 0]
    assert [delivered_ids(s, s.alerts(None)[0].id) for s in stores] == [{"late"}, set()]
    engine.close()


def test_an_index_of_the_layout_before_ingested_is_stale_until_rebuilt(tmp_path, cluster_urls):  # noqa: F811
    from falcon import testing

    from index.analysis import STEM_RULES
    from index.opensearch.writer import ClusterWriter
    from search.http.app import create_app
    from search.http.config import ServiceConfig
    from search.keys import add_key

    engine = cluster_engine(cluster_urls)
    publish(engine, sample_records())
    writer = ClusterWriter(engine.target, engine.client)
    name, _ = writer.resolve()
    writer.client.indices.put_mapping(index=name, body={"_meta": {"stem_rules": STEM_RULES, "berita": 1}})
    assert "layout 1" in ClusterWriter(engine.target).stats()["stale_analysis"]
    keys = tmp_path / "keys"
    keys.mkdir()
    key = add_key(keys, "redaksi")
    client = testing.TestClient(create_app(keys, ServiceConfig(opensearch=engine.target, alerts=False)))
    body = {"name": "Banjir", "q": "banjir", "webhook": {"url": "http://127.0.0.1:9/h", "secret": "rahasia-1"}}
    auth = {"Authorization": f"Bearer {key}"}
    refused = client.simulate_post("/api/alerts", json=body, headers=auth)
    assert refused.status_code == 409 and "rebuild" in refused.json["detail"], refused.text
    writer.rebuild()
    assert ClusterWriter(engine.target).stats()["stale_analysis"] is None
    made = client.simulate_post("/api/alerts", json=body, headers=auth)
    assert made.status_code == 201, made.text
    engine.close()


def test_alerts_cli_over_the_cluster(tmp_path, cluster_urls):  # noqa: F811
    """``berita alerts`` with --backend opensearch: the store in the serving
    directory, a saved search refused as the cluster's search refuses it."""
    from test_alerts import berita

    engine = cluster_engine(cluster_urls)
    publish(engine, sample_records())
    options = ["--index", str(tmp_path), "--backend", "opensearch", "--opensearch-index", engine.target.index]
    options += [f"--opensearch-url={u}" for u in cluster_urls]
    hook = ["--webhook", "http://127.0.0.1:9/h", "--secret", "rahasia-1"]
    made = berita("alerts", "add", "Gempa", "gempa", *hook, *options)
    assert made.returncode == 0, made.stderr
    alert_id = made.stdout.strip()
    assert berita("alerts", "list", *options).stdout.split("\t")[:4] == [alert_id, "cli", "Gempa", "gempa"]
    bad = berita("alerts", "add", "X", "x", "--source", "no-such-outlet", *hook, *options)
    assert bad.returncode != 0 and "no-such-outlet" in bad.stderr
    assert berita("alerts", "delete", alert_id, *options).returncode == 0
    assert berita("alerts", "list", *options).stdout == ""
    engine.close()
