import gzip
import json

from conftest import record, write_jsonl

from index.model import Article
from index.readers import Problem, read_paths


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
    path = write_jsonl(
        tmp_path / "x.jsonl",
        [{"id": "x1", "title": "Judul", "body": "Isi berita.", "published": "2019-09-01", "url": None, "author": None}],
    )
    [article], _ = split(read_paths([path]))
    assert article.id == "x1" and article.url is None and article.author is None
    assert not article.published_has_time
    assert article.to_record()["published"] == "2019-09-01"


def test_every_kind_of_bad_record_names_file_and_line_and_the_rest_is_read(tmp_path):
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            record(id="ok1"),
            "{not json",
            record(id="no-title", title=""),
            record(id="no-body", body=None),
            record(id="bad-date", published="kemarin sore"),
            record(id="bad-type", title=42),
            "[1, 2]",
            record(id="ok2"),
        ],
    )
    articles, problems = split(read_paths([path]))
    assert [a.id for a in articles] == ["ok1", "ok2"]
    assert [p.line for p in problems] == [2, 3, 4, 5, 6, 7]
    messages = " | ".join(p.message for p in problems)
    for expected in (
        "malformed JSON",
        "missing 'title'",
        "missing 'body'",
        "kemarin sore",
        "must be a string",
        "JSON object",
    ):
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


def test_the_missing_id_rule_is_said_out_loud(tmp_path):
    """No id: one is made from the url, with a note; no id and no url: an error."""
    from index.readers import Note

    path = write_jsonl(
        tmp_path / "ids.jsonl",
        [
            {k: v for k, v in record().items() if k != "id"},
            {k: v for k, v in record(url=None).items() if k != "id"},
        ],
    )
    items = list(read_paths([path]))
    articles = [i for i in items if isinstance(i, Article)]
    notes = [i for i in items if isinstance(i, Note)]
    errors = [i for i in items if isinstance(i, Problem) and not isinstance(i, Note)]
    assert [a.id[:4] for a in articles] == ["url-"] and notes[0].line == 1 and articles[0].id in notes[0].message
    assert errors[0].line == 2 and "no 'url'" in errors[0].message


def test_whole_file_problems_name_no_line_and_directories_skip_what_is_no_article(tmp_path):

    directory = tmp_path / "dir"
    directory.mkdir()
    write_jsonl(directory / "a.jsonl", [record(id="a")])
    (directory / "README.md").write_text("# Tentang folder ini\n", encoding="utf-8")
    (directory / "notes.txt").write_text("catatan rapat redaksi\n", encoding="utf-8")
    (directory / "empty.jsonl").write_text("", encoding="utf-8")
    (directory / "photo.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    items = list(read_paths([directory, tmp_path / "nope.jsonl"]))
    said = {str(i).replace(str(directory) + "/", ""): type(i).__name__ for i in items if isinstance(i, Problem)}
    assert said.pop(f"{tmp_path / 'nope.jsonl'}: no such file or directory") == "Problem"
    assert said == {
        "README.md: skipped: not an article file (.jsonl, .json, .txt)": "Note",
        "empty.jsonl: no records in this file": "Note",
        "notes.txt: skipped: not a portal page (no date line)": "Note",
        "photo.jsonl: a binary file, not JSON Lines text": "Problem",
    }
    assert [i.id for i in items if isinstance(i, Article)] == ["a"]
