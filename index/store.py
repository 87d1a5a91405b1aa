"""Where the index lives and how it is opened."""

from __future__ import annotations

import os
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index

from .analysis import SHIPPED, Analysis
from .schema import build_schema, stale_analysis

DEFAULT_INDEX_DIR = "var/index"
INDEX_ENV = "BERITA_INDEX"


class IndexMissing(FileNotFoundError):
    """There is no index at the given directory yet."""


def resolve_index_dir(path: str | os.PathLike | None = None) -> Path:
    """An explicit directory, else ``$BERITA_INDEX``, else ``./var/index``."""
    return Path(path or os.environ.get(INDEX_ENV) or DEFAULT_INDEX_DIR)


class StaleAnalysis(RuntimeError):
    """The index was built with other stemming rules than this Berita's:
    adding to it would mix two analyses in one index."""


def open_or_create(index_dir: str | os.PathLike, analysis: Analysis = SHIPPED) -> Index:
    """An existing index (refused if built with other stemming rules), else a
    new one analysing text as ``analysis`` says."""
    directory = Path(index_dir)
    directory.mkdir(parents=True, exist_ok=True)
    if whoosh_index.exists_in(str(directory)):
        ix = whoosh_index.open_dir(str(directory))
        reason = stale_analysis(ix.schema)
        if reason:
            ix.close()
            raise StaleAnalysis(f"{directory}: {reason}")
        return ix
    return whoosh_index.create_in(str(directory), build_schema(analysis))


def open_existing(index_dir: str | os.PathLike) -> Index:
    directory = Path(index_dir)
    if not whoosh_index.exists_in(str(directory)):
        raise IndexMissing(f"no index at {directory} (run 'berita index PATH' first)")
    return whoosh_index.open_dir(str(directory))


def index_size_bytes(index_dir: str | os.PathLike) -> int:
    return sum(p.stat().st_size for p in Path(index_dir).iterdir() if p.is_file())


def latest_generation(index_dir: str | os.PathLike) -> int:
    """The generation of the newest commit (-1: none), from the file names alone."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    return TOC._latest_generation(FileStorage(str(index_dir)), "MAIN")
