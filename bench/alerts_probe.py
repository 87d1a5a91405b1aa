"""Alert deliveries under faults, at full length, with a real local receiver.

    flock /tmp/berita-bench.lock .venv/bin/python bench/alerts_probe.py [--down 60] [--articles 20]

On a copy of the bundled sample served by ``berita serve --workers 2`` (loopback):

1. the receiver is down (connection refused) for ``--down`` seconds while
   ``--articles`` articles are published one by one; then it comes up. Every
   article must arrive, each delivery id once (none lost, none repeated).
2. the receiver answers slowly; ``--articles`` more are published and the
   worker delivering is killed -9 while a delivery is in flight; the service
   is started again. Every acknowledged article must arrive, and an article
   that arrives twice must carry the same delivery (idempotency) id.

Prints what arrived and how long each phase took.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from receiver import Receiver  # noqa: E402
from server import call, running_server  # noqa: E402

from index.readers import read_paths, sample_path  # noqa: E402
from index.writer import Indexer  # noqa: E402
from search.keys import add_key  # noqa: E402

SECRET = "rahasia-probe"
WAIT = 600  # seconds any phase may take before the probe gives up


def article(n: int, phase: str) -> dict:
    return {
        "title": f"Peristiwa {phase} nomor {n}",
        "body": f"Kabar {phase} yang ke-{n}.",
        "published": "2023-07-02T10:00:00+07:00",
        "source": "Berita",
        "category": "Nasional",
    }


def told(receiver: Receiver) -> dict[str, set[str]]:
    """article id -> the delivery ids that carried it."""
    out: dict[str, set[str]] = {}
    for got in receiver.snapshot():
        for a in got.body["articles"]:
            out.setdefault(a["id"], set()).add(got.delivery_id)
    return out


def wait_for(check, what: str) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > WAIT:
            sys.exit(f"gave up waiting for {what}")
        time.sleep(0.2)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--down", type=float, default=60.0, help="seconds the receiver is down")
    parser.add_argument("--articles", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="berita-alerts-probe-") as work:
        ixdir = Path(work) / "ix"
        Indexer(ixdir).ingest(read_paths([sample_path()]))
        key = add_key(ixdir, "probe")
        receiver = Receiver(SECRET)
        hook = {"url": receiver.url, "secret": SECRET}
        receiver.stop()
        try:
            # 1. The receiver down for a while.
            first = [f"down-{i}" for i in range(args.articles)]
            with running_server(ixdir, 2, "--alert-retry-cap", "30") as base:
                status, _, made = call(base, "POST", "/api/alerts", {"name": "semua", "webhook": hook}, key=key)
                assert status == 201, made
                down_at = time.monotonic()
                for i, article_id in enumerate(first):
                    assert call(base, "PUT", f"/api/articles/{article_id}", article(i, "down"), key=key)[0] == 201
                time.sleep(max(0.0, args.down - (time.monotonic() - down_at)))
                receiver.start()
                took = wait_for(lambda: set(told(receiver)) >= set(first), "the deliveries after the receiver came up")
                time.sleep(2)  # a duplicate, were there one, would come now
                ids = Counter(r.delivery_id for r in receiver.snapshot())
                carried = told(receiver)
                print(
                    f"receiver down {args.down:.0f} s: {len(carried)}/{len(first)} articles arrived in "
                    f"{len(ids)} deliveries, {took:.1f} s after it came up; deliveries received more than once: "
                    f"{sum(1 for n in ids.values() if n > 1)}; articles in more than one delivery: "
                    f"{sum(1 for d in carried.values() if len(d) > 1)}; all signed: "
                    f"{all(r.signed for r in receiver.snapshot())}",
                    flush=True,
                )
                ok_first = set(carried) == set(first) and all(n == 1 for n in ids.values())

            # 2. kill -9 while a delivery is in flight.
            receiver.delay = 5.0
            before = len(receiver.snapshot())
            second = [f"kill-{i}" for i in range(args.articles)]
            with running_server(ixdir, 1, "--alert-retry-cap", "5") as base:
                for i, article_id in enumerate(second):
                    assert call(base, "PUT", f"/api/articles/{article_id}", article(i, "kill"), key=key)[0] == 201
                wait_for(lambda: receiver.started > before, "a delivery in flight")
                os.kill(call(base, "GET", "/health")[2]["pid"], signal.SIGKILL)
                killed_at = time.monotonic()
            receiver.delay = 0.0
            with running_server(ixdir, 2, "--alert-retry-cap", "5"):
                took = wait_for(lambda: set(told(receiver)) >= set(second), "the deliveries after the restart")
                time.sleep(2)
            carried = told(receiver)
            later = [r for r in receiver.snapshot()[before:]]
            again = Counter(r.delivery_id for r in later)
            print(
                f"kill -9 mid-delivery: {sum(1 for a in second if a in carried)}/{len(second)} acknowledged articles "
                f"arrived, the last {took:.1f} s after the restart ({time.monotonic() - killed_at:.1f} s after the "
                f"kill); delivery ids received twice (resent with the same id): "
                f"{sum(1 for n in again.values() if n > 1)}; articles under two different delivery ids: "
                f"{sum(1 for a in second if len(carried.get(a, ())) > 1)}",
                flush=True,
            )
            ok_second = set(second) <= set(carried) and all(len(carried[a]) == 1 for a in second)
        finally:
            receiver.stop()
        shutil.rmtree(ixdir, ignore_errors=True)
    print("PASS" if ok_first and ok_second else "FAIL")
    sys.exit(0 if ok_first and ok_second else 1)


if __name__ == "__main__":
    main()
