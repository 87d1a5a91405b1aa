"""The searcher manager hands out one snapshot and replaces it, off the
request path, after commits."""

import threading
import time

from conftest import index_records, record

from index.writer import delete_articles
from search.engine import SearchEngine, SearchRequest
from search.features.spelling import corrections
from search.features.suggest import headline_words
from search.reader.manager import SearcherManager
from search.reader.snapshot import base_is_settled


def wait_for_new_generation(manager: SearcherManager, old: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while manager.generation == old:
        assert time.monotonic() < deadline, "the background refresher did not open the new commit"
        time.sleep(0.02)


def test_updates_and_deletes_are_seen_without_duplicates(tmp_path):
    ixdir = tmp_path / "ix"
    index_records(
        ixdir,
        [
            record(id="a", title="Harga Cabai Naik", body="Cabai mahal."),
            record(id="b", title="Harga Bawang Naik", body="Bawang mahal."),
        ],
    )
    engine = SearchEngine(SearcherManager(ixdir, check_interval=0.02))
    first = engine.manager._current
    with engine.manager.acquire() as snap:
        assert snap is first
    assert [h.id for h in engine.search(SearchRequest(q="cabai")).hits] == ["a"]
    generation = engine.manager.generation
    index_records(ixdir, [record(id="a", title="Harga Cabai Turun", body="Cabai murah.")])
    wait_for_new_generation(engine.manager, generation)
    result = engine.search(SearchRequest(q="harga", size=10))
    assert sorted(h.id for h in result.hits) == ["a", "b"] and result.total == 2  # no stale copy of "a"
    assert engine.search(SearchRequest(q="turun")).hits[0].id == "a"
    assert engine.health()["documents"] == 2
    generation = engine.manager.generation
    delete_articles(ixdir, ["b"])
    wait_for_new_generation(engine.manager, generation)
    assert engine.search(SearchRequest(q="harga")).total == 1
    assert first.searcher.is_closed  # the retired searcher was closed once nobody used it
    engine.close()


def test_new_snapshots_are_opened_by_the_refresher_not_by_requests(tmp_path):
    ixdir = tmp_path / "ix"
    index_records(ixdir, [record(id="a")])
    manager = SearcherManager(ixdir, check_interval=0.02)
    opened_on = []
    real_open = manager._open

    def spy():
        opened_on.append(threading.current_thread().name)
        return real_open()

    manager._open = spy  # type: ignore[method-assign]
    engine = SearchEngine(manager)
    generation = manager.generation
    index_records(ixdir, [record(id="b", title="Gempa Guncang Ambon")])
    deadline = time.monotonic() + 10
    while not engine.search(SearchRequest(q="gempa")).total:  # requests keep being answered meanwhile
        assert time.monotonic() < deadline
    assert manager.generation != generation
    assert opened_on and set(opened_on) == {"berita-refresh"}
    engine.close()


def test_searcher_is_shared_not_opened_per_request(tmp_path):
    ixdir = tmp_path / "ix"
    index_records(ixdir, [record(id="a")])
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
    manager.close()


def test_a_commit_counts_in_completions_and_corrections_before_their_bases_are_merged_again(tmp_path):
    ixdir = tmp_path / "ix"
    index_records(ixdir, [record(id=f"b{i}", title=f"Banjir Rendam Desa {i}") for i in range(3)])
    manager = SearcherManager(ixdir, check_interval=3600)  # the refresher never ticks: each step is ours
    engine = SearchEngine(manager)
    for i in range(5):
        generation = manager.generation
        index_records(ixdir, [record(id=f"a{i}", title=f"Bandara Ditutup Kabut {i}")])
        assert manager.refresh_to(generation + 1, 10)
    with manager.acquire() as snap:
        base = headline_words(snap).base
        assert not base_is_settled(base.segments, snap.segment_ids)  # the swap merged nothing again
        assert not corrections(snap).settled
        assert corrections(snap).count("bandara") == 5 and corrections(snap).count("banjir") == 3
    # The later segments' headlines count: bandara (5) ahead of banjir (3, in the base).
    assert engine.complete("ban") == ["bandara", "banjir"]
    manager._do_idle_work()  # what the refresher does when it finds no new commit
    with manager.acquire() as snap:
        assert base_is_settled(headline_words(snap).base.segments, snap.segment_ids)
        assert corrections(snap).settled and corrections(snap).count("bandara") == 5
    assert engine.complete("ban") == ["bandara", "banjir"]
    engine.close()


def test_a_workers_warm_up_asks_each_kind_of_request_with_the_index_own_words(sample_index, tmp_path):
    engine = SearchEngine.open(sample_index, background=False)
    asked: list[str] = []
    search, complete, related = engine.search, engine.complete, engine.related

    def spy_search(request):
        asked.append(request.q)
        return search(request)

    def spy_complete(text, limit=10):
        asked.append(f"complete {text}")
        return complete(text, limit)

    def spy_related(article_id, *args, **kwargs):
        asked.append("related")
        return related(article_id, *args, **kwargs)

    engine.search, engine.complete, engine.related = spy_search, spy_complete, spy_related  # type: ignore[method-assign]
    engine.warm_up()
    engine.close()
    assert len(asked) == 5 and asked[-1] == "related" and asked[-2].startswith("complete ")
    words = asked[0].split()
    assert len(words) == 2 and all(w.isalpha() for w in words)  # two headline words of the index
    empty = tmp_path / "empty"
    index_records(empty, [])
    quiet = SearchEngine.open(empty, background=False)
    quiet.warm_up()  # nothing to warm: no error
    quiet.close()
