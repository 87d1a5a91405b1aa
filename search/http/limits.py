"""Bounds on what one client may ask: request size and rate.

A query string over ``MAX_QUERY_STRING`` bytes is a 414, a body over
``MAX_BODY`` a 413. With a rate limit configured (``serve --rate-limit 20/s
--burst 40``), each client address has a token bucket; an empty bucket is a
429 with ``Retry-After``. ``X-Forwarded-For`` names the client only when the
request comes from a trusted proxy; a request with a key counts against its
key instead (so a CMS publishing from one address has a budget of its own). Buckets live in each worker process, so
with N workers a client may get up to N times the rate.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
from dataclasses import dataclass

import falcon

MAX_QUERY_STRING = 4096
MAX_BODY = 16 * 1024 * 1024  # a bulk publish; one article is at most 2 MiB
MAX_CLIENTS = 10_000  # buckets kept; the longest idle go first
RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute)\s*$")


def parse_rate(text: str) -> float:
    """Requests per second from "20/s" or "600/m"."""
    m = RATE.match(text)
    if not m or float(m[1]) <= 0:
        raise ValueError(f"a rate is like 20/s or 600/m, not {text!r}")
    return float(m[1]) / (60.0 if m[2].startswith("m") else 1.0)


class RequestLimits:
    """414 for an overlong query string, 413 for an overlong body."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if len(req.query_string.encode("utf-8")) > MAX_QUERY_STRING:
            raise falcon.HTTPUriTooLong(
                title="Query string too long",
                description=f"at most {MAX_QUERY_STRING} bytes of parameters are accepted",
            )
        if (req.content_length or 0) > MAX_BODY:
            raise falcon.HTTPContentTooLarge(
                title="Body too large", description=f"at most {MAX_BODY:,} bytes are accepted"
            )


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per client: ``rate`` requests a second, ``burst`` at once."""

    def __init__(self, rate: float, burst: int, trusted_proxies: frozenset[str] = frozenset(), clock=time.monotonic):
        self.rate = rate
        self.burst = max(1, burst)
        self.trusted = trusted_proxies
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def client(self, req: falcon.Request) -> str:
        """Who a request counts against: its key, when it sends one (the
        newsroom's CMS has its own budget), else its address."""
        scheme, _, token = (req.get_header("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return "key:" + hashlib.sha256(token.strip().encode("utf-8")).hexdigest()[:16]
        forwarded = req.get_header("X-Forwarded-For")
        if forwarded and req.remote_addr in self.trusted:
            return forwarded.split(",")[0].strip()
        return req.remote_addr or "?"

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        key, now = self.client(req), self.clock()
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            self._buckets[key] = bucket  # re-inserted: the dict stays ordered by last use
            if len(self._buckets) > MAX_CLIENTS:
                del self._buckets[next(iter(self._buckets))]
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return
            wait = math.ceil((1 - bucket.tokens) / self.rate)
        raise falcon.HTTPTooManyRequests(
            title="Too many requests",
            description=f"at most {self.rate:g} requests a second (bursts of {self.burst}); try again in {wait} s",
            retry_after=wait,
        )
