"""Starting the real service (waitress, loopback, free port) for tests."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

START_TIMEOUT = 120  # seconds: opening the corpus index on a loaded 2-core machine
ANSWER_TIMEOUT = 120  # seconds one request may take there: tests assert what is answered, not how fast


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(index_dir, workers: int = 1, *options: str):
    """``berita serve`` in a subprocess (``options`` are more of its flags); yields its base URL."""
    port = free_port()
    # stderr to a file, never a pipe nobody reads: a server that logs more than
    # a pipe holds would block on its next write.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "search",
            "serve",
            "--index",
            str(index_dir),
            "--port",
            str(port),
            "--workers",
            str(workers),
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # The server says it serves once every worker has built its app; until
        # then a probe is refused, or (on a loaded machine) times out, or the
        # connection drops mid-answer: URLError, ConnectionError, TimeoutError
        # (socket.timeout) and http.client's errors are all retried.
        deadline = time.time() + START_TIMEOUT
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=5).read()
                break
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError, http.client.HTTPException):
                if proc.poll() is not None or time.time() > deadline:
                    proc.kill()
                    proc.wait()
                    log.seek(0)
                    raise RuntimeError(f"server did not start: {log.read().decode()}") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def get_json(url: str):
    try:
        with urllib.request.urlopen(url, timeout=ANSWER_TIMEOUT) as resp:
            return resp.status, resp.headers.get("content-type"), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("content-type"), json.loads(err.read())


def call(base, method, path, body=None, key=None, content_type="application/json", timeout=ANSWER_TIMEOUT):
    """One request (a JSON body from a value, or bytes as they are): (status, headers, JSON body or None)."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None and content_type:
        req.add_header("Content-Type", content_type)
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read()
            return resp.status, resp.headers, json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        text = err.read()
        return err.code, err.headers, json.loads(text) if text else None
