"""Autocomplete on the cluster beside the Whoosh index, over the corpus.

    flock /tmp/berita-bench.lock .venv/bin/python bench/suggest_parity.py \\
        --opensearch-url $URL [--index var/corpus] [--prompts 2000]

What a reader types, drawn (seeded) from real title words: the first 1-4
letters of a title word, alone or after the title's word before it. Both
backends complete each prompt; the lists must be the same, in the same
order. Prints the agreement per prefix length and with or without an
earlier word, the time per prompt on each backend, and any difference.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, cluster_holding, corpus_path, load_records  # noqa: E402

from index.analysis import TOKEN_PATTERN  # noqa: E402
from search.backends.opensearch.engine import OpenSearchEngine  # noqa: E402
from search.engine import SearchEngine  # noqa: E402


def prompts_from(titles: list[str], wanted: int, seed: int) -> list[tuple[str, int, bool]]:
    """(prompt, letters of the word being typed, whether an earlier word comes first)."""
    rng = random.Random(seed)
    found: dict[str, tuple[int, bool]] = {}
    while len(found) < wanted:
        words = [m.group(0) for m in TOKEN_PATTERN.finditer(rng.choice(titles))]
        if not words:
            continue
        i = rng.randrange(len(words))
        letters = rng.randint(1, min(4, len(words[i])))
        after = bool(i) and rng.random() < 0.5
        prompt = (f"{words[i - 1]} " if after else "") + words[i][:letters]
        found.setdefault(prompt, (letters, after))
    return [(p, n, a) for p, (n, a) in found.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--index", default=str(REPO / "var" / "corpus"), help="the corpus's Whoosh index")
    parser.add_argument("--opensearch-url", action="append", default=[], help="a cluster node (repeatable)")
    parser.add_argument("--opensearch-index", default="quality", help="the cluster index (filled with the corpus once)")
    parser.add_argument("--prompts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--show", type=int, default=10, help="differences printed")
    args = parser.parse_args()
    records = load_records(corpus_path(args.corpus))
    target = cluster_holding(args.opensearch_url, args.opensearch_index, records)
    whoosh = SearchEngine.open(args.index, background=False)
    cluster = OpenSearchEngine(target, budget_seconds=None, poll=False)
    prompts = prompts_from([r["title"] for r in records], args.prompts, args.seed)
    for engine in (whoosh, cluster):  # the first call of each reads its vocabulary
        engine.complete("a")
    answers: dict[str, list[list[str]]] = {}
    took: dict[str, float] = {}
    for name, engine in (("whoosh", whoosh), ("cluster", cluster)):
        started = time.perf_counter()
        answers[name] = [engine.complete(p) for p, _, _ in prompts]
        took[name] = time.perf_counter() - started
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # group -> [prompts, same lists, same first]
    differ = []
    for (prompt, letters, after), w, c in zip(prompts, answers["whoosh"], answers["cluster"]):
        for group in ("all", f"{letters} letter{'s' if letters > 1 else ''}", "after a word" if after else "alone"):
            counts = tally[group]
            counts[0] += 1
            counts[1] += w == c
            counts[2] += w[:1] == c[:1]
        if w != c:
            differ.append((prompt, w, c))
    print(f"{len(records):,} articles; {len(prompts):,} prompts from title words (seed {args.seed})")
    print(f"  {'prompts':<14} {'n':>6} {'same list':>10} {'same first':>11}")
    for group in ("all", "1 letter", "2 letters", "3 letters", "4 letters", "alone", "after a word"):
        n, same, first = tally[group]
        print(f"  {group:<14} {n:>6,} {same / max(n, 1):>10.4f} {first / max(n, 1):>11.4f}")
    empty = sum(not w for w in answers["whoosh"])
    print(f"  prompts with no completion: {empty:,} (Whoosh), {sum(not c for c in answers['cluster']):,} (cluster)")
    for name in ("whoosh", "cluster"):
        print(f"  {name}: {1000 * took[name] / len(prompts):.1f} ms a prompt")
    for prompt, w, c in differ[: args.show]:
        print(f"  differs: {prompt!r}: whoosh {w} cluster {c}")
    whoosh.close()
    cluster.close()


if __name__ == "__main__":
    main()
