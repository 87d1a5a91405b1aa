"""Serving the app with waitress, in one or more processes.

One Python process is bound by the GIL, so throughput comes from processes:
the parent binds the listening socket and forks workers that each build their
own app (and searcher) and accept on the shared socket, as gunicorn does.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
from pathlib import Path

from waitress import serve

from .api import create_app

log = logging.getLogger("berita.server")


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def _worker(index_dir: str, sock: socket.socket, threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    serve(create_app(index_dir), sockets=[sock], threads=threads, ident="berita", _quiet=True)


def run_server(index_dir: str | Path, host: str = "127.0.0.1", port: int = 8080, threads: int = 4,
               workers: int = 1, ready=None) -> None:
    """Serve until interrupted. ``ready(host, port)`` is called once listening."""
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    if ready:
        ready(host, bound_port)
    if workers <= 1:
        try:
            serve(create_app(str(index_dir)), sockets=[sock], threads=threads, ident="berita", _quiet=True)
        finally:
            sock.close()
        return
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_worker, args=(str(index_dir), sock, threads), daemon=True)
             for _ in range(workers)]
    for proc in procs:
        proc.start()
    try:
        for proc in procs:
            proc.join()
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs:
            if proc.is_alive():
                os.kill(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.join(timeout=5)
        sock.close()
