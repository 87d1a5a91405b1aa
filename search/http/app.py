"""The WSGI app: resources and pages on their URLs, the middleware every
response passes through, and problem+json for every error."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import falcon
import falcon.media

from index.store import StaleAnalysis
from index.writer import DiskFull, IndexBusy

from ..alerts.service import AlertService
from ..backend import ArticleWriter, BackendUnavailable, Engine
from ..engine import SearchEngine
from ..request import InvalidRequest, StaleCursor
from .admission import Admission
from .alerts import AlertFeedResource, AlertResource, Alerts, AlertsResource, DeliveriesResource
from .config import DEFAULT_BASE_URL, ServiceConfig
from .encoding import Gzip, cors_middleware
from .limits import RateLimiter, RequestLimits
from .pages import add_pages, serialize_error
from .problems import (
    handle_backend_unavailable,
    handle_disk_full,
    handle_index_busy,
    handle_invalid_request,
    handle_stale_analysis,
    handle_stale_cursor,
    handle_unexpected,
)
from .resources import (
    ArticleResource,
    ExportResource,
    FeedResource,
    HealthResource,
    OpenAPIResource,
    RelatedResource,
    SearchResource,
    SuggestResource,
)
from .visibility import WorkerGenerations
from .writes import BulkResource, Committer, ReadKeys, Visibility, WriteGuard, Writes

try:
    BERITA_VERSION = version("berita")
except PackageNotFoundError:  # running from a checkout that was never installed
    BERITA_VERSION = "unknown"


class RelatedPath:
    """Routes GET /api/articles/{id}/related to the related resource: one path
    template with a slash-friendly id cannot have a suffix in Falcon. An
    article whose own id ends in /related is read, written and deleted as
    itself: only a GET for an id that is no article is taken as related."""

    PREFIX, SUFFIX = "/api/articles/", "/related"

    def __init__(self, engine: Engine):
        self.engine = engine

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        path = req.path
        if req.method not in ("GET", "HEAD") or not (path.startswith(self.PREFIX) and path.endswith(self.SUFFIX)):
            return
        if self.engine.article(path[len(self.PREFIX) :]) is None:
            req.path = "/api/related/" + path[len(self.PREFIX) : -len(self.SUFFIX)]


CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Headers every response carries: no MIME sniffing; for HTML a
    Content-Security-Policy without inline script, no framing, no referrer leak."""

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool) -> None:
        resp.set_header("X-Content-Type-Options", "nosniff")
        if (resp.content_type or "").startswith("text/html"):
            resp.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            resp.set_header("Referrer-Policy", "strict-origin-when-cross-origin")
            resp.set_header("X-Frame-Options", "DENY")


class HeadAsGet:
    """HEAD mirrors GET on every route (Falcon sends no body for HEAD)."""

    def process_resource(self, req: falcon.Request, resp: falcon.Response, resource, params: dict) -> None:
        if (
            req.method == "HEAD"
            and resource is not None
            and not hasattr(resource, "on_head")
            and hasattr(resource, "on_get")
        ):
            resource.on_get(req, resp, **params)
            resp.complete = True


class ConditionalGet:
    """ETag and Cache-Control for GET: an answer depends on the request and the
    index generation (and this Berita's version), so the ETag is made from
    those; a client that sends it back gets 304 without the search being run.
    ``no-cache`` makes clients revalidate, so a new commit is seen at once.
    /health describes the moment and is never cached."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def _etag(self, req: falcon.Request) -> str:
        digest = hashlib.sha1(f"{BERITA_VERSION} {req.relative_uri}".encode()).hexdigest()[:16]
        return f'W/"{self.engine.generation}-{digest}"'

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.method not in ("GET", "HEAD") or _uncached(req.path):
            return
        etag = req.context.etag = self._etag(req)  # made once; the answer carries it
        if etag in (req.get_header("If-None-Match") or ""):
            resp.status = falcon.HTTP_304
            resp.etag = etag
            resp.complete = True

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool) -> None:
        if req.method not in ("GET", "HEAD"):
            return
        if _uncached(req.path) or not req_succeeded or not str(resp.status).startswith(("200", "304")):
            resp.cache_control = ["no-store"]
            return
        resp.cache_control = ["no-cache"]
        resp.etag = req.context.get("etag") or self._etag(req)


def _uncached(path: str) -> bool:
    """/health describes the moment; alerts change without a commit."""
    return path == "/health" or path.startswith("/api/alerts")


def open_backend(index_dir: str | Path, config: ServiceConfig) -> tuple[Engine, ArticleWriter]:
    """The engine and writer ``config`` names: the Whoosh index in
    ``index_dir`` (the default), or an OpenSearch cluster (its client is
    imported only then; ``index_dir`` keeps the write keys)."""
    if config.opensearch is not None:
        from ..backends.opensearch.engine import OpenSearchEngine

        cluster = OpenSearchEngine.connect(config.opensearch, budget_seconds=config.budget_seconds)
        return cluster, cluster.writer()
    engine = SearchEngine.open(
        index_dir,
        postings_cache_mb=config.postings_cache_mb,
        cache_entries=config.cache_entries,
        budget_seconds=config.budget_seconds,
    )
    return engine, Committer(index_dir)


def create_app(
    index_dir: str | Path,
    config: ServiceConfig | None = None,
    *,
    engine: Engine | None = None,
    writer: ArticleWriter | None = None,
    rate_limit: RateLimiter | None = None,
    admission: Admission | None = None,
    generations: WorkerGenerations | None = None,
    warm_up: bool = False,
) -> falcon.App:
    """The WSGI app over one index, as ``config`` says (all state lives in the
    app and its engine). The parts it would build from ``config`` may be
    given instead (a test's engine, a limiter on a fake clock);
    ``generations`` is shared by the worker processes (see
    :mod:`search.http.visibility`); ``warm_up``: run each kind of request
    once first, as a server's worker does before it answers anyone. Alerts
    are kept in ``index_dir`` on either backend (over the cluster, beside
    the write keys)."""
    config = config or ServiceConfig()
    if engine is None:
        engine, opened_writer = open_backend(index_dir, config)
        writer = writer or opened_writer
    writer = writer or Committer(index_dir)
    if warm_up:
        engine.warm_up()
    guard = WriteGuard(index_dir, config.trusted_proxies)
    if rate_limit is None and config.rate:
        rate_limit = RateLimiter(config.rate, config.burst_size, config.trusted_proxies)
    first: list = [Gzip(), *cors_middleware(config.cors_origins), RequestLimits()]
    if rate_limit:
        rate_limit.verified_key = guard.verified_owner  # a key counts as itself once verified
        first.append(rate_limit)
    if config.require_read_key:
        first.append(ReadKeys(guard))
    app = falcon.App(
        cors_enable=False,
        middleware=[
            *first,
            RelatedPath(engine),
            SecurityHeaders(),
            ConditionalGet(engine),
            admission or Admission(slots=config.costly_slots),  # after the 304s, which cost nothing
            HeadAsGet(),
        ],
    )
    app.req_options.keep_blank_qs_values = True
    app.req_options.strip_url_path_trailing_slash = True  # /cari/ is /cari
    app.set_error_serializer(serialize_error)
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(InvalidRequest, handle_invalid_request)
    app.add_error_handler(StaleCursor, handle_stale_cursor)
    app.add_error_handler(IndexBusy, handle_index_busy)
    app.add_error_handler(DiskFull, handle_disk_full)
    app.add_error_handler(BackendUnavailable, handle_backend_unavailable)
    app.add_error_handler(StaleAnalysis, handle_stale_analysis)
    app.add_route("/api/search", SearchResource(engine))
    generations = generations or WorkerGenerations(1)
    engine.on_new_snapshot(generations.publish)  # after the warmers: this worker now answers
    writes = Writes(writer, guard, Visibility(engine, generations))
    app.add_route("/api/articles", BulkResource(writes))
    app.add_route("/api/articles/{article_id:path}", ArticleResource(engine, writes))
    app.add_route("/api/related/{article_id:path}", RelatedResource(engine))
    app.add_route("/health", HealthResource(engine))
    base_url = (config.base_url or DEFAULT_BASE_URL).rstrip("/")
    app.add_route("/feed.atom", FeedResource(engine, base_url))
    app.add_route("/api/suggest", SuggestResource(engine))
    app.add_route("/api/search/export", ExportResource(engine))
    app.add_route("/openapi.json", OpenAPIResource())
    alerts = Alerts(engine, index_dir, guard, base_url)  # the store lives in index_dir on either backend
    app.add_route("/api/alerts", AlertsResource(alerts))
    app.add_route("/api/alerts/{alert_id}", AlertResource(alerts))
    app.add_route("/api/alerts/{alert_id}/deliveries", DeliveriesResource(alerts))
    app.add_route("/api/alerts/{alert_id}/feed.atom", AlertFeedResource(alerts))
    if config.alerts:
        AlertService(engine, index_dir, config.alert_retry_cap).start()
    add_pages(app, engine)
    return app
