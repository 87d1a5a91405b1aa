"""The postings sidecar: the same postings as Whoosh's, read through the map,
refused when damaged, written for new and merged segments, and by --upgrade
for old ones."""

from __future__ import annotations

import mmap

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import index_records, record
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.formats import Frequency, Positions

import index.postings as postings_module
from index.cli import cli
from index.codec import BeritaCodec, MappedCompoundStorage
from index.postings import SIDECAR_EXT, Sidecar, SidecarWriter, open_sidecar
from index.stats import leaf_readers
from index.writer import delete_articles, open_writer, upgrade_segments
from search.engine import SearchEngine, SearchRequest
from search.reader.segments import read_postings

TEXT_FIELDS = ("title", "body", "title_exact", "body_exact", "author", "id")


def _compare_every_term(directory) -> int:
    """Assert each segment's sidecar holds exactly Whoosh's postings (ids,
    weights, positions) for every term of the text fields; returns the count."""
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


def test_every_term_of_a_new_index_reads_the_same_from_the_sidecar_as_from_whoosh(sample_index):
    assert _compare_every_term(sample_index) > 500


def test_commits_merges_and_deletions_keep_the_sidecars_equal_to_whoosh(index_copy):
    index_records(index_copy, [record(id="extra-1", title="Banjir Bandang di Garut", body="Banjir bandang melanda.")])
    delete_articles(index_copy, ["extra-1"])
    ix = whoosh_index.open_dir(str(index_copy))
    writer = open_writer(ix, index_copy, codec=BeritaCodec())
    writer.commit(optimize=True)  # every segment merged into one, written again
    ix.close()
    assert _compare_every_term(index_copy) > 500


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
        with ix.searcher() as searcher:
            for leaf, _ in leaf_readers(searcher.reader()):
                compound = leaf.storage().a
                assert isinstance(compound, MappedCompoundStorage)
                offset, length = compound.range(leaf.segment().make_filename(SIDECAR_EXT))
                spans.append((leaf.segment().make_filename(".seg"), offset + length - 16))
    finally:
        ix.close()
    for name, where in spans:
        with open(directory / name, "r+b") as f:
            f.seek(where)
            byte = f.read(1)
            f.seek(where)
            f.write(bytes([byte[0] ^ 0xFF]))


def test_a_damaged_sidecar_is_refused_and_whoosh_answers_the_same(index_copy, tmp_path):
    queries = ("banjir", "harga cabai", '"ibu kota"', "presiden -jokowi", "gempa OR banjir")
    requests = [SearchRequest(q=q) for q in queries]
    engine = SearchEngine.open(index_copy, background=False)
    try:
        before = [[(h.id, round(h.score or 0.0, 9)) for h in engine.search(r).hits] for r in requests]
    finally:
        engine.close()
    _damage_sidecar(index_copy)
    engine = SearchEngine.open(index_copy, background=False)
    try:
        with engine.manager.acquire() as snap:
            assert snap.sidecar_problems and all("checksum" in why for why in snap.sidecar_problems.values())
        after = [[(h.id, round(h.score or 0.0, 9)) for h in engine.search(r).hits] for r in requests]
    finally:
        engine.close()
    assert after == before and any(before)


def test_upgrade_rewrites_segments_without_a_usable_sidecar_and_only_those(index_copy):
    index_records(index_copy, [record(id="extra-2", title="Gempa Guncang Lombok", body="Gempa bumi terasa kuat.")])
    _damage_sidecar(index_copy)  # every segment refused now
    assert upgrade_segments(index_copy)[0] >= 1
    assert _compare_every_term(index_copy) > 500
    result = CliRunner().invoke(cli, ["index", "--upgrade", "--index", str(index_copy)])
    assert result.exit_code == 0 and "already has its postings sidecar" in result.output
    stats = CliRunner().invoke(cli, ["stats", "--index", str(index_copy), "--json"])
    assert '"segments_mapped": 1' in stats.output.replace("\n", "").replace("  ", " ")


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
        Sidecar(data.replace(b'"version":1', b'"version":9'), 3)
    with pytest.raises(ValueError, match="not a Berita"):
        Sidecar(b"X" + data[1:], 3)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_a_segments_vocabulary_from_its_sidecar_is_whooshs_term_list(sample_index):
    from search.reader.snapshot import _read_terms, _words

    ix = whoosh_index.open_dir(str(sample_index))
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
    """A header naming arrays beyond the file, or none at all, makes the
    segment fall back to Whoosh: open_sidecar says why and never raises."""

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
