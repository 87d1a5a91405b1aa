"""A larger corpus for scaling measurements: the shared corpus replicated.

    .venv/bin/python bench/replicate.py --articles 250000 --out var/bench/corpus-250k.jsonl.gz

Each copy of an article gets a new id and a publication date moved by a
random whole number of days within ten years (2014-2024), so date filters and
recency see a long archive. The vocabulary grows too, as a real archive's
does (new names, places, typos): in every copy after the first, a share of
the body's words (``perturb``, 3% by default) get a suffix of that copy's own,
so each copy brings new terms and the term dictionaries grow with the corpus
instead of staying at 25k articles' words. Written under var/ (never committed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_path, load_records  # noqa: E402

from index.dates import format_published, parse_published  # noqa: E402

SPREAD_DAYS = 3650


WORD = re.compile(r"\b[a-z]{4,}\b")


def replicate(records: list[dict], articles: int, seed: int = 250, perturb: float = 0.03) -> list[dict]:
    rng = random.Random(seed)
    out: list[dict] = []
    copy = 0
    while len(out) < articles:
        for r in records:
            if len(out) == articles:
                break
            published, has_time = parse_published(r["published"])
            moved = published + timedelta(days=rng.randrange(-SPREAD_DAYS // 2, SPREAD_DAYS // 2))
            out.append(
                {
                    **r,
                    "id": f"{r['id']}-c{copy}",
                    "url": f"{r['url']}#c{copy}",
                    "published": format_published(moved, has_time),
                    "body": _perturbed(r["body"], copy, perturb, rng) if copy and perturb else r["body"],
                }
            )
        copy += 1
    return out


def _perturbed(body: str, copy: int, share: float, rng: random.Random) -> str:
    """``body`` with about ``share`` of its lower-case words given the copy's suffix."""
    suffix = f"x{copy:x}"
    return WORD.sub(lambda m: m.group(0) + suffix if rng.random() < share else m.group(0), body)


def write_replicated(records: list[dict], articles: int, out: Path, perturb: float = 0.03) -> None:
    """The replicated corpus as gzipped JSON Lines at ``out`` (written beside
    it, then renamed: a stopped run leaves no half file under the name)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with gzip.open(partial, "wt", encoding="utf-8", compresslevel=1) as fh:
        for record in replicate(records, articles, perturb=perturb):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.rename(out)


def replicated(articles: int) -> Path:
    """The shared corpus replicated to ``articles`` (default perturbation),
    written once to var/bench/corpus-N.jsonl.gz and reused by the scale benches."""
    path = REPO / "var" / "bench" / f"corpus-{articles}.jsonl.gz"
    if not path.exists():
        write_replicated(load_records(corpus_path()), articles, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus")
    parser.add_argument("--articles", type=int, default=250_000)
    parser.add_argument("--out", default="var/bench/corpus-250k.jsonl.gz")
    parser.add_argument("--perturb", type=float, default=0.03, help="share of body words given a copy's suffix")
    args = parser.parse_args()
    out = Path(args.out)
    write_replicated(load_records(corpus_path(args.corpus)), args.articles, out, args.perturb)
    print(f"{args.articles:,} articles in {out}")


if __name__ == "__main__":
    main()
