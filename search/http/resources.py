"""The HTTP resources: one class per URL, each translating HTTP to an engine
call and back: parameters through their model (:mod:`search.http.models`),
answers as a model's JSON. The engine's errors become problem+json in one
place (the handlers :func:`search.http.app.create_app` adds)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from itertools import chain

import falcon

from ..backend import Engine
from ..features.export import MEDIA_TYPES, export_filename, export_lines
from ..request import InvalidRequest
from .feeds import FEED_SIZE, atom_feed, describe_search
from .models import (
    Article,
    ExportParams,
    FilterParams,
    Health,
    Hit,
    Model,
    OrderParams,
    RelatedParams,
    RelatedResponse,
    SearchParams,
    SearchResponse,
    Suggestions,
    SuggestParams,
)
from .openapi import openapi_document
from .params import decode_cursor, encode_cursor, request_digest
from .writes import ArticleWrites, Writes


def send(resp: falcon.Response, answer: Model) -> None:
    """An answer model as the JSON body."""
    resp.content_type = falcon.MEDIA_JSON
    resp.data = answer.json_bytes()


class SearchResource:
    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        digest = request_digest(req.params, OrderParams.names())
        params = SearchParams.parse(req.params)
        request = params.to_request()
        if params.cursor:
            if req.get_param("page"):
                raise InvalidRequest("cursor", "give either page or cursor, not both")
            generation, start = decode_cursor(params.cursor, digest)
            request = replace(request, offset=start, generation=generation, collapse=False)
        result = self.engine.search(request)
        following = result.next_start if not request.collapse else None
        cursor = encode_cursor(result.generation, following, digest) if following is not None else None
        send(resp, SearchResponse.of(result, cursor=cursor))


class ArticleResource(ArticleWrites):
    """GET (and, with a write key, PUT and DELETE) one article."""

    def __init__(self, engine: Engine, writes: Writes):
        super().__init__(writes)
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response, article_id: str) -> None:
        article = self.engine.article(article_id)
        if article is None:
            raise falcon.HTTPNotFound(title="Article not found", description=f"no article with id {article_id!r}")
        send(resp, Article.model_validate(article))


class RelatedResource:
    """GET /api/articles/{id}/related: more like this article (reached through
    :class:`RelatedPath`, since article ids may themselves contain slashes)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response, article_id: str) -> None:
        params = RelatedParams.parse(req.params)
        found = self.engine.related(article_id, params.size, params.within_days)
        if found is None:
            raise falcon.HTTPNotFound(title="Article not found", description=f"no article with id {article_id!r}")
        result, same = found
        send(resp, RelatedResponse.of(result, same_story=[Hit.fields(h) for h in same]))


class ExportResource:
    """GET /api/search/export: the whole result set, streamed as CSV or JSON Lines."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        params = ExportParams.parse(req.params)
        understood, _ = self.engine.understand(params.to_request())  # date words in q as the date filter
        request = self.engine.spellchecked(understood)
        if request.q != understood.q:
            resp.set_header("X-Corrected-Query", request.q)  # the rows are for the corrected query
        rows = self.engine.export(request, params.limit)
        first = next(rows, None)  # validation errors surface here, before the 200 is sent
        resp.content_type = MEDIA_TYPES[params.format]
        name = export_filename(request.q, params.format, datetime.now().date().isoformat())
        resp.set_header("Content-Disposition", f'attachment; filename="{name}"')
        resp.stream = export_lines(chain([first] if first else [], rows), params.format, bom=params.bom)


class SuggestResource:
    """GET /api/suggest?q=prefix: completions for the search box."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        params = SuggestParams.parse(req.params)
        suggestions = self.engine.complete(params.q, params.size)
        send(resp, Suggestions(query=params.q, suggestions=suggestions))


class FeedResource:
    """GET /feed.atom: a saved search as an Atom feed, newest first. Its links
    start with the configured ``base_url`` (``serve --base-url``): a request's
    Host header is the client's to set, and a feed is read by others."""

    def __init__(self, engine: Engine, base_url: str):
        self.engine = engine
        self.base_url = base_url

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        request = FilterParams.parse(req.params).to_request(sort="newest", size=FEED_SIZE)
        result = self.engine.search(request)
        base = self.base_url
        resp.content_type = "application/atom+xml; charset=utf-8"
        searched = replace(request, q=result.corrected_query) if result.corrected_query else request
        resp.data = atom_feed(result, base + req.relative_uri, base, describe_search(searched))


class HealthResource:
    def __init__(self, engine: Engine):
        self.engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        send(resp, Health.model_validate(self.engine.health()))


class OpenAPIResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = openapi_document()
