"""Where the Indonesian stemmer splits or merges news words: candidates for
``index/data/stem-protect.txt``, ranked by how many corpus tokens they touch.

    .venv/bin/python bench/stem_audit.py [--corpus PATH] [--top 40] [--min-freq 5]

Three checks over the corpus vocabulary (titles and bodies, folded, stopwords
out), each against the stemmer as shipped (protected roots and repairs applied):

clitic    A word ending in -lah/-kah/-pun or -ku/-mu/-nya that Snowball reads as
          root+particle or root+possessive although the letters belong to the
          root: sekolah -> seko, masalah -> masa (merged with "masa", time),
          menikah -> meni, berlaku -> berla. Flagged when the stem read without
          the clitic is also the stem of another corpus word that has none
          (sekolahnya, permasalahan), so the family exists and is split.
split     A root that does not stem to itself although derived forms stem to
          it: perceraian -> cerai but cerai -> cera. The root form never meets
          its own family.
mangled   Frequent words whose stem is not a corpus word at all (perumahan ->
          umah): usually meN-/peN- ate the root's first letter. Needs a reader
          to decide the repair ("umah > rumah").

Each candidate is read before it goes into the list: an automatic fix would
merge words that only look alike (mengalah "give in" vs mengalahkan "defeat").
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus_path, load_records  # noqa: E402

from index.analysis import (  # noqa: E402
    SNOWBALL_CLITICS,
    TALA_STOPWORDS,
    TOKEN_PATTERN,
    fold,
    snowball_stem,
    stem,
    stem_without_clitic,
)


def vocabulary(records: list[dict]) -> Counter:
    """Every alphabetic word's frequency, stopwords included (they are words
    when asking whether a stem is one, never candidates themselves)."""
    freq: Counter = Counter()
    for r in records:
        for m in TOKEN_PATTERN.finditer(r["title"] + " " + r["body"]):
            w = fold(m.group(0))
            if w.isalpha():
                freq[w] += 1
    return freq


def content_words(freq: Counter, min_freq: int) -> list[str]:
    return [w for w, n in freq.items() if n >= min_freq and w not in TALA_STOPWORDS]


def clitic_candidates(freq: Counter, min_freq: int) -> list[tuple[int, str, str, list[str]]]:
    """(tokens affected, root, current stem, words) for roots ending in clitic letters."""
    family_of: dict[str, set[str]] = defaultdict(set)
    for w in freq:
        if not w.endswith(SNOWBALL_CLITICS):
            family_of[stem(w)].add(w)
    hits: dict[str, list[str]] = defaultdict(list)
    for w in content_words(freq, min_freq):
        if not w.endswith(SNOWBALL_CLITICS):
            continue
        root = stem_without_clitic(w)
        if root != stem(w) and family_of.get(root):
            hits[root].append(w)
    return sorted(((sum(freq[w] for w in ws), root, stem(ws[0]), sorted(ws, key=lambda w: -freq[w]))
                   for root, ws in hits.items()), reverse=True)


def split_candidates(freq: Counter, min_freq: int) -> list[tuple[int, str, str, list[str]]]:
    """(tokens affected, root, its own stem, derived words) for roots that stray."""
    derived: dict[str, list[str]] = defaultdict(list)
    for w in content_words(freq, min_freq):
        s = stem(w)
        if s != w and freq.get(s, 0) >= min_freq and s not in TALA_STOPWORDS and stem(s) != s:
            derived[s].append(w)
    return sorted(((freq[s] + sum(freq[w] for w in ws), s, stem(s), sorted(ws, key=lambda w: -freq[w]))
                   for s, ws in derived.items()), reverse=True)


def mangled_candidates(freq: Counter, min_freq: int) -> list[tuple[int, str, str, list[str]]]:
    """(tokens affected, stem, snowball's stem, words) for stems that are not words."""
    by_stem: dict[str, list[str]] = defaultdict(list)
    for w in content_words(freq, min_freq):
        s = stem(w)
        if s != w and freq.get(s, 0) < 2:
            by_stem[s].append(w)
    return sorted(((sum(freq[w] for w in ws), s, snowball_stem(ws[0]), sorted(ws, key=lambda w: -freq[w]))
                   for s, ws in by_stem.items()), reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--min-freq", type=int, default=5)
    args = parser.parse_args()
    freq = vocabulary(load_records(corpus_path(args.corpus)))
    print(f"vocabulary: {len(freq):,} words, {sum(freq.values()):,} tokens")
    checks = (("clitic", "root", clitic_candidates), ("split", "root", split_candidates),
              ("mangled", "stem", mangled_candidates))
    for name, what, check in checks:
        found = check(freq, args.min_freq)
        print(f"\n## {name}: {len(found)} candidates ({sum(c[0] for c in found):,} tokens)")
        print(f"{'tokens':>8}  {what:<16}{'now stems to':<16}words")
        for tokens, key, current, words in found[: args.top]:
            print(f"{tokens:>8}  {key:<16}{current:<16}{' '.join(words[:6])}")


if __name__ == "__main__":
    main()
