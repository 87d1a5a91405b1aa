"""The OpenSearch backend's own parts: the token streams it sends, analysis
parity with the Whoosh index on a real cluster, writes with their outcomes,
and an unreachable cluster answered with 503s (never a hang, never a 500)."""

from __future__ import annotations

import gzip
import itertools
import json

import pytest
from backends import cluster_urls, fresh_target  # noqa: F401, F811 (cluster_urls: a fixture)
from conftest import record
from falcon import testing
from server import free_port

from index.analysis import SHIPPED
from index.model import Article
from index.opensearch.documents import token_positions, token_stream
from index.opensearch.target import ClusterTarget, ClusterUnavailable
from index.readers import article_from_record, read_paths, sample_path

EDGE_CASES = [
    "pro-kontra anak-anak tarik-menarik buah-buahan A-a x-x-x",
    "1.000.000 orang, inflasi 3,5 persen; K.P.K. dan covid-19",
    "Rp 1.500,75 per-orang   —  «kutipan» naïve Ñusa café",
    "sabda Nabi ﷺ di dalam",  # folds to one token holding spaces
    "",
]
CHAINS = {"stemmed": SHIPPED.stemmed(), "exact": SHIPPED.exact()}


def test_a_stream_keeps_stacked_tokens_at_one_position():
    groups = token_positions(SHIPPED.exact(), "Debat pro-kontra RUU")
    assert groups == [["debat"], ["pro-kontra", "pro"], ["kontra"], ["ruu"]]
    assert token_stream(groups) == "debat pro-kontra|pro kontra ruu"
    assert token_stream([["a"], [], ["b"]]) == "a _ b"  # a position without a token stays free


def sample_texts() -> list[str]:
    articles = [a for a in read_paths([sample_path()]) if isinstance(a, Article)]
    return [t for a in articles for t in (a.title, a.body)] + EDGE_CASES


@pytest.fixture(scope="module")
def cluster(cluster_urls):  # noqa: F811
    from index.opensearch.writer import ClusterWriter

    writer = ClusterWriter(fresh_target(cluster_urls, "parity"))
    writer.ensure()
    return writer


@pytest.mark.opensearch
@pytest.mark.parametrize("chain", sorted(CHAINS))
def test_the_cluster_indexes_the_sample_as_whoosh_does(cluster, chain):
    from index.opensearch.parity import compare

    texts = sample_texts()
    assert compare(cluster.client, cluster.target.index, CHAINS[chain], texts) == []


@pytest.mark.opensearch
@pytest.mark.corpus
@pytest.mark.parametrize("chain", sorted(CHAINS))
def test_the_cluster_indexes_corpus_articles_as_whoosh_does(cluster, corpus_path, chain):
    """500 articles here; bench/analysis_parity.py compares the whole corpus."""
    from index.opensearch.parity import compare

    texts = []
    with gzip.open(corpus_path, "rt", encoding="utf-8") as f:
        for line in itertools.islice(f, 500):
            r = json.loads(line)
            texts += [r.get("title") or "", r.get("body") or ""]
    assert compare(cluster.client, cluster.target.index, CHAINS[chain], texts) == []


@pytest.mark.opensearch
def test_writes_report_each_record_and_are_idempotent_by_id(cluster_urls):  # noqa: F811
    from index.opensearch.writer import ClusterWriter

    writer = ClusterWriter(fresh_target(cluster_urls, "writes"))
    first = article_from_record(record(id="w-1"))
    other = article_from_record(record(id="w-2", title="Gempa di Palu"))
    assert writer.upsert_report([first, other]).outcomes == {"w-1": "added", "w-2": "added"}
    assert writer.upsert_report([first]).outcomes == {"w-1": "unchanged"}
    changed = article_from_record(record(id="w-1", title="Harga Cabai Turun"))
    assert writer.upsert_report([changed]).outcomes == {"w-1": "updated"}
    count = writer.client.count(index=writer.target.index)["count"]
    assert count == 2  # searchable at once (refresh=wait_for), one document per id
    assert writer.delete(["w-2", "nope"]) == (["w-2"], ["nope"])
    assert writer.client.count(index=writer.target.index)["count"] == 1


def test_a_create_sent_again_after_its_answer_timed_out_is_taken_as_made(cluster_urls):  # noqa: F811
    """On a loaded cluster an index creation can outlast the client's read
    timeout and be applied all the same; the client's retry then meets
    resource_already_exists_exception, which must not fail the write."""
    from index.opensearch.writer import ClusterWriter, concrete_name

    writer = ClusterWriter(fresh_target(cluster_urls, "retried-create"))
    name = concrete_name(writer.target.index)
    assert writer._create(name, alias=True) == name
    assert writer._create(name, alias=True) == name  # what the retry sends
    assert writer.ensure() == name
    assert writer.upsert_report([article_from_record(record(id="r-1"))]).outcomes == {"r-1": "added"}


def test_an_unreachable_cluster_answers_503_with_retry_after_and_refuses_writes(tmp_path):
    from search.http.app import create_app
    from search.http.config import ServiceConfig
    from search.keys import add_key

    pytest.importorskip("opensearchpy")
    secret = add_key(tmp_path, "ed")
    nowhere = ClusterTarget((f"http://127.0.0.1:{free_port()}",), "berita", timeout=2.0)
    client = testing.TestClient(create_app(tmp_path, ServiceConfig(opensearch=nowhere)))
    for path in ("/api/search", "/health", "/api/articles/x", "/api/suggest"):
        r = client.simulate_get(path, params={"q": "banjir"})
        assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json", (path, r.text)
        assert int(r.headers["retry-after"]) > 0
    page = client.simulate_get("/cari", params={"q": "banjir"})
    assert page.status_code == 503
    put = client.simulate_put(
        "/api/articles/x",
        json=record(id="x"),
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert put.status_code == 503 and "did not answer" in put.json["detail"]


@pytest.mark.opensearch
def test_the_client_fails_over_to_a_node_that_answers(cluster_urls):  # noqa: F811
    from search.backends.opensearch.engine import OpenSearchEngine
    from search.request import SearchRequest

    dead = f"http://127.0.0.1:{free_port()}"
    target = fresh_target(cluster_urls)
    from index.opensearch.writer import ClusterWriter

    ClusterWriter(target).ingest(read_paths([sample_path()]))
    engine = OpenSearchEngine(ClusterTarget((dead, *cluster_urls), target.index), poll=False)
    for _ in range(4):  # the client round-robins: the dead node is tried, then another
        assert engine.search(SearchRequest(q="banjir")).total >= 1
    with pytest.raises(ClusterUnavailable):
        OpenSearchEngine(ClusterTarget((dead,), target.index), poll=False).search(SearchRequest(q="banjir"))


@pytest.mark.opensearch
def test_a_stem_rules_change_is_rebuilt_behind_the_alias(cluster_urls):  # noqa: F811
    from index.opensearch.writer import ClusterWriter
    from index.store import StaleAnalysis
    from search.backends.opensearch.engine import OpenSearchEngine
    from search.request import SearchRequest

    target = fresh_target(cluster_urls, "rules")
    writer = ClusterWriter(target)
    writer.ingest(read_paths([sample_path()]))
    old, _ = writer.resolve()
    writer.client.indices.put_mapping(index=old, body={"_meta": {"stem_rules": "older-rules"}})
    with pytest.raises(StaleAnalysis):
        ClusterWriter(target).upsert_report([article_from_record(record(id="new"))])
    assert ClusterWriter(target).stats()["stale_analysis"]
    engine = OpenSearchEngine(target, poll=False)
    before = [h.id for h in engine.search(SearchRequest(q="iuran bpjs")).hits]
    replaced, new, count = ClusterWriter(target).rebuild()
    assert replaced == old and new != old and count == 25
    assert ClusterWriter(target).stats()["stale_analysis"] is None
    assert not writer.client.indices.exists(index=old)
    assert [h.id for h in engine.search(SearchRequest(q="iuran bpjs")).hits] == before  # the alias answers as before


@pytest.mark.opensearch
def test_learned_acronyms_find_their_long_forms_and_back_on_the_cluster(tmp_path, cluster_urls):  # noqa: F811
    """As tests/test_understanding.py has it for the Whoosh index: the pairs
    each document defines are learned from the cluster's articles."""
    from backends import opensearch_client

    from index.opensearch.writer import ClusterWriter

    define = "Penyidik Komisi Pemberantasan Korupsi (KPK) memeriksa saksi."
    records = [record(id=f"def-{i}", title=f"Pemeriksaan Saksi {i}", body=define) for i in range(3)]
    records += [
        record(id="long", title="Komisi Pemberantasan Korupsi Menahan Bupati", body="Bupati ditahan."),
        record(id="short", title="KPK Menahan Wali Kota", body="Wali kota ditahan."),
        record(id="apart", title="Komisi Pemberantasan Pajak", body="Korupsi di tempat lain."),
    ]
    client = opensearch_client(cluster_urls, tmp_path / "keys", records)
    body = client.simulate_get("/api/search", params={"q": "kpk menahan"}).json
    found = {h["id"]: h["title_html"] for h in body["results"]}
    assert set(found) >= {"long", "short"}
    assert "<mark>Komisi</mark> <mark>Pemberantasan</mark> <mark>Korupsi</mark>" in found["long"]
    back = client.simulate_get("/api/search", params={"q": "komisi pemberantasan korupsi menahan"}).json
    assert {h["id"] for h in back["results"] if h.get("missing_word") is None} == {"long", "short"}
    quoted = client.simulate_get("/api/search", params={"q": '"kpk"'}).json
    assert "long" not in {h["id"] for h in quoted["results"]}
    ClusterWriter(client.cluster).delete(["def-0", "def-1"])  # one definition left: no longer consistent
    from search.backends.opensearch.engine import OpenSearchEngine
    from search.request import SearchRequest

    fresh = OpenSearchEngine(client.cluster, poll=False)
    fresh.refresh_to(1, 5)
    hits = fresh.search(SearchRequest(q="kpk menahan")).hits
    assert {h.id for h in hits if h.missing_word is None} == {"short"}  # "long" only lacking kpk now


def test_a_search_that_lost_a_shard_copy_is_asked_again_then_is_a_503_never_a_500(monkeypatch):
    """When a node dies during a search's fetch phase, OpenSearch answers 500
    (search_phase_execution_exception) or reports failed shards: asked once
    more, as the replicas take over; if it fails again, the cluster is
    unavailable (503 + Retry-After), never a server error."""
    pytest.importorskip("opensearchpy")
    from opensearchpy.exceptions import TransportError

    import search.backends.opensearch.cluster as cluster_calls

    monkeypatch.setattr(cluster_calls, "SHARD_FAILURE_PAUSE", 0.0)
    cluster = cluster_calls.Cluster(ClusterTarget((f"http://127.0.0.1:{free_port()}",), "x"))
    answers: list = []

    def flaky(**_):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    lost = TransportError(500, "search_phase_execution_exception", {})
    answers[:] = [lost, {"_shards": {"failed": 0}, "hits": {}}]
    assert cluster.call(flaky) == {"_shards": {"failed": 0}, "hits": {}}
    answers[:] = [{"_shards": {"failed": 1}}, {"_shards": {"failed": 0}, "ok": True}]
    assert cluster.call(flaky)["ok"]
    answers[:] = [lost, lost]
    with pytest.raises(ClusterUnavailable):
        cluster.call(flaky)
    answers[:] = [TransportError(404, "index_not_found_exception", {})]
    with pytest.raises(TransportError):  # not the cluster's trouble: the caller's to read
        cluster.call(flaky)


def completion_prompts(titles: list[str]) -> list[str]:
    """What a reader types into the search box: the first 1-4 letters of each
    title word, alone and after the title's word before it."""
    from index.analysis import TOKEN_PATTERN

    prompts: dict[str, None] = {}
    for title in titles:
        words = [m.group(0) for m in TOKEN_PATTERN.finditer(title)]
        for i, word in enumerate(words):
            for n in range(1, min(4, len(word)) + 1):
                prompts[word[:n]] = None
                if i:
                    prompts[f"{words[i - 1]} {word[:n]}"] = None
    return list(prompts)


def sample_titles() -> list[str]:
    return [a.title for a in read_paths([sample_path()]) if isinstance(a, Article)]


@pytest.mark.opensearch
def test_the_cluster_completes_as_the_whoosh_index_does(sample_index, cluster_urls):  # noqa: F811
    """Every prefix of 1-4 letters of every sample title word, alone and after
    the word before it: the same completions in the same order on both
    backends (bench/suggest_parity.py compares them over the corpus)."""
    from index.opensearch.writer import ClusterWriter
    from search.backends.opensearch.engine import OpenSearchEngine
    from search.engine import SearchEngine

    target = fresh_target(cluster_urls, "complete")
    ClusterWriter(target).ingest(read_paths([sample_path()]))
    cluster = OpenSearchEngine(target, poll=False)
    whoosh = SearchEngine.open(sample_index, background=False)
    prompts = completion_prompts(sample_titles())
    assert len(prompts) > 300
    differ = [(p, whoosh.complete(p), cluster.complete(p)) for p in prompts]
    differ = [d for d in differ if d[1] != d[2]]
    assert differ == []
    assert cluster.complete("iuran b") == whoosh.complete("iuran b") != []
    assert cluster.complete("banjir ") == [] and cluster.complete("") == []
    whoosh.close()


@pytest.mark.opensearch
def test_an_index_of_an_older_document_layout_is_stale_until_rebuilt(sample_index, cluster_urls):  # noqa: F811
    """An index made before ``title_words`` (layout 1) completes nothing:
    it is reported STALE (stats, /health), refuses writes, and after
    ``--rebuild`` completes as the Whoosh index does."""
    from index.opensearch import mapping
    from index.opensearch.documents import TITLE_WORDS, DocumentMaker
    from index.opensearch.writer import ClusterWriter
    from index.store import StaleAnalysis
    from search.backends.opensearch.engine import OpenSearchEngine
    from search.engine import SearchEngine

    target = fresh_target(cluster_urls, "layout")
    writer = ClusterWriter(target)
    older = mapping.mappings()
    del older["properties"][TITLE_WORDS]
    older["_meta"]["berita"] = 1
    old = f"{target.index}-old"
    writer.client.indices.create(
        index=old, body={"settings": mapping.settings(), "mappings": older, "aliases": {target.index: {}}}
    )
    maker = DocumentMaker()
    body: list[dict] = []
    for article in read_paths([sample_path()]):
        assert isinstance(article, Article)
        doc = maker.document(article)
        del doc[TITLE_WORDS]
        body += [{"index": {"_index": old, "_id": article.id}}, doc]
    assert not writer.client.bulk(body=body, params={"refresh": "true"})["errors"]
    engine = OpenSearchEngine(target, poll=False)
    assert engine.complete("ban") == []  # what an old index would answer, silently, without the layout check
    assert "layout 1" in ClusterWriter(target).stats()["stale_analysis"]
    assert any("layout 1" in w for w in engine.health()["warnings"])
    with pytest.raises(StaleAnalysis):
        ClusterWriter(target).upsert_report([article_from_record(record(id="new"))])
    replaced, new, count = ClusterWriter(target).rebuild()
    assert replaced == old and count == 25 and f"-v{mapping.LAYOUT}-" in new
    assert ClusterWriter(target).stats()["stale_analysis"] is None
    assert engine.health()["warnings"] == []
    whoosh = SearchEngine.open(sample_index, background=False)
    assert engine.complete("ban") == whoosh.complete("ban") != []
    whoosh.close()


TYPOS = [
    "kesehatn",  # one letter dropped: searched as corrected
    "bpjs kesehatn",
    "banjr jakarta",
    "harga cabaii",
    "gempaa",
    "kebakran hutan",
    "pemilu presidn",  # both words changed where that finds more together
    "iuranbpjs",  # a missing space: offered
    "kese hatan",  # a word split apart: offered
    "iuran bpj",  # found as typed: kept
    "ibu kota",
    "jokowi",
]


@pytest.mark.opensearch
def test_the_cluster_corrects_typos_as_the_whoosh_index_does(sample_index, cluster_urls):  # noqa: F811
    """The same corrections (searched or offered) on both backends, splits and
    joins included (bench/spelling_eval.py --backend opensearch measures both
    over the corpus)."""
    from index.opensearch.writer import ClusterWriter
    from search.backends.opensearch.engine import OpenSearchEngine
    from search.engine import SearchEngine
    from search.request import SearchRequest

    target = fresh_target(cluster_urls, "spelling")
    ClusterWriter(target).ingest(read_paths([sample_path()]))
    cluster = OpenSearchEngine(target, poll=False)
    whoosh = SearchEngine.open(sample_index, background=False)

    def answered(engine, q: str) -> tuple[str | None, str | None]:
        result = engine.search(SearchRequest(q=q))
        return result.corrected_query, result.suggestion

    expected = {q: answered(whoosh, q) for q in TYPOS}
    assert sum(any(a) for a in expected.values()) >= 9  # the Whoosh index corrects most of them
    assert {q: answered(cluster, q) for q in TYPOS} == expected
    whoosh.close()
