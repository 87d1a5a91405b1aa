"""The audit any change to the Indonesian analysis must pass (issue 27).

    .venv/bin/python bench/analysis_audit.py [--corpus PATH] [--min-freq 20] [--roots 60]
        [--write-names] [--write-frequent-stopwords]

Over the corpus vocabulary (titles and bodies, folded), it prints:

joins      every pair of frequent words the shipped stemmer gives one stem,
           grouped by that stem (largest groups first), each word with its
           prefix (meN-/peN- by their nasal, di-, ter-, per-, ber-, ke-, se-)
           and its frequency. A pair a reader marks as wrong goes into
           bench/stem-wrong-pairs.txt; tests/test_analysis.py fails when a
           marked pair joins again. Marked pairs still joined are listed first.
names      words mostly capitalised mid-sentence in the bodies (a person, a
           place, an outlet) that the stemmer would cut, and whose stemmed
           relatives are rare in lower case: index/data/names.txt (the stemmer
           leaves them whole). ``--write-names`` writes the list.
stopwords  Tala's stopwords with their document frequency: the ones in more
           than FREQUENT_SHARE of the articles are the "most frequent words" a
           query may drop (index/data/stopwords-frequent.txt,
           ``--write-frequent-stopwords``); the rest, content words among them
           (kecil, dini, lama, depan), are searched like any word.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records  # noqa: E402

from index.analysis import TALA_STOPWORDS, TOKEN_PATTERN, IndonesianStemFilter, fold, word_prefix  # noqa: E402

WRONG_PAIRS = REPO / "bench" / "stem-wrong-pairs.txt"
NAMES = REPO / "index" / "data" / "names.txt"
FREQUENT_STOPWORDS = REPO / "index" / "data" / "stopwords-frequent.txt"
FREQUENT_SHARE = 0.10  # a stopword in more than this share of articles is "most frequent"
NAME_MIN_COUNT = 5  # mid-sentence occurrences a name needs
NAME_CAPITALISED = 0.8  # share of its mid-sentence occurrences written capitalised
# Tala stopwords in more than FREQUENT_SHARE of the articles that a reader uses as
# content words (reviewed with their frequencies: kota lama, lalu lintas, hal ihwal,
# sesama jenis, luar biasa): never dropped from a query.
CONTENT_STOPWORDS = frozenset({"hal", "lama", "depan", "lalu", "sama", "bersama", "diri", "sendiri", "lain"})
SENTENCE_END = re.compile(r"[.!?:;\"'“”()\[\]\n-]\s*$")


def corpus_counts(records: list[dict]) -> tuple[Counter, Counter, Counter, Counter]:
    """Word frequency and document frequency (titles and bodies), and in the
    bodies, each word's mid-sentence occurrences written capitalised and in
    lower case (titles are in title case, sentence starts are capitalised)."""
    freq: Counter = Counter()
    df: Counter = Counter()
    capital: Counter = Counter()
    lower: Counter = Counter()
    for r in records:
        seen = set()
        for m in TOKEN_PATTERN.finditer(r["title"]):
            w = fold(m.group(0))
            freq[w] += 1
            seen.add(w)
        body = r["body"]
        for m in TOKEN_PATTERN.finditer(body):
            raw = m.group(0)
            w = fold(raw)
            freq[w] += 1
            seen.add(w)
            if not w.isalpha():
                continue
            before = body[max(0, m.start() - 3) : m.start()]
            if m.start() == 0 or SENTENCE_END.search(before):
                continue
            if raw[0].isupper():
                capital[w] += 1
            else:
                lower[w] += 1
        df.update(seen)
    return freq, df, capital, lower


def name_list(freq: Counter, capital: Counter, lower: Counter) -> list[str]:
    """Words mostly capitalised mid-sentence that the stemmer (names off)
    would cut, unless their stemmed relatives are as common as they are
    (Kementerian stays with menteri, Terawan leaves awan). A clitic form
    (instagramnya) is left to the stemmer."""
    plain = IndonesianStemFilter(names=())
    family: dict[str, list[str]] = defaultdict(list)
    for w in freq:
        if w.isalpha() and len(w) > 2:
            family[plain.stem(w)].append(w)
    out = []
    for w, n in capital.items():
        total = n + lower[w]
        if n < NAME_MIN_COUNT or n < NAME_CAPITALISED * total or w in TALA_STOPWORDS or w.endswith("nya"):
            continue
        root = plain.stem(w)
        if root == w:
            continue
        relatives = sum(freq[v] for v in family[root] if v != w)
        if relatives < freq[w]:
            out.append(w)
    return sorted(out)


def joins(freq: Counter, min_freq: int) -> dict[str, list[str]]:
    """Frequent words grouped by their shipped stem (groups of two or more)."""
    shipped = IndonesianStemFilter()
    groups: dict[str, list[str]] = defaultdict(list)
    for w, n in freq.items():
        if n >= min_freq and w.isalpha() and len(w) > 2:
            groups[shipped.stem(w)].append(w)
    return {root: sorted(ws, key=lambda v: -freq[v]) for root, ws in groups.items() if len(ws) > 1}


def wrong_pairs(path: Path = WRONG_PAIRS) -> list[tuple[str, str]]:
    """The pairs a reader marked as wrongly joined (``word other  # why``)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            first, second = line.split()
            out.append((first, second))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--min-freq", type=int, default=20)
    parser.add_argument("--roots", type=int, default=60, help="stem groups printed (largest first)")
    parser.add_argument("--write-names", action="store_true")
    parser.add_argument("--write-frequent-stopwords", action="store_true")
    args = parser.parse_args()
    records = load_records(corpus_path(args.corpus))
    freq, df, capital, lower = corpus_counts(records)
    shipped = IndonesianStemFilter()

    marked = wrong_pairs()
    joined = [(a, b) for a, b in marked if shipped.stem(a) == shipped.stem(b)]
    print(f"marked-wrong pairs (bench/{WRONG_PAIRS.name}): {len(marked)}, joined by the stemmer: {len(joined)}")
    for a, b in joined:
        print(f"  STILL JOINED  {a} ({freq[a]}) ~ {b} ({freq[b]}) -> {shipped.stem(a)}")

    groups = joins(freq, args.min_freq)
    pairs = sum(len(ws) * (len(ws) - 1) // 2 for ws in groups.values())
    print(f"\njoins: {len(groups)} stems join {pairs} pairs of words seen {args.min_freq}+ times")
    ranked = sorted(groups.items(), key=lambda kv: -sum(freq[w] for w in kv[1]))
    for root, ws in ranked[: args.roots]:
        prefixes = Counter(word_prefix(w) or "-" for w in ws)
        print(f"  {root:<14} " + ", ".join(f"{w} [{word_prefix(w) or '-'}] {freq[w]}" for w in ws[:12]))
        print(f"  {'':<14} prefixes: " + ", ".join(f"{p} {n}" for p, n in prefixes.most_common()))

    names = name_list(freq, capital, lower)
    print(f"\nnames left unstemmed: {len(names)} (mostly capitalised mid-sentence, relatives rare in lower case)")
    print("  " + ", ".join(f"{w} ({capital[w]})" for w in sorted(names, key=lambda v: -capital[v])[:80]))
    if args.write_names:
        NAMES.write_text(
            "# Names the stemmer leaves whole: written by bench/analysis_audit.py --write-names\n"
            "# (mostly capitalised mid-sentence in the corpus; stemmed relatives rare in lower case).\n"
            + "".join(f"{w}\n" for w in names),
            encoding="utf-8",
        )
        print(f"  wrote {NAMES}")

    n_docs = len(records)
    frequent = sorted(
        (w for w in TALA_STOPWORDS if df[w] > FREQUENT_SHARE * n_docs and w not in CONTENT_STOPWORDS),
        key=lambda w: -df[w],
    )
    print("  content words kept in queries however frequent: " + ", ".join(sorted(CONTENT_STOPWORDS)))
    print(f"\nstopwords: {len(TALA_STOPWORDS)}; in more than {FREQUENT_SHARE:.0%} of articles: {len(frequent)}")
    print("  frequent: " + ", ".join(f"{w} {df[w] / n_docs:.0%}" for w in frequent))
    rest = sorted((w for w in TALA_STOPWORDS if w not in frequent), key=lambda w: -df[w])
    print("  searched like content words (document frequency): " + ", ".join(f"{w} {df[w]}" for w in rest))
    if args.write_frequent_stopwords:
        FREQUENT_STOPWORDS.write_text(
            "# Stopwords a query drops when other words remain: Tala's stopwords in more than\n"
            f"# {FREQUENT_SHARE:.0%} of the corpus articles (bench/analysis_audit.py --write-frequent-stopwords).\n"
            + "".join(f"{w}\n" for w in sorted(frequent)),
            encoding="utf-8",
        )
        print(f"  wrote {FREQUENT_STOPWORDS}")


if __name__ == "__main__":
    main()
