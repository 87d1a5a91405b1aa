"""Integration: the whole shared corpus (skipped where ../shared is absent)."""

import json

import pytest
from click.testing import CliRunner

from index.cli import cli
from index.stats import index_stats

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def test_whole_corpus_is_indexed(corpus_index):
    stats = index_stats(corpus_index)
    assert stats["documents"] == 25_421 + 1  # the corpus and the seed page
    assert stats["sources"]["Kompas.com"] == 5_654
    assert stats["first_published"].startswith("2019-03-21")
    assert stats["last_published"].startswith("2023-07-01")


def test_stats_json_through_the_cli(corpus_index):
    result = CliRunner().invoke(cli, ["stats", "--json", "--index", str(corpus_index)])
    assert result.exit_code == 0
    assert json.loads(result.output)["documents"] == 25_422
