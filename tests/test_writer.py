import os
import signal
import subprocess
import sys
import time

from conftest import record, write_jsonl
from whoosh import index as whoosh_index

from index.readers import read_paths
from index.stats import index_stats
from index.writer import Indexer, delete_articles


def ingest(directory, path, **kw):
    return Indexer(directory, **kw).ingest(read_paths([path]))


def doc_count(directory):
    ix = whoosh_index.open_dir(str(directory))
    try:
        return ix.doc_count(), ix.latest_generation()
    finally:
        ix.close()


def test_ingesting_the_same_file_twice_changes_nothing(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [record(id=f"a{i}") for i in range(5)])
    first = ingest(tmp_path / "ix", path)
    assert (first.added, first.commits) == (5, 1)
    before = doc_count(tmp_path / "ix")
    second = ingest(tmp_path / "ix", path)
    assert (second.added, second.updated, second.unchanged, second.commits) == (0, 0, 5, 0)
    assert doc_count(tmp_path / "ix") == before


def test_a_changed_article_replaces_the_old_one(tmp_path):
    ingest(tmp_path / "ix", write_jsonl(tmp_path / "a.jsonl", [record(id="x", title="Judul Lama")]))
    report = ingest(tmp_path / "ix", write_jsonl(tmp_path / "b.jsonl", [record(id="x", title="Judul Baru")]))
    assert report.updated == 1
    ix = whoosh_index.open_dir(str(tmp_path / "ix"))
    with ix.searcher() as s:
        assert s.doc_count() == 1
        assert s.document(id="x")["title"] == "Judul Baru"


def test_duplicate_ids_in_one_file_keep_the_last(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [record(id="d", title="Satu"), record(id="d", title="Dua")])
    ingest(tmp_path / "ix", path)
    ix = whoosh_index.open_dir(str(tmp_path / "ix"))
    with ix.searcher() as s:
        assert s.doc_count() == 1 and s.document(id="d")["title"] == "Dua"


def test_bad_input_loses_nothing_already_indexed(tmp_path):
    ingest(tmp_path / "ix", write_jsonl(tmp_path / "good.jsonl", [record(id=f"g{i}") for i in range(3)]))
    bad = write_jsonl(tmp_path / "bad.jsonl", ["{oops", record(id="g0", body=""), record(id="n1")])
    report = ingest(tmp_path / "ix", bad)
    assert len(report.problems) == 2 and report.added == 1
    assert doc_count(tmp_path / "ix")[0] == 4


def test_delete_by_id(tmp_path):
    ingest(tmp_path / "ix", write_jsonl(tmp_path / "a.jsonl", [record(id=f"a{i}") for i in range(3)]))
    deleted, missing = delete_articles(tmp_path / "ix", ["a1", "zz"])
    assert deleted == ["a1"] and missing == ["zz"]
    assert doc_count(tmp_path / "ix")[0] == 2


def test_multiprocess_batches_upsert_like_single_process(tmp_path):
    records = [record(id=f"m{i}", title=f"Judul {i}", body=f"Isi berita nomor {i} tentang pasar.") for i in range(2500)]
    path = write_jsonl(tmp_path / "m.jsonl", records)
    report = ingest(tmp_path / "ix", path, procs=2, batch_size=1000)
    assert report.added == 2500 and report.commits == 3
    again = ingest(tmp_path / "ix", path, procs=2, batch_size=1000)
    assert again.unchanged == 2500 and again.commits == 0
    stats = index_stats(tmp_path / "ix")
    assert stats["documents"] == 2500


def test_kill_9_during_ingestion_keeps_the_last_commit_and_a_rerun_completes(tmp_path):
    records = [
        record(id=f"k{i}", title=f"Berita {i}", body=("Kalimat panjang tentang ekonomi. " * 40) + str(i))
        for i in range(3000)
    ]
    path = write_jsonl(tmp_path / "k.jsonl", records)
    ixdir = tmp_path / "ix"
    cmd = [
        sys.executable,
        "-m",
        "search",
        "index",
        str(path),
        "--index",
        str(ixdir),
        "--batch-size",
        "500",
        "--procs",
        "1",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not (whoosh_index.exists_in(str(ixdir)) and doc_count(ixdir)[0] >= 500):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    count, _ = doc_count(ixdir)
    assert count % 500 == 0 and 500 <= count < 3000, count  # only whole commits are visible
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert doc_count(ixdir)[0] == 3000
    assert f"{count:,} unchanged" in rerun.stdout


def test_segments_with_compressed_stored_fields_are_still_read_and_merged(tmp_path, monkeypatch):
    """New segments keep stored fields uncompressed (index/codec.py); an index
    written before that (W3's zlib column) reads the same and merges into the
    new form."""
    from whoosh.codec.whoosh3 import W3PerDocWriter

    from index.codec import PLAIN_STORED, BeritaCodec

    with monkeypatch.context() as patched:  # write the first segment the old way
        patched.setattr(BeritaCodec, "per_document_writer", lambda self, st, seg: W3PerDocWriter(self, st, seg))
        ingest(tmp_path / "ix", write_jsonl(tmp_path / "old.jsonl", [record(id="old", title="Banjir Lama")]))
    ingest(tmp_path / "ix", write_jsonl(tmp_path / "new.jsonl", [record(id="new", title="Banjir Baru")]))
    ix = whoosh_index.open_dir(str(tmp_path / "ix"))
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert sorted(leaf._perdoc.has_column(PLAIN_STORED) for leaf in leaves) == [False, True]
        assert sorted(f["title"] for f in reader.all_stored_fields()) == ["Banjir Baru", "Banjir Lama"]
    ix.writer(codec=BeritaCodec()).commit(optimize=True)  # merge both segments into one
    ix = whoosh_index.open_dir(str(tmp_path / "ix"))
    with ix.reader() as reader:
        assert reader.is_atomic() and reader._perdoc.has_column(PLAIN_STORED)
        assert sorted(f["title"] for f in reader.all_stored_fields()) == ["Banjir Baru", "Banjir Lama"]
    ix.close()
