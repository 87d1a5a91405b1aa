"""Analysis parity between the backends over the shared corpus: for every
article's title and body, under the stemmed and the exact chains, the
(position, term) pairs Whoosh indexes against those the cluster's
``berita_tokens`` analyser makes of the stream Berita sends (``_analyze``).
Prints per chain the texts and tokens compared, the distinct terms (the
vocabulary) and how many texts differ, with the first differences.

    flock /tmp/berita-bench.lock .venv/bin/python bench/analysis_parity.py \\
        --opensearch-url http://127.0.0.1:9200 [--limit N]

The cluster needs an index made by Berita (its analysers): ``--opensearch-index``
(default berita) names it.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from pathlib import Path

from index.analysis import SHIPPED
from index.opensearch.parity import compare, whoosh_terms
from index.opensearch.target import ClusterTarget
from index.opensearch.writer import ClusterWriter

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "click-id.jsonl.gz"
BATCH = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opensearch-url", action="append", required=True)
    parser.add_argument("--opensearch-index", default="berita")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="articles to read (default: all)")
    args = parser.parse_args()
    target = ClusterTarget(tuple(args.opensearch_url), args.opensearch_index)
    writer = ClusterWriter(target)
    writer.ensure()
    texts: list[str] = []
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        for line in itertools.islice(f, args.limit):
            record = json.loads(line)
            texts += [record.get("title") or "", record.get("body") or ""]
    print(f"{len(texts) // 2:,} articles, {len(texts):,} texts from {args.corpus}")
    failed = False
    for name, analyzer in (("stemmed", SHIPPED.stemmed()), ("exact", SHIPPED.exact())):
        started = time.perf_counter()
        differ: list = []
        tokens = 0
        vocabulary: set[str] = set()
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            differ += compare(writer.client, target.index, analyzer, batch)
            for text in batch:
                terms = whoosh_terms(analyzer, text)
                tokens += len(terms)
                vocabulary.update(t for _, t in terms)
        seconds = time.perf_counter() - started
        print(
            f"{name:8} {len(texts):,} texts, {tokens:,} tokens, {len(vocabulary):,} distinct terms: "
            f"{len(differ):,} texts differ ({seconds:.0f} s)"
        )
        for _text, ours, theirs in differ[:5]:
            only_ours, only_theirs = sorted(set(ours) - set(theirs))[:6], sorted(set(theirs) - set(ours))[:6]
            print(f"  whoosh only {only_ours}, cluster only {only_theirs}")
        failed |= bool(differ)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
