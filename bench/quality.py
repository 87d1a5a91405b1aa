"""Ranking quality on the shared corpus: known-item search and a judged set.

    .venv/bin/python bench/quality.py [--workdir var/quality] [--sample 1200]
    .venv/bin/python bench/quality.py --pool        # print the pool to judge

Known items: a deterministic sample of articles; for each, a query made the
way a reader remembers a story: 2-4 content words of its title (in title
order), each replaced with probability 0.4 by another morphological form of
the same root that the corpus uses (pemindahan for memindahkan). Variants are
found with a small affix-stripping rule set (meN-/peN-/di-/ber-/ter-/ke-/se-,
-kan/-an/-i/-nya), independent of the Snowball stemmer under test. The rank
of the source article gives MRR@10, Success@1, Success@10 and Recall@100.

Judged set: bench/judged-queries.txt (written as readers and editors type)
with bench/judgments.tsv (grades 0/1/2 given by reading the pooled articles,
see bench/README.md); nDCG@10, unjudged results counted as 0, and for the
shipped configuration against each baseline the queries it wins and loses with
a sign test, because with 32 queries a mean can move on one query alone.

Every configuration answers the same queries in the same process; indexes
for the three stemming modes are built once into --workdir and reused.
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records  # noqa: E402

from index.analysis import TALA_STOPWORDS, TOKEN_PATTERN, fold  # noqa: E402
from index.readers import article_from_record  # noqa: E402
from index.store import IndexMissing, open_existing  # noqa: E402
from index.writer import Indexer  # noqa: E402
from search.engine import SearchEngine  # noqa: E402
from search.manager import SearcherManager  # noqa: E402
from search.query import DEFAULT_WEIGHTS, Weights  # noqa: E402

HERE = Path(__file__).resolve().parent
SHIPPED = "protected +twins +proximity [shipped]"
BASELINES = ("SQLite FTS5 (unicode61, bm25 title 2:1)", "no stemming (+twins, proximity)")
PREFIXES = ("mem", "men", "meng", "meny", "me", "pem", "pen", "peng", "peny", "pe", "per", "di", "ber", "be",
            "ter", "ke", "se")
SUFFIXES = ("kan", "an", "i", "nya", "lah")
LENGTHS = (2, 3, 4)  # words per known-item query, in turn


# -- queries ----------------------------------------------------------------------

def words_of(text: str) -> list[str]:
    return [fold(m.group(0)) for m in TOKEN_PATTERN.finditer(text)]


def roots(word: str) -> set[str]:
    """Rough roots: the word with at most one prefix and one suffix stripped."""
    out = set()
    for p in ("",) + PREFIXES:
        if not word.startswith(p):
            continue
        for s in ("",) + SUFFIXES:
            if s and not word.endswith(s):
                continue
            core = word[len(p): len(word) - len(s) if s else None]
            if len(core) >= 4:
                out.add(core)
    return out


def variant_table(records: list[dict]) -> dict[str, list[str]]:
    """word -> other corpus words sharing a rough root, most frequent first."""
    freq = Counter(w for r in records for w in words_of(r["title"] + " " + r["body"]) if w.isalpha())
    vocab = {w for w, n in freq.items() if n >= 3 and len(w) >= 4}
    by_root: dict[str, set[str]] = defaultdict(set)
    for w in vocab:
        for r in roots(w):
            if r in vocab or any(r + s in vocab for s in SUFFIXES):
                by_root[r].add(w)
    table: dict[str, list[str]] = {}
    for w in vocab:
        others = {v for r in roots(w) for v in by_root.get(r, ()) if v != w}
        if others:
            table[w] = sorted(others, key=lambda v: (-freq[v], v))[:3]
    return table


@dataclass(frozen=True)
class KnownItem:
    article_id: str
    query: str
    length: int
    varied: bool


def known_items(records: list[dict], count: int, seed: int = 7) -> list[KnownItem]:
    titles = Counter(r["title"].lower() for r in records)
    table = variant_table(records)
    rng = random.Random(seed)
    pool = [r for r in records if titles[r["title"].lower()] == 1]
    rng.shuffle(pool)
    items: list[KnownItem] = []
    for r in pool:
        content = [w for w in words_of(r["title"]) if w.isalpha() and len(w) >= 3 and w not in TALA_STOPWORDS]
        length = LENGTHS[len(items) % 3]
        if len(content) < length:
            continue
        picked = [content[i] for i in sorted(rng.sample(range(len(content)), length))]
        varied = False
        for i, w in enumerate(picked):
            if w in table and rng.random() < 0.4:
                picked[i] = table[w][0]
                varied = True
        items.append(KnownItem(r["id"], " ".join(picked), length, varied))
        if len(items) == count:
            break
    return items


# -- configurations -----------------------------------------------------------------

@dataclass(frozen=True)
class Config:
    name: str
    stemming: str            # index and query analysis: protected | snowball | none | fts5
    weights: Weights = DEFAULT_WEIGHTS


def configurations() -> list[Config]:
    base = DEFAULT_WEIGHTS
    plain = replace(base, exact_twins=False, proximity=False)
    return [
        Config(BASELINES[0], "fts5"),
        Config(BASELINES[1], "none"),
        Config("Snowball, stemmed only", "snowball", plain),
        Config("Snowball (+twins, proximity)", "snowball"),
        Config("protected, stemmed only", "protected", plain),
        Config("protected +twins", "protected", replace(base, proximity=False)),
        Config("protected +twins +title proximity", "protected", replace(base, proximity_body=0)),
        Config(SHIPPED, "protected", base),
        Config("  same, title weight 1", "protected", replace(base, title=1.0)),
        Config("  same, title weight 3", "protected", replace(base, title=3.0)),
        Config("  same, exact twins weight x2", "protected",
               replace(base, title_exact=base.title_exact * 2, body_exact=base.body_exact * 2)),
    ]


class FtsRanker:
    def __init__(self, records: list[dict]):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, "
                        "tokenize='unicode61 remove_diacritics 2')")
        self.db.executemany("INSERT INTO docs(id, title, body) VALUES (?, ?, ?)",
                            ((r["id"], r["title"], r["body"]) for r in records))

    def ranked_ids(self, q: str, limit: int) -> list[str]:
        match = " ".join('"%s"' % w.replace('"', "") for w in words_of(q))
        if not match:
            return []
        rows = self.db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 2.0, 1.0) LIMIT ?",
                               (match, limit))
        return [row[0] for row in rows]


class EngineRanker:
    def __init__(self, manager: SearcherManager, config: Config):
        self.engine = SearchEngine(manager, weights=config.weights, stemming=config.stemming)

    def ranked_ids(self, q: str, limit: int) -> list[str]:
        return self.engine.ranked_ids(q, limit)


def ensure_index(workdir: Path, stemming: str, records: list[dict]) -> Path:
    target = workdir / f"index-{stemming}"
    try:
        open_existing(target).close()
        return target
    except IndexMissing:
        pass
    print(f"building the {stemming} index in {target} ...", file=sys.stderr)
    Indexer(target, procs=2, stemming=stemming).ingest(article_from_record(r) for r in records)
    return target


# -- metrics -----------------------------------------------------------------------

def known_item_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "MRR@10": sum(1 / r for r in ranks if r and r <= 10) / n,
        "S@1": sum(1 for r in ranks if r == 1) / n,
        "S@10": sum(1 for r in ranks if r and r <= 10) / n,
        "R@100": sum(1 for r in ranks if r) / n,
    }


def ndcg_at_10(ranked: list[str], grades: dict[str, int]) -> float:
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def paired_sign_test(ours: list[float], theirs: list[float], tolerance: float = 1e-9
                     ) -> tuple[int, int, int, float]:
    """Queries where we score higher, lower, the same; and the two-sided sign
    test's p-value over the queries that differ (a small judged set needs a
    per-query view: a mean can move on one query alone)."""
    better = sum(1 for a, b in zip(ours, theirs) if a > b + tolerance)
    worse = sum(1 for a, b in zip(ours, theirs) if b > a + tolerance)
    n = better + worse
    tail = sum(math.comb(n, k) for k in range(min(better, worse) + 1)) / 2 ** n if n else 1.0
    return better, worse, len(ours) - n, min(1.0, 2 * tail)


def judged_queries() -> list[str]:
    lines = (HERE / "judged-queries.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def load_judgments() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    path = HERE / "judgments.tsv"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                q, article_id, grade = line.split("\t")
                out[q][article_id] = int(grade)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--workdir", default=str(REPO / "var" / "quality"))
    parser.add_argument("--sample", type=int, default=1200)
    parser.add_argument("--pool", action="store_true", help="print the judging pool and exit")
    args = parser.parse_args()
    records = load_records(corpus_path(args.corpus))
    by_id = {r["id"]: r for r in records}
    workdir = Path(args.workdir)
    started = time.perf_counter()

    managers = {s: SearcherManager(ensure_index(workdir, s, records)) for s in ("none", "snowball", "protected")}
    fts = FtsRanker(records)
    configs = configurations()
    rankers = {c.name: (fts if c.stemming == "fts5" else EngineRanker(managers[c.stemming], c)) for c in configs}

    if args.pool:
        pool_configs = [configs[0], configs[1], configs[3], configs[7]]
        for q in judged_queries():
            pooled: list[str] = []
            for c in pool_configs:
                pooled += [d for d in rankers[c.name].ranked_ids(q, 5) if d not in pooled]
            print(f"## {q}")
            for d in pooled:
                r = by_id[d]
                print(f"{d}\t{r['published'][:10]}\t{r['title']}\t{r['body'][:160]!r}")
        return

    items = known_items(records, args.sample)
    judgments = load_judgments()
    rows = []
    per_query_ndcg: dict[str, list[float]] = {}
    by_length: dict[str, dict[int, dict[str, float]]] = {}
    for c in configs:
        ranker = rankers[c.name]
        t0 = time.perf_counter()
        ranks: list[int | None] = []
        for item in items:
            ids = ranker.ranked_ids(item.query, 100)
            ranks.append(ids.index(item.article_id) + 1 if item.article_id in ids else None)
        ms = (time.perf_counter() - t0) * 1000 / len(items)
        overall = known_item_metrics(ranks)
        by_len = {n: known_item_metrics([r for r, it in zip(ranks, items) if it.length == n]) for n in LENGTHS}
        varied = known_item_metrics([r for r, it in zip(ranks, items) if it.varied])["MRR@10"]
        ndcg = [ndcg_at_10(ranker.ranked_ids(q, 10), judgments[q]) for q in judged_queries() if judgments.get(q)]
        per_query_ndcg[c.name] = ndcg
        by_length[c.name] = by_len
        rows.append((c.name, overall, by_len, varied, sum(ndcg) / len(ndcg) if ndcg else float("nan"), ms))

    n_varied = sum(1 for it in items if it.varied)
    print(f"known items: {len(items)} queries ({n_varied} with a morphological variant); "
          f"judged: {sum(1 for q in judged_queries() if judgments.get(q))} queries, "
          f"{sum(len(v) for v in judgments.values())} judgments; {time.perf_counter() - started:.0f} s")
    header = f"{'configuration':<40}{'MRR@10':>8}{'S@1':>7}{'S@10':>7}{'R@100':>7}{'MRR 2w':>8}{'3w':>7}{'4w':>7}" \
             f"{'varied':>8}{'nDCG@10':>9}{'ms/q':>7}"
    print(header)
    print("-" * len(header))
    for name, m, by_len, varied, ndcg, ms in rows:
        print(f"{name:<40}{m['MRR@10']:>8.3f}{m['S@1']:>7.3f}{m['S@10']:>7.3f}{m['R@100']:>7.3f}"
              f"{by_len[2]['MRR@10']:>8.3f}{by_len[3]['MRR@10']:>7.3f}{by_len[4]['MRR@10']:>7.3f}"
              f"{varied:>8.3f}{ndcg:>9.3f}{ms:>7.1f}")
    print("\nknown items by query length, shipped and baselines:")
    print(f"{'configuration':<40}{'words':>6}{'queries':>8}{'MRR@10':>8}{'S@1':>7}{'S@10':>7}{'R@100':>7}")
    queries_of_length = Counter(it.length for it in items)
    for name in (*BASELINES, SHIPPED):
        for n, m in by_length[name].items():
            print(f"{name:<40}{n:>6}{queries_of_length[n]:>8}"
                  f"{m['MRR@10']:>8.3f}{m['S@1']:>7.3f}{m['S@10']:>7.3f}{m['R@100']:>7.3f}")
    print()
    for baseline in BASELINES:
        better, worse, equal, p = paired_sign_test(per_query_ndcg[SHIPPED], per_query_ndcg[baseline])
        print(f"judged nDCG@10, shipped vs {baseline}: better on {better}, worse on {worse}, "
              f"equal on {equal} queries (two-sided sign test p = {p:.3f})")


if __name__ == "__main__":
    main()
