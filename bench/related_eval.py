"""Related stories ("more like this") on the shared corpus.

    .venv/bin/python bench/related_eval.py [--index var/corpus] [--pool var/related-pool.jsonl]

1. Stories several outlets covered: 40 articles (fixed seed) whose title has a
   near-identical twin (the folding rule: >= 60% of content words shared) from
   another outlet. For each, the share of those twins that /related lists (as
   "same story elsewhere" or among the related stories).
2. Precision@5: for 30 of them, the top 5 related stories, judged by reading
   them against the article (bench/related-judgments.tsv: article, related
   article, 1 = related coverage — the same event, its follow-ups or causes —
   0 = not). --pool writes what there is to judge (with text, under var/).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records  # noqa: E402

from index.analysis import SHIPPED  # noqa: E402
from search.engine import SearchEngine  # noqa: E402
from search.rank.rerank import near_duplicate, title_fingerprint  # noqa: E402

HERE = Path(__file__).resolve().parent
SAMPLE, JUDGED = 40, 30


def covered_stories(records: list[dict], count: int, seed: int = 40) -> list[tuple[dict, list[str]]]:
    """(article, ids of other outlets' near-identical versions), for ``count`` articles."""
    exact = SHIPPED.exact()
    prints = [title_fingerprint(r["title"], exact) for r in records]
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, fp in enumerate(prints):
        for w in fp:
            by_word[w].append(i)
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    out = []
    for i in order:
        fp = prints[i]
        if len(fp) < 4:
            continue
        candidates = {j for w in fp for j in by_word[w] if len(by_word[w]) < 400}
        twins = [
            records[j]["id"]
            for j in candidates
            if j != i and records[j]["source"] != records[i]["source"] and near_duplicate(fp, prints[j])
        ]
        if twins:
            out.append((records[i], twins))
            if len(out) == count:
                break
    return out


def load_judgments() -> dict[tuple[str, str], int]:
    path = HERE / "related-judgments.tsv"
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("article\t"):
            article, other, grade = line.split("\t")
            out[(article, other)] = int(grade)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--index", default=str(REPO / "var" / "corpus"))
    parser.add_argument("--pool", help="write the top 5 of the judged articles, with text, to this JSON Lines file")
    args = parser.parse_args()
    records = load_records(corpus_path(args.corpus))
    by_id = {r["id"]: r for r in records}
    engine = SearchEngine.open(args.index, background=False, budget_seconds=None)
    stories = covered_stories(records, SAMPLE)
    found_twins = all_twins = 0
    tops: list[tuple[dict, list[str]]] = []
    for article, twins in stories:
        answer = engine.related(article["id"], 5)
        assert answer is not None, article["id"]  # sampled from the index
        result, same = answer
        listed = {h.id for h in same} | {h.id for h in result.hits}
        found_twins += sum(1 for t in twins if t in listed)
        all_twins += len(twins)
        tops.append((article, [h.id for h in result.hits]))
    print(
        f"{len(stories)} stories covered by several outlets: {found_twins} of their {all_twins} other-outlet "
        f"versions listed by /related ({found_twins / max(1, all_twins):.0%})"
    )
    judged = tops[:JUDGED]
    if args.pool:
        with open(args.pool, "w", encoding="utf-8") as out:
            for article, related in judged:
                for other in related:
                    r = by_id[other]
                    out.write(
                        json.dumps(
                            {
                                "article": article["id"],
                                "article_title": article["title"],
                                "article_body": article["body"][:1000],
                                "id": other,
                                "title": r["title"],
                                "source": r["source"],
                                "published": r["published"],
                                "body": r["body"][:1000],
                            },
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
        print(f"wrote {sum(len(r) for _, r in judged)} pairs to judge to {args.pool}")
    grades = load_judgments()
    pairs = [(a["id"], o) for a, related in judged for o in related]
    graded = [grades[p] for p in pairs if p in grades]
    if graded:
        print(
            f"precision@5 over {len(judged)} articles: {sum(graded) / len(pairs):.3f} "
            f"({len(graded)} of {len(pairs)} pairs judged; unjudged count as 0)"
        )
    engine.close()


if __name__ == "__main__":
    main()
