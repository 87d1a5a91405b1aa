"""The codec's own file handling: compound segments read through the map."""

import mmap

from index.codec import BeritaSegment, MappedFile, MemoryFile
from search.engine import SearchEngine, SearchRequest


def test_new_segments_read_their_compound_file_through_the_map_not_a_copy(index_copy):
    engine = SearchEngine.open(index_copy, background=False)
    try:
        with engine.manager.acquire() as snap:
            leaves = [leaf for leaf, _ in snap.searcher.reader().leaf_readers()]
            compound = [leaf for leaf in leaves if leaf.segment().is_compound()]
            assert compound, "the sample index has compound segments"
            for leaf in compound:
                assert isinstance(leaf.segment(), BeritaSegment)
                files = leaf.storage().a  # Whoosh overlays the compound file on the directory
                opened = files.open_file(files.list()[0])
                assert isinstance(opened, MappedFile)
                assert isinstance(opened._buf.obj, mmap.mmap)  # a view of the map, not bytes of its own
        hits = engine.search(SearchRequest(q="banjir")).hits
        assert hits and all(h.title for h in hits)  # postings and stored fields read through it
    finally:
        engine.close()


def test_a_memory_file_reads_seeks_and_reads_lines_as_a_file_does():
    import io
    import pickle

    data = b"first line\nsecond\n" + pickle.dumps({"k": [1, 2, 3]})
    ours, theirs = MemoryFile(memoryview(data)), io.BytesIO(data)
    for f in (ours, theirs):
        f.seek(0)
    assert ours.readline() == theirs.readline() == b"first line\n"
    assert ours.read(3) == theirs.read(3) == b"sec"
    assert ours.tell() == theirs.tell() == 14
    ours.seek(-2, 1), theirs.seek(-2, 1)
    assert ours.readline() == theirs.readline()
    assert pickle.load(ours) == pickle.load(theirs) == {"k": [1, 2, 3]}
    assert ours.read() == theirs.read() == b""
    ours.seek(0, 2)
    assert ours.tell() == len(data)
