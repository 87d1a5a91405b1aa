"""Serving the app with waitress, in one or more processes.

One Python process is bound by the GIL, so throughput comes from processes.
With several workers each one binds its own listening socket on the same port
with SO_REUSEPORT, so the kernel spreads connections evenly over them (a
single shared socket let one busy worker take nearly all of them). Each worker
builds its own app and searcher. Workers exit when the parent goes away.
``ready`` is called once every worker has built its app and is answering.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import signal
import socket
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from waitress import serve

from .app import create_app
from .config import ServiceConfig
from .visibility import NOT_SERVING, WorkerGenerations

START_TIMEOUT = 600.0  # seconds a worker may take to open its index and build its app

# How many connections one process holds and how long an idle one lives. Open
# connections cost a file descriptor and a few KiB each, not a thread: a client
# that dribbles a request out byte by byte holds a connection, never a thread,
# so the limit is set far above the threads (waitress's default, 100, let ~190
# slow sockets take two workers off the air). poll(), since select() stops at
# 1,024 descriptors. Waitress has no deadline for a whole request's headers:
# in front of the open internet, put a proxy that has one (README: nginx).
CONNECTIONS = {"connection_limit": 4000, "channel_timeout": 30, "asyncore_use_poll": True}


# How long a thread keeps the GIL while another waits for it. A cheap search
# waits for the GIL each time it has read a socket or a file; beside a costly
# request Python's 5 ms made it wait up to 5 ms each time (overload probe, 8
# heavy clients: a reader's p50 +11.5 ms at 5 ms, +8.0 to +9.0 ms at 1 ms).
SWITCH_INTERVAL = 0.001

# A full collection walks every tracked object, and a warmed worker holds
# hundreds of thousands (the correction index, autocomplete, memos): 100-380 ms
# pauses set the p99. What the app built at start-up lives as long as the
# process, so it is frozen out of collections (gc.freeze, as Instagram's
# servers do), and the oldest generation is collected ten times less often.
GC_THRESHOLDS = (7000, 10, 100)


def _socket(host: str, port: int, reuse_port: bool, listen: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(1024)
    return sock


def _app(index_dir: str, config: ServiceConfig, generations: WorkerGenerations):
    """One process's app (its engine, limiter and admission its own)."""
    _enough_descriptors(CONNECTIONS["connection_limit"] + 100)
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = create_app(index_dir, config, generations=generations, warm_up=True)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return app


def _serve(app, sock: socket.socket, threads: int) -> None:
    serve(app, sockets=[sock], threads=threads, ident="berita", _quiet=True, **CONNECTIONS)


def _enough_descriptors(wanted: int) -> None:
    """Raise this process's open-file limit towards ``wanted`` (as far as the
    hard limit allows): every connection is a descriptor."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _worker(
    index_dir: str,
    host: str,
    port: int,
    threads: int,
    parent: int,
    config: ServiceConfig,
    generations: WorkerGenerations,
    slot: int,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    generations.serve_as(slot)
    sock = _socket(host, port, reuse_port=True, listen=True)  # listening before the parent may say "serving"
    app = _app(index_dir, config, generations)  # publishes its generation: the parent sees it ready
    _serve(app, sock, threads)


def run_server(
    index_dir: str | Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    threads: int = 4,
    workers: int = 1,
    ready=None,
    config: ServiceConfig | None = None,
) -> None:
    """Serve until interrupted or terminated. ``ready(host, port)`` is called
    once every worker answers; each worker's app follows ``config`` (its
    ``base_url`` made from the address when it is not given)."""
    generations = WorkerGenerations(workers)
    if workers <= 1:
        sock = _socket(host, port, reuse_port=False, listen=True)  # the port is taken first: fail fast
        try:
            app = _app(str(index_dir), _with_base_url(config, host, sock.getsockname()[1]), generations)
            if ready:
                ready(host, sock.getsockname()[1])
            _serve(app, sock, threads)
        finally:
            sock.close()
        return
    # The parent holds the port (bound, not listening, so it takes no
    # connections) and the workers listen on it side by side. A plain bind
    # first: SO_REUSEPORT would let a second Berita share a port already served.
    if port:
        _socket(host, port, reuse_port=False, listen=False).close()
    holder = _socket(host, port, reuse_port=True, listen=False)
    port = holder.getsockname()[1]
    config = _with_base_url(config, host, port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    context = multiprocessing.get_context("fork")
    procs = [
        context.Process(
            target=_worker,
            args=(str(index_dir), host, port, threads, os.getpid(), config, generations, slot),
        )
        for slot in range(workers)
    ]
    for proc in procs:
        proc.start()
    try:  # from here on the workers are stopped with the parent, however it ends
        started = generations.wait_until_all_see(
            NOT_SERVING + 1, START_TIMEOUT, alive=lambda: all(p.is_alive() for p in procs)
        )
        if ready and started:
            ready(host, port)
        for proc in procs:
            proc.join()
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=5)
        holder.close()


def _with_base_url(config: ServiceConfig | None, host: str, port: int) -> ServiceConfig:
    """``config`` with this server's address as its base URL (where feeds link)
    unless ``--base-url`` gave one."""
    if config is not None and config.base_url:
        return config
    shown = f"[{host}]" if ":" in host else host
    return replace(config or ServiceConfig(), base_url=f"http://{shown}:{port}")
