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
# The keys of a record; anything else is ignored (and said so over HTTP).
RECORD_FIELDS = ("id", "url", "title", "published", "category", "author", "body", "source")


class RecordError(ValueError):
    """One record refused before it is indexed (its reason is the message):
    too large, not UTF-8, malformed or too deeply nested JSON, invalid text."""


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


def too_large(size: int) -> str | None:
    """Why a record of ``size`` bytes is refused, or None: the one size rule
    of every path (JSON Lines files, PUT, both bulk forms)."""
    if size > MAX_RECORD_BYTES:
        return f"record is {size:,} bytes; at most {MAX_RECORD_BYTES:,} are accepted"
    return None


def record_size(record: object) -> int:
    """A parsed record's size as one compact JSON Lines line (for records that
    arrived inside a larger JSON document)."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8", errors="surrogatepass"))


def load_json(text: str | bytes) -> object:
    """JSON text as a value; malformed JSON and nesting too deep for the
    parser (a RecursionError) are both a :class:`RecordError`."""
    if isinstance(text, bytes):  # UTF-8 only (json.loads would guess UTF-16 and -32 from the bytes)
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RecordError(f"not UTF-8: byte 0x{text[exc.start]:02x} at byte {exc.start + 1}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}" if exc.lineno > 1 else f"column {exc.colno}"
        raise RecordError(f"malformed JSON: {exc.msg} ({where})") from None
    except RecursionError:
        raise RecordError("JSON nested too deeply") from None


def parse_line(raw: bytes) -> object:
    """One line of JSON Lines as its JSON value (None for a blank line), each
    line on its own: its size, its UTF-8 and its JSON."""
    refused = too_large(len(raw))
    if refused:
        raise RecordError(refused)
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(f"not UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}") from None
    if not line.strip():
        return None
    if "\x00" in line:  # raw, not the escape \u0000: this line is no JSON text
        raise RecordError(f"a NUL byte at column {line.index(chr(0)) + 1}: not JSON text")
    return load_json(line)


def shown(text: str) -> str:
    """``text`` fit to be said back in an answer: a lone surrogate (which no
    UTF-8 answer can carry) as its escape."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def unknown_fields(record: object) -> list[str]:
    """The keys of a record that are no article field (they are not stored)."""
    return sorted(shown(k) for k in record if k not in RECORD_FIELDS) if isinstance(record, dict) else []


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
    check_unicode(key, value)
    return value.strip()


def check_unicode(key: str, value: str) -> None:
    """Text must be encodable as UTF-8: a lone surrogate (JSON's "\\ud800")
    is refused here, as this record's failure, before it reaches the index."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RecordError(
            f"{key!r} holds a lone surrogate (U+{ord(value[exc.start]):04X}) at character {exc.start + 1}: "
            "not valid Unicode text"
        ) from None


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
    if isinstance(record.get("published"), str):
        check_unicode("published", record["published"])
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
    if _is_binary(path, text_starts=b"{"):
        yield Problem(str(path), 0, "a binary file, not JSON Lines text")
        return
    lineno = records = 0
    try:
        with handle:
            for lineno, raw in enumerate(handle, 1):
                try:
                    record = parse_line(raw)
                except RecordError as exc:
                    yield Problem(str(path), lineno, str(exc))
                    continue
                if record is None:
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


def _is_binary(path: Path, text_starts: bytes | None = None) -> bool:
    """A NUL byte in the first 8 KiB (after gzip) marks a file as no text,
    unless the file starts as its kind of text does (``text_starts``: a JSON
    Lines file whose first line is an object is read line by line, and a NUL
    costs only its own line)."""
    try:
        with _open_binary(path) as handle:
            head = handle.read(8192)
    except (OSError, EOFError, gzip.BadGzipFile):
        return False
    if text_starts is not None and head.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(text_starts):
        return False
    return b"\x00" in head


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
                    if not (Path(root) / name).is_file():  # a FIFO would be waited on forever
                        yield Note(str(Path(root) / name), 0, "skipped: not a regular file (a FIFO, socket or device)")
                    elif name.lower().endswith(ARTICLE_SUFFIXES) or "." not in name:
                        yield Path(root) / name, True
                    else:
                        yield Note(str(Path(root) / name), 0, "skipped: not an article file (.jsonl, .json, .txt)")
        elif path.is_file():
            yield path, False
        elif path.exists():
            yield Problem(str(path), 0, "not a regular file (a FIFO, socket or device)")
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
