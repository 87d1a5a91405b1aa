"""The ranking gate: the top 10 of the committed judged queries must stay as
snapshotted, and nDCG@10 per set must stay above a floor slightly under
today's. A change to ranking made on purpose regenerates the snapshots:

    BERITA_UPDATE_RANKING=1 .venv/bin/python -m pytest tests/test_ranking_gate.py

(then check the nDCG figures printed by bench/quality.py and commit the files).
The sample tests run in-process without the corpus, for fast feedback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from ranking_gate import (  # noqa: E402
    CORPUS_SNAPSHOT,
    Ranking,
    changes,
    judged_rankings,
    ndcg_by_set,
    query_rankings,
    read_snapshot,
    write_snapshot,
)

from search.engine import SearchEngine  # noqa: E402
from search.reader.manager import SearcherManager  # noqa: E402

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent / "bench"
SAMPLE_SNAPSHOT = HERE / "data" / "sample-ranking.tsv"
UPDATE = os.environ.get("BERITA_UPDATE_RANKING") == "1"
REGENERATE = "BERITA_UPDATE_RANKING=1 .venv/bin/python -m pytest tests/test_ranking_gate.py"
# nDCG@10 per set on the corpus (bench/quality.py, "Berita as shipped") at the
# time of the snapshot, less 0.01: a floor that noise in a deliberate change may
# approach but a regression crosses. At the snapshot: .9299 .9437 .9369 .9548 (issue 31's second pass:
# a long form's acronym not counted twice, other spellings and long forms below the form typed, acronyms
# whose sides the articles do not use together dropped; eval back to its level with understanding off).
NDCG_FLOOR = {
    "eval": 0.92,
    "heldout": 0.93,
    "confirm": 0.93,
    # 0.95 until the cluster round of judging (issue 26) found relevant articles no
    # Whoosh top 10 lists: a larger ideal, the same ranking, 0.952 -> 0.947
    "fourth": 0.94,
}


def sample_queries() -> list[str]:
    out: list[str] = []
    for name in ("queries-handwritten.txt", "judged-queries.txt"):
        for line in (BENCH / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and line.strip() not in out:
                out.append(line.strip())
    return out


def check(path: Path, got: Ranking) -> None:
    if UPDATE:
        write_snapshot(path, got)
        pytest.skip(f"wrote {path}")
    expected = read_snapshot(path)
    lines = changes(expected, got)
    assert not lines, (
        f"the top 10 of {len(lines)} queries differ from {path.name}; if the ranking change is meant, "
        f"regenerate with `{REGENERATE}` and commit it:\n" + "\n".join(lines)
    )


@pytest.fixture(scope="module")
def sample_engine(sample_index):
    engine = SearchEngine(SearcherManager(sample_index, background=False), budget_seconds=None)
    yield engine
    engine.close()


def test_sample_rankings_match_the_snapshot(sample_engine):
    got = query_rankings(sample_engine, sample_queries())
    assert sum(1 for ids in got.values() if len(ids) > 1) >= 30  # the queries do rank the sample
    check(SAMPLE_SNAPSHOT, got)


@pytest.mark.corpus
@pytest.mark.slow
def test_judged_queries_rank_as_snapshotted_and_above_the_floor(corpus_index):
    engine = SearchEngine(
        SearcherManager(corpus_index, background=False), budget_seconds=None
    )  # no deadline: a loaded machine must not cut a ranking short
    try:
        got = judged_rankings(engine)
    finally:
        engine.close()
    ndcg = ndcg_by_set(got)
    print("nDCG@10 per set:", {k: round(v, 4) for k, v in ndcg.items()})
    below = {k: (round(v, 4), NDCG_FLOOR[k]) for k, v in ndcg.items() if v < NDCG_FLOOR[k]}
    assert not below, f"nDCG@10 (now, floor) fell below the floor: {below}"
    check(CORPUS_SNAPSHOT, got)
