"""Shared fixtures: small hand-written articles, a sample index, the shared corpus, an OpenSearch cluster."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import opensearch_cluster
import pytest

from index.readers import read_paths, sample_path
from index.writer import Indexer

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "click-id.jsonl.gz"
SEED_PAGE = SHARED / "seeds" / "rmol-page-example.txt"
# The API as it ships: answers are checked against this committed document, not
# against one made from the models under test (so a renamed field fails).
OPENAPI = REPO / "docs" / "openapi.json"
REGENERATE_OPENAPI = "python -m search.http.openapi > docs/openapi.json"


def committed_openapi() -> dict:
    """docs/openapi.json, parsed."""
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


def record(**overrides) -> dict:
    """A valid JSON Lines record; override any key."""
    base = {
        "id": "t-1",
        "url": "https://example.test/1",
        "title": "Harga Cabai Naik Tajam",
        "body": "Harga cabai rawit di pasar naik tajam pekan ini.",
        "published": "2019-09-05T07:30:00+07:00",
        "category": "Ekonomi",
        "author": "Siti",
        "source": "Contoh",
    }
    base.update(overrides)
    return base


def write_jsonl(path: Path, records: list) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def index_records(directory: Path, records: list) -> Path:
    """Index ``records`` into ``directory`` (made if absent) through the JSON Lines
    reader, as `berita index` would; the file is written beside the index."""
    Indexer(directory).ingest(read_paths([write_jsonl(directory.parent / f"{directory.name}.jsonl", records)]))
    return directory


def client_over(directory: Path, records: list):
    """A falcon test client for the app over a new index of ``records``."""
    from falcon import testing

    from search.http.app import create_app

    return testing.TestClient(create_app(index_records(directory, records)))


def api_search(client, **params) -> dict:
    """GET /api/search through a falcon test client; the envelope of a 200."""
    r = client.simulate_get("/api/search", params=params)
    assert r.status_code == 200, r.text
    return r.json


@pytest.fixture
def make_record():
    return record


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """The bundled sample, indexed once per test session."""
    directory = tmp_path_factory.mktemp("sample-index")
    report = Indexer(directory).ingest(read_paths([sample_path()]))
    assert not report.problems
    return directory


@pytest.fixture
def index_copy(tmp_path, sample_index) -> Path:
    """A copy of the sample index a test may change (``tmp_path / "ix"``)."""
    target = tmp_path / "ix"
    shutil.copytree(sample_index, target)
    return target


@pytest.fixture(scope="session")
def corpus_path() -> Path:
    if not CORPUS.exists():
        pytest.skip(f"shared corpus not found at {CORPUS}: corpus tests need ../shared beside the checkout")
    return CORPUS


@pytest.fixture(scope="session")
def seed_page() -> Path:
    if not SEED_PAGE.exists():
        pytest.skip(f"seed page not found at {SEED_PAGE}: needs ../shared beside the checkout")
    return SEED_PAGE


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, corpus_path, seed_page) -> Path:
    """The whole shared corpus plus the seed page, indexed once per session."""
    directory = tmp_path_factory.mktemp("corpus-index")
    report = Indexer(directory, procs=2).ingest(read_paths([corpus_path, seed_page]))
    assert not report.problems, report.problems[:5]
    return directory


@pytest.fixture(scope="session")
def opensearch_cluster_nodes(tmp_path_factory) -> Iterator[opensearch_cluster.Cluster]:
    """A real 3-node OpenSearch cluster on 127.0.0.1, started once per session by
    tests/opensearch/cluster.sh and stopped at the end; or the running one whose node URLs
    BERITA_OPENSEARCH_URLS names (then neither started nor stopped). Skips only where Java 21+
    or Maven is missing."""
    urls = opensearch_cluster.given_urls()
    if urls:
        yield opensearch_cluster.Cluster(urls=urls)
        return
    why = opensearch_cluster.missing_tool()
    if why:
        pytest.skip(f"no OpenSearch cluster: {why}")
    directory = tmp_path_factory.mktemp("opensearch")
    try:
        yield opensearch_cluster.start(directory, nodes=3)
    finally:
        opensearch_cluster.stop(directory)


@pytest.fixture(scope="session")
def opensearch_urls(opensearch_cluster_nodes) -> list[str]:
    """The HTTP URL of every node of the session's OpenSearch cluster."""
    return opensearch_cluster_nodes.urls
