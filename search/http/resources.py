"""The HTTP resources: one class per URL, each translating HTTP to an engine
call and back. Errors are raised as HTTPError subclasses and rendered as
problem+json in one place (:mod:`search.http.problems`)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from itertools import chain

import falcon

from ..engine import EXPORT_LIMIT, Hit, SearchEngine, SearchResult
from ..export import EXPORT_FORMATS, MEDIA_TYPES, export_filename, export_lines
from ..highlight import plain_text
from ..request import DEFAULT_HALF_LIFE_DAYS, InvalidRequest, SearchRequest, StaleCursor
from .feeds import FEED_SIZE, atom_feed
from .openapi import openapi_document
from .params import (
    EXPORT_PARAMS,
    FILTER_PARAMS,
    check_known,
    decode_cursor,
    encode_cursor,
    parse_bool,
    parse_date_bound,
    parse_facets,
    parse_float,
    parse_int,
    request_digest,
)
from .problems import InvalidParameter
from .writes import ArticleWrites, Committer, WriteGuard


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


json_dumps = partial(json.dumps, ensure_ascii=False, default=_json_default)


def request_from_params(req: falcon.Request) -> SearchRequest:
    """The engine request for /api/search (and the page) from query parameters."""
    get = req.get_param
    lists = {k: tuple(v for v in (req.get_param_as_list(k) or []) if v) for k in ("category", "source", "author")}
    now = get("now")
    return SearchRequest(
        q=get("q") or "",
        date_from=parse_date_bound("from", get("from")),
        date_to=parse_date_bound("to", get("to"), end=True),
        categories=lists["category"],
        sources=lists["source"],
        authors=lists["author"],
        sort=get("sort") or None,
        page=parse_int("page", get("page"), 1),
        size=parse_int("size", get("size"), 10),
        now=parse_date_bound("now", now, end=True) if now else None,
        half_life_days=parse_float("half_life", get("half_life"), DEFAULT_HALF_LIFE_DAYS),
        collapse=parse_bool("collapse", get("collapse"), True),
        facets=parse_facets(",".join(req.get_param_as_list("facets") or [])),
        interval=get("interval") or "auto",
    )


def result_envelope(result: SearchResult) -> dict:
    """The JSON body of /api/search (and of ``berita search --json``)."""
    envelope = _envelope(result)
    if result.histogram is not None:
        interval, buckets = result.histogram
        envelope["facets"]["date"] = [{"from": b.start, "to": b.end, "count": b.count} for b in buckets]
        envelope["date_interval"] = interval
    return envelope


def hit_json(h: Hit) -> dict:
    """One result as the API shows it."""
    return {
        "id": h.id, "url": h.url, "title": h.title, "title_html": h.title_html,
        "snippet": h.snippet, "snippet_text": plain_text(h.snippet), "published": h.published,
        "published_has_time": h.published_has_time, "category": h.category, "source": h.source,
        "author": h.author, "score": h.score, "duplicates": h.duplicates, "missing_word": h.missing_word,
    }


def _envelope(result: SearchResult) -> dict:
    return {
        "query": result.query,
        "total": result.total,
        "total_is_estimate": result.total_is_estimate,
        "page": result.page,
        "size": result.size,
        "pages": result.pages,
        "sort": result.sort,
        "took_ms": result.took_ms,
        "timed_out": result.timed_out,
        "partial_matches": {"total": result.partial_total, "missing_words": result.relaxed_words},
        "suggestion": result.suggestion,
        "results": [hit_json(h) for h in result.hits],
        **({"facets": {kind: [{"key": k, "label": label, "count": n} for k, label, n in values]
                       for kind, values in result.facets.items()}} if result.facets or result.histogram else {}),
    }


def run_search(engine: SearchEngine, request: SearchRequest) -> SearchResult:
    try:
        return engine.search(request)
    except InvalidRequest as exc:
        raise InvalidParameter(exc.param, exc.detail) from None


class SearchResource:
    def __init__(self, engine: SearchEngine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        digest = request_digest(req.params)
        try:
            check_known(list(req.params))
            request = request_from_params(req)
            cursor = req.get_param("cursor")
            if cursor:
                if req.get_param("page"):
                    raise InvalidRequest("cursor", "give either page or cursor, not both")
                generation, start = decode_cursor(cursor, digest)
                request = replace(request, offset=start, generation=generation, collapse=False)
        except InvalidRequest as exc:
            raise InvalidParameter(exc.param, exc.detail) from None
        try:
            result = run_search(self.engine, request)
        except StaleCursor as exc:
            raise falcon.HTTPGone(title="Cursor expired", description=str(exc)) from None
        envelope = result_envelope(result)
        following = result.next_start if not request.collapse else None
        envelope["cursor"] = encode_cursor(result.generation, following, digest) if following is not None else None
        resp.media = envelope


class ArticleResource(ArticleWrites):
    """GET (and, with a write key, PUT and DELETE) one article."""

    def __init__(self, engine: SearchEngine, committer: Committer, guard: WriteGuard):
        super().__init__(committer, guard)
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response, article_id: str) -> None:
        article = self.engine.article(article_id)
        if article is None:
            raise falcon.HTTPNotFound(title="Article not found", description=f"no article with id {article_id!r}")
        resp.media = article


class RelatedResource:
    """GET /api/articles/{id}/related: more like this article (reached through
    :class:`RelatedPath`, since article ids may themselves contain slashes)."""

    def __init__(self, engine: SearchEngine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response, article_id: str) -> None:
        try:
            check_known(list(req.params), ("size", "within_days"))
            size = parse_int("size", req.get_param("size"), 5)
            within = req.get_param("within_days")
            found = self.engine.related(article_id, size, parse_int("within_days", within, 0) if within else None)
        except InvalidRequest as exc:
            raise InvalidParameter(exc.param, exc.detail) from None
        if found is None:
            raise falcon.HTTPNotFound(title="Article not found", description=f"no article with id {article_id!r}")
        result, same = found
        resp.media = {**result_envelope(result), "same_story": [hit_json(h) for h in same]}


class ExportResource:
    """GET /api/search/export: the whole result set, streamed as CSV or JSON Lines."""

    def __init__(self, engine: SearchEngine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            check_known(list(req.params), EXPORT_PARAMS)
            fmt = req.get_param("format") or "csv"
            if fmt not in EXPORT_FORMATS:
                raise InvalidRequest("format", f"format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
            limit = parse_int("limit", req.get_param("limit"), EXPORT_LIMIT)
            if not 1 <= limit <= EXPORT_LIMIT:
                raise InvalidRequest("limit", f"limit must be between 1 and {EXPORT_LIMIT:,}")
            request = request_from_params(req)
            bom = parse_bool("bom", req.get_param("bom"), False)
            rows = self.engine.export(request, limit)
            first = next(rows, None)   # validation errors surface here, before the 200 is sent
        except InvalidRequest as exc:
            raise InvalidParameter(exc.param, exc.detail) from None
        resp.content_type = MEDIA_TYPES[fmt]
        name = export_filename(request.q, fmt, datetime.now().date().isoformat())
        resp.set_header("Content-Disposition", f'attachment; filename="{name}"')
        resp.stream = export_lines(chain([first] if first else [], rows), fmt, bom=bom)


class SuggestResource:
    """GET /api/suggest?q=prefix: completions for the search box."""

    def __init__(self, engine: SearchEngine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            check_known(list(req.params), ("q", "size"))
            q = req.get_param("q") or ""
            suggestions = self.engine.complete(q, parse_int("size", req.get_param("size"), 10))
        except InvalidRequest as exc:
            raise InvalidParameter(exc.param, exc.detail) from None
        resp.media = {"query": q, "suggestions": suggestions}


class FeedResource:
    """GET /feed.atom: a saved search as an Atom feed, newest first."""

    def __init__(self, engine: SearchEngine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            check_known(list(req.params), FILTER_PARAMS)
            request = replace(request_from_params(req), sort="newest", page=1, size=FEED_SIZE, facets=frozenset())
        except InvalidRequest as exc:
            raise InvalidParameter(exc.param, exc.detail) from None
        result = run_search(self.engine, request)
        base = f"{req.scheme}://{req.netloc}"
        described = request.q.strip() or "semua berita"
        resp.content_type = "application/atom+xml; charset=utf-8"
        resp.data = atom_feed(result, base + req.relative_uri, base, f"“{described}”")


class HealthResource:
    def __init__(self, engine: SearchEngine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.engine.health()


class OpenAPIResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = openapi_document()
