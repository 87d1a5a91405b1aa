"""The write API: publish, correct and take down articles over HTTP.

``PUT /api/articles/{id}`` upserts one article, ``POST /api/articles`` takes
many (JSON Lines or a JSON array), ``DELETE /api/articles/{id}`` removes one.
Every write needs ``Authorization: Bearer <key>`` (``berita keys add NAME``).
A 2xx is sent only after the change is committed to the index, so nothing
acknowledged is lost when the process dies. Concurrent writes in one process
share commits (:class:`Committer`). Each record is validated on its own
before it joins a commit (the same rules as ``berita index``: size, UTF-8,
JSON, fields), and a record that still fails while being indexed is left out
of its commit alone. The worker that wrote answers from the new commit before
it replies (a client reads its own write on the same connection);
``?refresh=wait_for`` waits until every worker does.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import falcon

from index.dates import DateError
from index.merging import merge_small_segments
from index.model import Article
from index.readers import (
    MAX_RECORD_BYTES,
    MissingId,
    RecordError,
    article_from_record,
    load_json,
    parse_line,
    record_size,
    shown,
    too_large,
    unknown_fields,
)
from index.store import latest_generation
from index.writer import LOCK_WAIT, DiskFull, IndexBusy, Indexer, delete_articles

from ..backend import ArticleWriter, Committed, Engine
from ..keys import KEYS_FILE, has_keys, key_owner
from .limits import MAX_BODY, TokenBuckets, client_address
from .models import BulkOutcome, Outcome, WriteParams, Written
from .problems import InvalidParameter
from .visibility import WorkerGenerations

MAX_BULK_RECORDS = 10_000
JSON_TYPES = ("application/json",)
JSON_LINES_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines")
# Wrong keys an address may try: a burst of 10, then one every 6 seconds.
FAILED_KEYS_BURST = 10
FAILED_KEYS_RATE = 1 / 6
WAIT_FOR_TIMEOUT = 10.0  # refresh=wait_for: the longest a write waits for every worker
log = logging.getLogger("berita.writes")


class WriteGuard:
    """Checks write keys. scrypt is slow, so a verified key is remembered
    until keys.json changes; a wrong key costs one scrypt (see
    :mod:`search.keys`), and an address that sent ``FAILED_KEYS_BURST`` wrong
    keys gets 429 until its bucket refills, before any scrypt is run."""

    def __init__(self, index_dir, trusted_proxies: frozenset[str] = frozenset(), clock=time.monotonic):
        self.index_dir = index_dir
        self.trusted = trusted_proxies
        self.failures = TokenBuckets(FAILED_KEYS_RATE, FAILED_KEYS_BURST, clock)
        self._verified: dict[str, str] = {}
        self._stamp: float | None = None

    @staticmethod
    def _secret(req: falcon.Request) -> str | None:
        scheme, _, secret = (req.get_header("Authorization") or "").partition(" ")
        return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None

    @staticmethod
    def _digest(secret: str) -> str:
        return hashlib.sha256(secret.encode("utf-8", errors="surrogatepass")).hexdigest()

    def _forget_if_changed(self) -> None:
        keys_file = Path(self.index_dir) / KEYS_FILE
        try:
            stamp: float | None = keys_file.stat().st_mtime
        except OSError:
            stamp = None
        if stamp != self._stamp:
            self._verified.clear()
            self._stamp = stamp

    def verified_owner(self, req: falcon.Request) -> str | None:
        """The key's name if the request carries a key verified before (no
        scrypt: what the rate limiter counts a request against)."""
        secret = self._secret(req)
        if secret is None:
            return None
        self._forget_if_changed()
        return self._verified.get(self._digest(secret))

    def require(self, req: falcon.Request) -> str:
        """The key's name, or a 401 problem (429 after too many wrong keys)."""
        self._forget_if_changed()
        if not has_keys(self.index_dir):
            raise _unauthorized("writes are refused: no write key exists (make one with 'berita keys add NAME')")
        secret = self._secret(req)
        if secret is None:
            raise _unauthorized("send Authorization: Bearer <key>")
        digest = self._digest(secret)
        owner = self._verified.get(digest)
        if owner is not None:
            return owner
        address = client_address(req, self.trusted)
        wait = self.failures.wait(address, take=False)
        if wait:
            raise falcon.HTTPTooManyRequests(
                title="Too many wrong keys",
                description=f"too many wrong keys from this address; try again in {wait} s",
                retry_after=wait,
            )
        owner = key_owner(self.index_dir, secret)
        if owner is None:
            self.failures.wait(address)  # spends one of the address's tries
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
    in arrival order. Each request waits for its own commit before its 2xx.
    A group that fails for a reason that is no record's (not a full disk, not
    a busy index) is committed again request by request, so the failure stays
    with the request that caused it.

    Commits add their segment without merging; once the queue is empty (every
    waiting request answered) the thread merges small segments in commits of
    their own (:mod:`index.merging`, bounded in size), so a write waits for a
    merge only when it arrives during one."""

    GATHER = 0.005
    MAX_GROUP = 10_000

    def __init__(self, index_dir, merge: bool = True):
        self.index_dir = index_dir
        self.merge = merge
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def upsert(self, articles: list) -> Committed:
        return self._submit("upsert", articles)

    def delete(self, article_id: str) -> Committed:
        """``outcomes`` is {id: "deleted"} when it was there, else empty."""
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
            if self.merge:
                self._merge_while_idle()

    def _merge_while_idle(self) -> None:
        """Merge what the policy says is due, one merge commit at a time, while
        no write waits. A failed merge is logged and changes nothing: the
        index keeps its last commit, and the next idle moment tries again."""
        while self._queue.empty():
            try:
                if merge_small_segments(self.index_dir) is None:
                    return
            except IndexBusy:  # another writer holds the index: it is not idle
                return
            except Exception:
                log.exception("could not merge segments of %s", self.index_dir)
                return

    def _commit(self, kind: str, ops: list) -> None:
        try:
            results = self._apply(kind, ops)
        except (IndexBusy, DiskFull) as exc:  # the index's state: the same answer for every request
            for _, _, done in ops:
                done.set_exception(exc)
            return
        except Exception as exc:
            if len(ops) > 1:  # whose is it? each request on its own
                for op in ops:
                    self._commit(kind, [op])
                return
            ops[0][2].set_exception(exc)
            return
        for (_, _, done), result in zip(ops, results):
            done.set_result(result)

    def _apply(self, kind: str, ops: list) -> list[Committed]:
        if kind == "upsert":
            report = Indexer(self.index_dir, merge=False).ingest([a for _, batch, _ in ops for a in batch])
            return [
                Committed(
                    outcomes={a.id: report.outcomes.get(a.id, "failed") for a in batch},
                    errors={a.id: report.failed[a.id] for a in batch if a.id in report.failed},
                    generation=report.generation,
                )
                for _, batch, _ in ops
            ]
        deleted, _ = delete_articles(self.index_dir, [i for _, i, _ in ops])
        generation = latest_generation(self.index_dir) if deleted else None
        return [Committed(outcomes={i: "deleted"} if i in deleted else {}, generation=generation) for _, i, _ in ops]


class Visibility:
    """When a write's commit is seen: this worker answers from it before the
    reply (read your write), and with ``refresh=wait_for`` every worker does."""

    def __init__(self, engine: Engine, generations: WorkerGenerations):
        self.engine = engine
        self.generations = generations

    def settle(self, generation: int | None, wait_for: bool) -> bool | None:
        """None unless ``wait_for``; then True once every worker sees ``generation``."""
        if generation is None:  # nothing was committed: nothing to wait for
            return True if wait_for else None
        deadline = time.monotonic() + WAIT_FOR_TIMEOUT
        here = self.engine.refresh_to(generation, WAIT_FOR_TIMEOUT)
        if not wait_for:
            return None
        return here and self.generations.wait_until_all_see(generation, max(0.0, deadline - time.monotonic()))


@dataclass
class Writes:
    """What the write resources share: the app's committer, key guard and visibility."""

    committer: ArticleWriter
    guard: WriteGuard
    visibility: Visibility


def _media_type(req: falcon.Request) -> str:
    return (req.content_type or "").split(";")[0].strip().lower()


def _unsupported(given: str, accepted: tuple[str, ...]) -> falcon.HTTPUnsupportedMediaType:
    said = f"Content-Type {given!r}" if given else "no Content-Type"
    return falcon.HTTPUnsupportedMediaType(
        title="Unsupported media type", description=f"{said}; send {' or '.join(accepted)}"
    )


def _body(req: falcon.Request, limit: int, what: str) -> bytes:
    """The body, at most ``limit`` bytes (413 beyond, also without a
    Content-Length); an empty one is a 400: the body is required."""
    if (req.content_length or 0) > limit:
        raise _too_large(limit, what)
    raw = req.bounded_stream.read(limit + 1)
    if len(raw) > limit:
        raise _too_large(limit, what)
    if not raw.strip():
        raise InvalidParameter("body", f"the body is empty: send {what}")
    return raw


def _too_large(limit: int, what: str) -> falcon.HTTPContentTooLarge:
    return falcon.HTTPContentTooLarge(title="Body too large", description=f"{what} is at most {limit:,} bytes")


def _article(record: object, line: int | None = None):
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
    return shown(found) if isinstance(found, str) else None


class ArticleWrites:
    """PUT and DELETE on /api/articles/{id} (mixed into the article resource)."""

    def __init__(self, writes: Writes):
        self.writes = writes

    def on_put(self, req: falcon.Request, resp: falcon.Response, article_id: str) -> None:
        self.writes.guard.require(req)
        params = WriteParams.parse(req.params)
        _check_path_id(article_id)
        if _media_type(req) not in JSON_TYPES:
            raise _unsupported(_media_type(req), JSON_TYPES)
        try:
            record = load_json(_body(req, MAX_RECORD_BYTES, "one article as a JSON object"))
        except RecordError as exc:
            raise InvalidParameter("body", str(exc)) from None
        if not isinstance(record, dict):
            raise InvalidParameter("body", "the body must be one article as a JSON object")
        article = _article({**record, "id": article_id})
        committed = self.writes.committer.upsert([article])
        outcome = committed.outcomes[article.id]
        if outcome == "failed":
            raise InvalidParameter("body", committed.errors.get(article.id, "could not be indexed"))
        visible = self.writes.visibility.settle(committed.generation, params.refresh == "wait_for")
        more: dict = {"ignored_fields": ignored} if (ignored := unknown_fields(record)) else {}
        if visible is not None:
            more["visible"] = visible
        resp.status = falcon.HTTP_201 if outcome == "added" else falcon.HTTP_200
        resp.data = Written(**article.to_record(), result=outcome, **more).json_bytes()
        resp.content_type = falcon.MEDIA_JSON

    def on_delete(self, req: falcon.Request, resp: falcon.Response, article_id: str) -> None:
        self.writes.guard.require(req)
        WriteParams.parse(req.params)  # refresh is accepted, and is always wait_for here
        _check_path_id(article_id)
        committed = self.writes.committer.delete(article_id)
        if not committed.outcomes:
            raise falcon.HTTPNotFound(title="Article not found", description=f"no article with id {article_id!r}")
        # Always as refresh=wait_for: a 204 closes the connection (waitress
        # keeps none open without a Content-Length, which a 204 must not
        # have), so the client's next request may reach any worker.
        if not self.writes.visibility.settle(committed.generation, wait_for=True):
            resp.set_header("Berita-Visible", "false")
        resp.status = falcon.HTTP_204


def _check_path_id(article_id: str) -> None:
    """The path's id is the article's: it must be there, as it will be stored."""
    if not article_id.strip():
        raise InvalidParameter("id", "an article id is required in the path: /api/articles/{id}")
    if article_id != article_id.strip():
        raise InvalidParameter("id", f"an article id has no leading or trailing spaces, not {article_id!r}")


class BulkResource:
    """POST /api/articles: many articles at once, answered record by record."""

    def __init__(self, writes: Writes):
        self.writes = writes

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.writes.guard.require(req)
        params = WriteParams.parse(req.params)
        media = _media_type(req)
        if media not in JSON_TYPES + JSON_LINES_TYPES:
            raise _unsupported(media, JSON_LINES_TYPES[:1] + JSON_TYPES)
        raw = _body(req, MAX_BODY, "JSON Lines or a JSON array of articles")
        lines: list[tuple[int, object, str | None]] = []
        if media in JSON_TYPES:
            try:
                records = load_json(raw)
            except RecordError as exc:
                raise InvalidParameter("body", str(exc)) from None
            if not isinstance(records, list):
                raise InvalidParameter("body", "a JSON body must be an array of articles (or send JSON Lines)")
            lines = [(i, r, too_large(record_size(r))) for i, r in enumerate(records, 1)]
        else:  # JSON Lines: each line decoded and checked on its own, as berita index does
            for i, text in enumerate(raw.split(b"\n"), 1):
                try:
                    record = parse_line(text)
                except RecordError as exc:
                    lines.append((i, None, str(exc)))
                    continue
                if record is not None:
                    lines.append((i, record, None))
        if len(lines) > MAX_BULK_RECORDS:
            raise InvalidParameter("body", f"at most {MAX_BULK_RECORDS:,} articles per request")
        results: list[dict] = []
        articles: dict[str, Article] = {}
        for line, record, error in lines:
            if error is None:
                try:
                    article = _article(record, line)
                except InvalidParameter as exc:
                    error = exc.description
                else:
                    for earlier in results:  # the later record of an id wins, as in berita index
                        if earlier["result"] is None and earlier["id"] == article.id:
                            earlier["result"] = "superseded"
                            earlier["superseded_by"] = line
                    articles[article.id] = article
                    entry = {"line": line, "id": article.id, "result": None}
                    if ignored := unknown_fields(record):
                        entry["ignored_fields"] = ignored
                    results.append(entry)
                    continue
            results.append({"line": line, "id": _given_id(record), "result": "failed", "error": error})
        committed = self.writes.committer.upsert(list(articles.values())) if articles else Committed()
        for entry in results:
            if entry["result"] is None:
                entry["result"] = committed.outcomes.get(entry["id"], "failed")
                if entry["result"] == "failed":
                    entry["error"] = committed.errors.get(entry["id"], "could not be indexed")
        counts = {k: sum(1 for e in results if e["result"] == k) for k in get_args(Outcome)}
        answer: dict = {"errors": counts["failed"] > 0, **counts, "results": results}
        visible = self.writes.visibility.settle(committed.generation, params.refresh == "wait_for")
        if visible is not None:
            answer["visible"] = visible
        resp.data = BulkOutcome.model_validate(answer).json_bytes()
        resp.content_type = falcon.MEDIA_JSON
