import json
from pathlib import Path

from click.testing import CliRunner
from conftest import record, write_jsonl
from server import get_json, running_server

from index.analysis import STEM_RULES
from search.cli import cli  # index.cli's group, with search, serve and keys registered on it
from search.engine import SearchEngine, SearchRequest


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def running(pid: int) -> bool:
    """Is the process there and not a zombie? (It may be reaped while we read.)"""
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:2]
    except OSError:
        return False


def test_index_stats_delete_round_trip(tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            record(id="a", source="Kompas.com", category="News / Nasional"),
            record(id="b", source="Tempo.co", category="bisnis"),
        ],
    )
    result = run("index", path, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output
    stats = json.loads(run("stats", "--index", tmp_path / "ix", "--json").output)
    assert stats["documents"] == 2
    assert stats["sources"] == {"Kompas.com": 1, "Tempo.co": 1}
    assert stats["categories"] == {"News / Nasional": 1, "bisnis": 1}
    assert stats["first_published"] == "2019-09-05T07:30:00+07:00" and stats["size_bytes"] > 0
    result = run("delete", "a", "--index", tmp_path / "ix")
    assert result.exit_code == 0 and "deleted 1" in result.output
    assert json.loads(run("stats", "--index", tmp_path / "ix", "--json").output)["documents"] == 1


def test_bad_input_names_file_and_line_exits_non_zero_and_indexes_the_rest(tmp_path):
    path = write_jsonl(tmp_path / "mixed.jsonl", [record(id="a"), "{broken", record(id="b", published="32/13/2019")])
    result = run("index", path, "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert f"{path}:2: malformed JSON" in result.output
    assert f"{path}:3:" in result.output
    assert "2 records skipped" in result.output
    assert json.loads(run("stats", "--index", tmp_path / "ix", "--json").output)["documents"] == 1


def test_parse_prints_records_and_reports_problems(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [record(id="a", published="2019-09-01T10:00:00+08:00"), "{"])
    result = run("parse", path)
    assert result.exit_code == 1
    first = json.loads(result.output.splitlines()[0])
    assert first["id"] == "a" and first["published"] == "2019-09-01T10:00:00+08:00"
    assert f"{path}:2:" in result.output


def test_env_var_names_the_default_index(tmp_path, monkeypatch):
    monkeypatch.setenv("BERITA_INDEX", str(tmp_path / "env-ix"))
    assert run("index", write_jsonl(tmp_path / "a.jsonl", [record()])).exit_code == 0
    assert (tmp_path / "env-ix").is_dir()


def test_missing_index_and_missing_path_are_clear_errors(tmp_path):
    result = run("stats", "--index", tmp_path / "nothing")
    assert result.exit_code != 0 and "no index at" in result.output
    result = run("index", tmp_path / "absent.jsonl", "--index", tmp_path / "ix")
    assert result.exit_code == 1 and "no such file" in result.output
    result = run("delete", "zz", "--index", tmp_path / "ix")
    assert result.exit_code == 1 and "no article with id 'zz'" in result.output


def test_an_index_built_with_other_stemming_rules_is_reported_and_never_mixed(tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    assert run("index", write_jsonl(tmp_path / "a.jsonl", [record(id="a")]), "--index", ix).exit_code == 0
    stats = json.loads(run("stats", "--index", ix, "--json").output)
    assert stats["stem_rules"] == STEM_RULES and stats["stale_analysis"] is None
    # A newer Berita with other word lists meets the old index.
    monkeypatch.setattr("index.schema.STEM_RULES", "rules-v2")
    result = run("index", write_jsonl(tmp_path / "b.jsonl", [record(id="b")]), "--index", ix)
    assert result.exit_code == 1
    assert str(ix) in result.output and f"stemming rules {STEM_RULES}" in result.output
    assert "index the articles again" in result.output
    stats = json.loads(run("stats", "--index", ix, "--json").output)
    assert stats["documents"] == 1 and "rules-v2" in stats["stale_analysis"]
    assert "STALE" in run("stats", "--index", ix).output
    engine = SearchEngine.open(ix)
    try:
        assert engine.health()["warnings"] == [stats["stale_analysis"]]
        assert engine.search(SearchRequest(q="")).total == 1
    finally:
        engine.close()


def test_a_locked_index_and_an_empty_index_give_messages_not_tracebacks(tmp_path):
    from click.testing import CliRunner
    from whoosh import index as whoosh_index

    from index.schema import build_schema

    ixdir = tmp_path / "ix"
    ixdir.mkdir()
    whoosh_index.create_in(str(ixdir), build_schema())
    runner = CliRunner()
    stats = runner.invoke(cli, ["stats", "--index", str(ixdir)])
    assert stats.exit_code == 0 and "documents    0" in stats.output, stats.output
    ix = whoosh_index.open_dir(str(ixdir))
    writer = ix.writer()  # another process holding the write lock
    try:
        data = write_jsonl(tmp_path / "a.jsonl", [record(id="a")])
        result = runner.invoke(cli, ["index", str(data), "--index", str(ixdir)])
        assert result.exit_code == 2 and "being written by another process" in result.output
        assert "Traceback" not in result.output
    finally:
        writer.cancel()
        ix.close()


def test_writer_children_die_with_a_killed_indexer_and_the_lock_names_the_writer(tmp_path):
    """kill -9 of `berita index --procs 2` mid-batch: its segment-writing
    children go too (they used to finish their batch first); a second writer
    is told which process holds the index."""
    import os
    import signal
    import subprocess
    import sys
    import time

    data = write_jsonl(
        tmp_path / "many.jsonl", [record(id=f"a{i}", body="Kata kata berita. " * 400) for i in range(6000)]
    )
    ixdir = tmp_path / "ix"
    proc = subprocess.Popen(
        [sys.executable, "-m", "search", "index", str(data), "--index", str(ixdir), "--procs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def children() -> list[int]:
        out = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "stat").read_text().split(") ")[1].split()[1] == str(proc.pid):
                    out.append(int(entry.name))
            except (OSError, IndexError):
                continue
        return out

    deadline = time.monotonic() + 60
    kids: list[int] = []
    while len(kids) < 2 and time.monotonic() < deadline and proc.poll() is None:
        kids = children()
        time.sleep(0.05)
    assert len(kids) >= 2, "the indexer did not start its writer processes"
    result = CliRunner().invoke(cli, ["index", str(data), "--index", str(ixdir)])
    assert result.exit_code == 2 and f"(pid {proc.pid})" in result.output
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 3
    while any(running(k) for k in kids):
        assert time.monotonic() < deadline, "writer children outlived the killed indexer"
        time.sleep(0.05)


def test_a_busy_port_is_one_line_and_exit_2_and_grammar_and_version(sample_index):
    import socket

    runner = CliRunner()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        for workers in ("1", "2"):
            result = runner.invoke(
                cli, ["serve", "--index", str(sample_index), "--port", str(port), "--workers", workers]
            )
            assert result.exit_code == 2, result.output
            assert f"port {port} on 127.0.0.1 is in use" in result.output and "Traceback" not in result.output
    one = runner.invoke(cli, ["search", "zebra", "--index", str(sample_index)])
    assert one.exit_code == 0 and one.output.startswith("0 results (") and "page 1 of 0" not in one.output
    single = runner.invoke(cli, ["search", "banjir", "--index", str(sample_index), "--size", "1"])
    assert single.output.startswith("1 result ("), single.output  # the sample's one flood story
    several = runner.invoke(cli, ["search", '"kabut asap"', "--index", str(sample_index), "--size", "1"])
    assert several.output.startswith("2 results ("), several.output
    version = runner.invoke(cli, ["--version"])
    assert version.exit_code == 0 and "berita, version" in version.output


def test_a_second_multi_worker_server_does_not_share_the_port(sample_index):
    """Two `serve --workers 2` on one port: the second refuses (SO_REUSEPORT alone would share it)."""
    import subprocess
    import sys

    from server import running_server

    with running_server(sample_index, 2) as base:
        port = base.rsplit(":", 1)[1]
        second = subprocess.run(
            [sys.executable, "-m", "search", "serve", "--index", str(sample_index), "--port", port, "--workers", "2"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2 and "is in use" in second.stderr


def test_duplicates_across_files_and_empty_files_are_reported_without_failing(tmp_path):
    first = write_jsonl(tmp_path / "one.jsonl", [record(id="same", title="Versi Satu"), record(id="x")])
    second = write_jsonl(tmp_path / "two.jsonl", [record(id="same", title="Versi Dua")])
    empty = tmp_path / "kosong.jsonl"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["index", str(first), str(second), str(empty), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    assert "note: 1 id came more than once; the later record was kept: same" in result.output
    assert f"note: {empty}: no records in this file" in result.output
    assert "2 articles" in result.output
    engine = SearchEngine.open(tmp_path / "ix", background=False)
    same = engine.article("same")
    assert same is not None and same["title"] == "Versi Dua"
    engine.close()


def test_counts_in_cli_messages_are_singular_when_one(tmp_path):
    runner = CliRunner()
    data = write_jsonl(tmp_path / "a.jsonl", [record(id="a"), "{not json"])
    indexed = runner.invoke(cli, ["index", str(data), "--index", str(tmp_path / "ix")])
    assert indexed.exit_code == 1 and "1 record skipped because of errors" in indexed.output
    assert "1 article in" in indexed.output
    deleted = runner.invoke(cli, ["delete", "a", "--index", str(tmp_path / "ix")])
    assert deleted.exit_code == 0 and "deleted 1 article\n" in deleted.output


def test_search_histogram_is_a_text_chart(sample_index):
    result = CliRunner().invoke(cli, ["search", "--index", str(sample_index), "--histogram", "--interval", "year"])
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("  20")]
    assert [ln.split()[0] for ln in lines] == ["2019", "2020", "2021", "2022", "2023"]
    assert sum(int(ln.split()[-1]) for ln in lines) == 25 and any("█" in ln for ln in lines)


def test_search_offers_a_rare_phrase_as_loose_words(sample_index):
    result = CliRunner().invoke(cli, ["search", '"banjir jakarta"', "--index", str(sample_index)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 results") and "berita search 'banjir jakarta'" in result.output
    loose = CliRunner().invoke(cli, ["search", "banjir jakarta", "--index", str(sample_index)])
    assert "berita search" not in loose.output and not loose.output.startswith("0 results"), loose.output


def test_search_options_that_would_be_ignored_are_refused_and_errors_say_the_way_on(tmp_path):
    """--format needs --all, --now needs --sort recent; the page window points
    to --all (the CLI has no cursor); a size error says its reason once."""
    from test_api import _many

    from index.readers import read_paths
    from index.writer import Indexer

    Indexer(tmp_path / "ix").ingest(read_paths([write_jsonl(tmp_path / "many.jsonl", _many(1010))]))
    ix = ["--index", tmp_path / "ix"]
    fmt = run("search", "banjir", "--format", "jsonl", *ix)
    assert fmt.exit_code == 2 and "--format" in fmt.output and "--all" in fmt.output
    now = run("search", "banjir", "--now", "2019-09-30", *ix)
    assert now.exit_code == 2 and "--sort recent" in now.output
    assert run("search", "banjir", "--now", "2019-09-30", "--sort", "recent", *ix).exit_code == 0
    window = run("search", "banjir", "--page", "101", *ix)
    assert window.exit_code == 2 and "--all" in window.output and "cursor" not in window.output
    past = run("search", "banjir", "--page", "99999", *ix)
    assert past.exit_code == 0 and "past the last page (101); use --page 100" in past.output
    size = run("search", "banjir", "--size", "51", *ix)
    assert size.exit_code == 2 and "Invalid value for --size: must be between 0" in size.output, size.output
    assert "and 50" in size.output
    assert "size: " not in size.output.split("--size:", 1)[1]


def test_index_says_what_is_wrong_with_a_whole_file_and_counts_files_apart_from_records(tmp_path):
    import gzip

    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "empty.jsonl").write_text("")
    plain = tmp_path / "plain.jsonl.gz"
    plain.write_text(json.dumps(record(id="p")) + "\n")  # named .gz, not compressed
    binary = tmp_path / "blob.jsonl"
    binary.write_bytes(gzip.compress(b"\x00\x01\x02" * 100)[:50] + b"\x00" * 100)
    good = write_jsonl(tmp_path / "good.jsonl", [record(id="g"), "{not json"])
    empties = run("index", tmp_path / "empty.txt", tmp_path / "empty.jsonl", "--index", tmp_path / "ix")
    assert empties.exit_code == 0 and empties.output.count("note:") == 2 and "error" not in empties.output
    result = run("index", plain, binary, tmp_path / "absent.jsonl", good, "--index", tmp_path / "ix")
    assert result.exit_code == 1
    assert f"error: {plain}: not gzip" in result.output and "malformed JSON" not in result.output.split(str(binary))[0]
    assert f"error: {binary}:" in result.output and f"error: {tmp_path / 'absent.jsonl'}: no such file" in result.output
    assert "3 files and 1 record skipped because of errors" in result.output, result.output


def test_serve_says_process_and_threads_in_good_grammar(sample_index):
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--index", str(sample_index), "--port", "0", "--threads", "1"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        line = proc.stderr.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "(1 process x 1 thread)" in line and "(es)" not in line, line


def test_the_search_command_loads_no_web_stack():
    """`berita search` is the library plus click: falcon, pydantic and
    waitress load only for `serve` (and `search --json`, the API's envelope)."""
    import subprocess
    import sys

    probe = "import sys, search.cli; print(sorted(m for m in ('falcon', 'pydantic', 'waitress') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]", loaded


def test_an_index_of_nothing_is_searched_and_served_without_error(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    runner = CliRunner()
    made = runner.invoke(cli, ["index", str(empty), "--index", str(tmp_path / "ix")])
    assert made.exit_code == 0, made.output
    searched = runner.invoke(cli, ["search", "banjir", "--index", str(tmp_path / "ix")])
    assert searched.exit_code == 0 and searched.output.startswith("0 results"), searched.output
    with running_server(tmp_path / "ix") as base:
        status, _, body = get_json(f"{base}/api/search?q=banjir")
        assert status == 200 and body["total"] == 0, body
