"""Errors as RFC 9457 problem details (``application/problem+json``), rendered
in one place for every HTTPError the app raises."""

from __future__ import annotations

import logging

import falcon

from index.store import StaleAnalysis
from index.writer import DiskFull, IndexBusy

from ..backend import BackendUnavailable
from ..request import InvalidRequest, StaleCursor
from .models import Problem

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("berita.http")


class InvalidParameter(falcon.HTTPBadRequest):
    """A query parameter the engine rejected; ``param`` names it."""

    def __init__(self, param: str, detail: str):
        super().__init__(title="Invalid parameter", description=detail)
        self.param = param


def problem_type(status: int) -> str:
    return {
        400: "/problems/invalid-parameter",
        404: "/problems/not-found",
        410: "/problems/cursor-expired",
        401: "/problems/write-key-required",
        413: "/problems/body-too-large",
        414: "/problems/query-too-long",
        415: "/problems/unsupported-media-type",
        429: "/problems/rate-limited",
        503: "/problems/index-busy",
        507: "/problems/disk-full",
    }.get(status, "about:blank")


def serialize_problem(req: falcon.Request, resp: falcon.Response, exc: falcon.HTTPError) -> None:
    status = exc.status_code
    param = getattr(exc, "param", None)  # an InvalidParameter's
    given = {"param": param} if param else {}
    problem = Problem(
        type=problem_type(status), title=exc.title, status=status, detail=exc.description or exc.title, **given
    )
    resp.content_type = PROBLEM_JSON
    resp.data = problem.json_bytes()


def handle_invalid_request(req: falcon.Request, resp: falcon.Response, exc: InvalidRequest, params: dict) -> None:
    """The engine's (or a parameter model's) refusal: a 400 naming the parameter."""
    raise InvalidParameter(exc.param, exc.detail)


def handle_stale_cursor(req: falcon.Request, resp: falcon.Response, exc: StaleCursor, params: dict) -> None:
    """A cursor from before the last commit: gone, search again."""
    raise falcon.HTTPGone(title="Cursor expired", description=str(exc))


def handle_index_busy(req: falcon.Request, resp: falcon.Response, exc: IndexBusy, params: dict) -> None:
    """Another process held the write lock for the whole bounded wait."""
    who = f" (pid {exc.pid})" if exc.pid else ""
    raise falcon.HTTPServiceUnavailable(
        title="Index busy",
        description=f"another writer{who} holds the index; waited {exc.waited:g} s, try again",
        retry_after=2,
    )


def handle_backend_unavailable(
    req: falcon.Request, resp: falcon.Response, exc: BackendUnavailable, params: dict
) -> None:
    """The search cluster did not answer within the bounded wait: 503, try again."""
    raise falcon.HTTPServiceUnavailable(
        title="Search backend unavailable", description=str(exc), retry_after=exc.retry_after
    )


def handle_stale_analysis(req: falcon.Request, resp: falcon.Response, exc: StaleAnalysis, params: dict) -> None:
    """The index was built with other stemming rules: adding to it would mix two analyses."""
    raise falcon.HTTPConflict(title="Index built with other stemming rules", description=str(exc))


def handle_disk_full(req: falcon.Request, resp: falcon.Response, exc: DiskFull, params: dict) -> None:
    """The index's disk is full: nothing of this write was kept (507, WebDAV's Insufficient Storage)."""
    raise falcon.HTTPError(
        falcon.HTTP_507,
        title="Disk full",
        description="disk full: no space left to write the index; nothing of this write was kept, and the index "
        "keeps its last commit",
    )


def handle_unexpected(req: falcon.Request, resp: falcon.Response, exc: Exception, params: dict) -> None:
    """Last resort: log it and answer a problem, never a stack trace."""
    log.exception("unhandled error for %s %s", req.method, req.relative_uri)
    raise falcon.HTTPInternalServerError(
        title="Internal error", description="The server could not answer this request."
    )
