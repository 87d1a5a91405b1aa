"""Writes articles into the index: upsert by id, batched atomic commits.

Each batch is one Whoosh commit. A commit is atomic (the table of contents is
written last), so an interrupted run leaves the previous commit searchable, and
running the same command again only writes what is still missing or changed:
an article whose content digest is already in the index is skipped.
"""

from __future__ import annotations

import ctypes
import multiprocessing.util
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.index import Index

from .analysis import SHIPPED, Analysis
from .codec import BeritaCodec
from .dates import to_utc_naive
from .model import Article, normalise_key
from .readers import Item, Note, Problem
from .store import open_existing, open_or_create

WRITER_PID_FILE = "writer.pid"  # who holds the write lock, for "try again" messages
DEFAULT_BATCH = 10_000
# Below this many documents a batch is written in-process: starting worker
# processes costs more than it saves.
MULTIPROCESS_MIN = 2000


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
    ):
        self.index_dir = index_dir
        self.procs = max(1, procs)
        self.batch_size = batch_size
        self.analysis = analysis  # for a new index; an existing one keeps its own

    def _writer(self, ix: Index, count: int):
        options = {"limitmb": 256, "codec": BeritaCodec()}
        if self.procs > 1 and count >= MULTIPROCESS_MIN:
            # Whoosh's segment-writing children would outlive a killed parent by
            # the length of their batch: they die with it instead.
            multiprocessing.util.register_after_fork(self, _die_with_parent)
            writer = ix.writer(procs=self.procs, multisegment=True, batchsize=250, **options)
        else:
            writer = ix.writer(**options)
        record_writer(self.index_dir)
        return writer

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

        ix = open_or_create(self.index_dir, self.analysis)
        try:
            for batch in _batches(items, self.batch_size, problem, report.duplicates):
                self._write_batch(ix, batch, report)
                if on_article:
                    for article in batch.values():
                        on_article(article)
        finally:
            ix.close()
        return report

    def _write_batch(self, ix: Index, batch: dict[str, Article], report: IngestReport) -> None:
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
        if not changed:
            return
        writer = self._writer(ix, len(changed))
        try:
            for article, docnum in changed:
                if docnum is not None:
                    writer.delete_by_term("id", article.id)
                    report.updated += 1
                else:
                    report.added += 1
                report.outcomes[article.id] = "updated" if docnum is not None else "added"
                writer.add_document(**document_fields(article))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            forget_writer(self.index_dir)
        report.commits += 1


def delete_articles(index_dir: str | os.PathLike, ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Remove articles by id in one commit; returns (deleted, not found)."""
    ix = open_existing(index_dir)
    deleted: list[str] = []
    missing: list[str] = []
    try:
        writer = ix.writer()
    except BaseException:
        ix.close()
        raise
    record_writer(index_dir)
    try:
        for article_id in ids:
            (deleted if writer.delete_by_term("id", article_id) else missing).append(article_id)
        writer.commit() if deleted else writer.cancel()
    except BaseException:
        writer.cancel()
        raise
    finally:
        forget_writer(index_dir)
        ix.close()
    return deleted, missing


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
