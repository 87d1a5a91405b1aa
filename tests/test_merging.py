"""Writes commit without merging; small segments are merged apart, bounded."""

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from index.merging import MAX_MERGED_DOCS, MERGE_FACTOR, merge_due, merge_small_segments, segments_to_merge, tier
from index.model import Article
from index.readers import article_from_record
from index.writer import IndexBusy, Indexer
from search.engine import SearchEngine, SearchRequest
from search.http import writes
from search.http.writes import Committer


@dataclass
class FakeSegment:
    docs: int
    name: str = ""

    def doc_count_all(self) -> int:
        return self.docs

    def segment_id(self) -> str:
        return self.name


def sizes(directory: Path) -> list[int]:
    ix = whoosh_index.open_dir(str(directory))
    try:
        return [s.doc_count_all() for s in ix._segments()]
    finally:
        ix.close()


def ids_in(directory: Path) -> Counter:
    ix = whoosh_index.open_dir(str(directory))
    try:
        with ix.searcher() as searcher:
            return Counter(fields["id"] for fields in searcher.all_stored_fields())
    finally:
        ix.close()


def _article(n: int) -> Article:
    return article_from_record(
        {"id": f"m{n}", "title": f"Gabung segmen uji{n}x", "body": "Badan artikel uji.", "published": "2019-10-01"}
    )


def bounded(segment_sizes: list[int]) -> bool:
    """At most MERGE_FACTOR - 1 segments per tier below the cap."""
    tiers = Counter(tier(n) for n in segment_sizes if n < MAX_MERGED_DOCS)
    return all(count < MERGE_FACTOR for count in tiers.values())


def test_the_policy_merges_a_full_tier_smallest_first_and_never_past_the_cap():
    assert [tier(n, 10) for n in (0, 1, 9, 10, 99, 100, 999, 1000)] == [0, 0, 0, 1, 1, 2, 2, 3]
    assert [tier(n, 4) for n in (1, 3, 4, 15, 16, 255, 256, 1023, 1024)] == [0, 0, 1, 1, 2, 3, 4, 4, 5]
    nine = [FakeSegment(1, f"s{i}") for i in range(9)]
    assert segments_to_merge(nine, 10, 1000) == []
    ten = [*nine, FakeSegment(3, "s9"), FakeSegment(5000, "big")]
    assert {s.name for s in segments_to_merge(ten, 10, 1000)} == {f"s{i}" for i in range(10)}
    eleven = [*ten, FakeSegment(2, "s10")]  # the ten smallest of the tier
    assert "s9" not in {s.name for s in segments_to_merge(eleven, 10, 1000)}
    hundreds = [FakeSegment(150, f"h{i}") for i in range(10)]  # 1,500 together: past the cap
    assert segments_to_merge(hundreds, 10, 1000) == []
    assert segments_to_merge([FakeSegment(1000, f"c{i}") for i in range(20)], 10, 1000) == []
    # the shipped policy: the last tier below the cap merges to exactly the cap
    last = [FakeSegment(MAX_MERGED_DOCS // MERGE_FACTOR, f"t{i}") for i in range(MERGE_FACTOR)]
    assert len(segments_to_merge(last)) == MERGE_FACTOR
    assert segments_to_merge([FakeSegment(MAX_MERGED_DOCS, f"c{i}") for i in range(9)]) == []


def test_a_commit_without_merge_is_one_more_segment_and_searchable(index_copy):
    before = sizes(index_copy)
    engine = SearchEngine.open(index_copy, background=False)
    try:
        for n in range(7):  # Whoosh's default policy would have merged these after five
            report = Indexer(index_copy, merge=False).ingest([_article(n)])
            assert report.added == 1
            assert engine.refresh_to(report.generation or 0, 30)
            assert engine.search(SearchRequest(q=f"uji{n}x")).total == 1
    finally:
        engine.close()
    after = sizes(index_copy)
    assert len(after) == len(before) + 7
    assert sorted(after) == sorted(before + [1] * 7)


def test_merging_bounds_the_segments_writes_add_and_keeps_every_article(index_copy):
    before = ids_in(index_copy)
    for n in range(3 * MERGE_FACTOR + 4):
        Indexer(index_copy, merge=False).ingest([_article(n)])
    assert not bounded(sizes(index_copy))
    merges = 0
    while merge_small_segments(index_copy) is not None:
        merges += 1
        assert merges < 100
    assert merges >= 3 and not merge_due(index_copy)
    assert bounded(sizes(index_copy))
    after = ids_in(index_copy)
    assert after == before + Counter(f"m{n}" for n in range(3 * MERGE_FACTOR + 4))  # none lost, none twice


def test_the_committer_merges_once_idle_and_every_write_stays_searchable(index_copy, monkeypatch):
    merged = threading.Event()
    real = writes.merge_small_segments

    def merge_and_say(directory):
        generation = real(directory)
        if generation is not None:
            merged.set()
        return generation

    monkeypatch.setattr(writes, "merge_small_segments", merge_and_say)
    committer = Committer(index_copy)
    for n in range(MERGE_FACTOR + 2):
        committed = committer.upsert([_article(n)])
        assert committed.outcomes == {f"m{n}": "added"}
    assert merged.wait(60), "the committer never merged the small segments"
    committer.upsert([_article(999)])  # taken once the thread is idle again
    assert bounded(sizes(index_copy))
    engine = SearchEngine.open(index_copy, background=False)
    try:
        for n in [*range(MERGE_FACTOR + 2), 999]:
            assert engine.search(SearchRequest(q=f"uji{n}x")).total == 1, n
    finally:
        engine.close()


KILLED_IN_A_MERGE = """
import sys, time
from whoosh.writing import SegmentWriter
from index.merging import merge_small_segments

real = SegmentWriter.add_reader
def add_reader_then_hang(self, reader):
    real(self, reader)
    print("merging", flush=True)
    time.sleep(600)

SegmentWriter.add_reader = add_reader_then_hang
merge_small_segments(sys.argv[1])
"""


def test_a_merge_killed_with_sigkill_loses_nothing_and_the_next_one_completes(index_copy):
    for n in range(MERGE_FACTOR):
        Indexer(index_copy, merge=False).ingest([_article(n)])
    before_ids, before_sizes = ids_in(index_copy), sorted(sizes(index_copy))
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_IN_A_MERGE, str(index_copy)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "merging"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert ids_in(index_copy) == before_ids and sorted(sizes(index_copy)) == before_sizes  # the last commit, intact
    assert merge_small_segments(index_copy) is not None  # the lock died with the process
    assert ids_in(index_copy) == before_ids
    assert sorted(sizes(index_copy)) == sorted([s for s in before_sizes if s != 1] + [MERGE_FACTOR])
    ix = whoosh_index.open_dir(str(index_copy))
    try:
        kept = {f"{s.segment_id()}.seg" for s in ix._segments()}
    finally:
        ix.close()
    left = {p.name for p in index_copy.glob("MAIN_*")} - {"MAIN_WRITELOCK"}
    assert left == kept and not (index_copy / "MAIN.tmp").exists()  # the killed merge's files are gone


def test_a_merged_segments_postings_leave_the_cache_with_it(index_copy, monkeypatch):
    # Segments without a postings sidecar (as written before sidecars): only
    # theirs are decoded into the cache.
    from whoosh.codec.whoosh3 import W3Codec

    from index.codec import BeritaCodec

    monkeypatch.setattr(BeritaCodec, "field_writer", W3Codec.field_writer)
    engine = SearchEngine.open(index_copy, background=False)
    try:
        for n in range(MERGE_FACTOR):
            report = Indexer(index_copy, merge=False).ingest([_article(n)])
            assert engine.refresh_to(report.generation or 0, 30)
            before = engine.search(SearchRequest(q="gabung segmen")).total  # reads every segment's postings
        generation = merge_small_segments(index_copy)
        assert generation is not None and engine.refresh_to(generation, 30)
        assert engine.search(SearchRequest(q="gabung segmen")).total == before >= MERGE_FACTOR
        with engine.manager.acquire() as snap:
            alive = set(snap.segment_ids)
        cached = {key[0] for key in engine.manager.store.postings._items if isinstance(key, tuple)}
        assert cached and cached <= alive
    finally:
        engine.close()


def test_a_merge_never_waits_for_a_writer_holding_the_index(index_copy):
    for n in range(MERGE_FACTOR):
        Indexer(index_copy, merge=False).ingest([_article(n)])
    ix = whoosh_index.open_dir(str(index_copy))
    writer = ix.writer()  # another writer holds the lock
    try:
        with pytest.raises(IndexBusy) as busy:
            merge_small_segments(index_copy)
        assert busy.value.waited == 0
    finally:
        writer.cancel()
        ix.close()
    assert merge_small_segments(index_copy) is not None
