"""A worker's memory over exports, cursor pages and commits (issue 29).

    .venv/bin/python bench/memory_bench.py [--index var/corpus] [--commits 30]

Copies the index (commits change it) into a temporary directory, makes a
write key, serves it with one worker and prints the worker's USS and RSS
(psutil) and its postings cache (/health) after: two exports of every row,
3,000 cursor results, ``--commits`` single-article PUTs (a search after
each), a pause, two more exports and 20 pages.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, writable_copy  # noqa: E402
from search_bench import serving  # noqa: E402


def main() -> None:
    import psutil

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(REPO / "var" / "corpus"))
    parser.add_argument("--commits", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="berita-memory-") as tmp:
        index, key = writable_copy(Path(args.index), Path(tmp), "bench")
        with serving(index, workers=1, threads=4, cache=1024) as (port, server):
            base = f"http://127.0.0.1:{port}"
            process = psutil.Process(server.pid)

            def get(path: str) -> bytes:
                with urllib.request.urlopen(base + path, timeout=60) as resp:
                    return resp.read()

            def report(what: str) -> None:
                info = process.memory_full_info()
                caches = json.loads(get("/health"))["caches"]
                print(
                    f"{what:36} USS {info.uss / 2**20:5.0f} MB  RSS {info.rss / 2**20:5.0f} MB  "
                    f"postings {caches['postings_bytes'] / 2**20:4.1f} MB",
                    flush=True,
                )

            get("/api/search?q=banjir")
            report("started, one search")
            for run in (1, 2):
                size = len(get("/api/search/export?format=csv"))
                report(f"export of every row #{run} ({size / 1e6:.1f} MB)")
            seen, cursor = 0, None
            while seen < 3000:
                body = json.loads(get("/api/search?q=jakarta&size=50" + (f"&cursor={cursor}" if cursor else "")))
                seen += len(body["results"])
                cursor = body["cursor"]
                if not cursor:
                    break
            report(f"{seen:,} cursor results")
            for i in range(args.commits):
                record = {
                    "title": f"Uji memori {i}",
                    "body": "Banjir di Jakarta. " * 50,
                    "published": "2019-10-30T10:00:00+07:00",
                    "source": "Uji",
                }
                request = urllib.request.Request(
                    f"{base}/api/articles/memori-{i}",
                    data=json.dumps(record).encode("utf-8"),
                    method="PUT",
                    headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                )
                urllib.request.urlopen(request, timeout=60).read()
                get("/api/search?q=banjir+jakarta")
            report(f"{args.commits} PUT commits, a search each")
            time.sleep(3)
            get("/api/search?q=banjir")
            report("3 s later")
            for run in (1, 2):
                get("/api/search/export?format=csv")
                report(f"another export of every row #{run}")
            for page in range(1, 21):
                get(f"/api/search?q=jakarta&size=50&page={page}")
            report("20 pages of q=jakarta")


if __name__ == "__main__":
    main()
