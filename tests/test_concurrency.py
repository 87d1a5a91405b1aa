"""A snapshot held by a request outlives refreshes and the manager's close:
it answers from its own commit until released, and only then is its searcher
closed; after close, readers get ManagerClosed (a domain error)."""

from __future__ import annotations

import pytest
from conftest import index_records, record

from search.engine import SearchEngine, SearchRequest
from search.reader.manager import ManagerClosed, SearcherManager
from search.reader.snapshot import Snapshot


def answers(snap: Snapshot) -> tuple[int, list[str]]:
    """What a snapshot answers from its files: its live count and every stored id."""
    return snap.searcher.doc_count(), sorted(f["id"] for f in snap.searcher.all_stored_fields())


def test_a_held_snapshot_answers_across_refreshes_and_close(index_copy):
    manager = SearcherManager(index_copy, background=False)
    engine = SearchEngine(manager)
    with manager.acquire() as held:
        before = answers(held)
        assert before[0] > 0
        intermediates = []
        for i in range(3):
            generation = manager.generation
            index_records(index_copy, [record(id=f"new-{i}", url=f"https://example.test/new-{i}", title="Zebra Baru")])
            assert manager.maybe_refresh(), "a new commit opens a new snapshot"
            assert manager.generation > generation
            with manager.acquire() as current:
                assert current is not held
                count, ids = answers(current)
                assert count == before[0] + i + 1 and f"new-{i}" in ids
                intermediates.append(current)
            assert not held.searcher.is_closed, "a searcher was closed while a request holds it"
            assert answers(held) == before, "the held snapshot answers from its own commit"
        # Superseded snapshots nobody holds are closed (the last one is current).
        assert all(s.searcher.is_closed for s in intermediates[:-1])
        assert not intermediates[-1].searcher.is_closed
        assert [h.id for h in engine.search(SearchRequest(q="zebra", size=10)).hits] != []

        manager.close()
        manager.close()  # idempotent
        assert not held.searcher.is_closed, "close() closed a searcher a request still holds"
        assert answers(held) == before
        assert intermediates[-1].searcher.is_closed, "the current snapshot, unheld, is closed by close()"
        with pytest.raises(ManagerClosed), manager.acquire():
            pass
        with pytest.raises(ManagerClosed):
            engine.search(SearchRequest(q="zebra"))
    assert held.searcher.is_closed, "the last release closes a retired snapshot"
    assert not manager.maybe_refresh()


def test_two_holders_of_one_snapshot_release_independently(index_copy):
    manager = SearcherManager(index_copy, background=False)
    try:
        with manager.acquire() as first:
            before = answers(first)
            with manager.acquire() as second:
                assert second is first
            assert not first.searcher.is_closed, "one holder's release closed the searcher another holds"
            index_records(index_copy, [record(id="later", url="https://example.test/later")])
            assert manager.maybe_refresh()
            with manager.acquire() as third:
                assert third is not first
            assert not first.searcher.is_closed
            assert answers(first) == before
        assert first.searcher.is_closed
    finally:
        manager.close()
