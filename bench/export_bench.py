"""Memory of a server while it streams whole result sets.

    .venv/bin/python bench/export_bench.py [--index var/corpus] [--runs 8]

Starts ``berita serve`` on a free loopback port and exports every article of
the index as CSV several times, printing the server's USS (its own memory)
and RSS after each run: a streaming export keeps only the rows in hand, so
memory settles (each of waitress's threads grows its allocator arena once).
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402
from search_bench import serving  # noqa: E402


def main() -> None:
    import psutil

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(REPO / "var" / "corpus"))
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    with serving(Path(args.index), workers=1, threads=4, cache=0) as (port, server):
        process = psutil.Process(server.pid)

        def memory() -> str:
            info = process.memory_full_info()
            return f"USS {info.uss / 1e6:.0f} MB, RSS {info.rss / 1e6:.0f} MB"

        print(f"before: {memory()}")
        for run in range(1, args.runs + 1):
            started, rows, size = time.time(), 0, 0
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search/export?format=csv", timeout=600) as r:
                for line in r:
                    rows += 1
                    size += len(line)
            print(
                f"export {run}: {rows - 1:,} rows, {size / 1e6:.1f} MB in {time.time() - started:.1f} s; "
                f"after: {memory()}"
            )


if __name__ == "__main__":
    main()
