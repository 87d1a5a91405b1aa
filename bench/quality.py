"""Ranking quality on the shared corpus: judged queries and known items.

    .venv/bin/python bench/quality.py [--workdir var/quality] [--sample 600] [--bootstrap 10000]

1. Judged queries (bench/eval-queries.tsv, 73 queries written before any
   results were seen, with a one-sentence need each; bench/eval-judgments.tsv,
   grades 0/1/2 for every article pooled to depth 10 from FTS5 OR and AND,
   BM25 with and without stemming, and Berita, judged blind by reading it):
   nDCG@10 per system, per query kind, and on two held halves: the weights are
   chosen on one half (odd or even qid) and reported on the other, with a
   paired bootstrap 95% CI of the difference to each baseline. The fraction of
   each system's top 10 that was judged is printed too (unjudged count as 0).
2. Known items from bodies: for sampled articles, 2-4 distinctive words of the
   body that the title does not contain, one in three swapped for another
   form of its root, as a reader remembers a story they read; MRR@10, S@10.
3. Known items from titles (the older set: 2-4 title words, variants swapped
   in with probability 0.4), MRR@10.
4. Held-out queries (bench/heldout-queries.tsv, 40 written after the last
   ranking mechanism was fixed, pooled from the same systems and judged the
   same way): nDCG@10 per system and kind, with the paired bootstrap CI of
   the difference to each baseline. No choice was made on them.
5. Confirmation queries (bench/confirm-queries.tsv, 48 written after the
   held-out set had been read, before any search for them; same pooling and
   judging), reported the same way; then the fourth set (bench/fourth-queries.tsv,
   42, written once the confirmation set had been read), the fresh set
   (bench/fresh-queries.tsv, 64 for issue 27's analysis: word forms, names,
   rare words, stopwords as content words, compounds and hyphens, written by a
   helper that built nothing) and the later sets together. Last, issue 31's
   typed queries (bench/understanding/typed-queries.tsv, 30 with the date in
   the words, read from each row's now; pooled with Berita's understanding off
   too), apart, with shipped minus each baseline and minus understanding off.
   Then the sixth set (bench/sixth-queries.tsv, 60 for issues 27 and 31, the
   date words in the text read from the index's newest article, acronyms, old
   spellings; written by a helper that built nothing; pooled with Berita's
   understanding off too), apart, with per-kind columns.

6. Known items from summaries (bench/summary-known-items.tsv): 180 articles
   drawn at random; helpers who saw only the article wrote a one-sentence
   summary and a 2-4 word query from it (at most one title word), before any
   search. MRR@10 with the paired bootstrap CI of the difference to each baseline
   (printed for every known-item kind). Then the fresh known items
   (bench/fresh-known-items.tsv, 320 more, written the same way), reported alike.

Every system answers the same queries in one process; the indexes for the
three analyses are built once into --workdir and reused. Known items are never
used to choose weights.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import random
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, cluster_holding, corpus_path, index_exists, judging_line, load_records  # noqa: E402

from index.analysis import TALA_STOPWORDS, TOKEN_PATTERN, Analysis, fold  # noqa: E402
from index.dates import parse_published  # noqa: E402
from index.readers import article_from_record  # noqa: E402
from index.writer import Indexer  # noqa: E402
from search.backend import Engine  # noqa: E402
from search.engine import SearchEngine  # noqa: E402
from search.query import plan  # noqa: E402
from search.query.compile import DEFAULT_WEIGHTS  # noqa: E402
from search.rank.scoring import BM25F, Evaluation, WhooshBM25F, lookup, term_postings  # noqa: E402
from search.reader.manager import SearcherManager  # noqa: E402
from search.reader.snapshot import SCORED_FIELDS  # noqa: E402
from search.request import (
    SearchRequest,  # noqa: E402
    parse_date_bound,  # noqa: E402
)

HERE = Path(__file__).resolve().parent
PREFIXES = (
    "mem",
    "men",
    "meng",
    "meny",
    "me",
    "pem",
    "pen",
    "peng",
    "peny",
    "pe",
    "per",
    "di",
    "ber",
    "be",
    "ter",
    "ke",
    "se",
)
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
            core = word[len(p) : len(word) - len(s) if s else None]
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


# -- systems ---------------------------------------------------------------------


def ensure_index(workdir: Path, analysis: Analysis, records: list[dict], name: str | None = None) -> Path:
    """An index of the records under one analysis, built once and reused."""
    target = workdir / f"index-{name or analysis.label}"
    if index_exists(target):
        return target
    print(f"building the {analysis.label} index in {target} ...", file=sys.stderr)
    Indexer(target, procs=2, analysis=analysis).ingest(article_from_record(r) for r in records)
    return target


def analysis_without(flag: str) -> Analysis:
    """The shipped analysis with one of issue 27's switches off."""
    return {
        "stopwords": Analysis(stopwords=False),
        "names": Analysis(names=False),
        "prefix_repairs": Analysis(prefix_repairs=False),
        "hyphen_parts": Analysis(hyphen_parts=False),
    }[flag]


HALVES = ("odd", "even")
GRID = {
    "title": (1.5, 2.0, 3.0),
    "b_title": (0.4, 0.75),
    "exact_share": (0.0, 0.25, 0.5),
    "proximity_share": (0.0, 0.3, 0.6),
    "k1": (1.2, 2.0),
}


@dataclass(frozen=True)
class Need:
    """One judged query (a row of bench/eval-queries.tsv)."""

    qid: str
    kind: str
    q: str
    date_from: str | None
    date_to: str | None
    need: str = ""  # what makes an article relevant (for the judges)
    now: str | None = None  # typed queries: what their date words are read from


QUERY_SETS = {
    "eval": HERE / "eval-queries.tsv",
    "heldout": HERE / "heldout-queries.tsv",
    "confirm": HERE / "confirm-queries.tsv",
    "fourth": HERE / "fourth-queries.tsv",
    "fresh": HERE / "fresh-queries.tsv",
    "sixth": HERE / "sixth-queries.tsv",
}
# Issue 31's typed queries (banjir kemarin): the date is in the words, read from each row's now;
# pooled with bench/pool.py --queries typed and reported apart (not among the later sets).
TYPED_SET = HERE / "understanding" / "typed-queries.tsv"
LATER_SETS = ("heldout", "confirm", "fourth", "fresh")  # written after the first set's mechanisms were fixed
# The sixth set (issues 27 and 31): date words in the text, read from the index's newest article (no now),
# acronyms and old spellings; pooled with Berita's understanding off too and reported apart, like typed.
APART_SETS = ("sixth",)


def typed_needs() -> list[Need]:
    """bench/understanding/typed-queries.tsv: qid, kind, query, now, need."""
    lines = [ln for ln in TYPED_SET.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    out = []
    for line in lines[1:]:
        qid, kind, q, now, need = line.split("\t")
        out.append(Need(qid, kind, q, None, None, need, now))
    return out


def eval_needs(query_set: str = "eval") -> list[Need]:
    """The judged queries of one set: "eval" (73, studied while the mechanisms
    were built), "heldout" (40, written after them and read once), "confirm"
    (48, written after the held-out set was read), "fourth" (42, written
    after that; no ranking change followed either), "fresh" (64, written
    for issue 27 by a helper that built nothing) or "sixth" (60 for issues
    27 and 31, the date words in the text; also written by such a helper)."""
    lines = [
        ln
        for ln in QUERY_SETS[query_set].read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    out = []
    for line in lines[1:]:
        qid, kind, q, date_from, date_to, need = line.split("\t")
        out.append(Need(qid, kind, q, date_from or None, date_to or None, need))
    return out


def with_relevant(needs: list[Need], judgments: dict[str, dict[str, int]]) -> list[Need]:
    """The needs with at least one relevant article judged (the others have no nDCG)."""
    return [n for n in needs if any(g > 0 for g in judgments.get(n.qid, {}).values())]


def eval_judgments() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (HERE / "eval-judgments.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("qid\t"):
            qid, article_id, grade = line.split("\t")
            out[qid][article_id] = int(grade)
    return out


class Fts:
    """SQLite FTS5 (unicode61, bm25 with the title weighted 2:1), words ANDed or ORed."""

    def __init__(self, records: list[dict]):
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, published UNINDEXED, title, body, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        self.db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?)",
            ((r["id"], parse_published(r["published"])[0].timestamp(), r["title"], r["body"]) for r in records),
        )

    def ranked(self, need: Need, limit: int, op: str) -> list[str]:
        words = ['"{}"'.format(w.replace('"', "")) for w in words_of(need.q)]
        if not words:
            return []
        where = "docs MATCH ?"
        args: list[object] = [f" {op} ".join(words)]
        if need.date_from or need.date_to:
            where += " AND published BETWEEN ? AND ?"
            args += [_bound(need.date_from, False, 0), _bound(need.date_to, True, 1 << 40)]
        rows = self.db.execute(
            f"SELECT id FROM docs WHERE {where} ORDER BY bm25(docs, 0, 0, 2.0, 1.0) LIMIT ?", [*args, limit]
        )
        return [row[0] for row in rows]


def _bound(day: str | None, end: bool, default: float) -> float:
    bound = parse_date_bound(day, end=end) if day else None
    return bound.timestamp() if bound else default


def engine_ranked(engine: Engine, need: Need, limit: int, collapse: bool, dates: bool = True) -> list[str]:
    """What a reader sees: the first ``limit`` hits; a story folded under a
    kept hit counts at the kept hit's rank (it is linked there)."""
    out: list[str] = []
    for page in range(1, (limit + 49) // 50 + 1):  # pages of 50 (the API's largest)
        request = SearchRequest(
            q=need.q,
            date_from=parse_date_bound(need.date_from),
            date_to=parse_date_bound(need.date_to, end=True),
            size=min(limit, 50),
            page=page,
            sort="relevance",
            collapse=collapse,
            dates=dates,
            now=parse_date_bound(need.now) if need.now else None,
        )
        hits = engine.search(request).hits
        for hit in hits:
            out.append(hit.id)
            out += [d.id for d in hit.duplicates if collapse]
        if len(hits) < request.size:
            break
    return out[:limit]  # folded copies listed under a hit may run past it


@dataclass
class System:
    """A ranking to compare; each (need, limit) is ranked once per run,
    however many tables ask for it."""

    name: str
    rank: Callable[[Need, int], list[str]]

    def __post_init__(self) -> None:
        self.rank = functools.cache(self.rank)


def build_systems(
    workdir: Path, records: list[dict], analysis_ablations: bool = False
) -> tuple[list[System], Callable[..., System]]:
    """The baselines and Berita as shipped, plus a factory for tuning variants."""
    # The baselines keep the analysis they had (stopwords out, hyphen parts at
    # one position); "before" is Berita's analysis before issue 27's switches.
    analyses = {
        "none": Analysis.before("none"),
        "snowball": Analysis.before("snowball"),
        "before": Analysis.before("protected"),
        "protected": Analysis(),
    }
    if analysis_ablations:
        analyses.update({"no_" + flag: analysis_without(flag) for flag in ANALYSIS_SWITCHES})
    indexes = {
        key: ensure_index(workdir, a, records, name="before" if key == "before" else None)
        for key, a in analyses.items()
    }
    managers = {s: SearcherManager(path, background=False) for s, path in indexes.items()}
    plain = replace(DEFAULT_WEIGHTS, exact_twins=False, proximity=False, compounds=False)
    fts = Fts(records)

    def engine(stemming: str, **options) -> SearchEngine:
        return SearchEngine(managers[stemming], analysis=analyses[stemming], budget_seconds=None, **options)

    def berita(name: str, collapse: bool = True, dates: bool = True, index: str = "protected", **options) -> System:
        e = engine(index, **options)
        return System(name, lambda need, limit: engine_ranked(e, need, limit, collapse, dates))

    def variant(title: float, b_title: float, exact_share: float, proximity_share: float, k1: float) -> System:
        weights = replace(DEFAULT_WEIGHTS, title=title, title_exact=title / 2)
        scorer = BM25F(k1=k1, b_title=b_title, exact_share=exact_share, proximity_share=proximity_share)
        return berita(
            f"title {title:g}, b_title {b_title:g}, exact {exact_share:g}, proximity {proximity_share:g}, k1 {k1:g}",
            collapse=False,
            weights=weights,
            scorer=scorer,
        )

    bm25_none = engine("none", weights=plain, scorer=BM25F(exact_share=0, proximity_share=0), partial_matches=False)
    bm25_stem = engine("snowball", weights=plain, scorer=BM25F(exact_share=0, proximity_share=0), partial_matches=False)
    systems = [
        System(FTS_OR, lambda need, limit: fts.ranked(need, limit, "OR")),
        System(FTS_AND, lambda need, limit: fts.ranked(need, limit, "AND")),
        System(BM25_PLAIN, lambda need, limit: engine_ranked(bm25_none, need, limit, False)),
        System(BM25_STEMMED, lambda need, limit: engine_ranked(bm25_stem, need, limit, False)),
        berita(BEFORE, scorer=WhooshBM25F(), partial_matches=False),
        berita(SHIPPED, collapse=False),
        berita(PAGE, collapse=True),
        berita(
            UNDERSTANDING_OFF,
            collapse=False,
            dates=False,
            weights=replace(DEFAULT_WEIGHTS, old_spellings=False, acronyms=False),
        ),
        berita(
            BEFORE_27,
            collapse=False,
            index="before",
            weights=replace(DEFAULT_WEIGHTS, drop_frequent_stopwords=False, hyphen_apart=False, compound_once=False),
            scorer=BM25F(exact_rarity=False),
        ),
        berita(OFF_STOPWORD_RULE, collapse=False, weights=replace(DEFAULT_WEIGHTS, drop_frequent_stopwords=False)),
        berita(OFF_HYPHEN_APART, collapse=False, weights=replace(DEFAULT_WEIGHTS, hyphen_apart=False)),
        berita(ON_RARITY, collapse=False, scorer=BM25F(exact_rarity=True)),
        berita(ON_COMPOUND_ONCE, collapse=False, weights=replace(DEFAULT_WEIGHTS, compound_once=True)),
        *(
            berita(f"  issue 27 off: {flag.replace('_', ' ')} (analysis)", collapse=False, index="no_" + flag)
            for flag in (ANALYSIS_SWITCHES if analysis_ablations else ())
        ),
    ]
    return systems, variant


FTS_OR, FTS_AND = "SQLite FTS5, words ORed", "SQLite FTS5, words ANDed"
BM25_PLAIN, BM25_STEMMED = "BM25F, no stemming", "BM25F, Snowball stemming"
BEFORE = "Berita before (summed per-field BM25)"
SHIPPED = "Berita as shipped"  # the API's default: every matching article is a result
PAGE = "Berita's page (copies folded, linked)"  # collapse=true: a folded copy counts at its hit's rank
UNDERSTANDING_OFF = "Berita, dates/acronyms/old spellings off"  # issue 31's mechanisms off
# Issue 27's mechanisms switched off, one at a time (the analysis switches all
# at once: the index as before the issue, queried as before it).
BEFORE_27 = "Berita before issue 27 (analysis, query, scoring)"
OFF_STOPWORD_RULE = "  issue 27 off: frequent query stopwords dropped"
OFF_HYPHEN_APART = "  issue 27 off: hyphenated word written apart"
ON_RARITY = "  issue 27 on (not shipped): typed-form rarity"
ON_COMPOUND_ONCE = "  issue 27 on (not shipped): compound counted once"
ANALYSIS_SWITCHES = ("stopwords", "names", "prefix_repairs", "hyphen_parts")  # an index each (--analysis-ablations)
ABLATIONS = (
    BEFORE_27,
    OFF_STOPWORD_RULE,
    OFF_HYPHEN_APART,
    ON_RARITY,
    ON_COMPOUND_ONCE,
    *(f"  issue 27 off: {flag.replace('_', ' ')} (analysis)" for flag in ANALYSIS_SWITCHES),
)
BASELINE_NAMES = (FTS_OR, FTS_AND, BM25_STEMMED, UNDERSTANDING_OFF)
POOLED_NAMES = (FTS_OR, FTS_AND, BM25_PLAIN, BM25_STEMMED, SHIPPED)  # the systems bench/pool.py pools


# -- metrics -----------------------------------------------------------------------


def ndcg_at_10(ranked: list[str], grades: dict[str, int]) -> float:
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def bootstrap_ci(diffs: list[float], resamples: int, seed: int = 11) -> tuple[float, float]:
    """Paired bootstrap 95% interval of the mean per-query difference."""
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def old_judgments() -> dict[str, dict[str, int]]:
    """bench/judged-queries.txt with bench/judgments.tsv (query -> id -> grade)."""
    queries = [
        ln.strip()
        for ln in (HERE / "judged-queries.txt").read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (HERE / "judgments.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            q, article_id, grade = line.split("\t")
            grades[q][article_id] = int(grade)
    return {q: grades[q] for q in queries if grades.get(q)}


def known_item_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "MRR@10": sum(1 / r for r in ranks if r and r <= 10) / n,
        "S@1": sum(1 for r in ranks if r == 1) / n,
        "S@10": sum(1 for r in ranks if r and r <= 10) / n,
    }


def body_known_items(records: list[dict], count: int, seed: int = 23) -> list[KnownItem]:
    """Words a reader keeps from a story's body that its title does not hold:
    2-4 of the body's rarer content words (in 2..200 articles), in body order,
    one in three swapped for another corpus form of its root."""
    df = Counter(w for r in records for w in set(words_of(r["title"] + " " + r["body"])))
    table = variant_table(records)
    rng = random.Random(seed)
    pool = list(records)
    rng.shuffle(pool)
    items: list[KnownItem] = []
    for r in pool:
        title = set(words_of(r["title"]))
        body = list(
            dict.fromkeys(
                w
                for w in words_of(r["body"])
                if w.isalpha() and len(w) >= 4 and w not in TALA_STOPWORDS and w not in title and 2 <= df[w] <= 200
            )
        )
        length = LENGTHS[len(items) % 3]
        if len(body) < length + 2:
            continue
        picked = [body[i] for i in sorted(rng.sample(range(len(body)), length))]
        varied = False
        if rng.random() < 1 / 3:
            swappable = [i for i, w in enumerate(picked) if w in table]
            if swappable:
                i = rng.choice(swappable)
                picked[i], varied = table[picked[i]][0], True
        items.append(KnownItem(r["id"], " ".join(picked), length, varied))
        if len(items) == count:
            break
    return items


SUMMARY_ITEMS = HERE / "summary-known-items.tsv"
FRESH_ITEMS = HERE / "fresh-known-items.tsv"  # 320 more, written the same way


def summary_known_items(records: list[dict], path: Path = SUMMARY_ITEMS) -> list[KnownItem]:
    """Known items as a reader remembers a story from its summary: helpers who
    saw only the article wrote a one-sentence summary, then a 2-4 word query
    from it with at most one title word, before any search was run. ``varied``:
    a query word that is not in the article in that form."""
    by_id = {r["id"]: r for r in records}
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        article_id, _summary, query = line.split("\t")
        if article_id not in by_id:
            raise SystemExit(f"{path}:{number}: no article {article_id} in the corpus")
        record = by_id[article_id]
        text = set(words_of(record["title"] + " " + record["body"]))
        words = words_of(query)
        items.append(KnownItem(article_id, query, len(words), any(w not in text for w in words)))
    return items


# -- report ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--workdir", default=str(REPO / "var" / "quality"))
    parser.add_argument("--sample", type=int, default=600, help="known items of each kind")
    parser.add_argument("--bootstrap", type=int, default=10_000)
    parser.add_argument(
        "--unjudged",
        metavar="FILE",
        help="write the unjudged articles in any system's or grid variant's top 10 (JSON Lines);"
        " with --backend opensearch, those in the cluster's top 10 of every judged set",
    )
    parser.add_argument(
        "--analysis-ablations",
        action="store_true",
        help="also Berita with each of issue 27's analysis switches off (an index each, built once)",
    )
    parser.add_argument(
        "--backend",
        choices=("whoosh", "opensearch"),
        default="whoosh",
        help="opensearch: Berita as shipped on the Whoosh index beside the same on a cluster, set by set",
    )
    parser.add_argument("--opensearch-url", action="append", default=[], help="a cluster node (repeatable)")
    parser.add_argument("--opensearch-index", default="quality", help="the cluster index (filled with the corpus once)")
    args = parser.parse_args()
    started = time.perf_counter()
    records = load_records(corpus_path(args.corpus))
    if args.backend == "opensearch":
        backends_report(args, records)
        print(f"\n{time.perf_counter() - started:.0f} s")
        return
    systems, variant = build_systems(Path(args.workdir), records, args.analysis_ablations)
    needs = eval_needs()
    judgments = eval_judgments()
    judged = with_relevant(needs, judgments)
    halves = {h: [n for i, n in enumerate(judged) if i % 2 == (0 if h == "odd" else 1)] for h in HALVES}

    def ndcgs(system: System, subset: list[Need]) -> list[float]:
        return [ndcg_at_10(system.rank(n, 10), judgments[n.qid]) for n in subset]

    print(
        f"judged queries: {len(judged)} of {len(needs)} have a relevant article "
        f"({sum(len(judgments[n.qid]) for n in judged)} judgments)"
    )
    per_query = system_table(systems, judged, judgments)

    print("\nheld halves: weights chosen on one half, reported on the other")
    grid = [variant(*values) for values in itertools.product(*GRID.values())]
    shipped = next(s for s in systems if s.name == SHIPPED)
    for held in HALVES:
        tune = halves["even" if held == "odd" else "odd"]
        best = max(grid, key=lambda v: mean(ndcgs(v, tune)))
        report = halves[held]
        row = {s.name: ndcgs(s, report) for s in systems}
        row["chosen on the other half: " + best.name] = ndcgs(best, report)
        print(f"\n{held} half ({len(report)} queries), tuned on the {'even' if held == 'odd' else 'odd'} half")
        for name, values in row.items():
            print(f"  {name:<70}{mean(values):>7.3f}")
        for name in (SHIPPED, "chosen on the other half: " + best.name):
            for baseline in BASELINE_NAMES:
                diffs = [a - b for a, b in zip(row[name], row[baseline])]
                lo, hi = bootstrap_ci(diffs, args.bootstrap)
                print(f"  {name[:40]:<40} - {baseline:<26} {mean(diffs):+.3f}  95% CI [{lo:+.3f}, {hi:+.3f}]")
    print_differences(f"all {len(judged)} queries: ", per_query, args.bootstrap)
    del shipped

    unseen: list[Need] = []  # the later sets' judged queries
    for query_set, label, about in (
        ("heldout", "held out", "written after the mechanisms were fixed, read once"),
        ("confirm", "confirm", "written after the held-out set was read, before any search for them"),
        ("fourth", "fourth", "written after the confirmation set was read, before any search for them"),
        ("fresh", "fresh", "written for issue 27 by a helper that built nothing, before any search for them"),
    ):
        later = with_relevant(eval_needs(query_set), judgments)
        if later:
            print(
                f"\n{label} queries (bench/{QUERY_SETS[query_set].name}: {len(later)} with a relevant article, "
                f"{about}; used for no choice)"
            )
            print_differences(f"{label}: ", system_table(systems, later, judgments), args.bootstrap)
            if query_set == "fresh":
                print_recall(systems, later, judgments)
            unseen += later
    if unseen:
        print(f"\nthe later sets together ({len(unseen)} queries that no weight or mechanism was chosen on)")
        print_differences("later sets: ", system_table(systems, unseen, judgments), args.bootstrap)
    typed = with_relevant(typed_needs(), judgments)
    if typed:
        print(
            f"\ntyped queries (bench/understanding/{TYPED_SET.name}: {len(typed)} with a relevant article, "
            "the date in the words read from each row's now; written before any search for them)"
        )
        print_differences("typed: ", system_table(systems, typed, judgments), args.bootstrap)
    sixth = with_relevant(eval_needs("sixth"), judgments)
    if sixth:
        print(
            f"\nsixth queries (bench/{QUERY_SETS['sixth'].name}: {len(sixth)} with a relevant article, "
            "the date words in the text read from the index's newest article, acronyms and old spellings; "
            "written for issues 27 and 31 by a helper that built nothing, before any search for them)"
        )
        print_differences("sixth: ", system_table(systems, sixth, judgments), args.bootstrap)

    old_set = old_judgments()
    print(
        f"\nthe older judged set (bench/judged-queries.txt, {len(old_set)} queries written and judged by the hands "
        "that tuned the previous weights: optimistic)"
    )
    for s in systems:
        values = [ndcg_at_10(s.rank(Need("old", "old", q, None, None), 10), grades) for q, grades in old_set.items()]
        print(f"  {s.name:<44}{mean(values):>8.3f}")

    for label, items in (
        ("body words", body_known_items(records, args.sample)),
        ("title words", known_items(records, args.sample)),
        ("summaries (bench/summary-known-items.tsv)", summary_known_items(records)),
        ("fresh summaries (bench/fresh-known-items.tsv)", summary_known_items(records, FRESH_ITEMS)),
    ):
        print(
            f"\nknown items from {label}: {len(items)} queries "
            f"({sum(1 for i in items if i.varied)} with a swapped form)"
        )
        print(f"{'system':<44}{'MRR@10':>8}{'S@1':>7}{'S@10':>7}{'varied':>8}")
        reciprocal: dict[str, list[float]] = {}
        for s in systems:
            ranks = []
            for item in items:
                ids = s.rank(Need("k", "known", item.query, None, None), 10)
                ranks.append(ids.index(item.article_id) + 1 if item.article_id in ids else None)
            m = known_item_metrics(ranks)
            varied = known_item_metrics([r for r, it in zip(ranks, items) if it.varied])["MRR@10"]
            print(f"{s.name:<44}{m['MRR@10']:>8.3f}{m['S@1']:>7.3f}{m['S@10']:>7.3f}{varied:>8.3f}")
            reciprocal[s.name] = [1 / r if r else 0.0 for r in ranks]
        for baseline in BASELINE_NAMES + tuple(a for a in ABLATIONS if a in reciprocal):
            diffs = [a - b for a, b in zip(reciprocal[SHIPPED], reciprocal[baseline])]
            lo, hi = bootstrap_ci(diffs, args.bootstrap)
            print(f"  shipped - {baseline}: MRR@10 {mean(diffs):+.3f} 95% CI [{lo:+.3f}, {hi:+.3f}]")

    if args.unjudged:
        by_id = {r["id"]: r for r in records}
        with open(args.unjudged, "w", encoding="utf-8") as out:
            later_needs = [n for s in LATER_SETS + APART_SETS for n in eval_needs(s)] + typed_needs()
            for n in judged + [n for n in needs if n not in judged] + later_needs:
                seen = set()
                for s in systems + grid:
                    for d in s.rank(n, 10):
                        if d not in judgments.get(n.qid, {}) and d not in seen:
                            seen.add(d)
                            out.write(judging_line(n.qid, n.q, by_id[d]))
    print(f"\n{time.perf_counter() - started:.0f} s")


CLUSTER = "Berita on OpenSearch"
ONE_LENGTH = "Berita on Whoosh, one length as Lucene"


@dataclass(frozen=True)
class OneLengthBM25F(BM25F):
    """Berita's BM25F with the length model OpenSearch's ``combined_fields``
    (Lucene's CombinedFieldQuery) is limited to: one length per document, the
    weighted sum of the queried fields' lengths, normalised with one ``b``
    (per-field similarities are not supported there), where Berita normalises
    each field by its own length with its own ``b``. Scored on the Whoosh
    index, it shows what that engine limit alone costs."""

    b: float = 0.75

    def _pseudo(
        self, ev: Evaluation, terms: tuple[plan.Term, ...], cand: np.ndarray, scale: dict[str, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        snap = ev.snap
        mask = np.zeros(cand.size, dtype=bool)
        frequency = np.zeros(cand.size)
        length = np.zeros(cand.size)
        average = 0.0
        for t in terms:
            boost = t.boost if scale is None else t.boost * scale.get(t.field, 1.0)
            if t.field in SCORED_FIELDS:
                length += boost * snap.lengths[t.field][cand]
                average += boost * snap.avg_length[t.field]
            postings = term_postings(snap, t)
            if not postings.ids.size:
                continue
            hit, where = lookup(postings.ids, cand)
            mask |= hit
            if hit.any() and t.field in SCORED_FIELDS:
                frequency += np.where(hit, boost * postings.tf[where], 0.0)
        if average <= 0:
            return mask, frequency
        norm = (1 - self.b) + self.b * length / average
        return mask, frequency / np.maximum(norm, 1e-9)


def backends_report(args: argparse.Namespace, records: list[dict]) -> None:
    """``--backend opensearch``: Berita as shipped (collapse off, as the API's
    default) on its Whoosh index and on the cluster, nDCG@10 for every judged
    set and MRR@10 for every known-item kind, with the paired bootstrap CI of
    cluster minus Whoosh."""
    from search.backends.opensearch.engine import OpenSearchEngine

    target = cluster_holding(args.opensearch_url, args.opensearch_index, records)
    index_dir = ensure_index(Path(args.workdir), Analysis(), records)
    whoosh = SearchEngine(SearcherManager(index_dir, background=False), budget_seconds=None)
    cluster = OpenSearchEngine(target, budget_seconds=None, poll=False)
    # its own manager: a snapshot's memos are the scorer's to fill
    one_length = SearchEngine(
        SearcherManager(index_dir, background=False), budget_seconds=None, scorer=OneLengthBM25F()
    )
    cluster_system = System(CLUSTER, lambda need, limit: engine_ranked(cluster, need, limit, False))
    systems = [
        System(SHIPPED, lambda need, limit: engine_ranked(whoosh, need, limit, False)),
        System(ONE_LENGTH, lambda need, limit: engine_ranked(one_length, need, limit, False)),
        cluster_system,
    ]
    judgments = eval_judgments()

    def difference(label: str, scores: dict[str, list[float]]) -> None:
        for name, against, said in (
            (CLUSTER, SHIPPED, "cluster - whoosh"),
            (ONE_LENGTH, SHIPPED, "whoosh with one length - whoosh"),
            (CLUSTER, ONE_LENGTH, "cluster - whoosh with one length"),
        ):
            diffs = [a - b for a, b in zip(scores[name], scores[against])]
            lo, hi = bootstrap_ci(diffs, args.bootstrap)
            print(f"  {label}{said} {mean(diffs):+.3f}  95% CI [{lo:+.3f}, {hi:+.3f}]")

    def condensed(needs: list[Need]) -> dict[str, list[float]]:
        """nDCG@10 over each ranking with its unjudged articles left out (a
        condensed list, Sakai 2007): the pools were drawn from the Whoosh
        backend, so an unjudged article in the cluster's top 10 says nothing."""
        return {
            s.name: [
                ndcg_at_10([d for d in s.rank(n, 30) if d in judgments[n.qid]][:10], judgments[n.qid]) for n in needs
            ]
            for s in systems
        }

    all_needs = [(query_set, eval_needs(query_set)) for query_set in ("eval", *LATER_SETS, *APART_SETS)]
    all_needs.append(("typed", typed_needs()))
    if args.unjudged:
        by_id = {r["id"]: r for r in records}
        with open(args.unjudged, "w", encoding="utf-8") as out:
            for _, needs in all_needs:
                for n in needs:
                    for d in cluster_system.rank(n, 10):
                        if d not in judgments.get(n.qid, {}):
                            out.write(judging_line(n.qid, n.q, by_id[d]))
    sets = [(query_set, with_relevant(needs, judgments)) for query_set, needs in all_needs]
    for query_set, needs in sets:
        if not needs:
            continue
        print(f"\n{query_set} queries ({len(needs)} with a relevant article)")
        difference("nDCG@10 ", system_table(systems, needs, judgments))
        difference("condensed nDCG@10 (unjudged left out) ", condensed(needs))
    for label, items in (
        ("body words", body_known_items(records, args.sample)),
        ("title words", known_items(records, args.sample)),
        ("summaries", summary_known_items(records)),
        ("fresh summaries", summary_known_items(records, FRESH_ITEMS)),
    ):
        print(f"\nknown items from {label}: {len(items)} queries")
        reciprocal: dict[str, list[float]] = {}
        for s in systems:
            ranks = []
            for item in items:
                ids = s.rank(Need("k", "known", item.query, None, None), 10)
                ranks.append(ids.index(item.article_id) + 1 if item.article_id in ids else None)
            m = known_item_metrics(ranks)
            print(f"  {s.name:<44}MRR@10 {m['MRR@10']:.3f}  S@10 {m['S@10']:.3f}")
            reciprocal[s.name] = [1 / r if r else 0.0 for r in ranks]
        difference("MRR@10 ", reciprocal)


KINDS = ("topic", "entity", "variant", "phrase", "dated", "rare")
FRESH_KINDS = ("form", "name", "stopword", "compound-hyphen")  # the fresh set's, beside its rare
SIXTH_KINDS = ("acronym", "old-spelling", "date-words", "date-content")  # the sixth set's, beside topic, form, name


def system_table(systems: list[System], needs: list[Need], judgments: dict) -> dict[str, list[float]]:
    """Print each system's nDCG@10 (overall, share of its top 10 judged, per
    kind present); return the per-query values by system name."""
    kinds = [k for k in KINDS + FRESH_KINDS + SIXTH_KINDS if any(n.kind == k for n in needs)]
    widths = {k: max(9, len(k) + 1) for k in kinds}
    print(f"{'system':<44}{'nDCG@10':>8}{'judged@10':>10}" + "".join(f"{k:>{widths[k]}}" for k in kinds))
    scores = {}
    for s in systems:
        tops = [s.rank(n, 10) for n in needs]
        values = scores[s.name] = [ndcg_at_10(t, judgments[n.qid]) for t, n in zip(tops, needs)]
        judged = sum(sum(1 for d in t if d in judgments[n.qid]) for t, n in zip(tops, needs))
        by_kind = {k: [v for v, n in zip(values, needs) if n.kind == k] for k in kinds}
        print(
            f"{s.name:<44}{mean(values):>8.3f}{judged / max(1, sum(len(t) for t in tops)):>10.2f}"
            + "".join(f"{mean(by_kind[k]):>{widths[k]}.3f}" for k in kinds)
        )
    if kinds:
        print("queries per kind: " + ", ".join(f"{k} {sum(1 for n in needs if n.kind == k)}" for k in kinds))
    return scores


def print_recall(systems: list[System], needs: list[Need], judgments: dict) -> None:
    """R@100: the share of each query's judged relevant articles in the top 100, averaged."""
    print("R@100 (relevant judged articles in the top 100, mean over queries):")
    for s in systems:
        if s.name.startswith("  issue 27") or s.name in (PAGE, BEFORE):
            continue
        values = []
        for n in needs:
            relevant = {d for d, g in judgments[n.qid].items() if g > 0}
            values.append(len(relevant & set(s.rank(n, 100))) / len(relevant))
        print(f"  {s.name:<50}{mean(values):>7.3f}")


def print_differences(label: str, scores: dict[str, list[float]], resamples: int) -> None:
    """Shipped minus each baseline, per query: mean, paired bootstrap 95% CI, wins and losses."""
    for baseline in BASELINE_NAMES + tuple(a for a in ABLATIONS if a in scores):
        diffs = [a - b for a, b in zip(scores[SHIPPED], scores[baseline])]
        lo, hi = bootstrap_ci(diffs, resamples)
        better = sum(1 for d in diffs if d > 1e-9)
        worse = sum(1 for d in diffs if d < -1e-9)
        print(
            f"{label}shipped - {baseline}: {mean(diffs):+.3f} 95% CI [{lo:+.3f}, {hi:+.3f}], "
            f"better on {better}, worse on {worse}"
        )


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


if __name__ == "__main__":
    main()
