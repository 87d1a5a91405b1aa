"""The searcher manager hands out one searcher and reopens it after commits."""

import threading

from conftest import record, write_jsonl

from index.readers import read_paths
from index.writer import Indexer, delete_articles
from search.engine import SearchEngine, SearchRequest
from search.manager import SearcherManager


def test_updates_and_deletes_are_seen_without_duplicates(tmp_path):
    ixdir = tmp_path / "ix"
    Indexer(ixdir).ingest(read_paths([write_jsonl(tmp_path / "a.jsonl", [record(id="a", title="Harga Cabai Naik", body="Cabai mahal."),
                                                                          record(id="b", title="Harga Bawang Naik", body="Bawang mahal.")])]))
    engine = SearchEngine(SearcherManager(ixdir, check_interval=0))
    first = engine.manager._current
    with engine.manager.acquire() as snap:
        assert snap is first
    assert [h.id for h in engine.search(SearchRequest(q="cabai")).hits] == ["a"]
    Indexer(ixdir).ingest(read_paths([write_jsonl(tmp_path / "b.jsonl", [record(id="a", title="Harga Cabai Turun", body="Cabai murah.")])]))
    result = engine.search(SearchRequest(q="harga", size=10))
    assert sorted(h.id for h in result.hits) == ["a", "b"] and result.total == 2  # no stale copy of "a"
    assert engine.search(SearchRequest(q="turun")).hits[0].id == "a"
    assert engine.health()["documents"] == 2
    delete_articles(ixdir, ["b"])
    assert engine.search(SearchRequest(q="harga")).total == 1
    assert first.searcher.is_closed  # the retired searcher was closed once nobody used it


def test_searcher_is_shared_not_opened_per_request(tmp_path):
    ixdir = tmp_path / "ix"
    Indexer(ixdir).ingest(read_paths([write_jsonl(tmp_path / "a.jsonl", [record(id="a")])]))
    manager = SearcherManager(ixdir, check_interval=60)
    seen = set()

    def worker():
        for _ in range(50):
            with manager.acquire() as snap:
                seen.add(id(snap.searcher))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 1
