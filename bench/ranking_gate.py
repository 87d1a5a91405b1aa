"""The ranking gate's data: the top 10 Berita (as shipped, collapse=false)
gives for each judged query, and nDCG@10 per query set (bench/quality.py's
formula and judgments). tests/test_ranking_gate.py compares them with the
committed snapshots; to regenerate after a ranking change made on purpose:

    BERITA_UPDATE_RANKING=1 .venv/bin/python -m pytest tests/test_ranking_gate.py -m 'corpus or not corpus'

(the corpus snapshot is written from the suite's corpus index, the sample's
from the bundled sample).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import Need, eval_judgments, eval_needs, ndcg_at_10, with_relevant  # noqa: E402

from search.engine import SearchEngine, SearchRequest  # noqa: E402
from search.request import parse_date_bound  # noqa: E402

HERE = Path(__file__).resolve().parent
CORPUS_SNAPSHOT = HERE / "ranking-snapshot.tsv"
GATED_SETS = ("eval", "heldout", "confirm", "fourth")  # of QUERY_SETS: the snapshot's (not the fresh set yet)
Ranking = dict[tuple[str, str], list[str]]  # (set, qid or query) -> top 10 ids


def judged_rankings(engine: SearchEngine) -> Ranking:
    """Every judged query of the gated sets, ranked as the API ranks it."""
    out: Ranking = {}
    for name in GATED_SETS:
        for need in eval_needs(name):
            out[(name, need.qid)] = _top10(engine, need)
    return out


def _top10(engine: SearchEngine, need: Need) -> list[str]:
    """The API's top 10, articles tied on score and date in id order: the
    engine breaks such ties by document number, which depends on how an
    index build's processes happened to write their segments."""
    request = SearchRequest(
        q=need.q,
        date_from=parse_date_bound(need.date_from),
        date_to=parse_date_bound(need.date_to, end=True),
        size=10,
        sort="relevance",
        collapse=False,
    )
    hits = engine.search(request).hits
    return [h.id for h in sorted(hits, key=lambda h: (-round(h.score or 0.0, 6), -h.published.timestamp(), h.id))]


def query_rankings(engine: SearchEngine, queries: list[str]) -> Ranking:
    """Plain queries (no dates), by relevance."""
    return {
        ("plain", q): [h.id for h in engine.search(SearchRequest(q=q, size=10, sort="relevance")).hits] for q in queries
    }


def ndcg_by_set(rankings: Ranking) -> dict[str, float]:
    """Mean nDCG@10 per set over the needs with a relevant article judged (as bench/quality.py)."""
    judgments = eval_judgments()
    out = {}
    for name in GATED_SETS:
        needs: list[Need] = with_relevant(eval_needs(name), judgments)
        out[name] = sum(ndcg_at_10(rankings[(name, n.qid)], judgments[n.qid]) for n in needs) / len(needs)
    return out


def write_snapshot(path: Path, rankings: Ranking) -> None:
    lines = ["# set\tqid or query\ttop 10 ids (comma-separated); made by bench/ranking_gate.py"]
    lines += [f"{k[0]}\t{k[1]}\t{','.join(ids)}" for k, ids in rankings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_snapshot(path: Path) -> Ranking:
    out: Ranking = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, key, ids = line.split("\t")
            out[(name, key)] = ids.split(",") if ids else []
    return out


def changes(expected: Ranking, got: Ranking, limit: int = 15) -> list[str]:
    """Readable lines for the queries whose top 10 differ."""
    out = []
    for key in sorted(set(expected) | set(got)):
        if expected.get(key) != got.get(key):
            out.append(f"  {key[0]} {key[1]!r}: was {expected.get(key)}\n{' ' * 8}now {got.get(key)}")
    return out[:limit] + ([f"  ... and {len(out) - limit} more"] if len(out) > limit else [])
