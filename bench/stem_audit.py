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
prefix    meN-/peN- words whose stem lost the root's first letter (menusuk ->
          usuk while ditusuk -> tusuk): recoded by the stemmer when exactly
          one recoding is a root the corpus attests; --write-recode writes
          the table (index/data/stem-recode.txt) that the stemmer reads.
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
    NASAL_PREFIX,
    SNOWBALL_CLITICS,
    TALA_STOPWORDS,
    TOKEN_PATTERN,
    fold,
    recodings,
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
    return sorted(
        (
            (sum(freq[w] for w in ws), root, stem(ws[0]), sorted(ws, key=lambda w: -freq[w]))
            for root, ws in hits.items()
        ),
        reverse=True,
    )


def split_candidates(freq: Counter, min_freq: int) -> list[tuple[int, str, str, list[str]]]:
    """(tokens affected, root, its own stem, derived words) for roots that stray."""
    derived: dict[str, list[str]] = defaultdict(list)
    for w in content_words(freq, min_freq):
        s = stem(w)
        if s != w and freq.get(s, 0) >= min_freq and s not in TALA_STOPWORDS and stem(s) != s:
            derived[s].append(w)
    return sorted(
        (
            (freq[s] + sum(freq[w] for w in ws), s, stem(s), sorted(ws, key=lambda w: -freq[w]))
            for s, ws in derived.items()
        ),
        reverse=True,
    )


def mangled_candidates(freq: Counter, min_freq: int) -> list[tuple[int, str, str, list[str]]]:
    """(tokens affected, stem, snowball's stem, words) for stems that are not words."""
    by_stem: dict[str, list[str]] = defaultdict(list)
    for w in content_words(freq, min_freq):
        s = stem(w)
        if s != w and freq.get(s, 0) < 2:
            by_stem[s].append(w)
    return sorted(
        (
            (sum(freq[w] for w in ws), s, snowball_stem(ws[0]), sorted(ws, key=lambda w: -freq[w]))
            for s, ws in by_stem.items()
        ),
        reverse=True,
    )


DOMINANCE = 3
PLAIN_PREFIXES = ("di", "ter", "ber", "ke")


def attested_roots(freq: Counter) -> Counter:
    """Stems of words derived with a prefix that leaves the root's first letter
    alone (di-, ter-, ber-, ke-), by tokens: the roots the corpus itself shows
    in use (ditusuk, tertusuk -> tusuk). A bare word alone does not attest a
    root: "pengantin" (bride) must not be read as peN- + "kantin" (canteen)."""
    roots: Counter = Counter()
    for w, n in freq.items():
        if w not in TALA_STOPWORDS and w.startswith(PLAIN_PREFIXES) and stem(w) != w:
            roots[stem(w)] += n
    return roots


def recode_candidates(freq: Counter, min_freq: int) -> list[tuple[int, str, str, list[str]]]:
    """(tokens affected, Snowball's stem, the attested root, words) for meN-/peN-
    words whose stem lost the root's first letter (menusuk -> usuk, not tusuk;
    meminta -> pinta, not minta): the stem is no attested root, and one of the
    roots the nasal allows (men-: t or n, meng-: k, mem-: m for Snowball's p) is
    attested at least ``DOMINANCE`` times as often as any other."""
    roots = attested_roots(freq)
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for w in content_words(freq, min_freq):
        prefix = NASAL_PREFIX.match(w)
        if not prefix:
            continue
        s = snowball_stem(w)
        if roots.get(stem(w), 0) >= min_freq or not s.isalpha():
            continue
        options = sorted(((roots.get(r, 0), r) for r in recodings(prefix.group(1), s)), reverse=True) + [
            (0, ""),
            (0, ""),
        ]
        (best, root), (second, _) = options[0], options[1]
        if best >= min_freq and best >= DOMINANCE * second:
            found[(f"{prefix.group(1)} {s}", root)].append(w)
    return sorted(
        (
            (sum(freq[w] for w in ws), key, root, sorted(ws, key=lambda w: -freq[w]))
            for (key, root), ws in found.items()
        ),
        reverse=True,
    )


def write_recode(path: Path, found: list[tuple[int, str, str, list[str]]]) -> None:
    lines = [
        "# meN-/peN- recoding for the Indonesian stemmer: generated, do not edit by hand.",
        "# Made by `bench/stem_audit.py --write-recode` from the shared corpus: a stem that is",
        "# no attested root (no unprefixed corpus word stems to it) and one recoding of which is attested",
        "# far more than any other (menusuk -> usuk > tusuk, meminta -> pinta > minta). Applied only to words that",
        '# carry that meN-/peN- nasal. "nasal snowball-stem > root   # tokens: example words".',
    ]
    lines += [f"{s} > {root}   # {tokens}: {' '.join(words[:4])}" for tokens, s, root, words in found]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--min-freq", type=int, default=5)
    parser.add_argument(
        "--write-recode", action="store_true", help="write the prefix recodings to index/data/stem-recode.txt"
    )
    args = parser.parse_args()
    freq = vocabulary(load_records(corpus_path(args.corpus)))
    print(f"vocabulary: {len(freq):,} words, {sum(freq.values()):,} tokens")
    checks = (
        ("clitic", "root", clitic_candidates),
        ("split", "root", split_candidates),
        ("mangled", "stem", mangled_candidates),
        ("prefix", "stem > root", recode_candidates),
    )
    for name, what, check in checks:
        found = check(freq, args.min_freq)
        print(f"\n## {name}: {len(found)} candidates ({sum(c[0] for c in found):,} tokens)")
        print(f"{'tokens':>8}  {what:<16}{'now stems to':<16}words")
        for tokens, key, current, words in found[: args.top]:
            print(f"{tokens:>8}  {key:<16}{current:<16}{' '.join(words[:6])}")
    if args.write_recode:
        target = Path(__file__).resolve().parent.parent / "index" / "data" / "stem-recode.txt"
        write_recode(target, recode_candidates(freq, args.min_freq))
        print(f"\nwrote {target}")


if __name__ == "__main__":
    main()
