"""The write API: publish, correct and take down articles over HTTP.

``PUT /api/articles/{id}`` upserts one article, ``POST /api/articles`` takes
many (JSON Lines or a JSON array), ``DELETE /api/articles/{id}`` removes one.
Every write needs ``Authorization: Bearer <key>`` (``berita keys add NAME``).
A 2xx is sent only after the change is committed to the index (each request
is one Whoosh commit), so nothing acknowledged is lost when the process dies.
One writer at a time holds the index: a request that cannot get it within
``LOCK_WAIT`` seconds (a long ``berita index`` run) gets 503 with Retry-After.
Concurrent writes in one process share commits (:class:`Committer`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import queue
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import get_args

import falcon
from whoosh.index import LockError

from index.dates import DateError
from index.readers import MAX_RECORD_BYTES, MissingId, article_from_record
from index.writer import Indexer, delete_articles

from ..keys import KEYS_FILE, has_keys, key_owner
from .models import BulkOutcome, Outcome, Written
from .problems import InvalidParameter

LOCK_WAIT = 3.0
MAX_BULK_RECORDS = 10_000


class WriteGuard:
    """Checks write keys (scrypt is slow, so a verified key is remembered
    until keys.json changes)."""

    def __init__(self, index_dir):
        self.index_dir = index_dir
        self._verified: dict[str, str] = {}
        self._stamp: float | None = None

    def require(self, req: falcon.Request) -> str:
        """The key's name, or a 401 problem."""
        keys_file = Path(self.index_dir) / KEYS_FILE
        stamp = keys_file.stat().st_mtime if keys_file.exists() else None
        if stamp != self._stamp:
            self._verified.clear()
            self._stamp = stamp
        if not has_keys(self.index_dir):
            raise _unauthorized("writes are refused: no write key exists (make one with 'berita keys add NAME')")
        scheme, _, secret = (req.get_header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise _unauthorized("send Authorization: Bearer <key>")
        digest = hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()
        owner = self._verified.get(digest) or key_owner(self.index_dir, secret.strip())
        if owner is None:
            raise _unauthorized("that key is not valid (revoked, or never made)")
        self._verified[digest] = owner
        return owner


class ReadKeys:
    """``serve --require-read-key``: every request but /health and /static
    needs a key too (the same keys as writes)."""

    def __init__(self, guard: WriteGuard):
        self.guard = guard

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.path == "/health" or req.path.startswith("/static/"):
            return
        self.guard.require(req)


def _unauthorized(detail: str) -> falcon.HTTPUnauthorized:
    return falcon.HTTPUnauthorized(title="Write key required", description=detail, challenges=['Bearer realm="berita"'])


class Committer:
    """Group commit: concurrent writes in this process go to one thread, which
    takes everything waiting (after ``GATHER`` seconds) and commits it together,
    consecutive upserts as one Whoosh commit and consecutive deletes as another,
    in arrival order. Each request waits for its own commit before its 2xx."""

    GATHER = 0.005
    MAX_GROUP = 10_000

    def __init__(self, index_dir):
        self.index_dir = index_dir
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def upsert(self, articles: list) -> dict[str, str]:
        """id -> added/updated/unchanged, once committed."""
        return self._submit("upsert", articles)

    def delete(self, article_id: str) -> bool:
        return self._submit("delete", article_id)

    def _submit(self, kind: str, payload):
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="berita-commit", daemon=True)
                self._thread.start()
        done: Future = Future()
        self._queue.put((kind, payload, done))
        return done.result(timeout=LOCK_WAIT + 60)

    def _run(self) -> None:
        while True:
            group = [self._queue.get()]
            time.sleep(self.GATHER)
            while len(group) < self.MAX_GROUP:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            for kind, run in itertools.groupby(group, key=lambda op: op[0]):
                self._commit(kind, list(run))

    def _commit(self, kind: str, ops: list) -> None:
        results: list
        try:
            if kind == "upsert":
                articles = [a for _, batch, _ in ops for a in batch]
                report = _with_the_writer_lock(lambda: Indexer(self.index_dir).ingest(articles))
                results = [{a.id: report.outcomes.get(a.id, "unchanged") for a in batch} for _, batch, _ in ops]
            else:
                deleted, _ = _with_the_writer_lock(lambda: delete_articles(self.index_dir, [i for _, i, _ in ops]))
                results = [i in deleted for _, i, _ in ops]
        except BaseException as exc:  # every waiting request gets the failure (503, or an error)
            for _, _, done in ops:
                done.set_exception(exc)
            return
        for (_, _, done), result in zip(ops, results):
            done.set_result(result)


def _with_the_writer_lock(work):
    """Run ``work`` holding Whoosh's write lock, waiting a little for it."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            return work()
        except LockError:
            if time.monotonic() > deadline:
                raise falcon.HTTPServiceUnavailable(
                    title="Index busy", description="another writer holds the index; try again", retry_after=2
                ) from None
            time.sleep(0.05)


def _article(record, line: int | None = None):
    try:
        return article_from_record(record)
    except MissingId as exc:
        return exc.article
    except (ValueError, DateError) as exc:
        where = f"line {line}: " if line else ""
        raise InvalidParameter("body", where + str(exc)) from None


def _given_id(record: object) -> str | None:
    """The id a refused record gave, if it gave one as text (``{"id": 42}`` did not)."""
    found = record.get("id") if isinstance(record, dict) else None
    return found if isinstance(found, str) else None


class ArticleWrites:
    """PUT and DELETE on /api/articles/{id} (mixed into the article resource)."""

    def __init__(self, committer: Committer, guard: WriteGuard):
        self.committer = committer
        self.guard = guard

    def on_put(self, req: falcon.Request, resp: falcon.Response, article_id: str) -> None:
        self.guard.require(req)
        record = req.get_media(default_when_empty=None)
        if not isinstance(record, dict):
            raise InvalidParameter("body", "the body must be one article as a JSON object")
        article = _article({**record, "id": article_id})
        outcome = self.committer.upsert([article])[article.id]
        resp.status = falcon.HTTP_201 if outcome == "added" else falcon.HTTP_200
        resp.data = Written(**article.to_record(), result=outcome).json_bytes()
        resp.content_type = falcon.MEDIA_JSON

    def on_delete(self, req: falcon.Request, resp: falcon.Response, article_id: str) -> None:
        self.guard.require(req)
        if not self.committer.delete(article_id):
            raise falcon.HTTPNotFound(title="Article not found", description=f"no article with id {article_id!r}")
        resp.status = falcon.HTTP_204


class BulkResource:
    """POST /api/articles: many articles at once, answered record by record."""

    def __init__(self, committer: Committer, guard: WriteGuard):
        self.committer = committer
        self.guard = guard

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.guard.require(req)
        raw = req.bounded_stream.read()
        if (req.content_type or "").startswith(falcon.MEDIA_JSON):
            try:
                records = json.loads(raw)
            except ValueError as exc:
                raise InvalidParameter("body", f"malformed JSON: {exc}") from None
            if not isinstance(records, list):
                raise InvalidParameter("body", "a JSON body must be an array of articles (or send JSON Lines)")
            lines: list[tuple[int, object, str | None]] = [(i, r, None) for i, r in enumerate(records, 1)]
        else:  # application/x-ndjson, JSON Lines
            lines = []
            for i, text in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
                if not text.strip():
                    continue
                if len(text.encode("utf-8")) > MAX_RECORD_BYTES:
                    lines.append((i, None, f"record is over {MAX_RECORD_BYTES:,} bytes"))
                    continue
                try:
                    lines.append((i, json.loads(text), None))
                except ValueError as exc:
                    lines.append((i, None, f"malformed JSON: {exc}"))
        if len(lines) > MAX_BULK_RECORDS:
            raise InvalidParameter("body", f"at most {MAX_BULK_RECORDS:,} articles per request")
        results, articles = [], []
        for line, record, error in lines:
            if error is None:
                try:
                    article = _article(record, line)
                except InvalidParameter as exc:
                    error = exc.description
                else:
                    articles.append(article)
                    results.append({"line": line, "id": article.id, "result": None})
                    continue
            results.append(
                {
                    "line": line,
                    "id": _given_id(record),
                    "result": "failed",
                    "error": error,
                }
            )
        outcomes = self.committer.upsert(articles) if articles else {}
        for entry in results:
            if entry["result"] is None:
                entry["result"] = outcomes.get(entry["id"], "unchanged")
        counts = {k: sum(1 for e in results if e["result"] == k) for k in get_args(Outcome)}
        resp.data = BulkOutcome.model_validate({**counts, "results": results}).json_bytes()
        resp.content_type = falcon.MEDIA_JSON
