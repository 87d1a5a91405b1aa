"""Bounds on what one client may ask: request size and rate.

A query string over ``MAX_QUERY_STRING`` bytes is a 414, a body over
``MAX_BODY`` a 413. With a rate limit configured (``serve --rate-limit 20/s
--burst 40``), each client address has a token bucket; an empty bucket is a
429 with ``Retry-After``. ``X-Forwarded-For`` names the client only when the
request comes from a trusted proxy. A request counts against its write key
instead of its address only once that key has been verified (so a CMS
publishing from one address has a budget of its own, while a made-up Bearer
token is limited like no token). Buckets live in each worker process, so with
N workers a client may get up to N times the rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import falcon

MAX_QUERY_STRING = 4096
MAX_BODY = 16 * 1024 * 1024  # a bulk publish; one article is at most 2 MiB
MAX_CLIENTS = 10_000  # buckets kept; the longest idle go first


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


def client_address(req: falcon.Request, trusted_proxies: frozenset[str]) -> str:
    """The client's address: ``X-Forwarded-For``'s first hop when the request
    comes from a trusted proxy, else the peer's."""
    forwarded = req.get_header("X-Forwarded-For")
    if forwarded and req.remote_addr in trusted_proxies:
        return forwarded.split(",")[0].strip()
    return req.remote_addr or "?"


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """A token bucket per key: ``rate`` tokens a second, ``burst`` at most;
    the ``MAX_CLIENTS`` most recently used are kept."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, key: str) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        self._buckets[key] = bucket  # re-inserted: the dict stays ordered by last use
        if len(self._buckets) > MAX_CLIENTS:
            del self._buckets[next(iter(self._buckets))]
        return bucket

    def wait(self, key: str, take: bool = True) -> int:
        """0 when ``key`` has a token (taken, with ``take``), else the whole
        seconds until it will have one."""
        with self._lock:
            bucket = self._bucket(key)
            if bucket.tokens >= 1:
                bucket.tokens -= take
                return 0
            return max(1, math.ceil((1 - bucket.tokens) / self.rate))


class RateLimiter:
    """A token bucket per client: ``rate`` requests a second, ``burst`` at once."""

    def __init__(self, rate: float, burst: int, trusted_proxies: frozenset[str] = frozenset(), clock=time.monotonic):
        self.rate = rate
        self.burst = max(1, burst)
        self.trusted = trusted_proxies
        self.buckets = TokenBuckets(rate, self.burst, clock)
        # The name of the write key a request carries, when that key was
        # verified before (set by the app to its WriteGuard's cheap lookup).
        self.verified_key: Callable[[falcon.Request], str | None] = lambda req: None

    def client(self, req: falcon.Request) -> str:
        """Who a request counts against: a verified key (the newsroom's CMS
        has its own budget), else its address; an unverified token counts
        against the address, like no token."""
        owner = self.verified_key(req)
        return "key:" + owner if owner else client_address(req, self.trusted)

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        wait = self.buckets.wait(self.client(req))
        if wait:
            raise falcon.HTTPTooManyRequests(
                title="Too many requests",
                description=f"at most {self.rate:g} requests a second (bursts of {self.burst}); try again in {wait} s",
                retry_after=wait,
            )
