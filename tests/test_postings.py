"""The postings sidecar: a segment's only copy of its postings, the same as
Whoosh's own codec writes, read through the map by the engine and by Whoosh,
written as arrays by Berita's writers (one text analysed once, merges in
whole arrays), refused when damaged; older segments (Whoosh's postings with a
version 1 sidecar) still read and rewritten by --upgrade."""

from __future__ import annotations

import json
import mmap
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import index_records, record
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter
from whoosh.filedb.filestore import StorageError
from whoosh.formats import Frequency, Positions

import index.postings as postings_module
from index.analysis import SHIPPED, Analysis
from index.cli import cli
from index.codec import BeritaCodec, MappedCompoundStorage, keeps_whoosh_postings
from index.formats import PackedPositions
from index.model import Article
from index.postings import SIDECAR_EXT, Sidecar, SidecarWriter, merge_tables, open_sidecar
from index.readers import read_paths, sample_path
from index.schema import build_schema
from index.segments import ArrayPostings, segment_writer
from index.stats import leaf_readers
from index.terms import SidecarTermsReader
from index.writer import MULTIPROCESS_MIN, Indexer, delete_articles, document_fields, open_writer, upgrade_segments
from search.engine import SearchEngine, SearchRequest
from search.reader.segments import read_postings

TEXT_FIELDS = ("title", "body", "title_exact", "body_exact", "author", "id")


class LegacyFieldWriter(W3FieldWriter):
    """The field writer of the Berita before postings stood in the sidecar
    alone: Whoosh's term table and blocks, and a version 1 sidecar beside
    them. Its segments are still read (and rewritten by --upgrade)."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._sidecar = SidecarWriter()

    def start_field(self, fieldname, fieldobj):
        super().start_field(fieldname, fieldobj)
        self._sidecar.start_field(fieldname, fieldobj.format)

    def start_term(self, btext):
        super().start_term(btext)
        self._sidecar.start_term(self._fieldname, btext)

    def add(self, docnum, weight, vbytes, length):
        super().add(docnum, weight, vbytes, length)
        self._sidecar.add(docnum, weight, vbytes)

    def close(self):
        sidecar = self._create_file(SIDECAR_EXT)
        sidecar.write(self._sidecar.to_bytes(self._segment.doc_count_all(), version=1))  # no term statistics
        sidecar.close()
        super().close()


class LegacyCodec(BeritaCodec):
    def field_writer(self, storage, segment):
        return LegacyFieldWriter(self, storage, segment)


def _write_sample(directory, codec, whooshs_writer: bool = False, analysis: Analysis = SHIPPED) -> None:
    """The bundled sample in one segment written with ``codec`` by Berita's
    writer (postings pooled as arrays and each text analysed once, where the
    codec writes sidecars), or by Whoosh's own, in file order."""
    directory.mkdir()
    ix = whoosh_index.create_in(str(directory), build_schema(analysis))
    writer = ix.writer(codec=codec) if whooshs_writer else segment_writer(ix, codec=codec)
    for article in read_paths([sample_path()]):
        assert isinstance(article, Article)
        writer.add_document(**document_fields(article))
    writer.commit()
    ix.close()


def _term_table(directory) -> dict:
    """Every indexed term of the index, read through Whoosh's own API: its
    term info and each posting as (article id, weight, value decoded)."""
    ix = whoosh_index.open_dir(str(directory))
    table = {}
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            ids = {docnum: fields["id"] for docnum, fields in reader.iter_docs()}
            for fieldname, btext in reader.all_terms():
                info = reader.term_info(fieldname, btext)
                fmt = reader.schema[fieldname].format
                matcher = reader.postings(fieldname, btext)
                postings = []
                while matcher.is_active():
                    value = matcher.value()
                    decoded = fmt.decode_positions(value) if fmt.supports("positions") else value
                    postings.append((ids[matcher.id()], matcher.weight(), decoded))
                    matcher.next()
                table[fieldname, btext] = (
                    (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight()),
                    sorted(postings),
                )
    finally:
        ix.close()
    return table


def _compare_with_sidecars(directory) -> int:
    """Assert each segment's sidecar, as the engine reads it, holds exactly the
    postings Whoosh reads (ids, weights, positions) for every term of the
    text fields; returns how many terms were compared."""
    ix = whoosh_index.open_dir(str(directory))
    compared = 0
    try:
        with ix.searcher() as searcher:
            for leaf, _ in leaf_readers(searcher.reader()):
                sidecar = open_sidecar(leaf.storage(), leaf.segment())
                assert isinstance(sidecar, Sidecar), sidecar
                for fieldname in TEXT_FIELDS:
                    positional = leaf.schema[fieldname].format.supports("positions")
                    for btext, _ in leaf.iter_field(fieldname):
                        theirs = read_postings(leaf, fieldname, btext.decode("utf-8"), positional)
                        ours = sidecar.postings(fieldname, btext)
                        assert ours is not None, (fieldname, btext)
                        assert ours.ids.tolist() == theirs.ids.tolist(), (fieldname, btext)
                        assert ours.tf.tolist() == theirs.tf.tolist(), (fieldname, btext)
                        assert sidecar.doc_frequency(fieldname, btext) == len(theirs.ids)
                        if positional:
                            assert ours.positions is not None and theirs.positions is not None
                            for i in range(len(theirs.ids)):
                                assert ours.positions.of(i) == theirs.positions.of(i)
                        else:
                            assert ours.positions is None
                        compared += 1
                assert sidecar.row("body", b"\xffnot-a-word") == -1
    finally:
        ix.close()
    return compared


def test_whoosh_reads_from_the_sidecar_exactly_what_its_own_codec_wrote(tmp_path):
    """The sample written by Whoosh's own writer with its stock W3 codec and by
    Berita's writer and codec (postings in the sidecar alone, pooled as
    arrays, each text analysed once): every term of every field has the same
    term info and the same postings, values included, read through Whoosh's
    API."""
    _write_sample(tmp_path / "w3", W3Codec(), whooshs_writer=True)
    _write_sample(tmp_path / "berita", BeritaCodec())
    for name, keeps in (("w3", True), ("berita", False)):
        ix = whoosh_index.open_dir(str(tmp_path / name))
        assert [keeps_whoosh_postings(ix.storage, segment) for segment in ix._segments()] == [keeps]
        ix.close()
    theirs, ours = _term_table(tmp_path / "w3"), _term_table(tmp_path / "berita")
    assert len(ours) > 1_500 and {f for f, _ in ours} >= set(TEXT_FIELDS) | {"published", "digest"}
    assert ours.keys() == theirs.keys()
    differing = [term for term in theirs if ours[term] != theirs[term]]
    assert not differing, differing[:5]
    assert _compare_with_sidecars(tmp_path / "berita") > 500


@pytest.mark.parametrize(
    "analysis",
    [Analysis(stopwords=False), Analysis(stemming="snowball", hyphen_parts=False), Analysis(stemming="none")],
    ids=["stopwords dropped", "plain snowball", "unstemmed"],
)
def test_each_text_analysed_once_gives_the_terms_of_analysing_it_per_field(tmp_path, analysis):
    """The evaluation analyses too (a stop filter in the shared chain, other
    stemmers, none): Berita's writer, which runs each text through the
    shared chain once, indexes what Whoosh's writer does field by field."""
    _write_sample(tmp_path / "per-field", BeritaCodec(), whooshs_writer=True, analysis=analysis)
    _write_sample(tmp_path / "once", BeritaCodec(), analysis=analysis)
    ours, theirs = _term_table(tmp_path / "once"), _term_table(tmp_path / "per-field")
    assert ours == theirs and len(ours) > 1_500


def test_a_new_segment_keeps_its_postings_once(sample_index):
    ix = whoosh_index.open_dir(str(sample_index))
    try:
        for segment in ix._segments():
            assert not keeps_whoosh_postings(ix.storage, segment)
            with ix.searcher() as searcher:
                assert all(isinstance(leaf._terms, SidecarTermsReader) for leaf, _ in leaf_readers(searcher.reader()))
    finally:
        ix.close()


def test_commits_merges_and_deletions_keep_every_posting(index_copy):
    """An optimize by Berita's writer takes the segments' sidecars whole and
    writes them as one: the same postings per article before and after, the
    deleted article's gone."""
    index_records(index_copy, [record(id="extra-1", title="Banjir Bandang di Garut", body="Banjir bandang melanda.")])
    index_records(index_copy, [record(id="extra-3", title="Gempa di Palu", body="Gempa bumi mengguncang Palu.")])
    delete_articles(index_copy, ["extra-1"])
    before = _term_table(index_copy)
    ix = whoosh_index.open_dir(str(index_copy))
    assert len(ix._segments()) > 1
    writer = open_writer(ix, index_copy, codec=BeritaCodec())
    writer.commit(optimize=True)  # every segment merged into one, written again
    assert len(ix.refresh()._segments()) == 1
    ix.close()
    after = _term_table(index_copy)
    live = {term: (info, postings) for term, (info, postings) in before.items() if postings}
    assert {t: p for t, (_, p) in after.items()} == {t: p for t, (_, p) in live.items()}
    assert not any(article == "extra-1" for _, postings in after.values() for article, _, _ in postings)
    assert _compare_with_sidecars(index_copy) > 500


def test_a_merge_in_whole_arrays_writes_what_whooshs_merge_posting_by_posting_writes(index_copy, tmp_path):
    """The same segments (one with a deleted article) merged three ways: by
    Berita's writer, which hands the sidecars over whole; by Whoosh's own
    writer, which pools every posting, into a sidecar; and by Whoosh's own
    writer into its stock W3 codec (the reference for the term statistics).
    Every term, its info and its postings read the same."""
    index_records(index_copy, [record(id="extra-4", title="Banjir di Bekasi", body="Banjir merendam Bekasi.")])
    index_records(index_copy, [record(id="extra-5", title="Harga cabai turun", body="Harga cabai rawit turun.")])
    delete_articles(index_copy, ["berita-2019-0002"])
    ways = {
        "whole": lambda ix, directory: open_writer(ix, directory, codec=BeritaCodec()),
        "pooled": lambda ix, directory: ix.writer(codec=BeritaCodec()),  # Whoosh's SegmentWriter
        "w3": lambda ix, directory: ix.writer(codec=W3Codec()),
    }
    tables = {}
    for name, writer_of in ways.items():
        directory = tmp_path / name
        shutil.copytree(index_copy, directory)
        ix = whoosh_index.open_dir(str(directory))
        assert len(ix._segments()) == 3
        writer = writer_of(ix, directory)
        assert isinstance(writer, ArrayPostings) == (name == "whole")
        writer.commit(optimize=True)
        ix.close()
        tables[name] = _term_table(directory)
    merged = tables["whole"]
    assert merged == tables["pooled"] == tables["w3"] and len(merged) > 1_500
    assert not any(article == "berita-2019-0002" for _, postings in merged.values() for article, _, _ in postings)
    assert _compare_with_sidecars(tmp_path / "whole") > 500


def _naive_merge(sources: list[tuple[dict, list[int]]]) -> dict:
    """What merging means, one posting at a time: each source's postings
    renumbered (-1: left out), a term's postings in document order."""
    merged: dict = {}
    for postings, numbers in sources:
        for term, entries in postings.items():
            for doc, weight, positions in entries:
                if numbers[doc] >= 0:
                    merged.setdefault(term, []).append((numbers[doc], weight, positions))
    return {term: sorted(entries) for term, entries in merged.items()}


def _sidecar_of(postings: dict, doc_count: int) -> Sidecar:
    formats = {"a": Frequency(), "b_exact": PackedPositions()}
    writer = SidecarWriter()
    for fieldname in sorted({f for f, _ in postings}):
        writer.start_field(fieldname, formats[fieldname])
        for (f, btext), entries in sorted(postings.items()):
            if f == fieldname:
                writer.start_term(fieldname, btext)
                for doc, weight, positions in entries:
                    writer.add(doc, weight, formats[fieldname].encode(positions) if positions else b"")
    return Sidecar(writer.to_bytes(doc_count), doc_count)


source_postings = st.dictionaries(
    st.tuples(st.sampled_from(["a", "b_exact"]), st.binary(min_size=1, max_size=3)),
    st.lists(st.integers(0, 11), min_size=1, max_size=5, unique=True).map(sorted),
    min_size=1,
    max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(data=st.data(), count=st.integers(1, 4))
def test_merging_tables_is_merging_posting_by_posting(data, count):
    """merge_tables (and assemble under it) against the naive merge: any
    segments, any deletions (a whole segment, a term's every posting),
    documents renumbered in order, positions carried, an empty source."""
    sources, naive, start = [], [], 0
    for _ in range(count):
        table = data.draw(source_postings)
        postings = {
            (f, t): [
                (
                    d,
                    float(i + 1),
                    sorted(data.draw(st.sets(st.integers(0, 300), min_size=1, max_size=3))) if f == "b_exact" else [],
                )
                for i, d in enumerate(docs)
            ]
            for (f, t), docs in table.items()
        }
        live = data.draw(st.lists(st.booleans(), min_size=12, max_size=12))
        numbers, next_doc = [], start
        for alive in live:
            numbers.append(next_doc if alive else -1)
            next_doc += alive
        start = next_doc
        sources.append(
            (_sidecar_of(postings, 12).table(), np.array(numbers, dtype=np.int64), frozenset({"a", "b_exact"}))
        )
        naive.append((postings, numbers))
    merged = Sidecar(_serialise_for_test(merge_tables(sources), max(start, 1)), max(start, 1))
    expected = _naive_merge(naive)
    found = {}
    for fieldname in ("a", "b_exact"):
        texts, _ = merged.sorted_terms(fieldname)
        for btext in texts:
            got = merged.postings(fieldname, btext)
            assert got is not None and got.ids.size
            found[fieldname, btext] = [
                (doc, weight, got.positions.of(i) if got.positions is not None else [])
                for i, (doc, weight) in enumerate(zip(got.ids.tolist(), got.tf.tolist()))
            ]
    assert found == expected


def _serialise_for_test(table, doc_count: int) -> bytes:
    writer = SidecarWriter()
    writer.add_table(table)
    return writer.to_bytes(doc_count)


def test_berita_index_with_two_processes_writes_a_segment_in_each_and_the_same_postings(tmp_path):
    """Above MULTIPROCESS_MIN articles the indexer writes with two processes
    (each its own segment): the postings are those of one process."""
    base = [r for r in read_paths([sample_path()]) if isinstance(r, Article)]
    records = [
        record(id=f"copy-{i}", title=a.title, body=a.body, published="2019-09-05T07:30:00+07:00")
        for i, a in enumerate(base[i % len(base)] for i in range(MULTIPROCESS_MIN + 100))
    ]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    two, one = tmp_path / "two", tmp_path / "one"
    Indexer(two, procs=2, merge=False).ingest(read_paths([path]))
    Indexer(one, procs=1, merge=False).ingest(read_paths([path]))
    ix = whoosh_index.open_dir(str(two))
    assert len(ix._segments()) >= 2
    ix.close()
    assert _term_table(two) == _term_table(one)


def test_the_engine_reads_mapped_postings_as_views_of_the_map(index_copy):
    engine = SearchEngine.open(index_copy, background=False)
    try:
        with engine.manager.acquire() as snap:
            assert not snap.sidecar_problems
            assert not any(s.copied for s in snap._sidecars if s is not None)  # aligned in the map, read in place
            postings = snap.postings("body_exact", "banjir")
            assert postings.ids.size
            part = postings.parts[0][1]
            assert part.mapped
            base = part.ids
            while isinstance(base, np.ndarray) and base.base is not None:
                base = base.base
            assert isinstance(base, memoryview | mmap.mmap | bytes) and not isinstance(base, bytes)
    finally:
        engine.close()


def _damage_sidecar(directory) -> None:
    """Flip one byte in the middle of each segment's sidecar arrays."""
    ix = whoosh_index.open_dir(str(directory))
    try:
        spans = []
        for segment in ix._segments():
            compound = segment.open_compound_file(ix.storage)
            assert isinstance(compound, MappedCompoundStorage)
            offset, length = compound.range(segment.make_filename(SIDECAR_EXT))
            spans.append((segment.make_filename(".seg"), offset + length - 16))
            compound.close()
    finally:
        ix.close()
    for name, where in spans:
        with open(directory / name, "r+b") as f:
            f.seek(where)
            byte = f.read(1)
            f.seek(where)
            f.write(bytes([byte[0] ^ 0xFF]))


@pytest.fixture
def legacy_index(tmp_path) -> Path:
    """The sample as the Berita before this one wrote it: Whoosh's postings
    with a version 1 sidecar beside them."""
    _write_sample(tmp_path / "legacy", LegacyCodec())
    return tmp_path / "legacy"


def test_a_damaged_sidecar_beside_whooshs_postings_is_refused_and_whoosh_answers_the_same(legacy_index):
    queries = ("banjir", "harga cabai", '"ibu kota"', "presiden -jokowi", "gempa OR banjir")
    requests = [SearchRequest(q=q) for q in queries]
    engine = SearchEngine.open(legacy_index, background=False)
    try:
        with engine.manager.acquire() as snap:
            assert not snap.sidecar_problems
        before = [[(h.id, round(h.score or 0.0, 9)) for h in engine.search(r).hits] for r in requests]
    finally:
        engine.close()
    _damage_sidecar(legacy_index)
    engine = SearchEngine.open(legacy_index, background=False)
    try:
        with engine.manager.acquire() as snap:
            assert snap.sidecar_problems and all("checksum" in why for why in snap.sidecar_problems.values())
        after = [[(h.id, round(h.score or 0.0, 9)) for h in engine.search(r).hits] for r in requests]
    finally:
        engine.close()
    assert after == before and any(before)


def test_a_damaged_sidecar_holding_the_only_postings_fails_loudly_naming_the_segment(index_copy):
    """No second copy to fall back on: opening says which segment and why,
    rather than answering from wrong postings."""
    _damage_sidecar(index_copy)
    with pytest.raises(StorageError, match="no readable postings: sidecar not used: checksum mismatch"):
        SearchEngine.open(index_copy, background=False)


def test_upgrade_rewrites_the_segments_that_keep_whooshs_postings_and_only_those(legacy_index):
    before = _term_table(legacy_index)
    index_records(legacy_index, [record(id="extra-2", title="Gempa Guncang Lombok", body="Gempa bumi terasa kuat.")])
    ix = whoosh_index.open_dir(str(legacy_index))
    kinds = sorted(keeps_whoosh_postings(ix.storage, segment) for segment in ix._segments())
    ix.close()
    assert kinds == [False, True]
    assert upgrade_segments(legacy_index) == (1, len({p[0] for _, ps in before.values() for p in ps}))
    ix = whoosh_index.open_dir(str(legacy_index))
    assert not any(keeps_whoosh_postings(ix.storage, segment) for segment in ix._segments())
    ix.close()
    after = _term_table(legacy_index)
    for term, (_, postings) in before.items():
        assert [p for p in after[term][1] if p[0] != "extra-2"] == postings, term
    assert _compare_with_sidecars(legacy_index) > 500
    result = CliRunner().invoke(cli, ["index", "--upgrade", "--index", str(legacy_index)])
    assert result.exit_code == 0 and "already keeps its postings in its sidecar alone" in result.output
    stats = CliRunner().invoke(cli, ["stats", "--index", str(legacy_index), "--json"])
    assert '"segments_mapped": 2' in stats.output.replace("\n", "").replace("  ", " ")


def test_upgrade_of_a_missing_index_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["index", "--upgrade", "--index", str(tmp_path / "nothing")])
    assert result.exit_code != 0 and "nothing" in result.output


terms = st.tuples(st.sampled_from(["a", "b_exact"]), st.binary(min_size=1, max_size=6))
postings_lists = st.lists(st.integers(0, 40), min_size=1, max_size=6, unique=True).map(sorted)


@settings(max_examples=60, deadline=None)
@given(
    table=st.dictionaries(terms, postings_lists, min_size=1, max_size=30),
    collide=st.booleans(),
    data=st.data(),
)
def test_any_postings_round_trip_through_a_sidecar(monkeypatch_module, table, collide, data):
    """Written as Whoosh's field writer feeds it, read back the same, also when
    every term hashes alike (the lookup then confirms by the term's bytes)."""
    if collide:
        monkeypatch_module.setattr(postings_module, "term_hash", lambda fieldname, btext: len(btext) % 2)
    else:
        monkeypatch_module.undo()
    formats = {"a": Frequency(), "b_exact": Positions()}
    positions = {
        key: [sorted(data.draw(st.sets(st.integers(0, 500), min_size=1, max_size=4))) for _ in docs]
        for key, docs in table.items()
    }
    writer = SidecarWriter()
    for fieldname in sorted({f for f, _ in table}):
        writer.start_field(fieldname, formats[fieldname])
        for (f, btext), docs in sorted(table.items()):
            if f != fieldname:
                continue
            writer.start_term(fieldname, btext)
            for doc, plist in zip(docs, positions[(f, btext)]):
                writer.add(doc, float(len(plist)), formats[fieldname].encode(plist) if f == "b_exact" else b"")
    sidecar = Sidecar(writer.to_bytes(41), 41)
    for (fieldname, btext), docs in table.items():
        found = sidecar.postings(fieldname, btext)
        assert found is not None and found.ids.tolist() == docs
        if fieldname == "b_exact":
            assert found.positions is not None
            assert [found.positions.of(i) for i in range(len(docs))] == positions[(fieldname, btext)]
    assert sidecar.postings("a", b"\x00absent\x00") is None
    monkeypatch_module.undo()


def test_a_sidecar_for_another_segment_or_version_is_refused():
    writer = SidecarWriter()
    writer.start_field("a", Frequency())
    writer.start_term("a", b"kata")
    writer.add(0, 1.0, b"")
    data = writer.to_bytes(3)
    with pytest.raises(ValueError, match="3 documents"):
        Sidecar(data, 4)
    with pytest.raises(ValueError, match="version"):
        Sidecar(data.replace(b'"version":2', b'"version":9'), 3)
    with pytest.raises(ValueError, match="not a Berita"):
        Sidecar(b"X" + data[1:], 3)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_a_segments_vocabulary_from_its_sidecar_is_whooshs_term_list(legacy_index):
    from search.reader.snapshot import _read_terms, _words

    ix = whoosh_index.open_dir(str(legacy_index))
    try:
        with ix.searcher() as searcher:
            for leaf, _ in leaf_readers(searcher.reader()):
                sidecar = open_sidecar(leaf.storage(), leaf.segment())
                assert isinstance(sidecar, Sidecar)
                for fieldname in ("title", "body", "title_exact", "body_exact"):
                    theirs, ours = _read_terms(leaf, fieldname), _words(*sidecar.terms(fieldname))
                    assert ours.terms == theirs.terms and len(ours.terms) > 50
                    assert ours.docs.tolist() == theirs.docs.tolist()
    finally:
        ix.close()


def test_a_compound_written_apart_is_counted_as_the_positions_say(sample_index, monkeypatch):
    """The vectorised adjacency check against the plain one: per document, the
    positions of the first word right before one of the second's (every pair
    kept: the sample is too small to attest one twice)."""
    import search.reader.snapshot as snapshot_module

    monkeypatch.setattr(snapshot_module, "APART_MIN_DOCS", 1)
    monkeypatch.setattr(snapshot_module, "APART_MIN_SHARE", 0.0)
    engine = SearchEngine.open(sample_index, background=False)
    try:
        with engine.manager.acquire() as snap:
            checked = 0
            for first, second in (("ibu", "kota"), ("harga", "cabai"), ("rumah", "sakit"), ("joko", "widodo")):
                firsts, seconds = snap.postings("body_exact", first), snap.postings("body_exact", second)
                both = np.intersect1d(firsts.ids, seconds.ids)
                starts = snap.positions("body_exact", first, both)
                follows = snap.positions("body_exact", second, both)
                expected = {
                    d: n
                    for d in both.tolist()
                    if (n := len(set(starts.get(d, ())) & {p - 1 for p in follows.get(d, ())}))
                }
                owner, at = firsts.gather(np.searchsorted(firsts.ids, both))
                assert sorted(at.tolist()) == sorted(p for d in both.tolist() for p in starts.get(d, ()))
                found = snap.adjacent("body", first, second)
                assert dict(zip(found.ids.tolist(), found.tf.tolist())) == expected
                checked += bool(expected)
            assert checked == 4
    finally:
        engine.close()


def test_a_header_that_lies_about_its_arrays_is_refused_not_raised(tmp_path):
    """A header naming arrays beyond the file, or none at all: open_sidecar
    says why and never raises (the engine then reads an older segment's
    Whoosh postings, or refuses a segment whose only postings these are)."""

    class OneFile:
        def __init__(self, data: bytes):
            self.data = data

        def file_exists(self, name: str) -> bool:
            return True

        def open_file(self, name: str):
            import io

            return io.BytesIO(self.data)

    class Segment:
        def make_filename(self, ext: str) -> str:
            return "s" + ext

        def doc_count_all(self) -> int:
            return 3

    writer = SidecarWriter()
    writer.start_field("a", Frequency())
    writer.start_term("a", b"kata")
    writer.add(0, 1.0, b"")
    good = writer.to_bytes(3)
    assert isinstance(open_sidecar(OneFile(good), Segment()), Sidecar)
    for bad in (good.replace(b'"arrays"', b'"arrayz"'), good.replace(b'"ids":["<i4",', b'"ids":["<i4",9')):
        why = open_sidecar(OneFile(bad), Segment())
        assert isinstance(why, str) and why.startswith("sidecar not used")
