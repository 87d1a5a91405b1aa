"""Readers: turn files and directories into Articles, reporting bad input.

Every reader yields :class:`Article` objects for good records and
:class:`Problem` objects (file, line, message) for bad ones, so one bad record
never stops the rest from being indexed.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .dates import DateError, parse_indonesian, parse_published
from .model import Article, derive_id
from .pages import PageError, parse_page

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
PAGE_SUFFIXES = (".txt", ".page")
GZIP_MAGIC = b"\x1f\x8b"
MAX_RECORD_BYTES = 2 * 1024 * 1024  # one article; the corpus's longest is ~60 kB
MIN_YEAR, MAX_YEAR = 1900, 2100  # publication dates outside are input errors
LINK_SCHEMES = ("http://", "https://")


def web_link(url: str | None) -> str | None:
    """``url`` if it is an http(s) link, else None: nothing else (javascript:,
    data:) is ever accepted as an article's URL or shown as a link."""
    return url if url and url.lower().startswith(LINK_SCHEMES) else None


@dataclass(frozen=True)
class Problem:
    """Bad input: where it is and what is wrong with it."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path  # line 0: the whole file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Note(Problem):
    """Something the user should know that costs no record (an empty file, a
    skipped non-article file, an id made from a URL)."""


Item = Article | Problem


def _open_text(path: Path):
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _open_binary(path: Path):
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == GZIP_MAGIC else open(path, "rb")


def _required_text(record: dict, key: str) -> str:
    value = _text_field(record, key, True)
    assert value is not None  # required: missing raised
    return value


def _text_field(record: dict, key: str, required: bool) -> str | None:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"missing {key!r}")
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string, not {type(value).__name__}")
    return value.strip()


def check_year(published) -> None:
    """Dates far outside news history are input errors (year 1 overflowed the index's UTC conversion)."""
    if not MIN_YEAR <= published.year <= MAX_YEAR:
        raise DateError(f"published {published.date().isoformat()} is outside the years {MIN_YEAR}..{MAX_YEAR}")


class MissingId(ValueError):
    """A record without an id; ``article`` carries the id made from its URL."""

    def __init__(self, article: Article):
        super().__init__(f"no 'id'; using {article.id!r}, made from its url")
        self.article = article


def article_from_record(record: object) -> Article:
    """Validate one JSON Lines record (the corpus's keys) into an Article."""
    if not isinstance(record, dict):
        raise ValueError(f"a record must be a JSON object, not {type(record).__name__}")
    title = _required_text(record, "title")
    body = _required_text(record, "body")
    published, has_time = parse_published(record.get("published"))
    check_year(published)
    url = _text_field(record, "url", False)
    if url is not None and web_link(url) is None:
        raise ValueError(f"url must start with http:// or https://, not {url[:40]!r}")
    article_id = _text_field(record, "id", False)
    if article_id is None and url is None:
        raise ValueError("missing 'id' (and no 'url' to make one from)")
    article = Article(
        id=article_id or derive_id("url", url or ""),
        title=" ".join(title.split()),
        body=body,
        published=published,
        published_has_time=has_time,
        url=url,
        category=_text_field(record, "category", False),
        author=_text_field(record, "author", False),
        source=_text_field(record, "source", False),
    )
    if article_id is None:
        raise MissingId(article)
    return article


def read_jsonl(path: Path) -> Iterator[Item]:
    """One article per line; blank lines are skipped. Each line is decoded on
    its own, so a bad byte or an oversized record costs that line only."""
    try:
        handle = _open_binary(path)
    except OSError as exc:
        yield Problem(str(path), 0, f"cannot open: {exc.strerror or exc}")
        return
    if path.name.lower().endswith(".gz") and not _is_gzip(path):
        handle.close()
        yield Problem(str(path), 0, "not gzip: the name ends in .gz but the file is not gzip-compressed")
        return
    if _is_binary(path):
        yield Problem(str(path), 0, "a binary file, not JSON Lines text")
        return
    lineno = records = 0
    try:
        with handle:
            for lineno, raw in enumerate(handle, 1):
                if len(raw) > MAX_RECORD_BYTES:
                    yield Problem(
                        str(path), lineno, f"record is {len(raw):,} bytes; at most {MAX_RECORD_BYTES:,} are accepted"
                    )
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield Problem(
                        str(path), lineno, f"not UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"
                    )
                    continue
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Problem(str(path), lineno, f"malformed JSON: {exc.msg} (column {exc.colno})")
                    continue
                records += 1
                try:
                    yield article_from_record(record)
                except MissingId as exc:
                    yield Note(str(path), lineno, str(exc))
                    yield exc.article
                except (ValueError, DateError) as exc:
                    yield Problem(str(path), lineno, str(exc))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield Problem(str(path), lineno + 1, f"cannot read: {exc}")
        return
    if not records:
        yield Note(str(path), 0, "no records in this file")


def read_page(path: Path, source: str | None = None, in_directory: bool = False) -> Iterator[Item]:
    """One crawled portal page per file; its id is derived from title and date.
    Inside a directory, a file that is no portal page at all (no date line) is
    skipped with a note: directories hold READMEs and notes too."""
    if _is_binary(path):
        yield (Note if in_directory else Problem)(str(path), 0, "a binary file, not a portal page or JSON Lines")
        return
    try:
        with _open_text(path) as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        yield Problem(str(path), 0, f"cannot read: {exc}")
        return
    if not text.strip():
        yield Note(str(path), 0, "empty page (nothing to index)")
        return
    try:
        page = parse_page(text)
        published, has_time = parse_indonesian(page.published_text)
        check_year(published)
    except PageError as exc:
        if in_directory and exc.not_a_page:
            yield Note(str(path), 0, "skipped: not a portal page (no date line)")
        else:
            yield Problem(str(path), exc.line, str(exc))
        return
    except DateError as exc:
        yield Problem(str(path), 1, str(exc))
        return
    yield Article(
        id=derive_id("page", page.title, published.isoformat()),
        title=page.title,
        body=page.body,
        published=published,
        published_has_time=has_time,
        category=page.category,
        author=page.reporter,
        source=source,
    )


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as probe:
        return probe.read(2) == GZIP_MAGIC


def _is_binary(path: Path) -> bool:
    """A NUL byte in the first 8 KiB (after gzip) marks a file as no text."""
    try:
        with _open_binary(path) as handle:
            return b"\x00" in handle.read(8192)
    except (OSError, EOFError, gzip.BadGzipFile):
        return False


def _looks_like_jsonl(path: Path) -> bool:
    try:
        with _open_text(path) as handle:
            head = handle.read(256).lstrip()
    except (OSError, UnicodeDecodeError, EOFError):
        return False
    return head.startswith("{")


def reader_for(path: Path) -> str:
    """'jsonl' or 'page', by extension and, failing that, by content."""
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(PAGE_SUFFIXES):
        return "page"
    return "jsonl" if _looks_like_jsonl(path) else "page"


ARTICLE_SUFFIXES = JSONL_SUFFIXES + PAGE_SUFFIXES


def expand_paths(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, bool] | Problem]:
    """(file, found in a directory) for files as given and directories walked
    recursively (sorted, hidden files skipped). In a directory, article files
    (.jsonl, .json, .ndjson, optionally .gz, .txt, .page) and files without an
    extension (read by their content) are read; the others are skipped with a note."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    if name.lower().endswith(ARTICLE_SUFFIXES) or "." not in name:
                        yield Path(root) / name, True
                    else:
                        yield Note(str(Path(root) / name), 0, "skipped: not an article file (.jsonl, .json, .txt)")
        elif path.is_file():
            yield path, False
        else:
            yield Problem(str(path), 0, "no such file or directory")


def read_paths(paths: Iterable[str | os.PathLike], source: str | None = None) -> Iterator[Item]:
    """Every article (or problem) under the given files and directories."""
    for found in expand_paths(paths):
        if isinstance(found, Problem):
            yield found
            continue
        path, in_directory = found
        if reader_for(path) == "jsonl":
            yield from read_jsonl(path)
        else:
            yield from read_page(path, source=source, in_directory=in_directory)


def count_records(paths: Iterable[str | os.PathLike]) -> int:
    """How many records the paths hold (for a progress bar's ETA)."""
    total = 0
    for found in expand_paths(paths):
        if isinstance(found, Problem):
            continue
        path = found[0]
        if reader_for(path) == "page":
            total += 1
            continue
        try:
            with _open_text(path) as handle:
                total += sum(1 for line in handle if line.strip())
        except (OSError, UnicodeDecodeError, EOFError):
            continue
    return total


def sample_path() -> Path:
    """The bundled sample articles (JSON Lines and portal pages)."""
    from importlib import resources

    return Path(str(resources.files("index").joinpath("sample")))
