"""How one Berita service runs: the settings ``berita serve`` takes, in one
value that every worker process receives (no falcon here: the CLI reads it
without loading the web stack)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.opensearch.target import ClusterTarget

from ..reader.manager import DEFAULT_POSTINGS_CACHE_MB
from ..request import DEFAULT_BUDGET_SECONDS, DEFAULT_CACHE_ENTRIES

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_SLOTS = 1  # costly requests at once per worker
RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute)\s*$")


def parse_rate(text: str) -> float:
    """Requests per second from "20/s" or "600/m"."""
    m = RATE.match(text)
    if not m or float(m[1]) <= 0:
        raise ValueError(f"a rate is like 20/s or 600/m, not {text!r}")
    return float(m[1]) / (60.0 if m[2].startswith("m") else 1.0)


@dataclass(frozen=True)
class ServiceConfig:
    """The service's settings. ``rate`` (requests a second per client, with
    ``burst`` at once: default twice the rate) turns the rate limit on;
    ``cors_origins`` may call the API from a browser on another origin
    (``*``: any); ``base_url`` is where readers reach this service (feeds link
    there, never to a request's Host header; default: the address served).
    ``postings_cache_mb`` bounds what each worker keeps of the index's term
    postings (plus a quarter of it for assembled lists): with the index read
    through the page cache, it is what a worker's memory grows by once warm
    (docs/design.md, "Memory per worker")."""

    cache_entries: int = DEFAULT_CACHE_ENTRIES
    postings_cache_mb: int = DEFAULT_POSTINGS_CACHE_MB
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    costly_slots: int = DEFAULT_SLOTS
    rate: float | None = None
    burst: int | None = None
    trusted_proxies: frozenset[str] = frozenset()
    require_read_key: bool = False
    cors_origins: tuple[str, ...] = ()
    base_url: str | None = None  # None: this server's own address
    alerts: bool = True  # match and deliver alerts (in the one worker that holds the alerts lock)
    alert_retry_cap: float = 300.0  # longest wait between two tries of a failed webhook delivery
    opensearch: ClusterTarget | None = None  # serve from this OpenSearch cluster instead of the Whoosh index

    @property
    def burst_size(self) -> int:
        return self.burst or max(1, round(2 * (self.rate or 0)))
