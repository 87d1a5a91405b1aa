"""Cross-origin access and compression: what a portal's front end on another
origin, and every client on a slow link, need from the service.

CORS is Falcon's own middleware (``serve --cors-origin``); a preflight is
answered before the rate limiter and the read keys see it (a browser sends
it without credentials). Compression is gzip (the stdlib) for the answers
that are text and worth it, streamed exports included.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator

import falcon

COMPRESSIBLE = (
    "application/json",
    "application/problem+json",
    "application/x-ndjson",
    "application/atom+xml",
    "text/html",
    "text/csv",
    "text/plain",
)
MIN_BYTES = 512  # smaller answers gain less than the gzip header costs
LEVEL = 6
EXPOSED = ("ETag", "Retry-After", "Content-Disposition", "WWW-Authenticate")
PREFLIGHT_METHODS = "GET, HEAD, OPTIONS, POST, PUT, DELETE"


def cors_middleware(origins: Iterable[str]) -> list:
    """Falcon's CORS policy for ``origins`` (``*`` for any), with preflights
    answered up front; nothing when no origin is allowed."""
    allowed = list(origins)
    if not allowed:
        return []
    anyone = "*" in allowed
    return [
        Preflight(vary=not anyone),
        falcon.CORSMiddleware(allow_origins="*" if anyone else allowed, expose_headers=list(EXPOSED)),
    ]


class Preflight:
    """Answers a CORS preflight (OPTIONS with Access-Control-Request-Method)
    at once: the CORS middleware then adds its headers, or none for an origin
    it does not allow. With a list of origins the answer depends on the
    request's Origin, so caches are told (``Vary: Origin``)."""

    def __init__(self, vary: bool):
        self.vary = vary

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.method == "OPTIONS" and req.get_header("Access-Control-Request-Method"):
            resp.status = falcon.HTTP_204
            resp.set_header("Allow", PREFLIGHT_METHODS)
            resp.complete = True

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool) -> None:
        if self.vary:
            resp.append_header("Vary", "Origin")


def accepts_gzip(header: str | None) -> bool:
    """Accept-Encoding names gzip (or *) without q=0."""
    for part in (header or "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip().replace(" ", "")
            if not q.startswith("q="):
                return True
            try:
                return float(q[2:]) > 0
            except ValueError:  # a malformed weight: as if gzip were not named
                return False
    return False


class Gzip:
    """gzip for text answers when the client accepts it (``Vary:
    Accept-Encoding`` either way); streamed bodies are compressed as they go."""

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool) -> None:
        kind = (resp.content_type or "").split(";")[0].strip()
        if kind not in COMPRESSIBLE or resp.get_header("Content-Encoding"):
            return
        resp.append_header("Vary", "Accept-Encoding")
        if req.method == "HEAD" or not accepts_gzip(req.get_header("Accept-Encoding")):
            return
        if resp.stream is not None:
            resp.stream = _compressed(resp.stream)
            resp.content_length = None
        else:
            body = resp.render_body()
            if body is None or len(body) < MIN_BYTES:
                return
            resp.text = None  # text outranks data when Falcon renders the body
            resp.data = gzip.compress(body, LEVEL)
        resp.set_header("Content-Encoding", "gzip")


def _compressed(chunks) -> Iterator[bytes]:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # the gzip container
    try:
        for chunk in chunks:
            packed = packer.compress(chunk)
            if packed:
                yield packed
        yield packer.flush()
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
