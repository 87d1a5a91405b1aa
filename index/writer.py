"""Writes articles into the index: upsert by id, batched atomic commits.

Each batch is one Whoosh commit. A commit is atomic (the table of contents is
written last), so an interrupted run leaves the previous commit searchable, and
running the same command again only writes what is still missing or changed:
an article whose content digest is already in the index is skipped.
"""

from __future__ import annotations

import ctypes
import errno
import multiprocessing.util
import os
import re
import shutil
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.index import TOC, Index, LockError, clean_files
from whoosh.reading import SegmentReader
from whoosh.writing import NO_MERGE

from .acronyms import AcronymStore
from .analysis import SHIPPED, Analysis
from .codec import BeritaCodec, keeps_whoosh_postings
from .dates import to_utc_naive
from .merging import BULK_MERGE
from .model import Article, normalise_key
from .readers import Item, Note, Problem
from .segments import segment_writer
from .store import open_existing, open_or_create

WRITER_PID_FILE = "writer.pid"  # who holds the write lock, for "try again" messages
DEFAULT_BATCH = 10_000
# Below this many documents a batch is written in-process: starting worker
# processes costs more than it saves.
MULTIPROCESS_MIN = 2000
# The one rule for a writer that finds the index locked, on every path (berita
# index, berita delete, HTTP writes): wait this long for it, then give up
# naming the process that holds it.
LOCK_WAIT = 3.0
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class IndexBusy(RuntimeError):
    """Another process held the index's write lock for all of ``LOCK_WAIT``."""

    def __init__(self, index_dir: str | os.PathLike, pid: int | None, waited: float):
        who = f" (pid {pid})" if pid else ""
        super().__init__(
            f"the index {index_dir} is being written by another process{who}; waited {waited:g} s, "
            "try again when it is done"
        )
        self.pid = pid
        self.waited = waited


class DiskFull(OSError):
    """The index's disk (or quota) filled up during a commit. What the commit
    had written is removed again; the index keeps its last commit."""

    def __init__(self, index_dir: str | os.PathLike, cause: OSError):
        super().__init__(
            cause.errno,
            f"disk full: no space left to write the index {index_dir} ({cause.strerror}); nothing of this commit "
            "was kept and the index keeps its last commit",
        )

    def __str__(self) -> str:
        return self.strerror or ""


class RecordFailed(Exception):
    """Indexing one article raised: that article is left out and the rest committed."""

    def __init__(self, article_id: str, cause: Exception):
        super().__init__(f"could not be indexed: {type(cause).__name__}: {cause}")
        self.article_id = article_id


@dataclass
class IngestReport:
    """What one ingestion did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    commits: int = 0
    problems: list[Problem] = field(default_factory=list)  # records skipped
    notes: list[Note] = field(default_factory=list)  # said, but nothing lost
    duplicates: list[str] = field(default_factory=list)  # ids met more than once (the later record won)
    outcomes: dict[str, str] = field(default_factory=dict)  # id -> added, updated or unchanged
    failed: dict[str, str] = field(default_factory=dict)  # id -> why it could not be indexed (also in problems)
    generation: int | None = None  # of the last commit made

    @property
    def seen(self) -> int:
        return self.added + self.updated + self.unchanged


def document_fields(article: Article) -> dict:
    """The Whoosh fields for one article (the twins get the same text)."""
    fields = {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "title_exact": article.title,
        "body": article.body,
        "body_exact": article.body,
        "published": to_utc_naive(article.published),
        "published_has_time": article.published_has_time,
        "digest": article.digest,
    }
    if article.category:
        fields["category"] = normalise_key(article.category)
        fields["category_label"] = article.category
    if article.source:
        fields["source"] = normalise_key(article.source)
        fields["source_label"] = article.source
    if article.author:
        fields["author"] = article.author
        fields["author_key"] = normalise_key(article.author)
    return fields


def _batches(
    items: Iterable[Item], size: int, on_problem: Callable[[Problem], None], duplicates: list[str]
) -> Iterator[dict[str, Article]]:
    batch: dict[str, Article] = {}
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Problem):
            on_problem(item)
            continue
        if item.id in seen:
            duplicates.append(item.id)
        seen.add(item.id)
        batch.pop(item.id, None)  # the later version of an id wins
        batch[item.id] = item
        if len(batch) >= size:
            yield batch
            batch = {}
    if batch:
        yield batch


class Indexer:
    """Ingests articles into one index directory."""

    def __init__(
        self,
        index_dir: str | os.PathLike,
        procs: int = 1,
        batch_size: int = DEFAULT_BATCH,
        analysis: Analysis = SHIPPED,
        merge: bool = True,
    ):
        self.index_dir = index_dir
        self.procs = max(1, procs)
        self.batch_size = batch_size
        self.analysis = analysis  # for a new index; an existing one keeps its own
        # True: each commit also merges by the bulk tiers (index/merging.py's
        # BULK_MERGE). False: each commit only adds its segment; merging is
        # someone else's commit, so a commit's time never includes a merge.
        self.merge = merge

    def _writer_options(self, count: int) -> dict[str, Any]:
        options: dict[str, Any] = {"limitmb": 256, "codec": BeritaCodec()}
        if self.procs > 1 and count >= MULTIPROCESS_MIN:
            # Whoosh's segment-writing children would outlive a killed parent by
            # the length of their batch: they die with it instead.
            multiprocessing.util.register_after_fork(self, _die_with_parent)
            options.update(procs=self.procs, multisegment=True, batchsize=250)
        return options

    def ingest(
        self,
        items: Iterable[Item],
        on_article: Callable[[Article], None] | None = None,
        on_problem: Callable[[Problem], None] | None = None,
    ) -> IngestReport:
        """Upsert every article; problems and notes are collected (and passed
        to ``on_problem`` as they come) and never stop the run."""
        report = IngestReport()

        def problem(p: Problem) -> None:
            if isinstance(p, Note):
                report.notes.append(p)
            else:
                report.problems.append(p)
            if on_problem:
                on_problem(p)

        try:
            ix = open_or_create(self.index_dir, self.analysis)
        except OSError as exc:
            if exc.errno in DISK_FULL:
                raise DiskFull(self.index_dir, exc) from exc
            raise
        try:
            for batch in _batches(items, self.batch_size, problem, report.duplicates):
                self._write_batch(ix, batch, report, problem)
                if on_article:
                    for article in batch.values():
                        on_article(article)
        finally:
            ix.close()
        return report

    def _write_batch(
        self, ix: Index, batch: dict[str, Article], report: IngestReport, problem: Callable[[Problem], None]
    ) -> None:
        changed: list[tuple[Article, int | None]] = []
        with ix.searcher() as searcher:
            digests = searcher.reader().column_reader("digest") if searcher.doc_count_all() else None
            for article in batch.values():
                docnum = searcher.document_number(id=article.id) if digests is not None else None
                if docnum is not None and digests is not None and digests[docnum] == article.digest:
                    report.unchanged += 1
                    report.outcomes[article.id] = "unchanged"
                else:
                    changed.append((article, docnum))
        while changed:
            try:
                report.generation = self._commit(ix, changed)
            except RecordFailed as failed:  # leave that one out, commit the rest
                changed = [(a, d) for a, d in changed if a.id != failed.article_id]
                report.failed[failed.article_id] = str(failed)
                problem(Problem(f"article {failed.article_id!r}", 0, str(failed)))
                continue
            for article, docnum in changed:
                outcome = "updated" if docnum is not None else "added"
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.outcomes[article.id] = outcome
            report.commits += 1
            return

    def _commit(self, ix: Index, changed: list[tuple[Article, int | None]]) -> int:
        """One commit of ``changed``; its generation. An article whose
        indexing raises is a :class:`RecordFailed` (nothing is committed)."""
        with writing(ix, self.index_dir, **self._writer_options(len(changed))) as writer:
            for article, docnum in changed:
                try:
                    fields = document_fields(article)
                    if docnum is not None:
                        writer.delete_by_term("id", article.id)
                    writer.add_document(**fields)
                except OSError:
                    raise
                except Exception as exc:
                    raise RecordFailed(article.id, exc) from exc
            writer.commit(mergetype=BULK_MERGE if self.merge else NO_MERGE)
        # The acronyms the committed articles define (derived data: `berita acronyms --rebuild` remakes it).
        AcronymStore(self.index_dir).record((a.id, f"{a.title}\n{a.body}") for a, _ in changed)
        return ix.latest_generation()


def delete_articles(index_dir: str | os.PathLike, ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Remove articles by id in one commit; returns (deleted, not found)."""
    ix = open_existing(index_dir)
    deleted: list[str] = []
    missing: list[str] = []
    try:
        with writing(ix, index_dir, codec=BeritaCodec()) as writer:  # a merge while deleting writes our segments
            for article_id in ids:
                (deleted if writer.delete_by_term("id", article_id) else missing).append(article_id)
            # No merge: deleting only marks documents; segments are merged
            # apart (index/merging.py) or by the next bulk commit.
            writer.commit(merge=False) if deleted else writer.cancel()
            if deleted:
                AcronymStore(index_dir).forget(deleted)
    finally:
        ix.close()
    return deleted, missing


def upgrade_segments(index_dir: str | os.PathLike) -> tuple[int, int]:
    """Rewrite every segment written before postings stood in the sidecar
    alone (it keeps Whoosh's own term table and postings blocks, with or
    without a sidecar beside them) into one new segment, in one commit; the
    others stay as they are. Returns (segments rewritten, documents in them)."""
    ix = open_existing(index_dir)
    rewritten = [0, 0]

    def rewrite_old(writer, segments):
        kept = []
        for segment in segments:
            if not keeps_whoosh_postings(writer.storage, segment):
                kept.append(segment)
                continue
            reader = SegmentReader(writer.storage, writer.schema, segment)
            try:
                writer.add_reader(reader)
                rewritten[0] += 1
                rewritten[1] += segment.doc_count()
            finally:
                reader.close()
        return kept

    try:
        with writing(ix, index_dir, codec=BeritaCodec()) as writer:
            writer.commit(mergetype=rewrite_old)
    finally:
        ix.close()
    return rewritten[0], rewritten[1]


@contextmanager
def writing(ix: Index, index_dir: str | os.PathLike, **options) -> Iterator[Any]:
    """Whoosh's writer for one commit (see :func:`open_writer`), the one way
    every write ends: the block commits or cancels; whatever it raises
    abandons the writer (its files removed, the lock released), a full disk
    as :class:`DiskFull`."""
    writer = open_writer(ix, index_dir, **options)
    try:
        yield writer
    except BaseException as exc:
        abandon(writer, index_dir)
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise DiskFull(index_dir, exc) from exc
        raise
    finally:
        forget_writer(index_dir)


def open_writer(ix: Index, index_dir: str | os.PathLike, wait: float | None = None, **options):
    """Whoosh's writer, waiting up to ``wait`` seconds (default ``LOCK_WAIT``)
    for the lock; past that an :class:`IndexBusy` naming the holder."""
    wait = LOCK_WAIT if wait is None else wait
    try:
        writer = segment_writer(ix, timeout=wait, delay=0.05, **options)
    except LockError:
        raise IndexBusy(index_dir, current_writer(index_dir), wait) from None
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise DiskFull(index_dir, exc) from exc
        raise
    record_writer(index_dir)
    return writer


def abandon(writer, index_dir: str | os.PathLike) -> None:
    """After a failed commit: close the writer, remove every file it wrote
    (segments, a half-written table of contents, its temporary directory)
    while still holding the lock, then release the lock. Closing may fail
    again on a full disk; the lock is released all the same."""
    lock, writer.writelock = writer.writelock, None  # cancel() must not release it before the clean-up
    try:
        try:
            writer.cancel()
        except Exception:  # closing files on a full disk raises ENOSPC again
            pass
        remove_orphans(index_dir)
    finally:
        if lock is not None:
            lock.release()


def remove_orphans(index_dir: str | os.PathLike) -> None:
    """Delete files that no commit refers to. Only ever with the write lock
    held: another writer's segments in progress are orphans too until it commits."""
    from whoosh.filedb.filestore import FileStorage

    storage = FileStorage(str(index_dir))
    try:
        toc = TOC.read(storage, "MAIN")
    except Exception:  # no commit at all yet: nothing is known to keep
        return
    clean_files(storage, "MAIN", toc.generation, toc.segments)
    half_written = re.compile(r"^_MAIN_[0-9]+\.toc\..+$")  # TOC.write's temporary name
    for name in os.listdir(index_dir):
        path = Path(index_dir) / name
        try:
            if half_written.match(name):
                path.unlink()
            elif name == "MAIN.tmp":  # the writer's temporary directory
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def record_writer(index_dir: str | os.PathLike) -> None:
    """Note this process as the index's writer (Whoosh's lock file holds no pid)."""
    try:
        (Path(index_dir) / WRITER_PID_FILE).write_text(str(os.getpid()), encoding="ascii")
    except OSError:
        pass


def forget_writer(index_dir: str | os.PathLike) -> None:
    try:
        (Path(index_dir) / WRITER_PID_FILE).unlink()
    except OSError:
        pass


def current_writer(index_dir: str | os.PathLike) -> int | None:
    """The pid of the process writing the index, when it said so."""
    try:
        return int((Path(index_dir) / WRITER_PID_FILE).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


def _die_with_parent(_: object) -> None:
    """In a forked writer child: be killed when the parent dies (Linux)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the call
        os._exit(1)
