"""The API over either backend: the Whoosh index (the default) or an
OpenSearch cluster (tests/opensearch/cluster.sh, through the
``opensearch_urls`` fixture). Test modules import ``cluster_urls`` and
:func:`opensearch_app`; the cluster's own index per app is named afresh."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest

from index.readers import read_paths, sample_path

BACKENDS = ["whoosh", pytest.param("opensearch", marks=pytest.mark.opensearch)]


@pytest.fixture(scope="session")
def cluster_urls(request) -> list[str]:
    """The session cluster's node URLs (``opensearch_urls``), or those
    BERITA_OPENSEARCH_URLS names; skips, saying why, without either."""
    try:
        return list(request.getfixturevalue("opensearch_urls"))
    except pytest.FixtureLookupError:
        urls = [u for u in re.split(r"[,\s]+", os.environ.get("BERITA_OPENSEARCH_URLS", "")) if u]
        if not urls:
            pytest.skip("no OpenSearch cluster: set BERITA_OPENSEARCH_URLS or run with tests/opensearch_cluster.py")
        return urls


GAPS: dict[str, str] = {}  # feature -> what the cluster backend lacks (none, today)


def needs(client, feature: str) -> None:
    """Skip, naming the gap, where ``client``'s backend lacks ``feature`` (see the README, "Backends")."""
    if getattr(client, "backend", "whoosh") == "opensearch" and feature in GAPS:
        pytest.skip(f"the OpenSearch backend has no {GAPS[feature]} yet (README, Backends)")


def fresh_target(urls: list[str], prefix: str = "t"):
    from index.opensearch.target import ClusterTarget

    return ClusterTarget(tuple(urls), f"{prefix}-{uuid.uuid4().hex[:12]}")


def opensearch_app(urls: list[str], keys_dir: Path, records: list | None = None, config=None) -> tuple:
    """The app over a new cluster index holding the sample (or ``records``,
    as JSON Lines records), and that index; ``keys_dir`` keeps its write keys."""
    from dataclasses import replace

    from conftest import write_jsonl

    from index.opensearch.writer import ClusterWriter
    from search.http.app import create_app
    from search.http.config import ServiceConfig

    target = fresh_target(urls)
    keys_dir.mkdir(parents=True, exist_ok=True)
    paths = [sample_path()] if records is None else [write_jsonl(keys_dir / "records.jsonl", records)]
    report = ClusterWriter(target).ingest(read_paths(paths))
    assert not report.problems, report.problems[:3]
    return create_app(keys_dir, replace(config or ServiceConfig(), opensearch=target)), target


def opensearch_client(urls: list[str], keys_dir: Path, records: list | None = None):
    """A falcon test client over :func:`opensearch_app`, saying its backend and cluster index."""
    from falcon import testing

    app, target = opensearch_app(urls, keys_dir, records)
    client = testing.TestClient(app)
    client.backend = "opensearch"  # type: ignore[attr-defined]
    client.cluster = target  # type: ignore[attr-defined]
    return client


def cli_backend(client) -> list[str]:
    """The ``berita`` options that reach the backend ``client`` answers from
    (none for the Whoosh index: ``--index`` names it)."""
    target = getattr(client, "cluster", None)
    if target is None:
        return []
    return [
        "--backend",
        "opensearch",
        "--opensearch-index",
        target.index,
        *(f"--opensearch-url={u}" for u in target.urls),
    ]


def cluster_with(urls: list[str], records_file: Path | None = None):
    """A new cluster index holding the sample (or the records of
    ``records_file``): its target and the ``berita serve`` options naming it."""
    from index.opensearch.writer import ClusterWriter

    target = fresh_target(urls)
    report = ClusterWriter(target).ingest(read_paths([records_file or sample_path()]))
    assert not report.problems, report.problems[:3]
    options = ["--backend", "opensearch", "--opensearch-index", target.index]
    for url in urls:
        options += ["--opensearch-url", url]
    return target, options
