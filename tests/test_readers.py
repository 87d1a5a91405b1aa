import gzip
import json

from conftest import record, write_jsonl

from index.readers import Problem, read_paths
from index.model import Article


def split(items):
    items = list(items)
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Problem)]


def test_jsonl_gzip_and_directories_recursively(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [record(id="a")])
    nested = tmp_path / "more" / "deeper"
    nested.mkdir(parents=True)
    with gzip.open(nested / "b.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(record(id="b")) + "\n")
    (nested / "noext").write_text(json.dumps(record(id="c")) + "\n", encoding="utf-8")
    articles, problems = split(read_paths([tmp_path]))
    assert sorted(a.id for a in articles) == ["a", "b", "c"]
    assert problems == []


def test_optional_keys_may_be_missing_or_null_and_dates_may_lack_time(tmp_path):
    path = write_jsonl(tmp_path / "x.jsonl", [{"title": "Judul", "body": "Isi berita.", "published": "2019-09-01",
                                               "url": None, "author": None}])
    [article], _ = split(read_paths([path]))
    assert article.id.startswith("doc-") and article.url is None and article.author is None
    assert not article.published_has_time
    assert article.to_record()["published"] == "2019-09-01"


def test_every_kind_of_bad_record_names_file_and_line_and_the_rest_is_read(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [
        record(id="ok1"),
        "{not json",
        record(id="no-title", title=""),
        record(id="no-body", body=None),
        record(id="bad-date", published="kemarin sore"),
        record(id="bad-type", title=42),
        "[1, 2]",
        record(id="ok2"),
    ])
    articles, problems = split(read_paths([path]))
    assert [a.id for a in articles] == ["ok1", "ok2"]
    assert [p.line for p in problems] == [2, 3, 4, 5, 6, 7]
    messages = " | ".join(p.message for p in problems)
    for expected in ("malformed JSON", "missing 'title'", "missing 'body'", "kemarin sore", "must be a string", "JSON object"):
        assert expected in messages
    assert all(str(path) in str(p) for p in problems)


def test_unreadable_and_missing_files_are_problems_not_crashes(tmp_path):
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00 not utf-8 \xff")
    articles, problems = split(read_paths([broken, binary, tmp_path / "absent.jsonl"]))
    assert articles == []
    assert {p.path.split("/")[-1] for p in problems} == {"broken.jsonl.gz", "binary.jsonl", "absent.jsonl"}
