"""Bad input costs the bad record only, reported as file:line, never the batch."""

from __future__ import annotations

import json

from conftest import index_records, record

from index.readers import MAX_RECORD_BYTES, Problem, read_paths
from index.writer import Indexer
from search.engine import SearchEngine, SearchRequest


def _lines(records: list[dict]) -> list[bytes]:
    return [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in records]


def test_an_invalid_byte_costs_only_its_line(tmp_path):
    lines = _lines([record(id=f"a{i}", title=f"Berita nomor {i}") for i in range(6)])
    lines[2] = lines[2].replace(b"nomor", b"nom\xffor")
    path = tmp_path / "badutf8.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(read_paths([path]))
    problems = [i for i in items if isinstance(i, Problem)]
    assert [p.line for p in problems] == [3] and "UTF-8" in problems[0].message
    assert str(problems[0]).startswith(f"{path}:3: ")
    assert sorted(i.id for i in items if not isinstance(i, Problem)) == ["a0", "a1", "a3", "a4", "a5"]


def test_an_invalid_byte_deep_in_a_large_file_is_reported_at_its_own_line(tmp_path):
    lines = _lines([record(id=f"a{i}") for i in range(6000)])
    lines[2999] = lines[2999][:-2] + b"\xc3\x28" + lines[2999][-2:]
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(read_paths([path]))
    assert [i.line for i in items if isinstance(i, Problem)] == [3000]
    assert sum(1 for i in items if not isinstance(i, Problem)) == 5999


def test_out_of_range_dates_script_urls_and_huge_records_are_rejected_with_their_line(tmp_path):
    big = record(id="big", body="kata " * (MAX_RECORD_BYTES // 5 + 10))
    bad = [
        record(id="ok1"),
        record(id="old", published="0001-01-01"),
        record(id="js", url="JaVaScRiPt:alert(1)"),
        record(id="data", url="data:text/html,hi"),
        big,
        record(id="ok2"),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(_lines(bad)) + b"\n")
    index_dir = tmp_path / "ix"
    report = Indexer(index_dir).ingest(read_paths([path]))
    assert [p.line for p in report.problems] == [2, 3, 4, 5]
    assert "1900" in report.problems[0].message and "http" in report.problems[1].message
    assert "bytes" in report.problems[3].message
    assert report.added == 2  # the good records of the batch were kept
    engine = SearchEngine.open(index_dir, background=False)
    assert engine.search(SearchRequest()).total == 2
    engine.close()


def test_segments_without_a_field_keep_every_column_aligned(index_copy):
    """The sample (with authors and categories) plus articles without them in a
    later segment: filters, facets and stats still see one value per document."""
    from index.stats import index_stats

    index_dir = index_copy
    bare = [
        {
            k: v
            for k, v in record(id=f"bare-{i}", title=f"Tanpa Kategori Zebrakuda {i}").items()
            if k not in ("category", "author", "source")
        }
        for i in range(2)
    ]
    index_records(index_dir, bare)
    stats = index_stats(index_dir)
    assert stats["documents"] == 27 and stats["categories"]["(none)"] == 2
    engine = SearchEngine.open(index_dir, background=False)
    by_author = engine.search(SearchRequest(authors=("Andi Pratama",)))
    assert by_author.total >= 1 and all(h.author == "Andi Pratama" for h in by_author.hits)
    everything = engine.search(SearchRequest(facets=frozenset({"category"}), size=50))
    assert everything.total == 27
    assert sum(n for _, _, n in everything.facets["category"]) == 25
    assert engine.search(SearchRequest(q="zebrakuda")).total == 2
    engine.close()
